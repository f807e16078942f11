"""Cancelling bookings and recording how they went: residents cancel their own before the start;
staff in the center's scope cancel and record used / no-show; the state machine is a table."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianxin.core.models import AuditLog, Notification
from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.venues import services
from lianxin.venues.models import Booking, BookingSlot, BookingStatus

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(make_center, region, resident):
    return f.booking(f.room(make_center(region(HEXI_VILLAGE))), resident)


def test_a_resident_cancels_their_own(booking, resident):
    audits = AuditLog.objects.count()
    services.cancel_booking(resident, booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancelled_by == resident
    assert not BookingSlot.objects.filter(booking=booking).exists()
    assert AuditLog.objects.count() == audits + 1
    with pytest.raises(ValidationError):  # twice: not in the transitions table
        services.cancel_booking(resident, booking)


def test_a_resident_cannot_cancel_after_the_start_or_someone_elses(booking, resident):
    later = booking.starts_at + timedelta(minutes=1)
    with pytest.raises(ValidationError):
        services.cancel_booking(resident, booking, now=later)
    other = f.another_resident("13900003333")
    with pytest.raises(PermissionDenied):
        services.cancel_booking(other, booking)


def test_staff_in_scope_cancel_and_the_resident_is_told(booking, resident, center_staff):
    services.cancel_booking(center_staff, booking, reason="设备检修")
    assert Notification.objects.filter(recipient=resident, title__contains="取消").exists()


@pytest.mark.parametrize("who", ["nankai", "inspector", "norole"])
def test_staff_out_of_scope_or_read_only_cannot_cancel(request, booking, who):
    with pytest.raises(PermissionDenied):
        services.cancel_booking(request.getfixturevalue(who), booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_used_and_no_show_once_started(booking, hexi):
    with pytest.raises(ValidationError):
        services.set_booking_status(hexi, booking, BookingStatus.NO_SHOW)
    services.set_booking_status(
        hexi, booking, BookingStatus.USED, now=booking.starts_at + timedelta(minutes=5)
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.USED
    with pytest.raises(ValidationError):
        services.set_booking_status(
            hexi, booking, BookingStatus.NO_SHOW, now=booking.ends_at + timedelta(hours=1)
        )


def test_residents_find_their_own_rows(booking, resident, hexi):
    assert list(Booking.objects.mine(resident)) == [booking]
    assert not Booking.objects.visible_to(resident).exists()  # no staff scope
    assert list(Booking.objects.visible_to(hexi)) == [booking]
    past = f.booking(
        booking.room, resident, day=timezone.localdate() - timedelta(days=3), start=time(9)
    )
    assert set(Booking.objects.mine(resident)) == {booking, past}
