"""The services API for staff (/api/v1/services/…): the catalogue, devolutions, applications in
scope (ID numbers and phones masked), status changes, and statistics.

The catalogue is the city's public list: every staff member reads it. Everything else goes
through `visible_to(user)` (a row outside the scope is a 404, never a 403 that would tell it
exists); status changes go through `services.transition`, which checks the one table (a change
not in it is a 422 naming the status), the caller's role (403) and the version read (409).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from lianxin.core.scoping import under_code

from . import queries, queries_stats, workflow
from .models import (
    CLOSED,
    Application,
    Devolution,
    ServiceItem,
    Status,
)

router = Router(tags=["services"])

MAX_PAGE_SIZE = 500


def _code(value: str) -> str:
    return (value or "").strip()[:12].ljust(12, "0")


def _page(qs, page: int, page_size: int) -> dict:
    page, page_size = max(1, page), max(1, min(MAX_PAGE_SIZE, page_size))
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": list(qs[start : start + page_size]),
    }


# -- catalogue -----------------------------------------------------------------------------------


class TimeLimitOut(Schema):
    working_days: int
    valid_from: date | None
    valid_to: date | None
    note: str


class MaterialOut(Schema):
    id: int
    name: str
    required: bool
    copies: int
    source: str
    check_points: str


class OptionOut(Schema):
    key: str
    name: str


class FieldOut(Schema):
    id: int
    code: str
    label: str
    datatype: str
    required: bool
    description: str
    values: list[OptionOut]

    @staticmethod
    def resolve_values(obj):
        return [
            {"key": str(v.get("key", "")), "name": str(v.get("name", v.get("key", "")))}
            for v in obj.values or []
            if isinstance(v, dict)
        ]


class ItemOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    category: str
    department: str
    level: str
    item_type: str
    online: bool
    in_person: bool
    fee: str
    active: bool
    time_limit_days: int | None = Field(None, description="The time limit in force today")
    version: int

    @staticmethod
    def resolve_fee(obj):
        return f"{obj.fee:.2f}"

    @staticmethod
    def resolve_time_limit_days(obj):
        limit = obj.time_limit_on(timezone.localdate())
        return limit.working_days if limit else None


class ItemDetail(ItemOut):
    legal_basis: str
    eligibility: str
    description: str
    certificate_kind: str | None
    time_limits: list[TimeLimitOut]
    materials: list[MaterialOut]
    fields: list[FieldOut]

    @staticmethod
    def resolve_certificate_kind(obj):
        return obj.certificate_kind.code if obj.certificate_kind_id else None

    @staticmethod
    def resolve_time_limits(obj):
        return list(obj.time_limits.all())

    @staticmethod
    def resolve_materials(obj):
        return list(obj.materials.all())

    @staticmethod
    def resolve_fields(obj):
        return list(obj.fields.all())


class ItemPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ItemOut]


@router.get("/items", response=ItemPage, summary="The service catalogue (every staff member)")
def list_items(
    request,
    q: str = "",
    category: str = "",
    level: str = "",
    active: bool | None = True,
    page: int = 1,
    page_size: int = 100,
):
    qs = ServiceItem.objects.prefetch_related("time_limits").order_by("category", "code")
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(search_text__icontains=q.lower())
        )
    if category:
        qs = qs.filter(category=category)
    if level:
        qs = qs.filter(level=level)
    if active is not None:
        qs = qs.filter(active=active)
    return _page(qs, page, page_size)


@router.get("/items/{int:item_id}", response=ItemDetail, summary="One catalogue item")
def get_item(request, item_id: int):
    return get_object_or_404(
        ServiceItem.objects.select_related("certificate_kind").prefetch_related(
            "time_limits", "materials", "fields"
        ),
        pk=item_id,
    )


class RegionRef(Schema):
    code: str
    name: str


class ItemRef(Schema):
    id: int
    code: str
    name: str


class DevolutionOut(Schema):
    id: int
    district: RegionRef
    item: ItemRef
    level: str
    handling_mode: str
    valid_from: date | None
    valid_to: date | None
    note: str
    in_force: bool = Field(False, description="In force on the day asked about (default today)")


class DevolutionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DevolutionOut]


@router.get(
    "/devolutions",
    response=DevolutionPage,
    summary="Devolutions (权下放) of the districts in your scope",
)
def list_devolutions(
    request,
    district: str = "",
    item: str = "",
    level: str = "",
    on: date | None = None,
    page: int = 1,
    page_size: int = 100,
):
    from lianxin.core.periods import covering

    day = on or timezone.localdate()
    qs = (
        Devolution.objects.visible_to(request.user)
        .select_related("district", "item")
        .order_by("district__code", "item__code", "valid_from")
    )
    if district:
        qs = qs.filter(district__code=_code(district))
    if item:
        qs = qs.filter(item__code=item)
    if level:
        qs = qs.filter(level=level)
    if on:
        qs = qs.filter(covering(day, open_start=True))
    result = _page(qs, page, page_size)
    in_force = set(
        Devolution.objects.filter(
            covering(day, open_start=True), pk__in=[d.pk for d in result["items"]]
        ).values_list("pk", flat=True)
    )
    for d in result["items"]:
        d.in_force = d.pk in in_force
    return result


# -- applications --------------------------------------------------------------------------------


class CenterRef(Schema):
    id: int
    code: str
    name: str

    @staticmethod
    def resolve_code(obj):
        return obj.region.code


class ApplicationOut(Schema):
    id: int
    number: str
    item: ItemRef
    center: CenterRef
    street_code: str
    district_code: str
    handling_level: str
    handling_mode: str
    channel: str
    applicant_name: str
    id_number: str = Field(description="Masked (PIPL)")
    phone: str = Field(description="Masked (PIPL)")
    status: str
    status_label: str
    submitted_at: datetime
    accepted_at: datetime | None
    concluded_at: datetime | None
    time_limit_days: int
    deadline: date
    overdue: int = Field(description="0, 1 or 3: open and past the deadline (3× the time limit)")
    on_time: bool | None
    external_id: str
    version: int

    @staticmethod
    def resolve_overdue(obj):
        return queries.overdue_now(obj)

    @staticmethod
    def resolve_id_number(obj):
        return obj.id_number_masked

    @staticmethod
    def resolve_phone(obj):
        return obj.phone_masked

    @staticmethod
    def resolve_status_label(obj):
        return str(Status(obj.status).label)


class StepOut(Schema):
    from_status: str
    to_status: str
    to_label: str
    actor: str | None
    at: datetime
    note: str

    @staticmethod
    def resolve_to_label(obj):
        return str(Status(obj.to_status).label)

    @staticmethod
    def resolve_actor(obj):
        return str(obj.actor) if obj.actor_id else None


class AttachmentOut(Schema):
    id: int
    material_id: int
    material: str
    content_type: str
    size: int
    uploaded_at: datetime

    @staticmethod
    def resolve_material(obj):
        return obj.material.name


class RatingOut(Schema):
    score: int
    comment: str
    at: datetime
    reopened: bool
    answers: list[str]

    @staticmethod
    def resolve_answers(obj):
        return [str(a) for a in obj.answers.all()]


class ApplicationDetail(ApplicationOut):
    description: str
    form_data: dict
    result: str
    grave_deadline: date
    steps: list[StepOut]
    attachments: list[AttachmentOut]
    rating: RatingOut | None
    allowed: list[str] = Field(description="The statuses you may move it to now")

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.select_related("actor"))

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.select_related("material"))

    @staticmethod
    def resolve_rating(obj):
        return getattr(obj, "rating", None)


class ApplicationPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ApplicationOut]


SORTS = {
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "submitted": ("submitted_at", "id"),
    "-submitted": ("-submitted_at", "-id"),
    "number": ("number",),
}


def _applications(user):
    return Application.objects.visible_to(user).select_related("item", "center__region")


@router.get(
    "/applications",
    response=ApplicationPage,
    summary="Applications in your scope (ID numbers and phones masked), filtered and paged",
)
def list_applications(
    request,
    status: str = "",
    open: bool | None = None,
    item: str = "",
    center: int | None = None,
    region: str = "",
    channel: str = "",
    overdue: bool | None = None,
    submitted_from: date | None = None,
    submitted_to: date | None = None,
    q: str = "",
    sort: Literal["deadline", "-deadline", "submitted", "-submitted", "number"] = "deadline",
    page: int = 1,
    page_size: int = 50,
):
    qs = _applications(request.user)
    statuses = [s.strip() for s in status.split(",") if s.strip()]
    if statuses:
        qs = qs.filter(status__in=statuses)
    if open is not None:
        qs = qs.open() if open else qs.filter(status__in=CLOSED)
    if item:
        qs = qs.filter(item__code=item)
    if center:
        qs = qs.filter(center_id=center)
    if region:
        qs = qs.filter(under_code(region))
    if channel:
        qs = qs.filter(channel=channel)
    if overdue is not None:
        late = queries.overdue_q(timezone.localdate())
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if submitted_from:
        qs = qs.filter(submitted_at__date__gte=submitted_from)
    if submitted_to:
        qs = qs.filter(submitted_at__date__lte=submitted_to)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(applicant_name__icontains=q) | Q(external_id=q))
    return _page(qs.order_by(*SORTS[sort]), page, page_size)


def _allowed(user, application) -> list[str]:
    from .services import roles_of

    out: list[str] = []
    for role in roles_of(user, application) - {workflow.RESIDENT}:
        out += [s for s in workflow.next_statuses(application, role) if s not in out]
    return [str(s) for s in out]


@router.get(
    "/applications/{int:application_id}",
    response=ApplicationDetail,
    summary="One application: its steps, materials, rating and the changes you may make",
)
def get_application(request, application_id: int):
    app = get_object_or_404(_applications(request.user), pk=application_id)
    app.allowed = _allowed(request.user, app)
    return app


class TransitionIn(Schema):
    to_status: Status
    note: str = Field("", max_length=2000, description="Required to return, reject or conclude")
    result: str = Field("", max_length=4000, description="The result, when concluding")
    version: int = Field(description="The version read; a stale one is refused with 409")


@router.post(
    "/applications/{int:application_id}/transition",
    response=ApplicationDetail,
    summary="Change the status (by the one table; 422 when not allowed, 409 when stale)",
)
def transition(request, application_id: int, payload: TransitionIn):
    from . import services

    app = get_object_or_404(_applications(request.user), pk=application_id)
    services.transition(
        request.user,
        app,
        payload.to_status,
        note=payload.note,
        result=payload.result,
        version=payload.version,
    )
    app = get_object_or_404(_applications(request.user), pk=application_id)
    app.allowed = _allowed(request.user, app)
    return app


class RevealOut(Schema):
    id_number: str


@router.post(
    "/applications/{int:application_id}/reveal-id",
    response=RevealOut,
    summary="The applicant's full ID number (staff who handle the case; logged as a view)",
)
def reveal_id(request, application_id: int):
    from . import services

    app = get_object_or_404(_applications(request.user), pk=application_id)
    return {"id_number": services.reveal_id_number(request.user, app)}


# -- statistics (lianxin.services.queries_stats, the same figures as the statistics pages) ----------


class ByGroupOut(Schema):
    id: int
    code: str
    name: str
    total: int
    open: int
    concluded: int
    overdue: int = Field(description="Open and past the deadline")
    on_time: int
    on_time_rate: float | None


class ByStatusOut(Schema):
    status: str
    label: str
    closed: bool
    total: int


class PerformanceOut(Schema):
    code: str
    name: str
    concluded: int = Field(description="Cases concluded in the period")
    on_time: int
    on_time_rate: float | None = Field(description="on_time / concluded")
    ratings: int = Field(description="Ratings given in the period")
    satisfaction: float | None = Field(description="Mean score, 1–5")
    satisfied_rate: float | None = Field(description="Share of ratings of 4 or 5")


class SummaryOut(Schema):
    total: int = Field(description="Applications submitted in the period")
    open: int
    overdue: int
    concluded: int
    on_time: int
    on_time_rate: float | None
    ratings: int
    satisfaction: float | None
    satisfied_rate: float | None


def _range(date_from, date_to, region: str) -> dict:
    if date_from and date_to and date_from > date_to:
        from django.core.exceptions import ValidationError

        raise ValidationError({"date_from": [_("开始日期不能晚于结束日期。")]})
    return {"date_from": date_from, "date_to": date_to, "within": region.strip() or None}


STATS_NOTE = (
    "In your scope. `date_from`/`date_to`: days in Asia/Shanghai, both included; `region`: only "
    "under this unit (a division code)."
)


@router.get(
    "/stats/by-item",
    response=list[ByGroupOut],
    summary="Applications submitted in a period, per item",
    description=STATS_NOTE,
)
def stats_by_item(
    request, date_from: date | None = None, date_to: date | None = None, region: str = ""
):
    return queries_stats.applications_by(request.user, "item", **_range(date_from, date_to, region))


@router.get(
    "/stats/by-center",
    response=list[ByGroupOut],
    summary="Applications submitted in a period, per center",
    description=STATS_NOTE,
)
def stats_by_center(
    request, date_from: date | None = None, date_to: date | None = None, region: str = ""
):
    return queries_stats.applications_by(
        request.user, "center", **_range(date_from, date_to, region)
    )


@router.get(
    "/stats/by-status",
    response=list[ByStatusOut],
    summary="Applications submitted in a period, per status",
    description=STATS_NOTE,
)
def stats_by_status(
    request, date_from: date | None = None, date_to: date | None = None, region: str = ""
):
    return queries_stats.applications_by(
        request.user, "status", **_range(date_from, date_to, region)
    )


@router.get(
    "/stats/performance",
    response=list[PerformanceOut],
    summary="On-time rate and satisfaction per center, street or district, for a period",
    description=STATS_NOTE
    + " On-time rate: of the cases concluded in the period, the share concluded by their "
    "deadline; satisfaction: the mean of the ratings given in the period, and the share of 4 or 5.",
)
def stats_performance(
    request,
    level: Literal["center", "street", "district"] = "center",
    date_from: date | None = None,
    date_to: date | None = None,
    region: str = "",
):
    return queries_stats.performance(request.user, level, **_range(date_from, date_to, region))


@router.get(
    "/stats/summary",
    response=SummaryOut,
    summary="The headline figures in your scope for a period",
    description=STATS_NOTE,
)
def stats_summary(
    request, date_from: date | None = None, date_to: date | None = None, region: str = ""
):
    return queries_stats.summary(request.user, **_range(date_from, date_to, region))
