"""Reads of the residents' site: the public list of centers (find by text, by district and
street, or nearest to a point), what a center page shows, and the staff's list of notices."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Q, QuerySet

from lianxin.centers.models import Center, CenterStatus, Room
from lianxin.regions.models import EXISTING_STATUSES, Kind, Level, Region

from .models import Notice, NoticeKind

EARTH_RADIUS_KM = 6371.0088
NEAREST = 10
# Bounding boxes tried around the point, in km: the nearest ten are within the first box whose
# inscribed circle holds ten centers.
RADII_KM = (2, 5, 10, 25, 50, 100, 250)


def public_centers() -> QuerySet:
    """Centers residents may find: in use, and their unit still exists (not merged/dissolved)."""
    return Center.objects.filter(
        status=CenterStatus.IN_USE, region__status__in=EXISTING_STATUSES
    ).select_related("region")


def districts() -> QuerySet:
    return Region.objects.filter(level=Level.COUNTY, kind=Kind.DISTRICT).order_by("code")


def streets_of(district_code: str) -> QuerySet:
    if not (district_code.isdigit() and len(district_code) == 12):
        return Region.objects.none()
    return Region.objects.filter(parent__code=district_code, level=Level.TOWNSHIP).order_by("code")


def search(q: str = "", district: str = "", street: str = "") -> QuerySet:
    """By name, address, region names or their pinyin initials (Center.search_text)."""
    qs = public_centers()
    q = (q or "").strip()[:60]
    if q:
        for word in q.split():
            low = word.lower()
            qs = qs.filter(
                Q(search_text__icontains=low) | Q(address__icontains=word) | Q(name__icontains=word)
            )
    if district:
        qs = qs.filter(district_code=district)
    if street:
        qs = qs.filter(street_code=street)
    return qs.order_by("region__code")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _box(lat: float, lon: float, radius_km: float) -> Q:
    dlat = radius_km / 111.32
    dlon = radius_km / (111.32 * max(0.01, math.cos(math.radians(lat))))
    return Q(
        latitude__gte=Decimal(f"{lat - dlat:.6f}"),
        latitude__lte=Decimal(f"{lat + dlat:.6f}"),
        longitude__gte=Decimal(f"{lon - dlon:.6f}"),
        longitude__lte=Decimal(f"{lon + dlon:.6f}"),
    )


def nearest(lat: float, lon: float, n: int = NEAREST) -> list[tuple[Center, float]]:
    """The `n` nearest public centers to (lat, lon) with their distance in km, nearest first.
    SQL narrows to a bounding box; the distance is computed here (works on SQLite and
    PostgreSQL alike). A box is wide enough once `n` centers lie within its inscribed circle."""
    base = public_centers().filter(latitude__isnull=False, longitude__isnull=False)
    found: list[tuple[Center, float]] = []
    for radius in RADII_KM:
        found = _measured(base.filter(_box(lat, lon, radius)), lat, lon)
        if sum(1 for _c, d in found if d <= radius) >= n:
            return found[:n]
    # Far from everything: every center, measured (rare, and bounded by the city's size).
    return _measured(base, lat, lon)[:n]


def _measured(qs, lat, lon) -> list[tuple[Center, float]]:
    out = [(c, haversine_km(lat, lon, float(c.latitude), float(c.longitude))) for c in qs]
    out.sort(key=lambda pair: (pair[1], pair[0].pk))
    return out


# -- a center's page ------------------------------------------------------------------------------


def notices_at(center: Center, day: date) -> list[Notice]:
    """The notices in force at the center on `day`: its own and those of every unit above it,
    the nearest unit first, then the newest."""
    rows = list(Notice.objects.shown_at(center, day).select_related("region"))
    rows.sort(key=lambda n: (-len(n.region_path), -n.valid_from.toordinal(), -n.pk))
    return rows


def on_duty(notices: list[Notice]) -> list[Notice]:
    return [n for n in notices if n.kind == NoticeKind.ON_DUTY]


def opening_hours(center: Center, day: date) -> dict:
    """{"today": [(opens, closes)], "week": [(weekday label, [(opens, closes)])], "text": …,
    "structured": bool}: the week in force on `day` from the venues app's rows when the center
    has them (the same hours bookings follow); else the center's free text; else the default
    week bookings fall back to."""
    out = {"today": None, "week": [], "text": center.opening_hours, "structured": False}
    try:
        from lianxin.venues import hours
        from lianxin.venues.models import Weekday
    except ImportError:  # venues not installed: the free text is all there is
        return out
    versions = hours.schedules([center.pk]).get(center.pk)
    if not versions and center.opening_hours:
        # No structured schedule entered: the center's own words beat the built-in default.
        return out
    week = hours.week_on(versions, day)
    out["structured"] = bool(versions)
    out["today"] = list(week.get(day.weekday(), []))
    out["week"] = [(Weekday(d).label, week.get(d, [])) for d in range(7)]
    return out


def shown_notices(notices: list[Notice], hours: dict) -> list[Notice]:
    """The notices to list beside the hours: with structured hours, the center's own opening-hours
    notices go (a second, older copy of the same thing in other words)."""
    if not hours.get("structured"):
        return notices
    return [n for n in notices if not (n.kind == NoticeKind.HOURS and n.center_id)]


def bookable_rooms(center: Center) -> QuerySet:
    return Room.objects.filter(center=center, bookable=True).select_related("room_type")


def items_here(center: Center, day: date | None = None) -> list:
    """(item, level, mode) offered at the center, from the services app (empty if not ready)."""
    try:
        from lianxin.services.queries import items_at
    except ImportError:
        return []
    return list(items_at(center, day))


def upcoming_activities(center: Center) -> list:
    try:
        from lianxin.venues.queries import upcoming_activities as upcoming
    except ImportError:
        return []
    return list(upcoming(center))


# -- staff: the notices in scope -------------------------------------------------------------------

SORTS = {
    "valid_from": "valid_from",
    "title": "title",
    "kind": "kind",
    "unit": "region__code",
    "published": "published_at",
}


@dataclass
class NoticeFilter:
    q: str = ""
    kind: str = ""
    state: str = ""  # "current" / "future" / "ended"
    unit: str = ""  # a division code: notices at or below it
    sort: str = "-valid_from"

    FIELDS = ("q", "kind", "state", "unit")

    @classmethod
    def from_params(cls, params) -> NoticeFilter:
        flt = cls(**{k: (params.get(k) or "").strip()[:60] for k in (*cls.FIELDS, "sort")})
        if flt.kind not in NoticeKind.values:
            flt.kind = ""
        if flt.state not in ("current", "future", "ended"):
            flt.state = ""
        if not flt.unit.isdigit() or len(flt.unit) > 12:
            flt.unit = ""
        if flt.sort.lstrip("-") not in SORTS:
            flt.sort = "-valid_from"
        return flt

    def apply(self, qs: QuerySet, today: date) -> QuerySet:
        from lianxin.core.scoping import under_code

        if self.q:
            qs = qs.filter(
                Q(title__icontains=self.q)
                | Q(body__icontains=self.q)
                | Q(region__name__icontains=self.q)
            )
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.state == "current":
            qs = qs.in_force(today)
        elif self.state == "future":
            qs = qs.filter(valid_from__gt=today)
        elif self.state == "ended":
            qs = qs.filter(valid_to__lte=today)
        if self.unit:
            qs = qs.filter(under_code(self.unit))
        key = self.sort.lstrip("-")
        direction = "-" if self.sort.startswith("-") else ""
        return qs.order_by(direction + SORTS[key], "-pk")

    def querystring(self, **override) -> str:
        values = {k: getattr(self, k) for k in (*self.FIELDS, "sort")} | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_notices(user, params, today: date) -> tuple[NoticeFilter, QuerySet]:
    flt = NoticeFilter.from_params(params)
    qs = Notice.objects.visible_to(user).select_related("region", "published_by")
    return flt, flt.apply(qs, today)
