"""Service statistics (issue 5 §7), inside the caller's scope: applications by item, center and
status; on-time rate and satisfaction per center, street and district, for a date range. Used by
the statistics pages, the staff API (/api/v1/services/stats/…) and the dashboard.

Definitions (docs/services.md):
- applications in a period: submitted in it (Asia/Shanghai days, both ends included);
- on-time rate: of the cases concluded in the period, the share concluded by their deadline
  (Application.on_time, set when concluded; a reopened case counts when concluded again);
- satisfaction: the mean score (1–5) of the ratings given in the period, and the share of
  ratings of 4 or 5.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Q

from lianxin.core.scoping import under_code

from .models import CLOSED, Application, Overdue, Rating, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
DONE = (Status.CONCLUDED, Status.RATED)
GROUPS = ("item", "center", "status")
LEVELS = ("center", "street", "district")


def period(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    """Local days → [start, end) instants."""
    start = datetime.combine(date_from, time.min, tzinfo=SHANGHAI) if date_from else None
    end = (
        datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=SHANGHAI)
        if date_to
        else None
    )
    return start, end


def _in(field: str, date_from, date_to) -> Q:
    start, end = period(date_from, date_to)
    q = Q()
    if start:
        q &= Q(**{f"{field}__gte": start})
    if end:
        q &= Q(**{f"{field}__lt": end})
    return q


def applications(user, *, date_from=None, date_to=None, within: str | None = None):
    qs = Application.objects.visible_to(user).filter(_in("submitted_at", date_from, date_to))
    if within:
        qs = qs.filter(under_code(within))
    return qs


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def applications_by(user, group: str, *, date_from=None, date_to=None, within=None) -> list[dict]:
    """Counts per item, center or status of the applications submitted in the period."""
    if group not in GROUPS:
        raise ValueError(group)
    qs = applications(user, date_from=date_from, date_to=date_to, within=within)
    if group == "status":
        rows = qs.values("status").annotate(total=Count("pk")).order_by()
        by = {r["status"]: r["total"] for r in rows}
        return [
            {
                "status": s.value,
                "label": str(s.label),
                "closed": s in CLOSED,
                "total": by.get(s.value, 0),
            }
            for s in Status
        ]
    keys = {
        "item": ["item_id", "item__code", "item__name"],
        "center": ["center_id", "center__name", "center__region__code"],
    }[group]
    rows = (
        qs.values(*keys)
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=~Q(status__in=CLOSED)),
            concluded=Count("pk", filter=Q(status__in=DONE)),
            overdue=Count("pk", filter=Q(overdue__gte=Overdue.OVERDUE) & ~Q(status__in=CLOSED)),
            # Not named on_time: that is a field, and `judged` would count the annotation.
            timely=Count("pk", filter=Q(on_time=True)),
            judged=Count("pk", filter=Q(on_time__isnull=False)),
        )
        .order_by("-total", keys[1])
    )
    out = []
    for r in rows:
        judged, r["on_time"] = r.pop("judged"), r.pop("timely")
        row = {
            "id": r[keys[0]],
            "code": r[keys[2]] if group == "center" else r[keys[1]],
            "name": r[keys[1]] if group == "center" else r[keys[2]],
        } | {k: r[k] for k in ("total", "open", "concluded", "overdue", "on_time")}
        row["on_time_rate"] = _rate(r["on_time"], judged)
        out.append(row)
    return out


_LEVEL_KEYS = {
    "center": ("center_id", "application__center_id"),
    "street": ("street_code", "application__street_code"),
    "district": ("district_code", "application__district_code"),
}


def performance(user, level: str, *, date_from=None, date_to=None, within=None) -> list[dict]:
    """On-time rate and satisfaction per center, street or district for the period: cases
    concluded in it (on time or late) and ratings given in it, in the caller's scope."""
    if level not in LEVELS:
        raise ValueError(level)
    app_key, rating_key = _LEVEL_KEYS[level]
    concluded = Application.objects.visible_to(user).filter(
        _in("concluded_at", date_from, date_to), on_time__isnull=False
    )
    ratings = Rating.objects.visible_to(user).filter(_in("at", date_from, date_to))
    if within:
        concluded = concluded.filter(under_code(within))
        ratings = ratings.filter(under_code(within))
    timely = {
        r[app_key]: r
        for r in concluded.values(app_key)
        .annotate(concluded=Count("pk"), timely=Count("pk", filter=Q(on_time=True)))
        .order_by()
    }
    rated = {
        r[rating_key]: r
        for r in ratings.values(rating_key)
        .annotate(
            ratings=Count("pk"), mean=Avg("score"), satisfied=Count("pk", filter=Q(score__gte=4))
        )
        .order_by()
    }
    names = _names(level, set(timely) | set(rated))
    out = []
    for key in set(timely) | set(rated):
        t, s = timely.get(key, {}), rated.get(key, {})
        code, name = names.get(key, (str(key), str(key)))
        out.append(
            {
                "key": key,
                "code": code,
                "name": name,
                "concluded": t.get("concluded", 0),
                "on_time": t.get("timely", 0),
                "on_time_rate": _rate(t.get("timely", 0), t.get("concluded", 0)),
                "ratings": s.get("ratings", 0),
                "satisfaction": round(float(s["mean"]), 2) if s.get("mean") is not None else None,
                "satisfied_rate": _rate(s.get("satisfied", 0), s.get("ratings", 0)),
            }
        )
    out.sort(key=lambda r: r["code"] or "")
    return out


def _names(level: str, keys: set) -> dict:
    """key → (division code, name)."""
    from lianxin.centers.models import Center
    from lianxin.regions.models import Region

    if level == "center":
        return {
            c["pk"]: (c["region__code"], c["name"])
            for c in Center.objects.filter(pk__in=keys).values("pk", "region__code", "name")
        }
    return {
        r["code"]: (r["code"], r["name"])
        for r in Region.objects.filter(code__in=keys).values("code", "name")
    }


def summary(user, *, date_from=None, date_to=None, within=None) -> dict:
    """One set of figures for the user's whole scope (the home page's card)."""
    apps = applications(user, date_from=date_from, date_to=date_to, within=within)
    counts = apps.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=~Q(status__in=CLOSED)),
        overdue=Count("pk", filter=Q(overdue__gte=Overdue.OVERDUE) & ~Q(status__in=CLOSED)),
    )
    concluded = Application.objects.visible_to(user).filter(
        _in("concluded_at", date_from, date_to), on_time__isnull=False
    )
    ratings = Rating.objects.visible_to(user).filter(_in("at", date_from, date_to))
    if within:
        concluded = concluded.filter(under_code(within))
        ratings = ratings.filter(under_code(within))
    timely = concluded.aggregate(concluded=Count("pk"), timely=Count("pk", filter=Q(on_time=True)))
    rated = ratings.aggregate(
        ratings=Count("pk"), mean=Avg("score"), satisfied=Count("pk", filter=Q(score__gte=4))
    )
    return counts | {
        "concluded": timely["concluded"],
        "on_time": timely["timely"],
        "on_time_rate": _rate(timely["timely"], timely["concluded"]),
        "ratings": rated["ratings"],
        "satisfaction": round(float(rated["mean"]), 2) if rated["mean"] is not None else None,
        "satisfied_rate": _rate(rated["satisfied"], rated["ratings"]),
    }
