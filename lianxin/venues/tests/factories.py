"""Builders for rooms and activities (and the permission matrix's factories for them). They
write rows directly, the way the services would leave them, so that a test can place a booking
in the past or an activity under way without waiting for the clock."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import count

from django.utils import timezone

from lianxin.core.tests.factories import make_center, org_factory

_serial = count(1)


def center_of(village):
    from lianxin.centers.models import Center

    return Center.objects.filter(region=village).first() or make_center(village)


def room(center, **fields):
    """A bookable room of `center` (capacity 20 unless given)."""
    from lianxin.centers.models import Room, RoomType

    values = {
        "center": center,
        "region_path": center.region_path,
        "room_type": RoomType.objects.get(code="culture_sports"),
        "name": f"文体活动室{next(_serial)}",
        "area": Decimal("80.00"),
        "capacity": 20,
        "bookable": True,
    } | fields
    return Room.objects.create(**values)


def next_weekday(weekday: int = 0, after_days: int = 7) -> date:
    """The first `weekday` (0 = Monday) at least `after_days` from today."""
    day = timezone.localdate() + timedelta(days=after_days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def booking(room_obj, resident, *, day=None, start=time(10), end=time(11), **fields):
    """A booking with its slots, written directly (any date, past ones included)."""
    from lianxin.venues.hours import at, slot_starts
    from lianxin.venues.models import Booking, BookingSlot

    day = day or next_weekday()
    values = {
        "room": room_obj,
        "room_name": room_obj.name,
        "center": room_obj.center,
        "region_path": room_obj.region_path,
        "resident": resident,
        "day": day,
        "starts_at": at(day, start),
        "ends_at": at(day, end),
        "purpose": "读书会",
        "party_size": 5,
    } | fields
    obj = Booking.objects.create(**values)
    if obj.status != "cancelled":
        BookingSlot.objects.bulk_create(
            [
                BookingSlot(room=room_obj, starts_at=s, booking=obj)
                for s in slot_starts(obj.starts_at, obj.ends_at)
            ]
        )
    return obj


def activity(center, *, starts_at: datetime | None = None, hours: float = 2, **fields):
    from lianxin.venues.models import Activity

    starts_at = starts_at or timezone.now() + timedelta(days=3)
    values = {
        "center": center,
        "region_path": center.region_path,
        "kind": "culture_sports",
        "title": f"广场舞活动{next(_serial)}",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "capacity": 10,
        "checkin_code": "123456",
    } | fields
    return Activity.objects.create(**values)


def signup(activity_obj, resident, status="confirmed", **fields):
    from lianxin.venues.models import SignUp

    return SignUp.objects.create(
        activity=activity_obj,
        region_path=activity_obj.region_path,
        resident=resident,
        status=status,
        **fields,
    )


def another_resident(phone: str, name: str = "李居民"):
    from lianxin.accounts import services as accounts

    return accounts.create_resident(
        None, phone=phone, password="Lianxin-test-2025!", display_name=name
    )


def _resident():
    from lianxin.accounts.models import User

    return User.objects.filter(kind="resident").order_by("pk").first()


@org_factory("venues.OpeningHours")
def _hours(village):
    from lianxin.venues.models import OpeningHours

    center = center_of(village)
    return OpeningHours.objects.create(
        center=center,
        region_path=center.region_path,
        weekday=0,
        opens=time(9),
        closes=time(17),
        valid_from=date(2024, 1, 1),
    )


@org_factory("venues.Booking")
def _booking(village):
    return booking(room(center_of(village)), _resident())


@org_factory("venues.Activity")
def _activity(village):
    return activity(center_of(village))


@org_factory("venues.SignUp")
def _signup(village):
    return signup(activity(center_of(village)), _resident())
