"""Two people clicking at the same instant, on PostgreSQL: two threads, two connections, one
barrier. Exactly one booking of a slot wins (the unique slot rows); an activity with one place
left confirms exactly one sign-up (the activity row is locked while counting).

The threads need rows they can see, so the set-up is committed (outside the per-test
transaction) and removed afterwards; the suite's shared data (the division tree, the users) is
never flushed, unlike with `django_db(transaction=True)`.
"""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from lianxin.core.tests.concurrency import race
from lianxin.core.tests.factories import HEXI_VILLAGE_2

from . import factories as f

SKIP_REASON = (
    "needs PostgreSQL: SQLite serialises writers, so two threads never race inside the database "
    "(run with LIANXIN_DATABASE_URL=postgres://… to exercise it)"
)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """A center with a bookable room and two residents, committed; all of it (and every audit
    row and notification written meanwhile) removed afterwards."""
    if connection.vendor != "postgresql":
        print(f"\nskipped: {SKIP_REASON}")
        pytest.skip(SKIP_REASON)
    from lianxin.accounts.models import User
    from lianxin.centers.models import Center
    from lianxin.core.models import AuditLog, Notification
    from lianxin.core.tests.factories import make_center, region
    from lianxin.venues.models import Activity, Booking

    with django_db_blocker.unblock():
        marks = (
            AuditLog.objects.aggregate(m=Max("id"))["m"] or 0,
            Notification.objects.aggregate(m=Max("id"))["m"] or 0,
        )
        center = make_center(region(HEXI_VILLAGE_2), name="并发测试中心")
        residents = [
            User.objects.get(username=u.username)
            for u in (
                f.another_resident("13900002221", "甲居民"),
                f.another_resident("13900002222", "乙居民"),
            )
        ]
        try:
            yield {"center": center, "room": f.room(center), "residents": residents}
        finally:
            Booking.objects.filter(center=center).delete()
            Activity.objects.filter(center=center).delete()
            Center.objects.filter(pk=center.pk).delete()
            AuditLog.objects.filter(id__gt=marks[0]).delete()
            Notification.objects.filter(id__gt=marks[1]).delete()
            User.objects.filter(pk__in=[r.pk for r in residents]).delete()


def test_two_residents_book_the_same_slot_at_the_same_instant(committed, django_db_blocker):
    from lianxin.venues import services
    from lianxin.venues.models import Booking, BookingSlot

    room, day = committed["room"], f.next_weekday(0)

    def book(resident):
        return lambda: services.book_room(
            resident, room, day=day, start=time(10), end=time(11), purpose="抢订", party_size=2
        )

    with django_db_blocker.unblock():
        results = race(*(book(r) for r in committed["residents"]))
        won = [r for r in results if isinstance(r, Booking)]
        lost = [r for r in results if isinstance(r, ValidationError)]
        assert len(won) == 1 and len(lost) == 1, results
        assert "该时段已被预约" in lost[0].message_dict["start"][0]
        assert Booking.objects.filter(room=room).count() == 1
        assert BookingSlot.objects.filter(room=room).count() == 2


def test_the_last_place_goes_to_one_of_two_at_the_same_instant(committed, django_db_blocker):
    from lianxin.venues import services
    from lianxin.venues.models import SignUp, SignUpStatus

    with django_db_blocker.unblock():
        activity = f.activity(
            committed["center"], capacity=1, starts_at=timezone.now() + timedelta(days=2)
        )
        results = race(*(lambda r=r: services.sign_up(r, activity) for r in committed["residents"]))
        assert all(isinstance(r, SignUp) for r in results), results
        statuses = sorted(SignUp.objects.filter(activity=activity).values_list("status", flat=True))
        assert statuses == [SignUpStatus.CONFIRMED, SignUpStatus.WAITLISTED]
