"""The read side of leaders, visits, rectifications and meetings: filters for the lists, their
statistics per leader and per district in SQL aggregates (a fixed number of queries, however many
leaders, districts or sites), a leader's "my sites", and the open action items a unit's next
meeting carries. Every read goes through `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext as _

from lianxin.centers.models import Center, CenterStatus
from lianxin.regions.models import Level, Region
from lianxin.regions.queries import root_regions

from .models import (
    ActionItem,
    ActionStatus,
    Health,
    Leader,
    LeaderAssignment,
    Meeting,
    Milestone,
    Plan,
    Rectification,
    RectificationStatus,
    Visit,
    VisitKind,
)

HEALTH_ORDER = (Health.RED, Health.AMBER, Health.GREEN, Health.DONE)
HEALTH_RANK = Case(
    *(When(health=h, then=Value(i)) for i, h in enumerate(HEALTH_ORDER)),
    default=Value(9),
    output_field=IntegerField(),
)


def _clip(params, name: str, limit: int = 60) -> str:
    return (params.get(name) or "").strip()[:limit]


def _day(params, name: str) -> date | None:
    try:
        return date.fromisoformat(_clip(params, name, 10))
    except ValueError:
        return None


def _code(value: str) -> str:
    return value.ljust(12, "0") if value.isdigit() and len(value) <= 12 else ""


def districts_of(user) -> list[Region]:
    """The groups statistics are given by: the districts the user sees, else (a street's staff)
    the user's own top units."""
    districts = list(Region.objects.visible_to(user).filter(level=Level.COUNTY).order_by("code"))
    return districts or list(root_regions(user))


def _under_any(paths, field: str = "region_path") -> Q:
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths), Q(pk__in=[]))


# -- leaders -------------------------------------------------------------------------------------


@dataclass
class LeaderFilter:
    q: str = ""
    district: str = ""
    active: str = "1"  # "1" in post, "0" not, "" all
    since: date | None = None  # visits counted from…
    until: date | None = None  # …to (inclusive)

    @classmethod
    def from_params(cls, params) -> LeaderFilter:
        active = params.get("active")
        return cls(
            q=_clip(params, "q"),
            district=_code(_clip(params, "district", 12)),
            active="1"
            if active is None
            else ("1" if active == "1" else "0" if active == "0" else ""),
            since=_day(params, "from"),
            until=_day(params, "to"),
        )

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            qs = qs.filter(
                Q(name__icontains=self.q)
                | Q(position__icontains=self.q)
                | Q(region__name__icontains=self.q)
                | Q(region__initials__icontains=self.q.lower())
            )
        if self.district:
            qs = qs.filter(region_path__contains=f"/{self.district}/")
        if self.active:
            qs = qs.filter(active=self.active == "1")
        return qs

    def querystring(self, **override) -> str:
        values = {
            "q": self.q,
            "district": self.district,
            "active": self.active,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
        } | override
        # "active" is sent even when empty ("all"), or the default (in post) would come back.
        return urlencode({k: v for k, v in values.items() if v or k == "active"})


def visible_leaders(user, params) -> tuple[LeaderFilter, QuerySet]:
    flt = LeaderFilter.from_params(params)
    qs = Leader.objects.visible_to(user).select_related("region", "user")
    return flt, flt.apply(qs).order_by("region_path", "name", "id")


STAT_FIELDS = (
    "n_visits",
    "n_unannounced",
    "n_sites",
    "n_plans",
    "n_red",
    "n_amber",
    "n_green",
    "n_done",
    "n_rect_open",
    "n_rect_closed",
    "n_rect_overdue",
)
COLOUR_FIELD = {
    Health.RED: "n_red",
    Health.AMBER: "n_amber",
    Health.GREEN: "n_green",
    Health.DONE: "n_done",
}
# Beyond this many distinct units, the plans and sites are read for the whole scope (one
# query without a long OR of path prefixes).
MAX_PATH_FILTERS = 100


def _outermost(paths) -> list[str]:
    kept: list[str] = []
    for p in sorted(set(paths), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return kept


def _prefixes(path: str):
    """ "a/b/c/" → "a/", "a/b/", "a/b/c/"."""
    end = path.find("/")
    while end != -1:
        yield path[: end + 1]
        end = path.find("/", end + 1)


def _under(path: str, outer: list[str]) -> bool:
    return any(path.startswith(p) for p in outer)


def leader_stats(
    user, leaders, day: date, since: date | None = None, until: date | None = None
) -> dict[int, dict[str, int]]:
    """Per leader, counting only rows the user sees: visits they led (n_visits,
    n_unannounced, between `since` and `until`), the sites of the units assigned to them on `day`
    (n_sites), the plans they answer for (plans_q_for_leader: named on the plan, or under an
    assigned unit) by colour (n_plans, n_red, n_amber, n_green, n_done), and the rectification
    items their visits raised (n_rect_open, n_rect_closed, n_rect_overdue).

    Five grouped SQL aggregates, whatever the number of leaders: visits and items grouped by
    leader; plans grouped by site, leader and colour, and sites grouped by unit, each rolled up
    to the assigned units (a unit's count is the sum over its sites)."""
    ids = [x.pk for x in leaders]
    out = {pk: dict.fromkeys(STAT_FIELDS, 0) for pk in ids}
    if not ids:
        return out

    visits = Visit.objects.visible_to(user).filter(leader_id__in=ids)
    rects = Rectification.objects.visible_to(user).filter(visit__leader_id__in=ids)
    if since:
        visits = visits.filter(visited_on__gte=since)
        rects = rects.filter(visit__visited_on__gte=since)
    if until:
        visits = visits.filter(visited_on__lte=until)
        rects = rects.filter(visit__visited_on__lte=until)
    for row in (
        visits.order_by()
        .values("leader_id")
        .annotate(n=Count("id"), u=Count("id", filter=Q(kind=VisitKind.UNANNOUNCED)))
    ):
        out[row["leader_id"]] |= {"n_visits": row["n"], "n_unannounced": row["u"]}
    open_ = Q(status=RectificationStatus.OPEN)
    for row in (
        rects.order_by()
        .values("visit__leader_id")
        .annotate(
            o=Count("id", filter=open_),
            c=Count("id", filter=Q(status=RectificationStatus.CLOSED)),
            late=Count("id", filter=open_ & Q(due_on__lt=day)),
        )
    ):
        out[row["visit__leader_id"]] |= {
            "n_rect_open": row["o"],
            "n_rect_closed": row["c"],
            "n_rect_overdue": row["late"],
        }

    # The units each leader answers for on `day`, without units inside another of theirs.
    units: dict[int, list[str]] = {pk: [] for pk in ids}
    for leader_id, path in (
        LeaderAssignment.objects.on(day)
        .filter(leader_id__in=ids)
        .values_list("leader_id", "region_path")
    ):
        units[leader_id].append(path)
    units = {pk: _outermost(paths) for pk, paths in units.items()}
    every = _outermost(p for paths in units.values() for p in paths)
    where = Q() if len(every) > MAX_PATH_FILTERS else _under_any(every)

    plans_by_unit: dict[str, dict[str, int]] = {}
    named: dict[int, list[tuple[str, str, int]]] = {}
    plan_rows = (
        Plan.objects.visible_to(user)
        .filter(where | Q(leader_id__in=ids))
        .order_by()
        .values("region_path", "leader_id", "health")
        .annotate(n=Count("id"))
    )
    for row in plan_rows:
        path, health, n = row["region_path"], row["health"], row["n"]
        for prefix in _prefixes(path):
            counts = plans_by_unit.setdefault(prefix, {})
            counts[health] = counts.get(health, 0) + n
        if row["leader_id"] in out:
            named.setdefault(row["leader_id"], []).append((path, health, n))
    sites_by_unit: dict[str, int] = {}
    site_rows = (
        Center.objects.visible_to(user)
        .exclude(status=CenterStatus.CLOSED_DEMOLITION)
        .filter(kind__in=["village", "community"])
        .filter(where if every else Q(pk__in=[]))
        .order_by()
        .values("region_path")
        .annotate(n=Count("id"))
    )
    for row in site_rows:
        for prefix in _prefixes(row["region_path"]):
            sites_by_unit[prefix] = sites_by_unit.get(prefix, 0) + row["n"]

    for pk, stats in out.items():
        outer = units[pk]
        colours: dict[str, int] = {}
        for path in outer:
            for health, n in plans_by_unit.get(path, {}).items():
                colours[health] = colours.get(health, 0) + n
        extra_sites = set()
        for path, health, n in named.get(pk, ()):
            if not _under(path, outer):  # named on the plan, outside their units
                colours[health] = colours.get(health, 0) + n
                extra_sites.add(path)
        stats["n_plans"] = sum(colours.values())
        for health, field in COLOUR_FIELD.items():
            stats[field] = colours.get(health, 0)
        stats["n_sites"] = sum(sites_by_unit.get(p, 0) for p in outer) + len(extra_sites)
    return out


def with_stats(
    user, leaders, day: date, since: date | None = None, until: date | None = None
) -> list[Leader]:
    """The leaders, each with the figures of `leader_stats` as attributes."""
    leaders = list(leaders)
    stats = leader_stats(user, leaders, day, since, until)
    for x in leaders:
        for name, value in stats[x.pk].items():
            setattr(x, name, value)
    return leaders


def leader_stats_rows(user, leaders, day: date, since=None, until=None) -> list[Leader]:
    return with_stats(user, leaders, day, since, until)


# -- visits and rectifications -------------------------------------------------------------------


@dataclass
class VisitFilter:
    kind: str = ""
    district: str = ""
    leader: str = ""
    team: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_params(cls, params) -> VisitFilter:
        kind = _clip(params, "kind")
        leader = _clip(params, "leader", 12)
        return cls(
            kind=kind if kind in VisitKind.values else "",
            district=_code(_clip(params, "district", 12)),
            leader=leader if leader.isdigit() else "",
            team=_clip(params, "team", 80),
            since=_day(params, "from"),
            until=_day(params, "to"),
        )

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.district:
            qs = qs.filter(region_path__contains=f"/{self.district}/")
        if self.leader:
            qs = qs.filter(leader_id=int(self.leader))
        if self.team:
            qs = qs.filter(team__icontains=self.team)
        if self.since:
            qs = qs.filter(visited_on__gte=self.since)
        if self.until:
            qs = qs.filter(visited_on__lte=self.until)
        return qs

    def querystring(self, **override) -> str:
        values = {
            "kind": self.kind,
            "district": self.district,
            "leader": self.leader,
            "team": self.team,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
        } | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_visits(user, params) -> tuple[VisitFilter, QuerySet]:
    flt = VisitFilter.from_params(params)
    qs = Visit.objects.visible_to(user).select_related("region", "center", "leader", "organizer")
    qs = flt.apply(qs).annotate(
        n_rect=Count("rectifications", distinct=True),
        n_rect_open=Count(
            "rectifications",
            filter=Q(rectifications__status=RectificationStatus.OPEN),
            distinct=True,
        ),
    )
    return flt, qs.order_by("-visited_on", "-id")


@dataclass
class RectificationFilter:
    status: str = RectificationStatus.OPEN
    overdue: bool = False
    district: str = ""
    q: str = ""

    @classmethod
    def from_params(cls, params) -> RectificationFilter:
        status = params.get("status")
        return cls(
            status=RectificationStatus.OPEN
            if status is None
            else (status if status in RectificationStatus.values else ""),
            overdue=params.get("overdue") == "1",
            district=_code(_clip(params, "district", 12)),
            q=_clip(params, "q"),
        )

    def apply(self, qs: QuerySet, today: date) -> QuerySet:
        if self.status:
            qs = qs.filter(status=self.status)
        if self.overdue:
            qs = qs.filter(status=RectificationStatus.OPEN, due_on__lt=today)
        if self.district:
            qs = qs.filter(region_path__contains=f"/{self.district}/")
        if self.q:
            qs = qs.filter(
                Q(finding__icontains=self.q)
                | Q(owner_name__icontains=self.q)
                | Q(visit__center__name__icontains=self.q)
                | Q(visit__region__name__icontains=self.q)
            )
        return qs

    def querystring(self, **override) -> str:
        values = {
            "status": self.status,
            "overdue": "1" if self.overdue else "",
            "district": self.district,
            "q": self.q,
        } | override
        return urlencode({k: v for k, v in values.items() if v or k == "status"})


def visible_rectifications(user, params, today: date) -> tuple[RectificationFilter, QuerySet]:
    flt = RectificationFilter.from_params(params)
    qs = Rectification.objects.visible_to(user).select_related(
        "visit__region", "visit__center", "visit__leader"
    )
    return flt, flt.apply(qs, today).order_by("status", "due_on", "id")


def rectification_counts(qs: QuerySet, today: date) -> dict:
    return qs.order_by().aggregate(
        open=Count("id", filter=Q(status=RectificationStatus.OPEN)),
        closed=Count("id", filter=Q(status=RectificationStatus.CLOSED)),
        overdue=Count("id", filter=Q(status=RectificationStatus.OPEN, due_on__lt=today)),
    )


# -- statistics per district and per organizing unit ---------------------------------------------


def district_stats(
    user, today: date, since: date | None = None, until: date | None = None
) -> list[dict]:
    """Per district (see districts_of): leaders in post, visits (all, unannounced, announced,
    surveys), sites visited, rectification items (all, open, closed, overdue). Three queries in
    all, however many districts; a total row last."""
    groups = districts_of(user)
    if not groups:
        return []
    visits = Visit.objects.visible_to(user)
    rects = Rectification.objects.visible_to(user)
    if since:
        visits = visits.filter(visited_on__gte=since)
        rects = rects.filter(visit__visited_on__gte=since)
    if until:
        visits = visits.filter(visited_on__lte=until)
        rects = rects.filter(visit__visited_on__lte=until)
    leaders = Leader.objects.visible_to(user).filter(active=True)

    def per_group(qs, measures: dict) -> dict:
        aggregates = {}
        for i, g in enumerate(groups):
            inside = Q(region_path__startswith=g.path)
            for name, (expr, extra) in measures.items():
                aggregates[f"{name}_{i}"] = Count(
                    expr, filter=inside & extra, distinct=expr != "id"
                )
        return qs.order_by().aggregate(**aggregates)

    v = per_group(
        visits,
        {
            "visits": ("id", Q()),
            "unannounced": ("id", Q(kind=VisitKind.UNANNOUNCED)),
            "announced": ("id", Q(kind=VisitKind.ANNOUNCED)),
            "surveys": ("id", Q(kind=VisitKind.SURVEY)),
            "sites": ("region", Q(region__level=Level.VILLAGE)),
        },
    )
    r = per_group(
        rects,
        {
            "rects": ("id", Q()),
            "open": ("id", Q(status=RectificationStatus.OPEN)),
            "closed": ("id", Q(status=RectificationStatus.CLOSED)),
            "overdue": ("id", Q(status=RectificationStatus.OPEN, due_on__lt=today)),
        },
    )
    ld = per_group(leaders, {"leaders": ("id", Q())})
    found = v | r | ld
    keys = ("leaders", "visits", "unannounced", "announced", "surveys", "sites") + (
        "rects",
        "open",
        "closed",
        "overdue",
    )
    rows = [{"region": g, **{k: found[f"{k}_{i}"] for k in keys}} for i, g in enumerate(groups)]
    total = {"region": None, **{k: sum(row[k] for row in rows) for k in keys}}
    return [*rows, total]


def organizer_stats(user, since: date | None = None, until: date | None = None) -> list[dict]:
    """Visits by the unit that sent them (the city department, a district, a street)."""
    visits = Visit.objects.visible_to(user)
    if since:
        visits = visits.filter(visited_on__gte=since)
    if until:
        visits = visits.filter(visited_on__lte=until)
    rows = (
        visits.order_by()
        .values("organizer__code", "organizer__name")
        .annotate(
            visits=Count("id"),
            unannounced=Count("id", filter=Q(kind=VisitKind.UNANNOUNCED)),
            sites=Count("region", filter=Q(region__level=Level.VILLAGE), distinct=True),
        )
        .order_by("organizer__code")
    )
    return [
        {
            "code": r["organizer__code"] or "",
            "name": r["organizer__name"] or _("未注明"),
            "visits": r["visits"],
            "unannounced": r["unannounced"],
            "sites": r["sites"],
        }
        for r in rows
    ]


# -- a leader's sites ----------------------------------------------------------------------------


def overdue_q(today: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}completed_on__isnull": True, f"{prefix}due_on__lt": today})


def sites_of(user, leader: Leader, today: date) -> dict:
    """What a leader answers for, as the user may see it: the units assigned to them, their plans
    (each with its colour, overdue milestones and next deadline) counted by colour, the overdue
    milestones, recent visits to those units and the open rectification items there. A fixed
    number of queries, however many sites."""
    assignments = list(
        LeaderAssignment.objects.visible_to(user)
        .on(today)
        .filter(leader=leader)
        .select_related("region")
        .order_by("region_path")
    )
    plans = Plan.objects.visible_to(user).filter(plans_q_for_leader(leader, today))
    colours = plans.order_by().aggregate(
        total=Count("id"),
        **{h.value: Count("id", filter=Q(health=h)) for h in HEALTH_ORDER},
    )
    rows = (
        plans.select_related("center")
        .annotate(
            rank=HEALTH_RANK,
            n_overdue=Count("milestones", filter=overdue_q(today, "milestones__")),
            next_due=Min("milestones__due_on", filter=Q(milestones__completed_on__isnull=True)),
        )
        .order_by("rank", "deadline", "region_path")
    )
    overdue = (
        Milestone.objects.visible_to(user)
        .filter(overdue_q(today), plan__in=plans.values("pk"))
        .select_related("plan__center")
        .order_by("due_on", "plan_id", "sort")
    )
    paths = [a.region_path for a in assignments]
    where = Q(leader=leader) | _under_any(paths)
    visits = (
        Visit.objects.visible_to(user)
        .filter(where)
        .select_related("region", "center", "leader")
        .order_by("-visited_on", "-id")
    )
    rects = (
        Rectification.objects.visible_to(user)
        .filter(Q(visit__leader=leader) | _under_any(paths), status=RectificationStatus.OPEN)
        .select_related("visit__center", "visit__region")
        .order_by("due_on", "id")
    )
    return {
        "assignments": assignments,
        "colours": colours,
        "plans": rows,
        "overdue": overdue,
        "visits": visits,
        "rectifications": rects,
    }


# -- meetings ------------------------------------------------------------------------------------


@dataclass
class MeetingFilter:
    q: str = ""
    district: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_params(cls, params) -> MeetingFilter:
        return cls(
            q=_clip(params, "q"),
            district=_code(_clip(params, "district", 12)),
            since=_day(params, "from"),
            until=_day(params, "to"),
        )

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            qs = qs.filter(
                Q(title__icontains=self.q)
                | Q(region__name__icontains=self.q)
                | Q(decisions__icontains=self.q)
            )
        if self.district:
            qs = qs.filter(region_path__contains=f"/{self.district}/")
        if self.since:
            qs = qs.filter(held_on__gte=self.since)
        if self.until:
            qs = qs.filter(held_on__lte=self.until)
        return qs

    def querystring(self, **override) -> str:
        values = {
            "q": self.q,
            "district": self.district,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
        } | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_meetings(user, params, today: date) -> tuple[MeetingFilter, QuerySet]:
    flt = MeetingFilter.from_params(params)
    qs = flt.apply(Meeting.objects.visible_to(user).select_related("region")).annotate(
        n_items=Count("action_items", distinct=True),
        n_open=Count(
            "action_items",
            filter=Q(action_items__status=ActionStatus.OPEN),
            distinct=True,
        ),
        n_overdue=Count(
            "action_items",
            filter=Q(action_items__status=ActionStatus.OPEN, action_items__due_on__lt=today),
            distinct=True,
        ),
    )
    return flt, qs.order_by("-held_on", "-id")


def open_items_of_unit(user, region: Region, before: date | None = None) -> QuerySet:
    """Open action items of the unit's meetings (held on or before `before`): what its next
    meeting carries on its agenda until they are done."""
    qs = ActionItem.objects.visible_to(user).filter(
        meeting__region=region, status=ActionStatus.OPEN
    )
    if before is not None:
        qs = qs.filter(meeting__held_on__lte=before)
    return qs.select_related("meeting", "owner").order_by("due_on", "meeting__held_on", "id")


def carried_into(user, meeting: Meeting) -> QuerySet:
    """Items of the unit's earlier meetings still open when this one was held (done on or after
    that day, or not yet): the ones its agenda carried. Each with its status now."""
    earlier = Q(meeting__held_on__lt=meeting.held_on) | Q(
        meeting__held_on=meeting.held_on, meeting_id__lt=meeting.pk
    )
    still_open = Q(status=ActionStatus.OPEN) | Q(done_on__gte=meeting.held_on)
    return (
        ActionItem.objects.visible_to(user)
        .filter(earlier, still_open, meeting__region_id=meeting.region_id)
        .select_related("meeting", "owner")
        .order_by("due_on", "meeting__held_on", "id")
    )


def carried_agenda(items) -> str:
    """The agenda's opening section: the open items carried over, one a line."""
    items = list(items)
    if not items:
        return ""
    lines = [_("一、上次例会遗留事项（未完成）：")]
    for n, item in enumerate(items, start=1):
        lines.append(
            _("%(n)s. %(text)s（责任人：%(owner)s；期限：%(due)s；%(held)s 例会）")
            % {
                "n": n,
                "text": item.text,
                "owner": item.owner_name or "—",
                "due": item.due_on.isoformat(),
                "held": item.meeting.held_on.isoformat(),
            }
        )
    lines += ["", _("二、本次议题：")]
    return "\n".join(lines)


def plans_q_for_leader(leader, day: date) -> Q:
    """The plans a leader answers for: named on the plan, or under a unit assigned to them."""
    q = Q(leader=leader)
    for path in leader.assignments.on(day).values_list("region_path", flat=True):
        q |= Q(region_path__startswith=path)
    return q
