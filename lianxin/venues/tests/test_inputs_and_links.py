"""Found on the new-user walk: date inputs must carry ISO values (a browser leaves
`<input type=date value="2026/11/28">` empty), and every notification to a resident about a
booking or a sign-up must lead somewhere (their bookings page)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone

from lianxin.core.models import Notification
from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.venues import services

from . import factories as f

pytestmark = pytest.mark.django_db


def test_hours_page_date_input_is_iso(make_center, region, center_staff, login):
    center = make_center(region(HEXI_VILLAGE))
    body = login(center_staff).get(f"/venues/hours/{center.pk}/").content.decode()
    assert f'type="date" name="valid_from" value="{timezone.localdate():%Y-%m-%d}"' in body


def test_hours_page_keeps_an_iso_date_after_an_error(make_center, region, center_staff, login):
    center = make_center(region(HEXI_VILLAGE))
    day = timezone.localdate() + timedelta(days=3)
    body = (
        login(center_staff)
        .post(f"/venues/hours/{center.pk}/", {"valid_from": f"{day:%Y-%m-%d}", "d0": "乱写"})
        .content.decode()
    )
    assert f'name="valid_from" value="{day:%Y-%m-%d}"' in body


def test_staff_booking_form_date_input_is_iso(make_center, region, center_staff, login):
    room = f.room(make_center(region(HEXI_VILLAGE)))
    day = timezone.localdate() + timedelta(days=4)
    body = (
        login(center_staff)
        .get(f"/venues/bookings/new/?room={room.pk}&day={day:%Y-%m-%d}")
        .content.decode()
    )
    assert f'type="date" name="day" value="{day:%Y-%m-%d}"' in body


def _urls(user) -> dict[str, str]:
    return dict(Notification.objects.filter(recipient=user).values_list("title", "url"))


def test_every_booking_notification_links_to_my_bookings(make_center, region, hexi, resident):
    room = f.room(make_center(region(HEXI_VILLAGE)))
    day = f.next_weekday(0)

    booking = services.book_room(
        hexi,
        room,
        day=day,
        start=time(9),
        end=time(10),
        purpose="x",
        party_size=2,
        on_behalf_of=resident,
    )
    services.cancel_booking(hexi, booking, reason="设备检修")
    urls = _urls(resident)
    assert len(urls) == 2
    assert set(urls.values()) == {"/portal/me/bookings/#bookings"}


def test_every_sign_up_notification_links_to_my_bookings(make_center, region, hexi, resident):
    center = make_center(region(HEXI_VILLAGE))
    activity = f.activity(center, capacity=1)
    other = f.another_resident("13700000021")
    first = services.sign_up(other, activity)
    services.sign_up(resident, activity)  # waitlisted
    services.cancel_sign_up(other, first)  # the resident is promoted
    services.cancel_activity(hexi, activity, reason="天气原因")
    urls = _urls(resident)
    assert len(urls) == 3  # waitlisted, promoted, cancelled
    assert set(urls.values()) == {"/portal/me/bookings/#signups"}


def test_stats_page_names_the_period_and_offers_longer_ones(hexi, login):
    today = timezone.localdate()
    body = login(hexi).get("/venues/stats/").content.decode()
    start = today - timedelta(days=29)
    assert f"统计期间：{start:%Y-%m-%d} 至 {today:%Y-%m-%d}（含）" in body
    presets = body[body.index('id="stats-presets"') :]
    presets = presets[: presets.index("</nav>")]
    assert f"from={today - timedelta(days=89):%Y-%m-%d}" in presets
    assert f"from={today:%Y}-01-01" in presets
    assert presets.count('aria-current="true"') == 1  # the default 30 days is the current one
