"""The standards API: rule sets, checklists, inspections, follow-ups and the level records.

Reads go through visible_to(user) (rule sets and checklists are city-wide reference data, open
to every staff user); every write goes through centers.services. Inspections with photos are
recorded on the phone page (/centers/<id>/inspect/): here they are read.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema, Status

from lianxin.core.scoping import under_code

from . import services
from .models import Center, Checklist, FollowUp, Inspection, LevelRecord, RuleSet
from .services import RULE_SET_FIELDS

router = Router(tags=["standards"])


class RuleSetOut(Schema):
    code: str
    name: str
    basis: str
    valid_from: date
    valid_to: date | None
    village_min_area: Decimal | None
    community_min_area: Decimal | None
    community_area_per_100_households: Decimal | None
    activity_share_min: Decimal | None
    comply_by: date | None
    note: str
    version: int


class RuleSetIn(Schema):
    name: str | None = None
    basis: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    village_min_area: Decimal | None = None
    community_min_area: Decimal | None = None
    community_area_per_100_households: Decimal | None = None
    activity_share_min: Decimal | None = None
    comply_by: date | None = None
    note: str | None = None


class RuleSetCreate(RuleSetIn):
    code: str
    name: str
    valid_from: date


class RuleSetUpdate(RuleSetIn):
    version: int


@router.get("/rulesets", response=list[RuleSetOut], summary="Rule sets, newest first")
def rule_sets(request, as_of: date | None = None):
    qs = RuleSet.objects.all()
    if as_of:
        in_force = RuleSet.objects.in_force(as_of)
        return [in_force] if in_force else []
    return list(qs)


@router.get("/rulesets/{code}", response=RuleSetOut)
def rule_set(request, code: str):
    return get_object_or_404(RuleSet, code=code)


@router.post("/rulesets", response={201: RuleSetOut}, summary="Create (city administrators)")
def create_rule_set(request, payload: RuleSetCreate):
    data = {k: v for k, v in payload.dict(exclude_unset=True).items() if k in RULE_SET_FIELDS}
    saved = services.save_rule_set(request.user, None, data)
    return Status(201, RuleSet.objects.get(pk=saved.pk))  # as stored (decimals at scale)


@router.patch("/rulesets/{code}", response=RuleSetOut, summary="Edit (city administrators)")
def update_rule_set(request, code: str, payload: RuleSetUpdate):
    obj = get_object_or_404(RuleSet, code=code)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    saved = services.save_rule_set(request.user, obj, data, expected_version=version)
    return RuleSet.objects.get(pk=saved.pk)


class ItemOut(Schema):
    code: str
    group: str
    text: str
    evidence_required: bool
    required: bool
    weight: Decimal


class ChecklistOut(Schema):
    code: str
    name: str
    description: str
    valid_from: date
    valid_to: date | None
    pass_score: Decimal
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


@router.get("/checklists", response=list[ChecklistOut])
def checklists(request):
    return list(Checklist.objects.prefetch_related("items"))


@router.get("/checklists/{code}", response=ChecklistOut)
def checklist(request, code: str):
    return get_object_or_404(Checklist, code=code)


class LevelRecordOut(Schema):
    id: int
    level: str
    compliant: bool
    effective_on: date
    valid_to: date | None
    since: date | None
    source: str
    rule_set: str | None
    floor_area: Decimal | None
    households: int | None
    required_area: Decimal | None
    score: Decimal | None
    note: str

    @staticmethod
    def resolve_rule_set(obj):
        return obj.rule_set.code if obj.rule_set_id else None


@router.get(
    "/centers/{int:center_id}/records",
    response=list[LevelRecordOut],
    summary="A center's level records (periods), newest first",
)
def level_records(request, center_id: int, level: str | None = None):
    get_object_or_404(Center.objects.visible_to(request.user), pk=center_id)
    qs = LevelRecord.objects.visible_to(request.user).filter(center_id=center_id)
    if level:
        qs = qs.filter(level=level)
    return list(qs.select_related("rule_set").order_by("-effective_on", "-id"))


class RenovationIn(Schema):
    accepted_on: date
    compliant: bool = True
    note: str = ""


@router.post(
    "/centers/{int:center_id}/renovation",
    response={201: LevelRecordOut},
    summary="Record a renovation acceptance (改造验收)",
)
def record_renovation(request, center_id: int, payload: RenovationIn):
    center = get_object_or_404(Center.objects.visible_to(request.user), pk=center_id)
    record = services.record_renovation(
        request.user, center, payload.accepted_on, compliant=payload.compliant, note=payload.note
    )
    return Status(201, record)


@router.post(
    "/centers/{int:center_id}/assess-area",
    response={201: LevelRecordOut},
    summary="Assess the area level today against the rule set in force",
)
def assess_area(request, center_id: int):
    center = get_object_or_404(Center.objects.visible_to(request.user), pk=center_id)
    return Status(201, services.assess_area(request.user, center))


class InspectionOut(Schema):
    id: int
    center_id: int
    checklist: str
    inspected_on: date
    score: Decimal
    passed: bool
    signature: str
    note: str
    results: list[dict]
    photos: int

    @staticmethod
    def resolve_checklist(obj):
        return obj.checklist.code

    @staticmethod
    def resolve_results(obj):
        return [
            {"item": r.item.code, "result": r.result, "note": r.note} for r in obj.results.all()
        ]

    @staticmethod
    def resolve_photos(obj):
        return obj.photos.count()


@router.get("/inspections", response=list[InspectionOut], summary="Inspections in your scope")
def inspections(
    request,
    center: int | None = None,
    region: str | None = None,
    page: int = 1,
    page_size: int = 50,
):
    qs = (
        Inspection.objects.visible_to(request.user)
        .select_related("checklist")
        .prefetch_related("results__item")
    )
    if center:
        qs = qs.filter(center_id=center)
    if region:
        qs = qs.filter(under_code(region))
    page_size = max(1, min(200, page_size))
    start = (max(1, page) - 1) * page_size
    return list(qs[start : start + page_size])


@router.get("/inspections/{int:inspection_id}", response=InspectionOut)
def inspection(request, inspection_id: int):
    return get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("checklist"), pk=inspection_id
    )


class FollowUpOut(Schema):
    id: int
    center_id: int
    description: str
    due_on: date | None
    status: str
    closed_on: date | None
    closed_note: str


class CloseIn(Schema):
    note: str
    closed_on: date | None = None


@router.get("/follow-ups", response=list[FollowUpOut], summary="Follow-ups in your scope")
def follow_ups(
    request, status: str | None = None, center: int | None = None, region: str | None = None
):
    qs = FollowUp.objects.visible_to(request.user)
    if status:
        qs = qs.filter(status=status)
    if center:
        qs = qs.filter(center_id=center)
    if region:
        qs = qs.filter(under_code(region))
    return list(qs[:500])


@router.post("/follow-ups/{int:follow_up_id}/close", response=FollowUpOut)
def close_follow_up(request, follow_up_id: int, payload: CloseIn):
    follow_up = get_object_or_404(FollowUp.objects.visible_to(request.user), pk=follow_up_id)
    return services.close_follow_up(
        request.user, follow_up, payload.closed_on or timezone.localdate(), payload.note
    )
