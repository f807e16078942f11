"""Booking a room: what is refused (each refusal names its field, in Chinese), who may book for
whom, and the free slots a resident sees."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianxin.centers.models import CenterStatus
from lianxin.core.models import AuditLog, Notification
from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.venues import queries, services
from lianxin.venues.models import Booking, BookingSlot, BookingStatus

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(make_center, region):
    return f.room(make_center(region(HEXI_VILLAGE)), capacity=10)


def _book(actor, room, **kw):
    data = {
        "day": f.next_weekday(0),
        "start": time(10),
        "end": time(11),
        "purpose": "书法练习",
        "party_size": 4,
    } | kw
    return services.book_room(actor, room, **data)


def test_a_resident_books_a_room(room, resident):
    audits = AuditLog.objects.count()
    booking = _book(resident, room, start=time(9), end=time(10, 30))
    assert booking.status == BookingStatus.BOOKED
    assert booking.resident == resident and booking.booked_by is None
    assert booking.region_path == room.region_path and booking.room_name == room.name
    assert BookingSlot.objects.filter(booking=booking).count() == 3
    assert timezone.localtime(booking.starts_at).time() == time(9)
    assert AuditLog.objects.count() == audits + 1
    assert Notification.objects.filter(recipient=resident, title__contains="预约成功").exists()
    assert list(Booking.objects.mine(resident)) == [booking]


@pytest.mark.parametrize(
    "changes,field,text",
    [
        ({"start": time(7), "end": time(8)}, "start", "开放时间"),
        ({"start": time(17), "end": time(18)}, "start", "开放时间"),
        ({"day_offset": 6}, "start", "不开放"),  # a Sunday
        ({"party_size": 11}, "party_size", "容纳人数"),
        ({"party_size": 0}, "party_size", "至少"),
        ({"start": time(11), "end": time(11)}, "end", "晚于"),
        ({"start": time(11), "end": time(10)}, "end", "晚于"),
        ({"start": time(10, 15), "end": time(11)}, "start", "半小时"),
        ({"purpose": "  "}, "purpose", "用途"),
    ],
    ids=[
        "before opening",
        "past closing",
        "closed day",
        "over capacity",
        "nobody",
        "empty span",
        "end before start",
        "off the grid",
        "no purpose",
    ],
)
def test_refusals_name_the_field(room, resident, changes, field, text):
    changes = dict(changes)
    if "day_offset" in changes:
        changes["day"] = f.next_weekday(0) + timedelta(days=changes.pop("day_offset"))
    with pytest.raises(ValidationError) as exc:
        _book(resident, room, **changes)
    assert text in " ".join(exc.value.message_dict[field])
    assert not Booking.objects.exists()


def test_the_past_and_the_far_future_are_refused(room, resident):
    with pytest.raises(ValidationError) as exc:
        _book(resident, room, day=timezone.localdate() - timedelta(days=1))
    assert "过去" in exc.value.message_dict["day"][0]
    with pytest.raises(ValidationError) as exc:
        _book(resident, room, day=timezone.localdate() + timedelta(days=90))
    assert "提前" in exc.value.message_dict["day"][0]


def test_a_room_not_bookable_or_a_center_not_open(room, resident):
    room.bookable = False
    with pytest.raises(ValidationError) as exc:
        _book(resident, room)
    assert "不开放预约" in exc.value.message_dict["room"][0]
    room.bookable = True
    room.center.status = CenterStatus.RENOVATING
    with pytest.raises(ValidationError) as exc:
        _book(resident, room)
    assert "room" in exc.value.message_dict


def test_staff_book_on_a_residents_behalf(room, resident, center_staff, street_staff):
    booking = _book(center_staff, room, on_behalf_of=resident)
    assert booking.resident == resident and booking.booked_by == center_staff
    # The resident must be named, and be a resident.
    with pytest.raises(ValidationError) as exc:
        _book(street_staff, room, start=time(14), end=time(15))
    assert "on_behalf_of" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _book(street_staff, room, start=time(14), end=time(15), on_behalf_of=center_staff)


@pytest.mark.parametrize("who", ["nankai", "inspector", "norole"])
def test_staff_outside_scope_or_read_only_cannot_book(request, room, resident, who):
    with pytest.raises(PermissionDenied):
        _book(request.getfixturevalue(who), room, on_behalf_of=resident)


def test_a_resident_books_only_for_themself(room, resident, hexi):
    with pytest.raises(PermissionDenied):
        _book(resident, room, on_behalf_of=hexi)


def test_free_slots_of_a_day(room, resident):
    day = f.next_weekday(5)  # Saturday: 09:00–12:00 by default
    _book(resident, room, day=day, start=time(10), end=time(11))
    slots = queries.free_slots(room, day)
    assert [(a.strftime("%H:%M"), free) for a, _b, free in slots] == [
        ("09:00", True),
        ("09:30", True),
        ("10:00", False),
        ("10:30", False),
        ("11:00", True),
        ("11:30", True),
    ]
    assert queries.free_slots(room, day + timedelta(days=1)) == []  # Sunday
    # Slots already begun are not free.
    past = timezone.localdate() - timedelta(days=1)
    assert not any(free for _a, _b, free in queries.free_slots(room, past))
