"""The API: rooms with free slots, booking on a resident's behalf, cancelling, activities,
sign-up, attendance; errors name the field; residents are not admitted (the API is staff-only)."""

from __future__ import annotations

import pytest

from lianxin.core.tests.factories import HEXI_VILLAGE, NANKAI_VILLAGE

from . import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1/venues"


@pytest.fixture
def room(make_center, region):
    return f.room(make_center(region(HEXI_VILLAGE)), name="多功能厅", capacity=12)


def test_rooms_with_free_slots(room, resident, center_staff, login):
    day = f.next_weekday(5)
    f.booking(room, resident, day=day)
    data = login(center_staff).get(f"{API}/centers/{room.center_id}/rooms?day={day}").json()
    assert data[0]["name"] == "多功能厅" and data[0]["opening_hours"] == ["09:00–12:00"]
    assert [s["free"] for s in data[0]["slots"]] == [True, True, False, False, True, True]


def test_book_and_cancel(room, center_staff, resident_phone, login):
    client = login(center_staff)
    body = {
        "day": f.next_weekday(0).isoformat(),
        "start": "10:00",
        "end": "11:30",
        "purpose": "议事会",
        "party_size": 6,
        "resident_phone": resident_phone,
    }
    response = client.post(f"{API}/rooms/{room.pk}/bookings", body, content_type="application/json")
    assert response.status_code == 201, response.content
    booking = response.json()
    assert booking["status"] == "booked" and booking["resident_phone"] == "138****5678"
    clash = client.post(f"{API}/rooms/{room.pk}/bookings", body, content_type="application/json")
    assert clash.status_code == 422 and "该时段已被预约" in clash.json()["errors"]["start"][0]
    too_many = client.post(
        f"{API}/rooms/{room.pk}/bookings",
        body | {"start": "14:00", "end": "15:00", "party_size": 13},
        content_type="application/json",
    )
    assert "party_size" in too_many.json()["errors"]
    nobody = client.post(
        f"{API}/rooms/{room.pk}/bookings",
        body | {"resident_phone": "13000000000"},
        content_type="application/json",
    )
    assert "resident_phone" in nobody.json()["errors"]
    listed = client.get(f"{API}/bookings?q=议事会").json()
    assert listed["count"] == 1
    done = client.post(
        f"{API}/bookings/{booking['id']}/cancel", {}, content_type="application/json"
    )
    assert done.json()["status"] == "cancelled"


def test_activities_sign_up_and_attendance(room, center_staff, resident_phone, login):
    from datetime import timedelta

    from django.utils import timezone

    client = login(center_staff)
    start = timezone.now() + timedelta(days=2)
    created = client.post(
        f"{API}/activities",
        {
            "center_id": room.center_id,
            "kind": "volunteer",
            "title": "志愿清扫",
            "room_id": room.pk,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "capacity": 1,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    activity = created.json()
    assert len(activity["checkin_code"]) == 6
    s = client.post(
        f"{API}/activities/{activity['id']}/signups",
        {"resident_phone": resident_phone},
        content_type="application/json",
    )
    assert s.status_code == 201 and s.json()["status"] == "confirmed"
    again = client.post(
        f"{API}/activities/{activity['id']}/signups",
        {"resident_phone": resident_phone},
        content_type="application/json",
    )
    assert again.status_code == 422
    got = client.get(f"{API}/activities/{activity['id']}").json()
    assert got["taken"] == 1
    early = client.post(
        f"{API}/signups/{s.json()['id']}/attendance", {}, content_type="application/json"
    )
    assert early.status_code == 422  # the activity has not begun
    check_in = client.post(
        f"{API}/activities/{activity['id']}/check-in",
        {"code": activity["checkin_code"]},
        content_type="application/json",
    )
    assert check_in.status_code == 403  # the code is the residents' own way in


def test_out_of_scope_and_residents(make_center, region, room, hexi, resident, login):
    theirs = f.room(make_center(region(NANKAI_VILLAGE)))
    client = login(hexi)
    assert client.get(f"{API}/centers/{theirs.center_id}/rooms").status_code == 404
    assert client.get(f"{API}/stats?region=120104").status_code == 404
    # The API admits staff only (lianxin.core.api): residents use the portal.
    assert login(resident).get(f"{API}/centers/{room.center_id}/rooms").status_code == 401
