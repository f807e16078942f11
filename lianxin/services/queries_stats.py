"""Service statistics (issue 5 §7), inside the caller's scope: applications by item, center and
status; on-time rate and satisfaction per center, street and district, for a date range. Used by
the statistics pages, the staff API (/api/v1/services/stats/…) and the dashboard.

Definitions (docs/services.md):
- applications in a period: submitted in it (Asia/Shanghai days, both ends included);
- on-time rate: of the cases concluded in the period, the share concluded by their deadline
  (Application.on_time, set when concluded; a reopened case counts when concluded again);
- satisfaction: the mean score (1–5) of the ratings given in the period, and the share of
  ratings of 4 or 5;
- overdue: open now and past the deadline today (queries.overdue_q), whatever the morning's
  stored flag says;
- a case reopened after an unhappy rating keeps its first conclusion (concluded_at, on_time)
  as its statistic; its fresh deadline only drives the new round of work.

Every figure is aggregated in the database (GROUP BY); the per-unit table (`by_unit`) is one
query the statistics page sorts and pages.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, F, FloatField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, NullIf
from django.utils import timezone

from lianxin.core.scoping import under_code

from .models import CLOSED, Application, Rating, Status
from .queries import overdue_q

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


def applications_by(
    user, group: str, *, date_from=None, date_to=None, within=None, today: date | None = None
) -> list[dict]:
    """Counts per item, center or status of the applications submitted in the period."""
    if group not in GROUPS:
        raise ValueError(group)
    today = today or timezone.localdate()
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
            overdue=Count("pk", filter=overdue_q(today)),
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


_LEVEL_KEYS = {"center": "center_id", "street": "street_code", "district": "district_code"}
# The sorts of the per-unit table (by_unit): key → the annotation ordered by.
UNIT_SORTS = {
    "code": "unit_code",
    "name": "unit_name",
    "total": "total",
    "overdue": "overdue",
    "concluded": "concluded",
    "on_time_rate": "on_time_share",
    "ratings": "ratings",
    "satisfaction": "satisfaction_mean",
}


def by_unit(
    user,
    level: str,
    *,
    date_from=None,
    date_to=None,
    within=None,
    today: date | None = None,
    sort: str = "code",
):
    """One row per center, street or district, aggregated in SQL (one GROUP BY, so the page can
    sort and page it in the database): the applications submitted in the period (total, open,
    overdue now), the cases concluded in it (concluded, on time) and the ratings given in it.
    A row per unit with any of these; `unit_rows` turns a slice of it into dicts."""
    if level not in LEVELS:
        raise ValueError(level)
    from lianxin.regions.models import Region

    today = today or timezone.localdate()
    submitted = _in("submitted_at", date_from, date_to)
    concluded = _in("concluded_at", date_from, date_to) & Q(on_time__isnull=False)
    rated = _in("rating__at", date_from, date_to) & Q(rating__isnull=False)
    qs = Application.objects.visible_to(user)
    if date_from or date_to:
        qs = qs.filter(submitted | concluded | rated)
    if within:
        qs = qs.filter(under_code(within))
    key = _LEVEL_KEYS[level]
    if level == "center":
        names = {"unit_code": F("center__region__code"), "unit_name": F("center__name")}
    elif sort.lstrip("-") == "name":
        names = {
            "unit_code": F(key),
            "unit_name": Subquery(Region.objects.filter(code=OuterRef(key)).values("name")[:1]),
        }
    else:
        # Names of streets and districts are looked up for the rows shown (unit_rows): a name
        # per group in the GROUP BY would cost every count and every page.
        names = {"unit_code": F(key)}
    rows = (
        qs.values(key)
        .annotate(
            **names,
            total=Count("pk", filter=submitted or None),
            open=Count("pk", filter=submitted & ~Q(status__in=CLOSED)),
            overdue=Count("pk", filter=submitted & overdue_q(today)),
            concluded=Count("pk", filter=concluded),
            # Not named on_time: that is a field of the rows being counted.
            timely=Count("pk", filter=concluded & Q(on_time=True)),
            ratings=Count("rating", filter=rated),
            satisfaction_mean=Avg("rating__score", filter=rated),
            satisfied=Count("rating", filter=rated & Q(rating__score__gte=4)),
        )
        .annotate(
            on_time_share=Cast("timely", FloatField()) / NullIf(F("concluded"), Value(0)),
        )
    )
    field = UNIT_SORTS.get(sort.lstrip("-"), "unit_code")
    order = F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc()
    return rows.order_by(order, "unit_code", key)


def unit_rows(level: str, rows) -> list[dict]:
    """The dicts of by_unit's rows (a page of them, or all)."""
    from lianxin.regions.models import Region

    key = _LEVEL_KEYS[level]
    rows = list(rows)
    missing = {r[key] for r in rows if "unit_name" not in r}
    names = (
        dict(Region.objects.filter(code__in=missing).values_list("code", "name")) if missing else {}
    )
    out = []
    for r in rows:
        out.append(
            {
                "key": r[key],
                "code": r["unit_code"] or str(r[key]),
                "name": r.get("unit_name") or names.get(r[key]) or str(r[key]),
                "total": r["total"],
                "open": r["open"],
                "overdue": r["overdue"],
                "concluded": r["concluded"],
                "on_time": r["timely"],
                "on_time_rate": _rate(r["timely"], r["concluded"]),
                "ratings": r["ratings"],
                "satisfaction": round(float(r["satisfaction_mean"]), 2)
                if r["satisfaction_mean"] is not None
                else None,
                "satisfied_rate": _rate(r["satisfied"], r["ratings"]),
            }
        )
    return out


def performance(user, level: str, *, date_from=None, date_to=None, within=None) -> list[dict]:
    """On-time rate and satisfaction per center, street or district for the period: cases
    concluded in it (on time or late) and ratings given in it, in the caller's scope; the units
    with either, by division code."""
    rows = by_unit(user, level, date_from=date_from, date_to=date_to, within=within).filter(
        Q(concluded__gt=0) | Q(ratings__gt=0)
    )
    return unit_rows(level, rows)


def summary(user, *, date_from=None, date_to=None, within=None, today: date | None = None) -> dict:
    """One set of figures for the user's whole scope (the home page's card)."""
    today = today or timezone.localdate()
    apps = applications(user, date_from=date_from, date_to=date_to, within=within)
    counts = apps.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=~Q(status__in=CLOSED)),
        overdue=Count("pk", filter=overdue_q(today)),
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
