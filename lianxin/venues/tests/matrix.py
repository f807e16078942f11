"""Rooms and activities in the permission matrix (see lianxin/core/tests/test_permission_matrix.py):
`populate` makes each side's room bookable and gives it a booking, a coming activity with a
sign-up and an activity under way with a sign-up; the tables list every page, export and API
endpoint, and every write through the pages and the API."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from lianxin.core.tests.test_permission_matrix import Endpoint, Write, api, html

API = "/api/v1/venues"
RESIDENT_PHONE = "13812345678"  # the suite's resident (conftest.py)
SECOND_PHONE = "13900001111"


def _prefix(s):
    return "河西" if s == "mine" else "南开"


def _x(c, s, name):
    return c.extra["venues"][s][name]


def _pk(c, s, name):
    return _x(c, s, name).pk


def _district(s):
    return "120103000000" if s == "mine" else "120104000000"


def booking_marker(c, s):
    return [f"{_prefix(s)}矩阵预约"]


def activity_marker(c, s):
    return [f"{_prefix(s)}矩阵活动"]


def center_name(c, s):
    return [getattr(c, s).name]


def room_name(c, s):
    return [c.room(s).name]


def populate(ctx) -> None:
    from lianxin.accounts.models import User
    from lianxin.centers.models import Room
    from lianxin.core import crypto

    from . import factories as f

    resident = User.objects.get(phone_digest=crypto.digest(RESIDENT_PHONE))
    second = f.another_resident(SECOND_PHONE, "矩阵居民")
    now = timezone.now()
    ctx.extra["venues"] = {}
    for side in ("mine", "theirs"):
        center = getattr(ctx, side)
        prefix = _prefix(side)
        Room.objects.filter(pk=ctx.room(side).pk).update(bookable=True, capacity=30)
        room = ctx.room(side)
        coming = f.activity(center, title=f"{prefix}矩阵活动", starts_at=now + timedelta(days=3))
        under_way = f.activity(
            center, title=f"{prefix}矩阵进行中", starts_at=now - timedelta(minutes=10), hours=3
        )
        ctx.extra["venues"][side] = {
            "booking": f.booking(room, resident, purpose=f"{prefix}矩阵预约"),
            "activity": coming,
            "signup": f.signup(coming, second),
            "under_way": under_way,
            "attendee": f.signup(under_way, resident),
        }


def fingerprint():
    from lianxin.venues.models import Activity, Booking, BookingSlot, OpeningHours, SignUp

    return (
        sorted(Booking.objects.values_list("pk", "status", "version")),
        BookingSlot.objects.count(),
        sorted(Activity.objects.values_list("pk", "status", "version", "title", "capacity")),
        sorted(SignUp.objects.values_list("pk", "status")),
        sorted(OpeningHours.objects.values_list("pk", "weekday", "opens", "closes")),
    )


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


ENDPOINTS: list = [
    html("list", "venue bookings page", lambda c, s: "/venues/", booking_marker),
    html("list", "venue bookings, HTMX partial", lambda c, s: "/venues/?hx=1", booking_marker),
    html("list", "venue bookings, searched", lambda c, s: "/venues/?q=矩阵预约", booking_marker),
    html(
        "list",
        "venue bookings, filtered",
        lambda c, s: "/venues/?status=booked&from=2000-01-01&sort=room",
        booking_marker,
    ),
    Endpoint(
        "venue bookings export", "list", "xlsx", lambda c, s: "/venues/export.xlsx", booking_marker
    ),
    html(
        "detail",
        "venue booking page for a room",
        lambda c, s: f"/venues/bookings/new/?room={c.room(s).pk}",
        room_name,
    ),
    html(
        "list",
        "venue room picker, searched",
        lambda c, s: "/venues/bookings/new/?q=矩阵活动室",
        room_name,
    ),
    html("list", "activities page", lambda c, s: "/venues/activities/", activity_marker),
    html(
        "list", "activities, HTMX partial", lambda c, s: "/venues/activities/?hx=1", activity_marker
    ),
    html(
        "list",
        "activity new, center picker",
        lambda c, s: "/venues/activities/new/?q=矩阵中心",
        center_name,
    ),
    html(
        "detail",
        "activity new page for a center",
        lambda c, s: f"/venues/activities/new/?center={getattr(c, s).pk}",
        center_name,
    ),
    html(
        "detail",
        "activity page (check-in list)",
        lambda c, s: f"/venues/activities/{_pk(c, s, 'activity')}/",
        lambda c, s: activity_marker(c, s) + ["矩阵居民"],
    ),
    html(
        "detail",
        "activity edit page",
        lambda c, s: f"/venues/activities/{_pk(c, s, 'activity')}/edit/",
        activity_marker,
    ),
    html(
        "detail",
        "opening hours page",
        lambda c, s: f"/venues/hours/{getattr(c, s).pk}/",
        center_name,
    ),
    html("list", "venue stats page", lambda c, s: "/venues/stats/?group=center", center_name),
    html(
        "detail",
        "venue stats page of a district",
        lambda c, s: f"/venues/stats/?region={_district(s)}&group=center",
        center_name,
    ),
    api(
        "detail",
        "API rooms with free slots",
        lambda c, s: f"{API}/centers/{getattr(c, s).pk}/rooms",
        room_name,
    ),
    api("list", "API venue bookings", lambda c, s: f"{API}/bookings", booking_marker),
    api(
        "detail",
        "API venue booking",
        lambda c, s: f"{API}/bookings/{_pk(c, s, 'booking')}",
        booking_marker,
    ),
    api("list", "API activities", lambda c, s: f"{API}/activities", activity_marker),
    api(
        "detail",
        "API activity",
        lambda c, s: f"{API}/activities/{_pk(c, s, 'activity')}",
        activity_marker,
    ),
    api(
        "detail",
        "API activity sign-ups",
        lambda c, s: f"{API}/activities/{_pk(c, s, 'activity')}/signups",
        lambda c, s: ["矩阵居民"],
    ),
    api(
        "detail",
        "API venue stats",
        lambda c, s: f"{API}/stats?region={_district(s)}&group=center",
        lambda c, s: [_district(s), getattr(c, s).name],
    ),
]


def _booking_form(c, s):
    from .factories import next_weekday

    return {
        "phone": RESIDENT_PHONE,
        "day": next_weekday(1).isoformat(),
        "start": "14:00",
        "end": "15:00",
        "purpose": "矩阵写入",
        "party_size": "3",
    }


def _activity_form(c, s, activity=None):
    start = timezone.now() + timedelta(days=5)
    data = {
        "kind": "party_day",
        "title": "矩阵写入活动",
        "starts_at": _local(start),
        "ends_at": _local(start + timedelta(hours=2)),
        "capacity": "20",
    }
    if activity is not None:
        data |= {
            "starts_at": _local(activity.starts_at),
            "ends_at": _local(activity.ends_at),
            "version": str(activity.version),
        }
    return data


def _hours_form(c, s):
    return {"valid_from": timezone.localdate().isoformat(), "d0": "09:00-12:00, 14:00-18:00"}


WRITES: list = [
    Write(
        "venue booking new",
        "post",
        lambda c, s: f"/venues/bookings/new/?room={c.room(s).pk}",
        _booking_form,
    ),
    Write(
        "venue booking cancel",
        "post",
        lambda c, s: f"/venues/bookings/{_pk(c, s, 'booking')}/cancel/",
        lambda c, s: {"reason": "矩阵写入"},
    ),
    Write(
        "activity new",
        "post",
        lambda c, s: f"/venues/activities/new/?center={getattr(c, s).pk}",
        _activity_form,
    ),
    Write(
        "activity edit",
        "post",
        lambda c, s: f"/venues/activities/{_pk(c, s, 'activity')}/edit/",
        lambda c, s: _activity_form(c, s, _x(c, s, "activity")),
    ),
    Write(
        "activity cancel",
        "post",
        lambda c, s: f"/venues/activities/{_pk(c, s, 'activity')}/cancel/",
        lambda c, s: {},
    ),
    Write(
        "activity attendance",
        "post",
        lambda c, s: (
            f"/venues/activities/{_pk(c, s, 'under_way')}/attendance/{_pk(c, s, 'attendee')}/"
        ),
        lambda c, s: {"attended": "1"},
    ),
    Write(
        "opening hours save",
        "post",
        lambda c, s: f"/venues/hours/{getattr(c, s).pk}/",
        _hours_form,
    ),
    Write(
        "API venue book",
        "json",
        lambda c, s: f"{API}/rooms/{c.room(s).pk}/bookings",
        lambda c, s: (
            _booking_form(c, s)
            | {"start": "15:00", "end": "16:00", "party_size": 3, "resident_phone": RESIDENT_PHONE}
        ),
    ),
    Write(
        "API venue booking cancel",
        "json",
        lambda c, s: f"{API}/bookings/{_pk(c, s, 'booking')}/cancel",
        lambda c, s: {"reason": "矩阵写入"},
    ),
    Write(
        "API activity create",
        "json",
        lambda c, s: f"{API}/activities",
        lambda c, s: {
            "center_id": getattr(c, s).pk,
            "kind": "volunteer",
            "title": "矩阵写入活动",
            "starts_at": (timezone.now() + timedelta(days=5)).isoformat(),
            "ends_at": (timezone.now() + timedelta(days=5, hours=2)).isoformat(),
            "capacity": 10,
        },
    ),
    Write(
        "API activity cancel",
        "json",
        lambda c, s: f"{API}/activities/{_pk(c, s, 'activity')}/cancel",
        lambda c, s: {},
    ),
    Write(
        "API sign-up on a resident's behalf",
        "json",
        lambda c, s: f"{API}/activities/{_pk(c, s, 'activity')}/signups",
        lambda c, s: {"resident_phone": RESIDENT_PHONE},
    ),
    Write(
        "API sign-up cancel",
        "json",
        lambda c, s: f"{API}/signups/{_pk(c, s, 'signup')}/cancel",
        lambda c, s: {},
    ),
    Write(
        "API attendance",
        "json",
        lambda c, s: f"{API}/signups/{_pk(c, s, 'attendee')}/attendance",
        lambda c, s: {"attended": True},
    ),
]
