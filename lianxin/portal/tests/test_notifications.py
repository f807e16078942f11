"""The resident's notifications in the portal's own layout: the tab leads there, unread count,
mark read (one or all, only one's own), open the linked page; booking and sign-up notifications
carry a link to the resident's bookings page."""

import pytest

from lianxin.core.models import Notification
from lianxin.core.notifications import notify
from lianxin.core.tests.factories import HEXI_VILLAGE, region
from lianxin.venues.tests import factories as vf


@pytest.fixture
def center(make_center):
    return make_center(region(HEXI_VILLAGE), name="九江路社区党群服务中心")


def test_tab_bar_points_to_the_portal_page(login, resident):
    body = login(resident).get("/portal/me/").content.decode()
    assert 'href="/portal/me/notifications/"' in body
    assert 'href="/notifications/"' not in body


def test_page_in_the_portal_layout_with_unread_count(login, resident, hexi):
    notify([resident], "预约成功", "九江路", url="/portal/me/bookings/")
    notify([resident], "报名成功")
    notify([hexi], "别人的通知")
    response = login(resident).get("/portal/me/notifications/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "portal-tabs" in body and "navbar-toggler" not in body  # portal layout, no hamburger
    assert 'data-unread="2"' in body and "预约成功" in body and "报名成功" in body
    assert "别人的通知" not in body
    assert 'href="/portal/me/notifications/" aria-current="page"' in body


def test_open_marks_read_and_follows_the_link(login, resident):
    (note,) = notify([resident], "预约成功", url="/portal/me/bookings/#bookings")
    response = login(resident).post(f"/portal/me/notifications/{note.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/portal/me/bookings/#bookings"
    note.refresh_from_db()
    assert note.read_at is not None


def test_foreign_link_is_not_followed(login, resident):
    (note,) = notify([resident], "钓鱼", url="https://evil.example/")
    response = login(resident).post(f"/portal/me/notifications/{note.pk}/read/", {"open": "1"})
    assert response["Location"] == "/portal/me/notifications/"


def test_someone_elses_notification_is_404(login, resident, hexi):
    (note,) = notify([hexi], "工作人员的")
    assert login(resident).post(f"/portal/me/notifications/{note.pk}/read/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_read_all(login, resident, hexi):
    notify([resident], "一")
    notify([resident], "二")
    notify([hexi], "三")
    response = login(resident).post("/portal/me/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=resident, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=hexi, read_at__isnull=True).count() == 1


def test_staff_and_strangers_are_sent_elsewhere(login, hexi):
    assert login(hexi).get("/portal/me/notifications/")["Location"] == "/"
    assert "next=/portal/me/notifications/" in login().get("/portal/me/notifications/")["Location"]


def test_booking_and_sign_up_notifications_link_to_my_bookings(login, center, resident):
    from datetime import timedelta

    from django.utils import timezone

    room = vf.room(center)
    monday = vf.next_weekday(0)
    login(resident).post(
        f"/portal/centers/{center.pk}/rooms/{room.pk}/book/?day={monday:%Y-%m-%d}",
        {
            "day": f"{monday:%Y-%m-%d}",
            "start": "09:00",
            "end": "10:00",
            "purpose": "读书会",
            "party_size": "3",
        },
    )
    activity = vf.activity(center, starts_at=timezone.now() + timedelta(days=3))
    login(resident).post(f"/portal/activities/{activity.pk}/sign-up/")
    urls = list(Notification.objects.filter(recipient=resident).values_list("url", flat=True))
    assert sorted(urls) == ["/portal/me/bookings/#bookings", "/portal/me/bookings/#signups"]
