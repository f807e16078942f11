"""The staff pages: bookings in scope with filters, sorting, paging and the Excel export; the
activity pages and the check-in list; opening hours. Another district's rows are a 404."""

from __future__ import annotations

import io
from datetime import time, timedelta

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from lianxin.core.tests.factories import HEXI_VILLAGE, NANKAI_VILLAGE
from lianxin.venues.models import Activity, Booking, OpeningHours, SignUpStatus

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(make_center, region, resident):
    hexi_room = f.room(make_center(region(HEXI_VILLAGE), name="河西测试中心"), name="河西书画室")
    nankai_room = f.room(make_center(region(NANKAI_VILLAGE), name="南开测试中心"))
    return {
        "mine": f.booking(hexi_room, resident, purpose="河西读书会"),
        "other": f.booking(hexi_room, resident, purpose="河西合唱", start=time(14), end=time(15)),
        "theirs": f.booking(nankai_room, resident, purpose="南开读书会"),
    }


def test_the_bookings_list_in_scope(rows, hexi, login):
    client = login(hexi)
    body = client.get("/venues/").content.decode()
    assert "河西读书会" in body and "南开读书会" not in body
    assert "138****5678" in body and "13812345678" not in body  # masked
    body = client.get("/venues/?q=合唱").content.decode()
    assert "河西合唱" in body and "河西读书会" not in body
    body = client.get("/venues/?sort=-starts_at&per_page=10&status=booked").content.decode()
    assert body.index("河西合唱") < body.index("河西读书会")
    partial = client.get("/venues/?hx=1", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "河西读书会" in partial
    body = client.get(f"/venues/?center={rows['mine'].center_id}").content.decode()
    assert "河西书画室" in body  # the rooms of the chosen center in the room filter
    assert "没有符合条件的预约" in client.get("/venues/?status=used").content.decode()


def test_another_districts_booking_is_a_404(rows, hexi, login):
    client = login(hexi)
    theirs = rows["theirs"]
    assert client.post(f"/venues/bookings/{theirs.pk}/cancel/").status_code == 404
    assert client.get(f"/venues/bookings/new/?room={theirs.room_id}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "booked"


def test_the_export(rows, hexi, login):
    response = login(hexi).get("/venues/export.xlsx?sort=room")
    content = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    table = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert table[0][:3] == ["区划代码", "党群服务中心", "功能室"]
    purposes = {r[6] for r in table[1:]}
    assert purposes == {"河西读书会", "河西合唱"}
    assert all(r[9] == "138****5678" for r in table[1:])


def test_staff_book_and_cancel_through_the_pages(rows, center_staff, resident_phone, login):
    client = login(center_staff)
    room = rows["mine"].room
    day = f.next_weekday(1)
    page = client.get(f"/venues/bookings/new/?room={room.pk}&day={day}")
    assert page.status_code == 200 and "08:30" in page.content.decode()
    data = {
        "phone": resident_phone,
        "day": day.isoformat(),
        "start": "09:00",
        "end": "10:00",
        "purpose": "党课",
        "party_size": "8",
    }
    assert client.post(f"/venues/bookings/new/?room={room.pk}", data).status_code == 302
    made = Booking.objects.get(purpose="党课")
    # The same slot again: the form says why, naming the field.
    again = client.post(f"/venues/bookings/new/?room={room.pk}", data | {"purpose": "重复"})
    assert again.status_code == 200 and "该时段已被预约" in again.content.decode()
    wrong = client.post(f"/venues/bookings/new/?room={room.pk}", data | {"phone": "13000000000"})
    assert "找不到该手机号" in wrong.content.decode()
    assert client.post(f"/venues/bookings/{made.pk}/cancel/").status_code == 302
    made.refresh_from_db()
    assert made.status == "cancelled"


def test_activity_pages_and_the_check_in_list(make_center, region, hexi, resident, login):
    client = login(hexi)
    center = make_center(region(HEXI_VILLAGE))
    picker = client.get("/venues/activities/new/?q=九江路").content.decode()
    assert f"?center={center.pk}" in picker
    start = timezone.localtime() + timedelta(days=4)
    data = {
        "kind": "elderly",
        "title": "重阳敬老",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "30",
    }
    response = client.post(f"/venues/activities/new/?center={center.pk}", data)
    assert response.status_code == 302
    activity = Activity.objects.get(title="重阳敬老")
    detail = client.get(f"/venues/activities/{activity.pk}/").content.decode()
    assert activity.checkin_code in detail
    bad = client.post(
        f"/venues/activities/{activity.pk}/edit/", data | {"ends_at": data["starts_at"]}
    )
    assert bad.status_code == 200 and "结束时间须晚于开始时间" in bad.content.decode()
    assert "重阳敬老" in client.get("/venues/activities/?kind=elderly").content.decode()
    # Attendance on the check-in list (HTMX swaps the row).
    under_way = f.activity(center, starts_at=timezone.now() - timedelta(minutes=5))
    signup = f.signup(under_way, resident)
    row = client.post(
        f"/venues/activities/{under_way.pk}/attendance/{signup.pk}/",
        {"attended": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200 and "已签到" in row.content.decode()
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.ATTENDED


def test_an_inspector_reads_but_does_not_write(make_center, region, inspector, login):
    client = login(inspector)
    center = make_center(region(HEXI_VILLAGE))
    page = client.get(f"/venues/hours/{center.pk}/")
    assert page.status_code == 200 and "08:30" in page.content.decode()
    data = {"valid_from": timezone.localdate().isoformat(), "d0": "09:00-12:00"}
    assert client.post(f"/venues/hours/{center.pk}/", data).status_code == 403
    activity = f.activity(center)
    assert client.get(f"/venues/activities/{activity.pk}/").status_code == 200
    assert client.get(f"/venues/activities/{activity.pk}/edit/").status_code == 403


def test_the_hours_page_saves_a_schedule(make_center, region, center_staff, login):
    client = login(center_staff)
    center = make_center(region(HEXI_VILLAGE))
    today = timezone.localdate().isoformat()
    bad = client.post(f"/venues/hours/{center.pk}/", {"valid_from": today, "d0": "9点到12点"})
    assert bad.status_code == 200 and "格式应为" in bad.content.decode()
    data = {"valid_from": today, "d0": "08:00-12:00，14:00-18:00", "d5": "09:00-11:00"}
    assert client.post(f"/venues/hours/{center.pk}/", data).status_code == 302
    assert OpeningHours.objects.filter(center=center).count() == 3
    assert "14:00-18:00" in client.get(f"/venues/hours/{center.pk}/").content.decode()


def test_booking_without_a_room_picks_one_first(rows, center_staff, inspector, login):
    body = login(center_staff).get("/venues/bookings/new/?q=书画").content.decode()
    assert "河西书画室" in body and f"?room={rows['mine'].room_id}" in body
    # A read-only role may book nothing.
    assert "河西书画室" not in login(inspector).get("/venues/bookings/new/").content.decode()
