"""Reads of the services app: what a center offers, the window's queue, and the one definition
of "overdue" that the queue, the application page, the API and the statistics
(`queries_stats`) share."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from lianxin.core.periods import covering
from lianxin.core.scoping import VIEW

from .models import (
    CLOSED,
    Application,
    Devolution,
    HandlingMode,
    ServiceItem,
    ServiceLevel,
    Status,
)


def center_level(center) -> str:
    """The level a center's window works at: a village-level unit's center is a community
    window; a street's (or town's) own center is a street window."""
    from lianxin.regions.models import Level

    level = getattr(center.region, "level", Level.VILLAGE)
    return ServiceLevel.COMMUNITY if level >= Level.VILLAGE else ServiceLevel.STREET


def _default(center) -> tuple[str, str]:
    """No devolution in force: the window receives it and passes it up (村级受理、乡级办结);
    a street's own window concludes it."""
    level = center_level(center)
    if level == ServiceLevel.STREET:
        return level, HandlingMode.CONCLUDED_HERE
    return level, HandlingMode.RECEIVED_HERE


def _devolutions(center, day: date, items=None):
    qs = Devolution.objects.filter(district__code=center.district_code).filter(
        covering(day, open_start=True)
    )
    if items is not None:
        qs = qs.filter(item__in=items)
    return qs.order_by("item_id", "-valid_from")


def offering(center, item, day: date | None = None) -> tuple[str, str]:
    """(level, handling mode) for `item` at `center` on `day`: the district's devolution in force
    at the center's level, if any; otherwise received here and passed to the street."""
    day = day or timezone.localdate()
    level = center_level(center)
    row = _devolutions(center, day, [item]).filter(level=level).first()
    if row is not None:
        return row.level, row.handling_mode
    return _default(center)


def items_at(center, day: date | None = None) -> list[tuple[ServiceItem, str, str]]:
    """What a resident can do at this center's window: every active item with its level and
    handling mode (one window receives everything), items devolved here first."""
    day = day or timezone.localdate()
    level = center_level(center)
    found: dict[int, tuple[str, str]] = {}
    for row in _devolutions(center, day).filter(level=level):
        found.setdefault(row.item_id, (row.level, row.handling_mode))
    default = _default(center)
    items = ServiceItem.objects.filter(active=True).prefetch_related("time_limits")
    out = [(item, *found.get(item.pk, default)) for item in items]
    # Devolved (concluded here) first, then by category and code.
    out.sort(key=lambda t: (t[0].pk not in found, t[0].category, t[0].code))
    return out


# --------------------------------------------------------------------------- overdue

# Cases that wait on the resident (returned for more material) are not late: the time limit
# does not run while they correct it (补正期间不计入承诺时限), as in escalate_overdue.
NOT_RUNNING = (*CLOSED, Status.RETURNED)


def overdue_q(today: date, level: int = 1, prefix: str = "") -> Q:
    """Overdue, live: an open case is overdue when today is past its deadline, 3× when past its
    grave deadline. The stored `Application.overdue` (set by the morning job) only decides who
    has been notified; every count and colour uses this."""
    field = "grave_deadline" if level >= 3 else "deadline"
    return Q(**{f"{prefix}{field}__lt": today}) & ~Q(**{f"{prefix}status__in": NOT_RUNNING})


def with_overdue(qs: QuerySet, today: date | None = None) -> QuerySet:
    """Annotate `overdue_now` (0, 1 or 3) by the definition of overdue_q, in SQL."""
    today = today or timezone.localdate()
    return qs.annotate(
        overdue_now=Case(
            When(overdue_q(today, 3), then=Value(3)),
            When(overdue_q(today, 1), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def overdue_now(application, today: date | None = None) -> int:
    """The same rule for one application already in memory (an API row, Open311)."""
    today = today or timezone.localdate()
    if application.status in NOT_RUNNING:
        return 0
    if today > application.grave_deadline:
        return 3
    return 1 if today > application.deadline else 0


# --------------------------------------------------------------------------- the workbench


def _truthy(value) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on", "3"}


def workbench(user, filters: dict | None = None, today: date | None = None):
    """The window's queue: applications in the user's scope, ordered by deadline (soonest first),
    each annotated with `overdue_now` (see overdue_q).

    filters (all optional, as strings from a query string or typed values):
    - status: one status, or "open" (default: everything not closed), or "all";
    - item, center: ids; channel: a Channel value;
    - overdue: "1"/"true" = overdue (1× or 3×), "3" = 3× overdue only, "0"/"false" = not
      overdue — judged live against today (overdue_q);
    - q: an application number (or its start) or part of the applicant's name.
    """
    filters = filters or {}
    today = today or timezone.localdate()
    qs = with_overdue(
        Application.objects.visible_to(user, VIEW).select_related("item", "center"), today
    )
    status = filters.get("status") or "open"
    if status == "open":
        qs = qs.exclude(status__in=CLOSED)
    elif status in Status.values:
        qs = qs.filter(status=status)
    elif isinstance(status, list | tuple):
        qs = qs.filter(status__in=[s for s in status if s in Status.values])
    for name in ("item", "center"):
        value = filters.get(name)
        if value not in (None, ""):
            try:
                qs = qs.filter(**{f"{name}_id": int(getattr(value, "pk", value))})
            except (TypeError, ValueError):
                qs = qs.none()
    channel = filters.get("channel")
    if channel:
        qs = qs.filter(channel=channel)
    overdue = filters.get("overdue")
    if overdue not in (None, "", False):
        if str(overdue) == "3":
            qs = qs.filter(overdue_q(today, 3))
        elif _truthy(overdue):
            qs = qs.filter(overdue_q(today))
        else:
            qs = qs.exclude(overdue_q(today))
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number__istartswith=q) | Q(applicant_name__icontains=q) | Q(external_id=q))
    return qs.order_by("deadline", "submitted_at", "id")
