"""No double booking: a booking holds its 30-minute slots, unique per room in the database; a
cancel frees them; an activity held in a room takes its slots too."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.venues import services
from lianxin.venues.hours import at
from lianxin.venues.models import Booking, BookingSlot, BookingStatus

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(make_center, region):
    return f.room(make_center(region(HEXI_VILLAGE)))


def _book(actor, room, start, end, day=None, **kw):
    return services.book_room(
        actor,
        room,
        day=day or f.next_weekday(0),
        start=start,
        end=end,
        purpose="排练",
        party_size=3,
        **kw,
    )


def test_an_overlapping_booking_is_refused(room, resident, center_staff):
    first = _book(resident, room, time(10), time(11))
    with pytest.raises(ValidationError) as exc:
        _book(center_staff, room, time(10, 30), time(12), on_behalf_of=resident)
    assert "该时段已被预约" in exc.value.message_dict["start"][0]
    assert list(Booking.objects.all()) == [first]
    # Back to back is fine; so is the same time in another room.
    _book(resident, room, time(11), time(12))
    _book(resident, f.room(room.center), time(10), time(11))


def test_the_database_refuses_a_second_holder_of_a_slot(room, resident):
    booking = _book(resident, room, time(10), time(11))
    with pytest.raises(IntegrityError), transaction.atomic():
        BookingSlot.objects.create(room=room, starts_at=booking.starts_at, booking=booking)


def test_a_cancelled_booking_frees_its_slots(room, resident):
    booking = _book(resident, room, time(10), time(11))
    services.cancel_booking(resident, booking)
    assert not BookingSlot.objects.filter(booking=booking).exists()
    again = _book(resident, room, time(10), time(11))
    assert again.status == BookingStatus.BOOKED


def test_an_activity_in_the_room_takes_its_slots(room, resident, center_staff):
    day = f.next_weekday(2)
    activity = services.save_activity(
        center_staff,
        None,
        {
            "kind": "party_day",
            "title": "主题党日",
            "room": room,
            "starts_at": at(day, time(14, 10)),
            "ends_at": at(day, time(15)),
            "capacity": 10,
        },
        center=room.center,
    )
    # 14:10–15:00 holds the 14:00 and 14:30 slots.
    assert BookingSlot.objects.filter(activity=activity).count() == 2
    with pytest.raises(ValidationError) as exc:
        _book(resident, room, time(14), time(14, 30), day=day)
    assert "start" in exc.value.message_dict
    # A second activity over it is refused by the room's slots as well.
    with pytest.raises(ValidationError) as exc:
        services.save_activity(
            center_staff,
            None,
            {
                "kind": "other",
                "title": "冲突",
                "room": room,
                "starts_at": at(day, time(14, 30)),
                "ends_at": at(day, time(16)),
                "capacity": 5,
            },
            center=room.center,
        )
    assert "room" in exc.value.message_dict
    services.cancel_activity(center_staff, activity)
    assert _book(resident, room, time(14), time(15), day=day)


def test_moving_an_activity_moves_its_slots(room, center_staff):
    start = timezone.now() + timedelta(days=2)
    data = {
        "kind": "elderly",
        "title": "健康讲座",
        "room": room,
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "capacity": 8,
    }
    activity = services.save_activity(center_staff, None, data, center=room.center)
    before = set(BookingSlot.objects.filter(activity=activity).values_list("starts_at", flat=True))
    services.save_activity(
        center_staff,
        activity,
        {"starts_at": start + timedelta(days=1), "ends_at": start + timedelta(days=1, hours=1)},
    )
    after = set(BookingSlot.objects.filter(activity=activity).values_list("starts_at", flat=True))
    assert before and after and not before & after
