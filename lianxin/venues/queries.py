"""The read side of rooms and activities. Staff reads go through `visible_to(user)`; a resident's
own rows through `mine(user)`; what any visitor may see of a center (its bookable rooms' free
slots, its upcoming activities) takes the center itself.

Usage statistics are SQL aggregates per center (a fixed number of queries, however many centers),
rolled up to streets and districts by the centers' denormalised codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lianxin.centers.models import Center, Room
from lianxin.regions.models import Level, Region

from .hours import DEFAULT_WEEK, at, grid, hours_on, local_zone, open_slot_count, schedules
from .models import (
    HOLDING,
    SLOT_MINUTES,
    Activity,
    ActivityKind,
    ActivityStatus,
    Booking,
    BookingSlot,
    BookingStatus,
    SignUp,
    SignUpStatus,
)

__all__ = [
    "DEFAULT_WEEK",
    "hours_on",
    "free_slots",
    "upcoming_activities",
    "bookable_rooms",
    "my_bookings",
    "my_signups",
    "usage_stats",
]


def _clip(params, name: str, limit: int = 60) -> str:
    return (params.get(name) or "").strip()[:limit]


def _day(params, name: str) -> date | None:
    try:
        return date.fromisoformat(_clip(params, name, 10))
    except ValueError:
        return None


def _int(params, name: str) -> str:
    value = _clip(params, name, 12)
    return value if value.isdigit() else ""


# -- for residents (the portal) ------------------------------------------------------------------


def bookable_rooms(center) -> QuerySet:
    """The center's rooms residents may book."""
    return Room.objects.filter(center=center, bookable=True).select_related("room_type")


def free_slots(room, day: date, *, now: datetime | None = None) -> list[tuple[time, time, bool]]:
    """The room's 30-minute slots within the center's opening hours on `day`, each as
    (start, end, free); a slot already held or already begun is not free. [] = closed that day."""
    now = now or timezone.now()
    slots = grid(hours_on(room.center, day))
    if not slots:
        return []
    taken = set(
        BookingSlot.objects.filter(
            room=room,
            starts_at__gte=at(day, time(0)),
            starts_at__lt=at(day + timedelta(1), time(0)),
        ).values_list("starts_at", flat=True)
    )
    taken = {t.astimezone(local_zone()).time() for t in taken}
    return [(a, b, a not in taken and at(day, a) > now) for a, b in slots]


def with_places(qs: QuerySet) -> QuerySet:
    """Activities annotated with `n_held` (places taken), `n_waiting`, `n_attended`."""
    return qs.annotate(
        n_held=Count("signups", filter=Q(signups__status__in=HOLDING)),
        n_waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED)),
        n_attended=Count("signups", filter=Q(signups__status=SignUpStatus.ATTENDED)),
    )


def upcoming_activities(center, *, now: datetime | None = None, limit: int = 50) -> list[Activity]:
    """The center's published activities not yet over, soonest first, each with `n_held`,
    `n_waiting` and `places_left`. The check-in code is on the row: never show it to residents."""
    now = now or timezone.now()
    rows = list(
        with_places(
            Activity.objects.filter(
                center=center, status=ActivityStatus.PUBLISHED, ends_at__gt=now
            ).select_related("room")
        ).order_by("starts_at", "id")[:limit]
    )
    for a in rows:
        a.places_left = max(0, a.capacity - a.n_held)
    return rows


def my_bookings(user) -> QuerySet:
    """A resident's own bookings, latest first."""
    return Booking.objects.mine(user).select_related("center", "room").order_by("-starts_at")


def my_signups(user) -> QuerySet:
    """A resident's own sign-ups (cancelled ones included), latest activity first."""
    return (
        SignUp.objects.mine(user)
        .select_related("activity__center", "activity__room")
        .order_by("-activity__starts_at")
    )


# -- staff lists ---------------------------------------------------------------------------------

BOOKING_SORTS = {
    "starts_at": "starts_at",
    "center": "center__region__code",
    "room": "room_name",
    "status": "status",
    "party_size": "party_size",
    "created_at": "created_at",
}


@dataclass
class BookingFilter:
    q: str = ""
    center: str = ""
    room: str = ""
    status: str = ""
    since: date | None = None
    until: date | None = None
    sort: str = "-starts_at"

    @classmethod
    def from_params(cls, params) -> BookingFilter:
        status = _clip(params, "status", 12)
        sort = _clip(params, "sort", 20)
        return cls(
            q=_clip(params, "q"),
            center=_int(params, "center"),
            room=_int(params, "room"),
            status=status if status in BookingStatus.values else "",
            since=_day(params, "from"),
            until=_day(params, "to"),
            sort=sort if sort.lstrip("-") in BOOKING_SORTS else "-starts_at",
        )

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            qs = qs.filter(
                Q(purpose__icontains=self.q)
                | Q(room_name__icontains=self.q)
                | Q(center__name__icontains=self.q)
                | Q(center__search_text__icontains=self.q.lower())
                | Q(resident__display_name__icontains=self.q)
            )
        if self.center:
            qs = qs.filter(center_id=int(self.center))
        if self.room:
            qs = qs.filter(room_id=int(self.room))
        if self.status:
            qs = qs.filter(status=self.status)
        if self.since:
            qs = qs.filter(day__gte=self.since)
        if self.until:
            qs = qs.filter(day__lte=self.until)
        key = self.sort.lstrip("-")
        direction = "-" if self.sort.startswith("-") else ""
        return qs.order_by(direction + BOOKING_SORTS[key], direction + "id")

    def querystring(self, **override) -> str:
        values = {
            "q": self.q,
            "center": self.center,
            "room": self.room,
            "status": self.status,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "sort": self.sort if self.sort != "-starts_at" else "",
        } | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_bookings(user, params) -> tuple[BookingFilter, QuerySet]:
    flt = BookingFilter.from_params(params)
    qs = Booking.objects.visible_to(user).select_related("center__region", "room", "resident")
    return flt, flt.apply(qs)


@dataclass
class ActivityFilter:
    q: str = ""
    center: str = ""
    kind: str = ""
    status: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_params(cls, params) -> ActivityFilter:
        kind, status = _clip(params, "kind", 20), _clip(params, "status", 12)
        return cls(
            q=_clip(params, "q"),
            center=_int(params, "center"),
            kind=kind if kind in ActivityKind.values else "",
            status=status if status in ActivityStatus.values else "",
            since=_day(params, "from"),
            until=_day(params, "to"),
        )

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            qs = qs.filter(
                Q(title__icontains=self.q)
                | Q(center__name__icontains=self.q)
                | Q(center__search_text__icontains=self.q.lower())
            )
        if self.center:
            qs = qs.filter(center_id=int(self.center))
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.since:
            qs = qs.filter(starts_at__gte=at(self.since, time(0)))
        if self.until:
            qs = qs.filter(starts_at__lt=at(self.until + timedelta(1), time(0)))
        return qs.order_by("-starts_at", "-id")

    def querystring(self, **override) -> str:
        values = {
            "q": self.q,
            "center": self.center,
            "kind": self.kind,
            "status": self.status,
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
        } | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_activities(user, params) -> tuple[ActivityFilter, QuerySet]:
    flt = ActivityFilter.from_params(params)
    qs = Activity.objects.visible_to(user).select_related("center__region", "room")
    return flt, with_places(flt.apply(qs))


def venue_centers(user, limit: int = 500) -> QuerySet:
    """Centers in the user's scope with a bookable room, for filters."""
    return (
        Center.objects.visible_to(user)
        .filter(rooms__bookable=True)
        .distinct()
        .only("pk", "name")
        .order_by("region__code")[:limit]
    )


# -- usage statistics ----------------------------------------------------------------------------

FIGURES = (
    "bookings",
    "booked_hours",
    "open_hours",
    "utilisation",
    "activities",
    "signups",
    "attended",
    "attendance_rate",
)


@dataclass
class Usage:
    code: str
    name: str
    centers: int = 0
    bookings: int = 0
    booked_slots: int = 0
    used_slots: int = 0  # held by bookings or activities, in bookable rooms
    open_slots: int = 0
    activities: int = 0
    signups: int = 0
    attended: int = 0
    center_id: int | None = None

    @property
    def booked_hours(self) -> float:
        return self.booked_slots * SLOT_MINUTES / 60

    @property
    def open_hours(self) -> float:
        return self.open_slots * SLOT_MINUTES / 60

    @property
    def utilisation(self) -> float | None:
        """Share of the bookable rooms' open time held by bookings and activities."""
        if not self.open_slots:
            return None
        return round(self.used_slots / self.open_slots, 4)

    @property
    def attendance_rate(self) -> float | None:
        return round(self.attended / self.signups, 4) if self.signups else None

    def add(self, other: Usage) -> None:
        for name in (
            "centers",
            "bookings",
            "booked_slots",
            "used_slots",
            "open_slots",
            "activities",
            "signups",
            "attended",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "centers": self.centers,
            "bookings": self.bookings,
            "booked_hours": self.booked_hours,
            "open_hours": self.open_hours,
            "utilisation": self.utilisation,
            "activities": self.activities,
            "signups": self.signups,
            "attended": self.attended,
            "attendance_rate": self.attendance_rate,
        }


GROUPS = ("center", "street", "district")


def default_group(region: Region | None) -> str:
    if region is None or region.level <= Level.PREFECTURE:
        return "district"
    if region.level == Level.COUNTY:
        return "street"
    return "center"


def usage_stats(
    user,
    *,
    region: Region | None = None,
    since: date,
    until: date,
    group: str = "center",
    now: datetime | None = None,
) -> tuple[list[Usage], Usage]:
    """Usage of the centers in the user's scope (under `region` if given) from `since` to `until`
    (inclusive, local days): per center, street or district (`group`), and the total.

    bookings: not cancelled; booked hours: their 30-minute slots; open hours: the bookable rooms'
    opening hours in the period; utilisation: (booking + activity slots) / open slots; activities
    held: not cancelled and begun by now; sign-ups: places taken on those; attendance rate:
    attended / sign-ups."""
    now = now or timezone.now()
    centers = Center.objects.visible_to(user)
    if region is not None:
        centers = centers.filter(region_path__startswith=region.path)
    center_rows = list(
        centers.values_list("pk", "name", "region__code", "street_code", "district_code")
    )
    ids = [r[0] for r in center_rows]
    start, end = at(since, time(0)), at(until + timedelta(1), time(0))
    per: dict[int, Usage] = {
        pk: Usage(code=code, name=name, centers=1, center_id=pk)
        for pk, name, code, _s, _d in center_rows
    }
    if ids:
        _fill(per, ids, since, until, start, min(end, max(start, now)), end)
    total = Usage(code=region.code if region else "", name=region.name if region else "")
    for u in per.values():
        total.add(u)
    if group == "center":
        rows = sorted(per.values(), key=lambda u: u.code)
        return rows, total
    field = 3 if group == "street" else 4
    keys = {r[0]: r[field] for r in center_rows}
    names = dict(Region.objects.filter(code__in=set(keys.values())).values_list("code", "name"))
    grouped: dict[str, Usage] = {}
    for pk, u in per.items():
        code = keys[pk] or ""
        g = grouped.setdefault(code, Usage(code=code, name=names.get(code, "")))
        g.add(u)
    return sorted(grouped.values(), key=lambda u: u.code), total


def _fill(per, ids, since, until, start, held_by, end) -> None:
    # Large scopes: the center ids go in chunks (SQLite's parameter limit, PostgreSQL's planner).
    for k in range(0, len(ids), 900):
        chunk = ids[k : k + 900]
        live = ~Q(status=BookingStatus.CANCELLED)
        for row in (
            Booking.objects.filter(center_id__in=chunk, day__gte=since, day__lte=until)
            .filter(live)
            .values("center_id")
            .annotate(n=Count("id"))
        ):
            per[row["center_id"]].bookings = row["n"]
        slots = BookingSlot.objects.filter(
            room__center_id__in=chunk, starts_at__gte=start, starts_at__lt=end
        )
        for row in slots.values("room__center_id").annotate(
            b=Count("id", filter=Q(booking__isnull=False)),
            # Utilisation is of the bookable rooms' open time: slots in other rooms don't count.
            used=Count("id", filter=Q(room__bookable=True)),
        ):
            u = per[row["room__center_id"]]
            u.booked_slots, u.used_slots = row["b"], row["used"]
        held = Activity.objects.filter(
            center_id__in=chunk, starts_at__gte=start, starts_at__lt=held_by
        ).exclude(status=ActivityStatus.CANCELLED)
        for row in held.values("center_id").annotate(n=Count("id")):
            per[row["center_id"]].activities = row["n"]
        for row in (
            SignUp.objects.filter(activity__in=held, status__in=HOLDING)
            .values("activity__center_id")
            .annotate(n=Count("id"), a=Count("id", filter=Q(status=SignUpStatus.ATTENDED)))
        ):
            u = per[row["activity__center_id"]]
            u.signups, u.attended = row["n"], row["a"]
        rooms = dict(
            Room.objects.filter(center_id__in=chunk, bookable=True)
            .values("center_id")
            .annotate(n=Count("id"))
            .values_list("center_id", "n")
        )
        versions = schedules(rooms)
        for center_id, n_rooms in rooms.items():
            per[center_id].open_slots = n_rooms * open_slot_count(
                versions.get(center_id), since, until
            )
