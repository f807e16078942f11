"""Rooms and activities on the residents' site, through the venues app's services: a day's free
slots, booking (bad input kept), my bookings with cancel, activities with sign-up, cancel and
check-in by code."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from lianxin.core.tests.factories import HEXI_VILLAGE, region
from lianxin.venues.models import Booking, SignUp
from lianxin.venues.tests import factories as vf


@pytest.fixture
def center(make_center):
    return make_center(region(HEXI_VILLAGE), name="九江路社区党群服务中心")


@pytest.fixture
def room(center):
    return vf.room(center, name="文体活动室", capacity=20)


@pytest.fixture
def monday():
    return vf.next_weekday(0)


def book_url(center, room, day=None):
    return f"/portal/centers/{center.pk}/rooms/{room.pk}/book/" + (
        f"?day={day:%Y-%m-%d}" if day else ""
    )


def test_free_slots_of_the_day(login, center, room, monday, resident):
    vf.booking(room, resident, day=monday, start=time(10), end=time(11))
    body = login().get(book_url(center, room, monday)).content.decode()
    assert 'data-slot="08:30" data-free="1"' in body
    assert 'data-slot="10:00" data-free="0"' in body and 'data-slot="10:30" data-free="0"' in body
    assert "登录后预约" in body  # strangers see slots, log in to book


def test_closed_day(login, center, room):
    sunday = vf.next_weekday(6)
    body = login().get(book_url(center, room, sunday)).content.decode()
    assert 'id="closed"' in body


def test_unbookable_room_is_404(login, center):
    from decimal import Decimal

    from lianxin.centers.models import Room, RoomType

    private = Room.objects.create(
        center=center,
        region_path=center.region_path,
        room_type=RoomType.objects.get(code="meeting_room"),
        name="内部",
        area=Decimal("20"),
        bookable=False,
    )
    assert login().get(book_url(center, private)).status_code == 404


def test_book_then_cancel(login, center, room, monday, resident):
    client = login(resident)
    response = client.post(
        book_url(center, room, monday),
        {
            "day": f"{monday:%Y-%m-%d}",
            "start": "09:00",
            "end": "10:30",
            "purpose": "读书会",
            "party_size": "8",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/portal/me/bookings/"
    booking = Booking.objects.get()
    assert booking.resident == resident and booking.party_size == 8
    mine = client.get("/portal/me/bookings/").content.decode()
    assert f'data-booking="{booking.pk}"' in mine and "读书会" in mine
    client.post(f"/portal/me/bookings/{booking.pk}/cancel/")
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_booking_errors_keep_typed_values(login, center, room, monday, resident):
    response = login(resident).post(
        book_url(center, room, monday),
        {
            "day": f"{monday:%Y-%m-%d}",
            "start": "09:00",
            "end": "10:00",
            "purpose": "合唱排练",
            "party_size": "50",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and not Booking.objects.exists()
    assert "超过功能室容纳人数" in body
    assert 'value="合唱排练"' in body and 'value="50"' in body


def test_taken_slot_is_refused(login, center, room, monday, resident):
    other = vf.another_resident("13700000002")
    vf.booking(room, other, day=monday, start=time(9), end=time(10))
    response = login(resident).post(
        book_url(center, room, monday),
        {
            "day": f"{monday:%Y-%m-%d}",
            "start": "09:30",
            "end": "10:30",
            "purpose": "x",
            "party_size": "2",
        },
    )
    assert "已被预约" in response.content.decode()
    assert Booking.objects.count() == 1


def test_cannot_cancel_someone_elses_booking(login, room, monday, resident):
    other = vf.another_resident("13700000003")
    theirs = vf.booking(room, other, day=monday)
    assert login(resident).post(f"/portal/me/bookings/{theirs.pk}/cancel/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "booked"


def test_activities_sign_up_cancel(login, center, resident):
    activity = vf.activity(center, title="重阳节游园")
    client = login(resident)
    body = client.get(f"/portal/centers/{center.pk}/activities/").content.decode()
    assert "重阳节游园" in body and "123456" not in body  # the check-in code is never shown
    client.post(f"/portal/activities/{activity.pk}/sign-up/")
    signup = SignUp.objects.get(resident=resident)
    assert signup.status == "confirmed"
    mine = client.get("/portal/me/bookings/").content.decode()
    assert f'data-signup="{signup.pk}"' in mine
    client.post(f"/portal/me/signups/{signup.pk}/cancel/")
    signup.refresh_from_db()
    assert signup.status == "cancelled"


def test_check_in_by_code(login, center, resident):
    under_way = vf.activity(center, starts_at=timezone.now() - timedelta(minutes=10))
    signup = vf.signup(under_way, resident)
    client = login(resident)
    wrong = client.post(
        f"/portal/activities/{under_way.pk}/check-in/", {"code": "000000"}, follow=True
    )
    assert "签到码不正确" in wrong.content.decode()
    client.post(f"/portal/activities/{under_way.pk}/check-in/", {"code": "123456", "back": "me"})
    signup.refresh_from_db()
    assert signup.status == "attended"


def test_my_bookings_needs_a_resident(login, center_staff):
    assert login().get("/portal/me/bookings/")["Location"].startswith("/login/")
    assert login(center_staff).get("/portal/me/bookings/")["Location"] == "/"


# -- the new-user walk: the day the page opens on, tappable slots, no taken or past choices -----


def _options(body: str, select_id: str) -> list[str]:
    import re

    block = body[body.index(f'id="{select_id}"') :]
    block = block[: block.index("</select>")]
    return re.findall(r'<option value="([0-9:]+)"', block)


def test_page_opens_on_the_next_day_with_free_slots(login, center, room, hexi, resident):
    """Not today when the center is closed today: the first open day with a free slot."""
    from lianxin.venues import services as vs

    today = timezone.localdate()
    open_day = today + timedelta(days=2)
    vs.save_hours(hexi, center, today, [(open_day.weekday(), time(9), time(11))])
    body = login(resident).get(book_url(center, room)).content.decode()
    assert f'name="day" value="{open_day:%Y-%m-%d}"' in body
    assert 'id="closed"' not in body and 'data-slot="09:00"' in body


def test_a_fully_booked_day_is_skipped(login, center, room, hexi, resident):
    from lianxin.venues import services as vs

    today = timezone.localdate()
    first, second = today + timedelta(days=1), today + timedelta(days=2)
    vs.save_hours(hexi, center, today, [(d.weekday(), time(9), time(10)) for d in (first, second)])
    vf.booking(room, vf.another_resident("13700000011"), day=first, start=time(9), end=time(10))
    body = login(resident).get(book_url(center, room)).content.decode()
    assert f'name="day" value="{second:%Y-%m-%d}"' in body


def test_free_chips_are_buttons_that_fill_the_form(login, center, room, monday, resident):
    vf.booking(room, vf.another_resident("13700000012"), day=monday, start=time(10), end=time(11))
    body = login(resident).get(book_url(center, room, monday)).content.decode()
    assert (
        '<button type="button" class="chip slot-pick btn bg-green-lt w-100 py-2" '
        'data-slot="08:30" data-free="1" data-end="09:00"'
    ) in body
    # A taken slot is no button.
    taken = body[body.index('data-slot="10:00"') - 120 : body.index('data-slot="10:00"')]
    assert "<button" not in taken and 'data-slot="10:00" data-free="0"' in body
    assert "slot-pick" in body and 'getElementById("b-start")' in body
    # Strangers cannot fill a form they do not have: no buttons.
    assert "slot-pick btn" not in login().get(book_url(center, room, monday)).content.decode()


def test_dropdowns_offer_neither_taken_nor_past_slots(login, center, room, monday, resident):
    vf.booking(room, vf.another_resident("13700000013"), day=monday, start=time(10), end=time(11))
    body = login(resident).get(book_url(center, room, monday)).content.decode()
    starts, ends = _options(body, "b-start"), _options(body, "b-end")
    assert "09:30" in starts and "11:00" in starts
    assert "10:00" not in starts and "10:30" not in starts
    assert "10:30" not in ends and "11:00" not in ends and "10:00" in ends


def test_dropdowns_offer_no_past_slot_today(login, center, room, hexi, resident):
    from lianxin.venues import services as vs
    from lianxin.venues.hours import local_zone

    today = timezone.localdate()
    vs.save_hours(hexi, center, today, [(today.weekday(), time(0), time(23, 30))])
    body = login(resident).get(book_url(center, room, today)).content.decode()
    now = timezone.now().astimezone(local_zone()).strftime("%H:%M")
    starts = _options(body, "b-start") if 'id="b-start"' in body else []
    assert all(s > now for s in starts)
    assert 'data-slot="00:00" data-free="0"' in body
