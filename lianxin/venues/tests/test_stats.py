"""Usage statistics: bookings, booked hours, the bookable rooms' utilisation of their opening
hours, activities held, sign-ups and attendance; per center, rolled up to streets and districts,
inside the user's scope."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from lianxin.core.tests.factories import (
    HEXI_STREET,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    NANKAI_VILLAGE,
)
from lianxin.venues import queries, services
from lianxin.venues.hours import at

from . import factories as f

pytestmark = pytest.mark.django_db

MONDAY = date(2025, 3, 3)
SUNDAY = MONDAY + timedelta(days=6)
NOW = at(date(2025, 6, 1), time(12))


@pytest.fixture
def world(make_center, region, resident):
    a = make_center(region(HEXI_VILLAGE), name="甲中心")
    b = make_center(region(HEXI_VILLAGE_2), name="乙中心")
    c = make_center(region(NANKAI_VILLAGE), name="丙中心")
    room_a, b1 = f.room(a), f.room(b)
    f.room(b)
    f.room(a, bookable=False)  # not counted in the open hours
    f.booking(room_a, resident, day=MONDAY, start=time(10), end=time(11))
    f.booking(room_a, resident, day=MONDAY, start=time(14), end=time(15, 30))
    f.booking(room_a, resident, day=MONDAY, start=time(16), end=time(17), status="cancelled")
    f.booking(b1, resident, day=MONDAY + timedelta(days=1), start=time(9), end=time(10))
    f.booking(b1, resident, day=MONDAY + timedelta(days=8), start=time(9), end=time(10))  # later
    f.booking(f.room(c), resident, day=MONDAY, start=time(9), end=time(10))
    held = f.activity(
        a,
        room=room_a,
        starts_at=at(MONDAY + timedelta(days=2), time(14)),
        hours=2,
        status="finished",
    )
    services._hold_room(held)
    held.status = "published"  # _hold_room holds only published activities' rooms
    services._hold_room(held)
    people = [resident] + [f.another_resident(f"1390000{i:04d}") for i in range(1, 6)]
    for p, status in zip(
        people, ["attended", "attended", "confirmed", "cancelled", "waitlisted"], strict=False
    ):
        f.signup(held, p, status=status)
    f.activity(a, starts_at=at(MONDAY, time(9)), status="cancelled")
    return {"a": a, "b": b, "c": c}


def test_figures_per_center(world, hexi):
    rows, total = queries.usage_stats(hexi, since=MONDAY, until=SUNDAY, group="center", now=NOW)
    by = {r.name: r for r in rows}
    assert set(by) == {"甲中心", "乙中心"}  # 南开's center is out of scope
    a, b = by["甲中心"], by["乙中心"]
    assert (a.bookings, a.booked_hours, a.open_hours) == (2, 2.5, 48.0)
    assert a.activities == 1 and (a.signups, a.attended) == (3, 2)
    assert a.utilisation == round((5 + 4) / 96, 4)
    assert a.attendance_rate == round(2 / 3, 4)
    assert (b.bookings, b.booked_hours, b.open_hours, b.activities) == (1, 1.0, 96.0, 0)
    assert b.attendance_rate is None
    assert (total.bookings, total.booked_hours, total.activities, total.centers) == (3, 3.5, 1, 2)


def test_rolled_up_by_street_and_district(world, hexi, city):
    rows, total = queries.usage_stats(hexi, since=MONDAY, until=SUNDAY, group="street", now=NOW)
    assert [(r.code, r.bookings, r.open_hours) for r in rows] == [(HEXI_STREET, 3, 144.0)]
    rows, total = queries.usage_stats(city, since=MONDAY, until=SUNDAY, group="district", now=NOW)
    assert [(r.code, r.bookings) for r in rows] == [("120103000000", 3), ("120104000000", 1)]
    assert total.bookings == 4


def test_activities_not_yet_begun_are_not_held(world, hexi):
    early = datetime.combine(MONDAY, time(12)).astimezone()
    rows, _total = queries.usage_stats(hexi, since=MONDAY, until=SUNDAY, group="center", now=early)
    assert {r.name: r.activities for r in rows}["甲中心"] == 0


def test_the_stats_api_and_page(world, hexi, nankai, login):
    url = "/api/v1/venues/stats?region=120103&from=2025-03-03&to=2025-03-09&group=center"
    data = login(hexi).get(url).json()
    assert data["total"]["bookings"] == 3 and data["region"] == "120103000000"
    assert {r["name"] for r in data["rows"]} == {"甲中心", "乙中心"}
    assert login(nankai).get(url).status_code == 404
    page = login(hexi).get("/venues/stats/?from=2025-03-03&to=2025-03-09&group=center")
    body = page.content.decode()
    assert page.status_code == 200 and "甲中心" in body and "丙中心" not in body
    assert 'data-figure="bookings">3<' in body
