"""The campaign API for campaigns, commitments (述职承诺), plans (一村一策), their milestones
(倒排工期), progress reports and sign-offs (逐个销号).

Every read goes through `visible_to(user)` (a row outside the user's scope is a 404, never a
403 that would tell it exists); every write goes through `campaign.services`, which checks the
permission (a read-only role gets 403), validates (422 naming the field), detects concurrent edits
(409) and audits. The sign-off rules hold here exactly as in the pages and the admin: the
services refuse a failing criterion (422 naming it), the submitter verifying their own
submission (403) and a role that may not take the step (403).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from ninja.files import UploadedFile
from pydantic import ValidationError as PydanticValidationError

from lianxin.centers.models import Center
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import ConflictError, require_visible
from lianxin.regions.models import Region

from . import criteria, services, workflow
from .health import milestone_health, overdue_level
from .models import (
    Campaign,
    Commitment,
    Health,
    Milestone,
    Plan,
    ProgressPhoto,
    ProgressReport,
    SignOff,
    SignOffPhoto,
    SignOffStatus,
    WorksType,
)

router = Router(tags=["campaign"])

MAX_PAGE_SIZE = 500


def _code(value: str) -> str:
    return (value or "").strip()[:12].ljust(12, "0")


def _require_writer(user) -> None:
    """Writes that are not about one row (bulk-create): a role that may write somewhere."""
    if scope_for(user, CHANGE).is_empty():
        raise PermissionDenied(_("您的角色只能查看，不能修改。"))


def _visible_region(user, code: str) -> Region:
    return get_object_or_404(Region.objects.visible_to(user), code=_code(code))


# -- schemas -------------------------------------------------------------------------------------


class RegionRef(Schema):
    code: str
    name: str


class CommitmentOut(Schema):
    id: int
    district: RegionRef
    secretary: str
    target_count: int
    target_date: date
    note: str
    plans: int = Field(0, description="Plans in the district")
    signed_off: int = Field(0, description="Sites signed off so far")
    signed_off_by_target: int = Field(0, description="Sites signed off by the committed date")
    met: bool = Field(False, description="The commitment is met (by the committed date)")


class CampaignProgress(Schema):
    plans: int
    signed_off: int
    green: int = 0
    amber: int = 0
    red: int = 0
    done: int = 0
    overdue: int = 0


class CampaignOut(Schema):
    id: int
    code: str
    name: str
    description: str
    region: RegionRef
    kinds: list[str]
    starts_on: date
    target_date: date
    progress: CampaignProgress


class CampaignDetail(CampaignOut):
    commitments: list[CommitmentOut]


class CenterRef(Schema):
    id: int
    code: str
    name: str
    kind: str
    status: str
    floor_area: Decimal | None
    households: int | None

    @staticmethod
    def resolve_code(obj):
        return obj.region.code


class LeaderRef(Schema):
    id: int
    name: str
    position: str


class PlanOut(Schema):
    id: int
    campaign_id: int
    center: CenterRef
    district_code: str
    street_code: str
    works_type: str
    target_area: Decimal | None
    budget: Decimal | None
    premises: str
    starts_on: date | None
    deadline: date
    leader: LeaderRef | None
    notes: str
    health: str
    signed_off_on: date | None
    progress: int = Field(0, description="Mean progress of the milestones (%)")
    overdue: int = Field(0, description="Milestones past their planned completion, not done")
    version: int
    is_demo: bool


class PlanPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PlanOut]


class MilestoneOut(Schema):
    id: int
    plan_id: int
    code: str
    name: str
    label: str
    sort: int
    duration_days: int
    starts_on: date
    due_on: date
    progress: int
    completed_on: date | None
    escalation: int
    health: str = ""
    overdue: bool = Field(False, description="Past its planned completion and not done")
    overdue_level: int = Field(0, description="1 overdue, 2 three times overdue")
    starts_in_past: bool = Field(
        False, description="Its planned start is before today and it has no progress (flagged)"
    )


class CriterionOut(Schema):
    code: str
    label: str
    passed: bool
    detail: str


class PhotoOut(Schema):
    id: int
    kind: str
    url: str


class SignOffOut(Schema):
    plan_id: int
    status: str
    status_label: str
    criteria: list[CriterionOut] = Field(description="Every criterion as of today")
    passed: bool = Field(description="Every criterion holds today")
    recorded_criteria: list[CriterionOut] = Field(
        description="The criteria as evaluated at the last step"
    )
    submitted_by: str | None
    submitted_at: str | None
    verified_by: str | None
    verified_at: str | None
    signed_off_on: date | None
    reason: str
    photos: list[PhotoOut]
    allowed_actions: list[str] = Field(description="The steps the current user may take now")
    version: int


class PlanDetail(PlanOut):
    milestones: list[MilestoneOut]
    signoff: SignOffOut


class PlanPatch(Schema):
    version: int = Field(description="The version read; a stale one is refused with 409")
    works_type: WorksType | None = None
    target_area: Decimal | None = None
    budget: Decimal | None = None
    premises: str | None = None
    starts_on: date | None = None
    deadline: date | None = None
    leader_id: int | None = None
    notes: str | None = None


class PlanCreate(Schema):
    campaign: int
    center: int
    works_type: WorksType
    deadline: date
    target_area: Decimal | None = None
    budget: Decimal | None = None
    premises: str = ""
    starts_on: date | None = None
    leader_id: int | None = None
    notes: str = ""


class BulkIn(Schema):
    campaign: int
    within: str | None = Field(None, description="Only sites under this unit (a code)")
    deadline: date | None = Field(
        None, description="Default: the district's commitment date, else the campaign's"
    )


class BulkOut(Schema):
    created: int
    ids: list[int]


class CommitmentIn(Schema):
    district: str = Field(description="The district's code")
    secretary: str | None = None
    target_count: int | None = Field(None, ge=0)
    target_date: date | None = None
    note: str | None = None


class DurationIn(Schema):
    duration_days: int
    version: int | None = Field(None, description="The plan's version read (optional)")


class ReportIn(Schema):
    progress: int
    reported_on: date | None = None
    note: str = Field("", max_length=300)


class ReportOut(Schema):
    id: int
    milestone_id: int
    plan_id: int
    progress: int
    reported_on: date
    note: str
    reported_by: str | None
    photos: list[PhotoOut]

    @staticmethod
    def resolve_reported_by(obj):
        return str(obj.reported_by) if obj.reported_by_id else None

    @staticmethod
    def resolve_photos(obj):
        return [_photo(p, "progress") for p in obj.photos.all()]


class StepIn(Schema):
    reason: str = Field("", max_length=300, description="Required to return or reopen")
    note: str = Field("", max_length=300)
    on: date | None = Field(None, description="Verify: the sign-off date (default today)")


# -- serialising ---------------------------------------------------------------------------------


def _region(region) -> dict:
    return {"code": region.code, "name": region.name}


def _photo(photo, kind: str) -> dict:
    return {
        "id": photo.pk,
        "kind": getattr(photo, "kind", ""),
        "url": f"/api/v1/campaign/{kind}-photos/{photo.pk}",
    }


def _plans_qs(user, today: date):
    late = Q(milestones__completed_on__isnull=True, milestones__due_on__lt=today)
    return (
        Plan.objects.visible_to(user)
        .select_related("center__region", "leader")
        .annotate(
            progress=Avg("milestones__progress", default=0),
            overdue=Count("milestones", filter=late),
        )
    )


def _plan_with_numbers(user, pk: int) -> Plan:
    return get_object_or_404(_plans_qs(user, timezone.localdate()), pk=pk)


def _as_int(value) -> int:
    return round(value or 0)


def _plan_out(plan: Plan) -> Plan:
    plan.progress = _as_int(getattr(plan, "progress", 0))
    return plan


def _signoff_out(user, plan: Plan, can_change: bool) -> dict:
    signoff = SignOff.objects.filter(plan=plan).select_related("submitted_by", "verified_by")
    signoff = signoff.first()
    if signoff is not None:
        plan.signoff = signoff
    status = signoff.status if signoff else SignOffStatus.DRAFT
    live = [c.as_dict() for c in criteria.evaluate(plan)]
    allowed = []
    if can_change:
        allowed = [a for a in workflow.allowed(status) if workflow.may(user, a)]
    return {
        "plan_id": plan.pk,
        "status": status,
        "status_label": str(SignOffStatus(status).label),
        "criteria": live,
        "passed": all(c["passed"] for c in live),
        "recorded_criteria": signoff.criteria if signoff else [],
        "submitted_by": str(signoff.submitted_by) if signoff and signoff.submitted_by else None,
        "submitted_at": signoff.submitted_at.isoformat()
        if signoff and signoff.submitted_at
        else None,
        "verified_by": str(signoff.verified_by) if signoff and signoff.verified_by else None,
        "verified_at": signoff.verified_at.isoformat() if signoff and signoff.verified_at else None,
        "signed_off_on": signoff.signed_off_on if signoff else None,
        "reason": signoff.reason if signoff else "",
        "photos": [_photo(p, "signoff") for p in signoff.photos.all()] if signoff else [],
        "allowed_actions": allowed,
        "version": signoff.version if signoff else 0,
    }


def _milestones_out(plan: Plan, today: date) -> list[dict]:
    from lianxin.core.workdays import calendar

    cal = calendar()
    out = []
    for m in plan.milestones.all():
        level = overdue_level(m, today, cal)
        out.append(
            {
                "id": m.pk,
                "plan_id": m.plan_id,
                "code": m.code,
                "name": m.name,
                "label": m.label,
                "sort": m.sort,
                "duration_days": m.duration_days,
                "starts_on": m.starts_on,
                "due_on": m.due_on,
                "progress": m.progress,
                "completed_on": m.completed_on,
                "escalation": m.escalation,
                "health": milestone_health(m, today, cal),
                "overdue": level > 0,
                "overdue_level": level,
                "starts_in_past": m.starts_on < today and not m.progress and not m.done,
            }
        )
    return out


def _detail(request, pk: int) -> Plan:
    """The plan with its milestones and sign-off, as the user may see it."""
    user = request.user
    today = timezone.localdate()
    plan = _plan_out(_plan_with_numbers(user, pk))
    can_change = Plan.objects.visible_to(user, CHANGE).filter(pk=plan.pk).exists()
    plan.milestones_data = _milestones_out(plan, today)
    plan.signoff_data = _signoff_out(user, plan, can_change)
    return plan


class _DetailOut(PlanDetail):
    @staticmethod
    def resolve_milestones(obj):
        return obj.milestones_data

    @staticmethod
    def resolve_signoff(obj):
        return obj.signoff_data


# -- campaigns and commitments ------------------------------------------------------------------


def _progress_by_campaign(user, campaign_ids, today: date) -> dict[int, dict]:
    late = Exists(
        Milestone.objects.filter(
            plan_id=OuterRef("pk"), completed_on__isnull=True, due_on__lt=today
        )
    )
    rows = (
        Plan.objects.visible_to(user)
        .filter(campaign_id__in=campaign_ids)
        .annotate(late=late)
        .values("campaign_id")
        .annotate(
            plans=Count("pk"),
            signed_off=Count("pk", filter=Q(signed_off_on__isnull=False)),
            overdue=Count("pk", filter=Q(late=True, signed_off_on__isnull=True)),
            green=Count("pk", filter=Q(health=Health.GREEN)),
            amber=Count("pk", filter=Q(health=Health.AMBER)),
            red=Count("pk", filter=Q(health=Health.RED)),
            done=Count("pk", filter=Q(health=Health.DONE)),
        )
        .order_by()
    )
    empty = {"plans": 0, "signed_off": 0}
    out = {i: dict(empty) for i in campaign_ids}
    for row in rows:
        out[row.pop("campaign_id")] = row
    return out


def _campaign_out(campaign: Campaign, progress: dict) -> dict:
    return {
        "id": campaign.pk,
        "code": campaign.code,
        "name": campaign.name,
        "description": campaign.description,
        "region": _region(campaign.region),
        "kinds": campaign.kinds,
        "starts_on": campaign.starts_on,
        "target_date": campaign.target_date,
        "progress": progress,
    }


def _plan_count(**filters):
    """How many of the commitment's district's plans in its campaign match (a subquery)."""
    plans = (
        Plan.objects.filter(
            campaign_id=OuterRef("campaign_id"), district_code=OuterRef("district__code"), **filters
        )
        .order_by()
        .values("campaign_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(plans, output_field=IntegerField()), 0)


def _commitments(user, campaign: Campaign) -> list[dict]:
    """The district commitments the user sees, each with the district's actual progress (all
    its plans: a user who sees a district's commitment sees the whole district)."""
    rows = (
        Commitment.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("district")
        .annotate(
            n_plans=_plan_count(),
            n_signed=_plan_count(signed_off_on__isnull=False),
            n_by_target=_plan_count(signed_off_on__lte=OuterRef("target_date")),
        )
        .order_by("district__code")
    )
    return [
        {
            "id": c.pk,
            "district": _region(c.district),
            "secretary": c.secretary,
            "target_count": c.target_count,
            "target_date": c.target_date,
            "note": c.note,
            "plans": c.n_plans,
            "signed_off": c.n_signed,
            "signed_off_by_target": c.n_by_target,
            "met": c.n_by_target >= c.target_count,
        }
        for c in rows
    ]


@router.get("/campaigns", response=list[CampaignOut], summary="Campaigns, with your progress")
def list_campaigns(request):
    campaigns = list(Campaign.objects.select_related("region"))
    progress = _progress_by_campaign(request.user, [c.pk for c in campaigns], timezone.localdate())
    return [_campaign_out(c, progress[c.pk]) for c in campaigns]


@router.get(
    "/campaigns/{int:campaign_id}",
    response=CampaignDetail,
    summary="A campaign: progress in your scope and the commitments against actual progress",
)
def get_campaign(request, campaign_id: int):
    campaign = get_object_or_404(Campaign.objects.select_related("region"), pk=campaign_id)
    progress = _progress_by_campaign(request.user, [campaign.pk], timezone.localdate())
    return _campaign_out(campaign, progress[campaign.pk]) | {
        "commitments": _commitments(request.user, campaign)
    }


@router.get(
    "/campaigns/{int:campaign_id}/commitments",
    response=list[CommitmentOut],
    summary="The districts' commitments (述职承诺) against actual progress",
)
def list_commitments(request, campaign_id: int):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    return _commitments(request.user, campaign)


@router.post(
    "/campaigns/{int:campaign_id}/commitments",
    response={200: CommitmentOut, 201: CommitmentOut},
    summary="Set a district's commitment (created, or updated when it exists)",
)
def save_commitment(request, campaign_id: int, payload: CommitmentIn):
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    district = _visible_region(request.user, payload.district)
    if district.level != 3:
        raise ValidationError({"district": [_("请选择一个区。")]})
    data = payload.dict(exclude_unset=True)
    data.pop("district")
    existed = Commitment.objects.filter(campaign=campaign, district=district).exists()
    saved = services.save_commitment(request.user, campaign, district, data)
    out = next(c for c in _commitments(request.user, campaign) if c["id"] == saved.pk)
    return Status(200 if existed else 201, out)


# -- plans ---------------------------------------------------------------------------------------

SORTS = {
    "deadline": ("deadline", "region_path"),
    "code": ("center__region__code",),
    "health": ("health", "deadline"),
    "updated": ("updated_at",),
    "progress": ("progress", "deadline"),
}


@router.get(
    "/plans", response=PlanPage, summary="Plans (一村一策) in your scope, filtered and paged"
)
def list_plans(
    request,
    campaign: int | None = None,
    region: str = "",
    district: str = "",
    street: str = "",
    works_type: str = "",
    health: str = "",
    signed_off: bool | None = None,
    overdue: bool | None = None,
    leader: int | None = None,
    q: str = "",
    sort: str = "deadline",
    page: int = 1,
    page_size: int = 50,
):
    today = timezone.localdate()
    qs = _plans_qs(request.user, today)
    if campaign:
        qs = qs.filter(campaign_id=campaign)
    if region:
        qs = qs.filter(region_path__contains=_code(region) + "/")
    if district:
        qs = qs.filter(district_code=_code(district))
    if street:
        qs = qs.filter(street_code=_code(street))
    if works_type:
        qs = qs.filter(works_type=works_type)
    if health:
        qs = qs.filter(health=health)
    if signed_off is not None:
        qs = qs.filter(signed_off_on__isnull=not signed_off)
    if overdue is not None:
        late = Exists(
            Milestone.objects.filter(
                plan_id=OuterRef("pk"), completed_on__isnull=True, due_on__lt=today
            )
        )
        qs = qs.filter(late if overdue else ~late)
    if leader:
        qs = qs.filter(leader_id=leader)
    text = q.strip()[:60].lower()
    if text:
        qs = qs.filter(
            Q(center__search_text__icontains=text)
            | Q(center__region__code__startswith=text)
            | Q(notes__icontains=text)
        )
    desc = sort.startswith("-")
    order = SORTS.get(sort.lstrip("-"), SORTS["deadline"])
    qs = qs.order_by(*[("-" if desc else "") + f for f in order], "pk")
    page = max(1, page)
    page_size = max(1, min(MAX_PAGE_SIZE, page_size))
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": [_plan_out(p) for p in qs[start : start + page_size]],
    }


@router.get("/plans/{int:plan_id}", response=_DetailOut, summary="A plan with its schedule")
def get_plan(request, plan_id: int):
    return _detail(request, plan_id)


@router.post("/plans", response={201: _DetailOut}, summary="Create one plan (一村一策)")
def create_plan(request, payload: PlanCreate):
    campaign = get_object_or_404(Campaign, pk=payload.campaign)
    center = get_object_or_404(Center.objects.visible_to(request.user), pk=payload.center)
    data = payload.dict(exclude={"campaign", "center"})
    plan = services.create_plan(request.user, campaign, center, data)
    return Status(201, _detail(request, plan.pk))


@router.patch(
    "/plans/{int:plan_id}",
    response=_DetailOut,
    summary="Edit a plan; a new deadline or works type re-lays the schedule",
)
def patch_plan(request, plan_id: int, payload: PlanPatch):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    if "works_type" in data and data["works_type"] is not None:
        data["works_type"] = str(WorksType(data["works_type"]).value)
    services.update_plan(request.user, plan, data, expected_version=version)
    return _detail(request, plan.pk)


@router.post(
    "/plans/bulk",
    response={201: BulkOut},
    summary="一村一策 for every non-compliant site in your scope that has no plan yet",
)
def bulk_create(request, payload: BulkIn):
    _require_writer(request.user)
    campaign = get_object_or_404(Campaign, pk=payload.campaign)
    within = _visible_region(request.user, payload.within) if payload.within else None
    plans = services.bulk_create_plans(
        request.user, campaign, within=within, deadline=payload.deadline
    )
    return Status(201, {"created": len(plans), "ids": [p.pk for p in plans]})


# -- milestones and progress ---------------------------------------------------------------------


@router.get(
    "/plans/{int:plan_id}/milestones",
    response=list[MilestoneOut],
    summary="A plan's schedule (倒排工期)",
)
def list_milestones(request, plan_id: int):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_id)
    return _milestones_out(plan, timezone.localdate())


@router.patch(
    "/milestones/{int:milestone_id}",
    response=MilestoneOut,
    summary="Change a milestone's duration; the milestones before it move, the deadline holds",
)
def patch_milestone(request, milestone_id: int, payload: DurationIn):
    milestone = get_object_or_404(
        Milestone.objects.visible_to(request.user).select_related("plan"), pk=milestone_id
    )
    if payload.version is not None and payload.version != milestone.plan.version:
        require_visible(request.user, milestone.plan)  # a read-only role: 403, not 409
        raise ConflictError()
    milestone = services.set_milestone_duration(request.user, milestone, payload.duration_days)
    plan = Plan.objects.get(pk=milestone.plan_id)
    return next(m for m in _milestones_out(plan, timezone.localdate()) if m["id"] == milestone.pk)


REPORT_BODY = {
    "requestBody": {
        "content": {
            "application/json": {"schema": ReportIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "progress": {"type": "integer", "minimum": 0, "maximum": 100},
                        "reported_on": {"type": "string", "format": "date"},
                        "note": {"type": "string", "maxLength": 300},
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                        },
                    },
                    "required": ["progress"],
                }
            },
        },
        "required": True,
    }
}


def _parse(request, schema: type[Schema]):
    """A body given as JSON, as a form (multipart from phones, with files) or not at all,
    validated against `schema` (errors name the field, like every other body)."""
    content_type = request.content_type or ""
    if content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
        data = {k: v for k, v in request.POST.items() if k in schema.model_fields}
    elif not request.body.strip():
        data = {}
    else:
        try:
            data = json.loads(request.body)
        except ValueError:
            raise ValidationError({"__all__": [_("请求内容不是有效的 JSON。")]}) from None
        if not isinstance(data, dict):
            raise ValidationError({"__all__": [_("请求内容须为 JSON 对象。")]})
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        raise NinjaValidationError(exc.errors(include_url=False, include_context=False)) from None


@router.post(
    "/milestones/{int:milestone_id}/reports",
    response={201: ReportOut},
    openapi_extra=REPORT_BODY,
    summary="Report a milestone's progress (JSON, or multipart with photos)",
)
def report_progress(request, milestone_id: int):
    milestone = get_object_or_404(
        Milestone.objects.visible_to(request.user).select_related("plan"), pk=milestone_id
    )
    require_visible(request.user, milestone.plan)  # before reading the upload
    payload = _parse(request, ReportIn)
    photos = request.FILES.getlist("photos") if request.method == "POST" else []
    report = services.report_progress(
        request.user,
        milestone,
        payload.progress,
        reported_on=payload.reported_on,
        note=payload.note,
        photos=photos,
    )
    return Status(201, report)


@router.get(
    "/plans/{int:plan_id}/reports",
    response=list[ReportOut],
    summary="A plan's progress reports, newest first",
)
def list_reports(request, plan_id: int, milestone: int | None = None):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_id)
    qs = (
        ProgressReport.objects.visible_to(request.user)
        .filter(plan=plan)
        .select_related("reported_by")
        .prefetch_related("photos")
    )
    if milestone:
        qs = qs.filter(milestone_id=milestone)
    return list(qs[:200])


def _serve(photo):
    name = photo.image.name.rsplit("/", 1)[-1]
    return FileResponse(photo.image.open("rb"), filename=name)


@router.get("/progress-photos/{int:photo_id}", summary="A progress photo", response={200: None})
def progress_photo(request, photo_id: int):
    return _serve(get_object_or_404(ProgressPhoto.objects.visible_to(request.user), pk=photo_id))


# -- sign-off ------------------------------------------------------------------------------------


@router.get(
    "/plans/{int:plan_id}/signoff",
    response=SignOffOut,
    summary="The sign-off (销号): status, each criterion as of today, the steps you may take",
)
def get_signoff(request, plan_id: int):
    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("center"), pk=plan_id
    )
    can_change = Plan.objects.visible_to(request.user, CHANGE).filter(pk=plan.pk).exists()
    return _signoff_out(request.user, plan, can_change)


@router.post(
    "/plans/{int:plan_id}/signoff/photos",
    response={201: PhotoOut},
    summary="Add an evidence photo to the sign-off (kind: signage, exterior, hall, rooms, other)",
)
def add_signoff_photo(request, plan_id: int, kind: Form[str], image: File[UploadedFile]):
    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_id)
    photo = services.add_signoff_photo(request.user, plan, kind, image)
    return Status(201, _photo(photo, "signoff"))


@router.get("/signoff-photos/{int:photo_id}", summary="A sign-off photo", response={200: None})
def signoff_photo(request, photo_id: int):
    return _serve(get_object_or_404(SignOffPhoto.objects.visible_to(request.user), pk=photo_id))


@router.post(
    "/plans/{int:plan_id}/signoff/{action}",
    response=SignOffOut,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": StepIn.model_json_schema()},
                "application/x-www-form-urlencoded": {"schema": StepIn.model_json_schema()},
            },
            "required": False,
        }
    },
    summary="A sign-off step: submit (the street), verify or return (another person at the "
    "district), reopen (a district administrator, with a reason)",
)
def signoff_step(request, plan_id: int, action: Literal["submit", "verify", "return", "reopen"]):
    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("center"), pk=plan_id
    )
    payload = _parse(request, StepIn)
    user = request.user
    if action == workflow.SUBMIT:
        services.submit_signoff(user, plan, note=payload.note)
    elif action == workflow.VERIFY:
        services.verify_signoff(user, plan, on=payload.on)
    elif action == workflow.RETURN:
        services.return_signoff(user, plan, payload.reason)
    else:
        services.reopen_signoff(user, plan, payload.reason)
    plan = Plan.objects.select_related("center").get(pk=plan.pk)
    return _signoff_out(user, plan, True)
