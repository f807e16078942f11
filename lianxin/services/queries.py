"""Reads of the services app: what a center offers, the window's queue, and the statistics."""

from __future__ import annotations

from datetime import date

from django.db.models import Avg, Count, Q
from django.utils import timezone

from lianxin.core.periods import covering
from lianxin.core.scoping import VIEW

from .models import (
    CLOSED,
    Application,
    Devolution,
    HandlingMode,
    Rating,
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


# --------------------------------------------------------------------------- the workbench


def _truthy(value) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on", "3"}


def workbench(user, filters: dict | None = None):
    """The window's queue: applications in the user's scope, ordered by deadline (soonest first).

    filters (all optional, as strings from a query string or typed values):
    - status: one status, or "open" (default: everything not closed), or "all";
    - item, center: ids; channel: a Channel value;
    - overdue: "1"/"true" = overdue (1× or 3×), "3" = 3× overdue only;
    - q: an application number (or its start) or part of the applicant's name.
    """
    filters = filters or {}
    qs = Application.objects.visible_to(user, VIEW).select_related("item", "center")
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
        qs = (
            qs.filter(overdue=3)
            if str(overdue) == "3"
            else (qs.filter(overdue__gt=0) if _truthy(overdue) else qs.filter(overdue=0))
        )
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number__istartswith=q) | Q(applicant_name__icontains=q) | Q(external_id=q))
    return qs.order_by("deadline", "submitted_at", "id")


# --------------------------------------------------------------------------- statistics


def _scoped(user, start: date | None = None, end: date | None = None, **filters):
    qs = Application.objects.visible_to(user, VIEW)
    if start:
        qs = qs.filter(submitted_at__date__gte=start)
    if end:
        qs = qs.filter(submitted_at__date__lte=end)
    if filters:
        qs = qs.filter(**filters)
    return qs


def counts_by(user, dimension: str, *, start=None, end=None) -> list[dict]:
    """Applications counted by "item", "center" or "status" (in scope, submitted in [start,
    end]): [{"key", "name", "count"}], biggest first."""
    qs = _scoped(user, start, end)
    if dimension == "status":
        rows = qs.values("status").annotate(n=Count("id")).order_by("-n", "status")
        return [
            {"key": r["status"], "name": str(Status(r["status"]).label), "count": r["n"]}
            for r in rows
        ]
    if dimension == "item":
        rows = qs.values("item_id", "item__name").annotate(n=Count("id")).order_by("-n", "item_id")
        return [{"key": r["item_id"], "name": r["item__name"], "count": r["n"]} for r in rows]
    if dimension == "center":
        rows = (
            qs.values("center_id", "center__name")
            .annotate(n=Count("id"))
            .order_by("-n", "center_id")
        )
        return [{"key": r["center_id"], "name": r["center__name"], "count": r["n"]} for r in rows]
    raise ValueError(f"unknown dimension {dimension!r}")


def on_time_rate(concluded: int, on_time: int) -> float | None:
    """Concluded on or before the deadline / concluded (None when nothing was concluded)."""
    return round(on_time / concluded, 4) if concluded else None


GROUPS = {
    "center": "center_id",
    "street": "street_code",
    "district": "district_code",
    "item": "item_id",
}


def performance(user, by: str = "center", *, start=None, end=None) -> list[dict]:
    """Per center / street / district / item, in scope, for applications submitted in [start,
    end]: submitted, open, concluded, on_time, on_time_rate, overdue (open and late), rated,
    avg_score, satisfied_rate (share of ratings ≥ 4)."""
    key = GROUPS[by]
    apps = _scoped(user, start, end)
    concluded_q = Q(on_time__isnull=False)
    rows = apps.values(key).annotate(
        submitted=Count("id"),
        open=Count("id", filter=~Q(status__in=CLOSED)),
        concluded=Count("id", filter=concluded_q),
        on_time=Count("id", filter=concluded_q & Q(on_time=True)),
        overdue=Count("id", filter=~Q(status__in=CLOSED) & Q(overdue__gt=0)),
    )
    ratings = {
        r[f"application__{key}"]: r
        for r in Rating.objects.filter(application__in=apps)
        .values(f"application__{key}")
        .annotate(rated=Count("id"), avg=Avg("score"), happy=Count("id", filter=Q(score__gte=4)))
    }
    names = _names(by, [r[key] for r in rows])
    out = []
    for r in rows:
        k = r[key]
        rt = ratings.get(k, {})
        rated = rt.get("rated", 0)
        out.append(
            {
                "key": k,
                "name": names.get(k, str(k)),
                "submitted": r["submitted"],
                "open": r["open"],
                "concluded": r["concluded"],
                "on_time": r["on_time"],
                "on_time_rate": on_time_rate(r["concluded"], r["on_time"]),
                "overdue": r["overdue"],
                "rated": rated,
                "avg_score": round(float(rt["avg"]), 2) if rated else None,
                "satisfied_rate": round(rt["happy"] / rated, 4) if rated else None,
            }
        )
    out.sort(key=lambda d: (-d["submitted"], str(d["key"])))
    return out


def _names(by: str, keys) -> dict:
    if by == "center":
        from lianxin.centers.models import Center

        return dict(Center.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "item":
        return dict(ServiceItem.objects.filter(pk__in=keys).values_list("pk", "name"))
    from lianxin.regions.models import Region

    return dict(Region.objects.filter(code__in=keys).values_list("code", "name"))


def summary(user, *, start=None, end=None) -> dict:
    """The headline figures in scope: submitted, open, concluded, on-time rate, overdue,
    average score and satisfied rate."""
    apps = _scoped(user, start, end)
    concluded_q = Q(on_time__isnull=False)
    agg = apps.aggregate(
        submitted=Count("id"),
        open=Count("id", filter=~Q(status__in=CLOSED)),
        concluded=Count("id", filter=concluded_q),
        on_time=Count("id", filter=concluded_q & Q(on_time=True)),
        overdue=Count("id", filter=~Q(status__in=CLOSED) & Q(overdue__gt=0)),
    )
    r = Rating.objects.filter(application__in=apps).aggregate(
        rated=Count("id"), avg=Avg("score"), happy=Count("id", filter=Q(score__gte=4))
    )
    return agg | {
        "on_time_rate": on_time_rate(agg["concluded"], agg["on_time"]),
        "rated": r["rated"],
        "avg_score": round(float(r["avg"]), 2) if r["rated"] else None,
        "satisfied_rate": round(r["happy"] / r["rated"], 4) if r["rated"] else None,
    }
