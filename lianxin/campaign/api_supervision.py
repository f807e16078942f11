"""The supervision API (/api/v1/campaign/…): leaders and their assignments (联系包保), visits with
their findings (督导 · 暗访), rectification items (整改), meetings with their action items
(定期例会), and statistics per leader and per district.

Reads go through visible_to(user): a row outside the user's scope is a 404. Every write goes
through campaign.services: a read-only role gets 403, bad input 422 with the fields named."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from lianxin.regions.models import Region

from . import queries_supervision as reads
from . import services
from .models import (
    ActionItem,
    ActionStatus,
    Leader,
    LeaderAssignment,
    Meeting,
    Rectification,
    RectificationStatus,
    Visit,
)

router = Router(tags=["supervision"])

MAX_PAGE = 200


def _page(qs, page: int, page_size: int) -> dict:
    page = max(1, page)
    page_size = max(1, min(MAX_PAGE, page_size))
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": list(qs[start : start + page_size]),
    }


def _region(request, code: str) -> Region:
    code = (code or "").strip()
    if not (code.isdigit() and len(code) <= 12):
        raise ValidationError({"region": [_("请填写 12 位区划代码。")]})
    return get_object_or_404(Region.objects.visible_to(request.user), code=code.ljust(12, "0"))


def _user(username: str | None, field: str):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ValidationError({field: [_("找不到账号“%(u)s”。") % {"u": username}]})
    return user


def _items(rows, key: str, text_field: str) -> list[dict]:
    """Rows from the request with their owners' accounts looked up (errors name the row)."""
    out, errors = [], {}
    for i, row in enumerate(rows):
        data = row.dict()
        try:
            data["owner"] = _user(data.pop("owner", None), f"{key}.{i}.owner")
        except ValidationError as exc:
            errors |= exc.message_dict
            data["owner"] = None
        data[text_field] = data.pop(text_field, "")
        out.append(data)
    if errors:
        raise ValidationError(errors)
    return out


# -- leaders and assignments ---------------------------------------------------------------------


class AssignmentOut(Schema):
    id: int
    leader_id: int
    region: str
    region_name: str
    since: date
    valid_to: date | None
    note: str

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name


class LeaderOut(Schema):
    id: int
    name: str
    position: str
    region: str
    region_name: str
    user: str | None
    active: bool
    is_demo: bool

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_user(obj):
        return obj.user.get_username() if obj.user_id else None


class LeaderDetail(LeaderOut):
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_assignments(obj):
        return obj.visible_assignments


class LeaderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[LeaderOut]


class LeaderIn(Schema):
    model_config = {"extra": "forbid"}

    name: str
    position: str
    region: str
    user: str | None = None
    active: bool = True


class LeaderPatch(Schema):
    model_config = {"extra": "forbid"}

    name: str | None = None
    position: str | None = None
    region: str | None = None
    user: str | None = None
    active: bool | None = None


class AssignIn(Schema):
    model_config = {"extra": "forbid"}

    region: str
    since: date
    note: str = ""


class EndIn(Schema):
    model_config = {"extra": "forbid"}

    valid_to: date


def _leader(request, leader_id: int) -> Leader:
    return get_object_or_404(
        Leader.objects.visible_to(request.user).select_related("region", "user"), pk=leader_id
    )


def _leader_detail(request, leader: Leader) -> Leader:
    leader.visible_assignments = list(
        LeaderAssignment.objects.visible_to(request.user)
        .filter(leader=leader)
        .select_related("region")
        .order_by("-since", "id")
    )
    return leader


@router.get("/leaders", response=LeaderPage, summary="Leaders in your scope (联系包保)")
def list_leaders(
    request,
    q: str = "",
    district: str = "",
    active: str = "1",
    page: int = 1,
    page_size: int = 50,
):
    _flt, qs = reads.visible_leaders(request.user, {"q": q, "district": district, "active": active})
    return _page(qs, page, page_size)


@router.get("/leaders/{int:leader_id}", response=LeaderDetail)
def get_leader(request, leader_id: int):
    return _leader_detail(request, _leader(request, leader_id))


@router.post("/leaders", response={201: LeaderDetail}, summary="Add a leader")
def create_leader(request, payload: LeaderIn):
    data = payload.dict()
    data["region"] = _region(request, data["region"])
    data["user"] = _user(data.get("user"), "user")
    leader = services.save_leader(request.user, None, data)
    return Status(201, _leader_detail(request, _leader(request, leader.pk)))


@router.patch("/leaders/{int:leader_id}", response=LeaderDetail, summary="Edit a leader")
def patch_leader(request, leader_id: int, payload: LeaderPatch):
    leader = _leader(request, leader_id)
    data = payload.dict(exclude_unset=True)
    if "region" in data:
        data["region"] = _region(request, data["region"] or "")
    if "user" in data:
        data["user"] = _user(data["user"], "user")
    for name in ("name", "position", "active"):
        if name in data and data[name] is None:
            data.pop(name)
    services.save_leader(request.user, leader, data)
    return _leader_detail(request, _leader(request, leader_id))


@router.get(
    "/assignments", response=list[AssignmentOut], summary="Assignments (on a day, by default all)"
)
def list_assignments(request, leader: int | None = None, region: str = "", on: date | None = None):
    qs = LeaderAssignment.objects.visible_to(request.user).select_related("region")
    if leader:
        qs = qs.filter(leader_id=leader)
    if region:
        qs = qs.filter(region_path__contains=f"/{region.ljust(12, '0')}/")
    if on:
        qs = qs.on(on)
    return list(qs.order_by("leader_id", "-since", "id")[:1000])


@router.post(
    "/leaders/{int:leader_id}/assignments",
    response={201: AssignmentOut},
    summary="Assign a leader to a district, a street or a site from a date",
)
def assign(request, leader_id: int, payload: AssignIn):
    leader = _leader(request, leader_id)
    region = _region(request, payload.region)
    return Status(
        201, services.assign_leader(request.user, leader, region, payload.since, note=payload.note)
    )


@router.post("/assignments/{int:assignment_id}/end", response=AssignmentOut)
def end_assignment(request, assignment_id: int, payload: EndIn):
    assignment = get_object_or_404(
        LeaderAssignment.objects.visible_to(request.user).select_related("region", "leader"),
        pk=assignment_id,
    )
    return services.end_assignment(request.user, assignment, payload.valid_to)


# -- visits and rectifications -------------------------------------------------------------------


class RectificationOut(Schema):
    id: int
    visit_id: int
    finding: str
    owner: str | None
    owner_name: str
    due_on: date
    status: str
    overdue: bool
    closed_on: date | None
    closed_note: str
    photos: int

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.get_username() if obj.owner_id else None

    @staticmethod
    def resolve_overdue(obj):
        return obj.status == RectificationStatus.OPEN and obj.due_on < timezone.localdate()

    @staticmethod
    def resolve_photos(obj):
        counted = getattr(obj, "n_photos", None)
        return obj.photos.count() if counted is None else counted


class VisitOut(Schema):
    id: int
    region: str
    region_name: str
    center_id: int | None
    kind: str
    visited_on: date
    leader_id: int | None
    leader_name: str | None
    team: str
    organizer: str | None
    summary: str
    is_demo: bool

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name

    @staticmethod
    def resolve_leader_name(obj):
        return obj.leader.name if obj.leader_id else None

    @staticmethod
    def resolve_organizer(obj):
        return obj.organizer.code if obj.organizer_id else None


class VisitDetail(VisitOut):
    rectifications: list[RectificationOut]

    @staticmethod
    def resolve_rectifications(obj):
        return obj.visible_rectifications


class VisitPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VisitOut]


class FindingIn(Schema):
    model_config = {"extra": "forbid"}

    finding: str
    owner: str | None = None
    owner_name: str = ""
    due_on: date | None = None


class VisitIn(Schema):
    model_config = {"extra": "forbid"}

    region: str
    kind: str
    visited_on: date
    leader: int | None = None
    team: str = ""
    organizer: str | None = None
    summary: str = ""
    findings: list[FindingIn] = []


class RectificationPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RectificationOut]


class CloseRectificationIn(Schema):
    model_config = {"extra": "forbid"}

    closed_on: date | None = None
    note: str = ""


class PhotoOut(Schema):
    id: int
    rectification_id: int


def _visit_detail(request, visit_id: int) -> Visit:
    visit = get_object_or_404(
        Visit.objects.visible_to(request.user).select_related("region", "leader", "organizer"),
        pk=visit_id,
    )
    visit.visible_rectifications = list(
        Rectification.objects.visible_to(request.user)
        .filter(visit=visit)
        .select_related("owner")
        .order_by("id")
    )
    return visit


@router.get("/visits", response=VisitPage, summary="Visits in your scope (督导 · 暗访)")
def list_visits(
    request,
    kind: str = "",
    district: str = "",
    leader: int | None = None,
    team: str = "",
    since: date | None = None,
    until: date | None = None,
    page: int = 1,
    page_size: int = 50,
):
    params = {
        "kind": kind,
        "district": district,
        "leader": str(leader or ""),
        "team": team,
        "from": since.isoformat() if since else "",
        "to": until.isoformat() if until else "",
    }
    _flt, qs = reads.visible_visits(request.user, params)
    return _page(qs, page, page_size)


@router.get("/visits/{int:visit_id}", response=VisitDetail)
def get_visit(request, visit_id: int):
    return _visit_detail(request, visit_id)


@router.post(
    "/visits",
    response={201: VisitDetail},
    summary="Record a visit; each finding becomes a rectification item with owner and deadline",
)
def create_visit(request, payload: VisitIn):
    region = _region(request, payload.region)
    leader = None
    if payload.leader is not None:
        leader = Leader.objects.visible_to(request.user).filter(pk=payload.leader).first()
        if leader is None:
            raise ValidationError({"leader": [_("该带队领导不在您的数据范围内。")]})
    organizer = None
    if payload.organizer:
        organizer = Region.objects.filter(code=payload.organizer.ljust(12, "0")).first()
        if organizer is None:
            raise ValidationError({"organizer": [_("找不到组织单位。")]})
    findings = _items(payload.findings, "findings", "finding")
    visit = services.record_visit(
        request.user,
        region,
        kind=payload.kind,
        visited_on=payload.visited_on,
        leader=leader,
        team=payload.team,
        organizer=organizer,
        summary=payload.summary,
        findings=findings,
    )
    return Status(201, _visit_detail(request, visit.pk))


@router.get("/rectifications", response=RectificationPage, summary="Rectification items")
def list_rectifications(
    request,
    status: str = "",
    overdue: bool = False,
    district: str = "",
    visit: int | None = None,
    page: int = 1,
    page_size: int = 50,
):
    today = timezone.localdate()
    params = {"status": status, "overdue": "1" if overdue else "", "district": district}
    _flt, qs = reads.visible_rectifications(request.user, params, today)
    if visit:
        qs = qs.filter(visit_id=visit)
    return _page(qs.select_related("owner").annotate(n_photos=Count("photos")), page, page_size)


def _rectification(request, rectification_id: int) -> Rectification:
    return get_object_or_404(
        Rectification.objects.visible_to(request.user).select_related("visit", "owner"),
        pk=rectification_id,
    )


@router.get("/rectifications/{int:rectification_id}", response=RectificationOut)
def get_rectification(request, rectification_id: int):
    return _rectification(request, rectification_id)


@router.post(
    "/rectifications/{int:rectification_id}/close",
    response=RectificationOut,
    summary="Close an item with evidence (a note, or photos uploaded before)",
)
def close_rectification(request, rectification_id: int, payload: CloseRectificationIn):
    item = _rectification(request, rectification_id)
    return services.close_rectification(
        request.user, item, payload.closed_on or timezone.localdate(), payload.note
    )


@router.post(
    "/rectifications/{int:rectification_id}/photos",
    response={201: PhotoOut},
    summary="Add an evidence photo (multipart field `image`)",
)
def add_rectification_photo(request, rectification_id: int, image: File[UploadedFile]):
    item = _rectification(request, rectification_id)
    return Status(201, services.add_rectification_photo(request.user, item, image))


# -- meetings and action items -------------------------------------------------------------------


class ActionItemOut(Schema):
    id: int
    meeting_id: int
    text: str
    owner: str | None
    owner_name: str
    due_on: date
    status: str
    overdue: bool
    done_on: date | None
    done_note: str

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.get_username() if obj.owner_id else None

    @staticmethod
    def resolve_overdue(obj):
        return obj.status == ActionStatus.OPEN and obj.due_on < timezone.localdate()


class MeetingOut(Schema):
    id: int
    region: str
    region_name: str
    title: str
    held_on: date
    agenda: str
    attendees: str
    decisions: str
    version: int
    is_demo: bool

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name


class MeetingDetail(MeetingOut):
    action_items: list[ActionItemOut]
    carried: list[ActionItemOut]

    @staticmethod
    def resolve_action_items(obj):
        return obj.visible_items

    @staticmethod
    def resolve_carried(obj):
        return obj.carried


class MeetingPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MeetingOut]


class ActionIn(Schema):
    model_config = {"extra": "forbid"}

    text: str
    owner: str | None = None
    owner_name: str = ""
    due_on: date | None = None


class MeetingIn(Schema):
    model_config = {"extra": "forbid"}

    region: str
    title: str
    held_on: date
    agenda: str = ""
    attendees: str = ""
    decisions: str = ""
    action_items: list[ActionIn] = []


class MeetingPatch(Schema):
    model_config = {"extra": "forbid"}

    version: int
    title: str | None = None
    held_on: date | None = None
    agenda: str | None = None
    attendees: str | None = None
    decisions: str | None = None


class ActionItemPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ActionItemOut]


class CloseActionIn(Schema):
    model_config = {"extra": "forbid"}

    done_on: date | None = None
    note: str = ""


class CarriedOut(Schema):
    region: str
    agenda: str
    items: list[ActionItemOut]


def _meeting_detail(request, meeting_id: int) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).select_related("region"), pk=meeting_id
    )
    meeting.visible_items = list(
        ActionItem.objects.visible_to(request.user)
        .filter(meeting=meeting)
        .select_related("owner")
        .order_by("id")
    )
    meeting.carried = list(reads.carried_into(request.user, meeting))
    return meeting


@router.get("/meetings", response=MeetingPage, summary="Meetings in your scope (定期例会)")
def list_meetings(
    request,
    q: str = "",
    district: str = "",
    since: date | None = None,
    until: date | None = None,
    page: int = 1,
    page_size: int = 50,
):
    params = {
        "q": q,
        "district": district,
        "from": since.isoformat() if since else "",
        "to": until.isoformat() if until else "",
    }
    _flt, qs = reads.visible_meetings(request.user, params, timezone.localdate())
    return _page(qs, page, page_size)


@router.get(
    "/meetings/carried",
    response=CarriedOut,
    summary="What a unit's next meeting carries: its open action items and the agenda opening",
)
def carried_items(request, region: str):
    unit = _region(request, region)
    items = list(reads.open_items_of_unit(request.user, unit))
    return {"region": unit.code, "agenda": reads.carried_agenda(items), "items": items}


@router.get("/meetings/{int:meeting_id}", response=MeetingDetail)
def get_meeting(request, meeting_id: int):
    return _meeting_detail(request, meeting_id)


@router.post("/meetings", response={201: MeetingDetail}, summary="Record a meeting")
def create_meeting(request, payload: MeetingIn):
    region = _region(request, payload.region)
    items = _items(payload.action_items, "action_items", "text")
    meeting = services.record_meeting(
        request.user,
        region,
        title=payload.title,
        held_on=payload.held_on,
        agenda=payload.agenda,
        attendees=payload.attendees,
        decisions=payload.decisions,
        action_items=items,
    )
    return Status(201, _meeting_detail(request, meeting.pk))


@router.patch("/meetings/{int:meeting_id}", response=MeetingDetail, summary="Edit the minutes")
def patch_meeting(request, meeting_id: int, payload: MeetingPatch):
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=meeting_id)
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    data = {k: v for k, v in data.items() if v is not None}
    services.update_meeting(request.user, meeting, data, expected_version=version)
    return _meeting_detail(request, meeting_id)


@router.post(
    "/meetings/{int:meeting_id}/action-items",
    response={201: ActionItemOut},
    summary="Add an action item to a meeting",
)
def add_action_item(request, meeting_id: int, payload: ActionIn):
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=meeting_id)
    (item,) = _items([payload], "action_items", "text")
    return Status(201, services.add_action_item(request.user, meeting, item))


@router.get("/action-items", response=ActionItemPage, summary="Action items in your scope")
def list_action_items(
    request,
    status: str = "",
    overdue: bool = False,
    meeting: int | None = None,
    page: int = 1,
    page_size: int = 50,
):
    qs = ActionItem.objects.visible_to(request.user).select_related("owner")
    if status in ActionStatus.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status=ActionStatus.OPEN, due_on__lt=timezone.localdate())
    if meeting:
        qs = qs.filter(meeting_id=meeting)
    return _page(qs.order_by("status", "due_on", "id"), page, page_size)


@router.post("/action-items/{int:item_id}/close", response=ActionItemOut)
def close_action_item(request, item_id: int, payload: CloseActionIn):
    item = get_object_or_404(
        ActionItem.objects.visible_to(request.user).select_related("meeting", "owner"), pk=item_id
    )
    return services.close_action_item(
        request.user, item, payload.done_on or timezone.localdate(), payload.note
    )


# -- statistics ----------------------------------------------------------------------------------


class LeaderStatsOut(Schema):
    id: int
    name: str
    position: str
    region: str
    visits: int
    unannounced: int
    sites: int
    plans: int
    red: int
    amber: int
    green: int
    done: int
    rectifications_open: int
    rectifications_closed: int
    rectifications_overdue: int


class DistrictStatsOut(Schema):
    region: str | None
    name: str
    leaders: int
    visits: int
    unannounced: int
    announced: int
    surveys: int
    sites_visited: int
    rectifications: int
    rectifications_open: int
    rectifications_closed: int
    rectifications_overdue: int


class OrganizerStatsOut(Schema):
    region: str
    name: str
    visits: int
    unannounced: int
    sites_visited: int


@router.get(
    "/supervision-stats/leaders",
    response=list[LeaderStatsOut],
    summary="Per leader: visits, sites, plans by colour, rectification items",
)
def leader_stats(
    request,
    since: date | None = None,
    until: date | None = None,
    district: str = "",
    active: str = "1",
):
    today = timezone.localdate()
    _flt, leaders = reads.visible_leaders(request.user, {"district": district, "active": active})
    rows = reads.with_stats(request.user, leaders, today, since, until)
    return [
        {
            "id": x.pk,
            "name": x.name,
            "position": x.position,
            "region": x.region.code,
            "visits": x.n_visits,
            "unannounced": x.n_unannounced,
            "sites": x.n_sites,
            "plans": x.n_plans,
            "red": x.n_red,
            "amber": x.n_amber,
            "green": x.n_green,
            "done": x.n_done,
            "rectifications_open": x.n_rect_open,
            "rectifications_closed": x.n_rect_closed,
            "rectifications_overdue": x.n_rect_overdue,
        }
        for x in rows
    ]


@router.get(
    "/supervision-stats/districts",
    response=list[DistrictStatsOut],
    summary="Per district: leaders, visits, unannounced visits, rectification items (total last)",
)
def district_stats(request, since: date | None = None, until: date | None = None):
    rows = reads.district_stats(request.user, timezone.localdate(), since, until)
    return [
        {
            "region": r["region"].code if r["region"] else None,
            "name": r["region"].name if r["region"] else _("合计"),
            "leaders": r["leaders"],
            "visits": r["visits"],
            "unannounced": r["unannounced"],
            "announced": r["announced"],
            "surveys": r["surveys"],
            "sites_visited": r["sites"],
            "rectifications": r["rects"],
            "rectifications_open": r["open"],
            "rectifications_closed": r["closed"],
            "rectifications_overdue": r["overdue"],
        }
        for r in rows
    ]


@router.get(
    "/supervision-stats/organizers",
    response=list[OrganizerStatsOut],
    summary="Visits by the unit that sent them (e.g. the city department's unannounced visits)",
)
def organizer_stats(request, since: date | None = None, until: date | None = None):
    return [
        {
            "region": r["code"],
            "name": r["name"],
            "visits": r["visits"],
            "unannounced": r["unannounced"],
            "sites_visited": r["sites"],
        }
        for r in reads.organizer_stats(request.user, since, until)
    ]
