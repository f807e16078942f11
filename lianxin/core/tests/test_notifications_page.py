"""The user's own notifications: listed, opened, marked read one by one or all at once; never
anyone else's; the unread count on every page."""

from __future__ import annotations

import re

import pytest

from lianxin.core.models import Notification, NotificationLevel
from lianxin.core.notifications import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def notes(hexi, nankai):
    mine = notify([hexi], "【逾期】九江路社区“施工”已逾期", "计划完成 2026-11-02", url="/campaign/")
    notify(
        [hexi],
        "【严重逾期】荣华里社区“设计”已逾期",
        level=NotificationLevel.DANGER,
        url="https://evil.example/",
    )
    theirs = notify([nankai], "南开的通知")
    return mine[0], theirs[0]


def _ids(html) -> list[int]:
    return [int(i) for i in re.findall(r'data-notification="(\d+)"', html)]


def test_only_ones_own_notifications(notes, hexi, login):
    mine, theirs = notes
    html = login(hexi).get("/notifications/").content.decode()
    assert "九江路社区" in html and "南开的通知" not in html
    assert len(_ids(html)) == 2 and theirs.pk not in _ids(html)
    assert 'data-unread="2"' in html


def test_open_marks_read_and_goes_to_the_page(notes, hexi, login):
    mine, _theirs = notes
    client = login(hexi)
    response = client.post(f"/notifications/{mine.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/campaign/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    html = client.get("/notifications/?show=unread").content.decode()
    assert mine.pk not in _ids(html) and len(_ids(html)) == 1


def test_a_link_to_another_site_is_not_followed(notes, hexi, login):
    other = Notification.objects.get(recipient=hexi, level=NotificationLevel.DANGER)
    response = login(hexi).post(f"/notifications/{other.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_mark_all_read(notes, hexi, nankai, login):
    response = login(hexi).post("/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=hexi, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=nankai, read_at__isnull=True).count() == 1


def test_someone_elses_notification_is_404(notes, hexi, login):
    _mine, theirs = notes
    assert login(hexi).post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert login(hexi).get(f"/notifications/{theirs.pk}/read/").status_code == 405


def test_the_unread_count_in_every_page(notes, hexi, nankai, login):
    response = login(hexi).get("/campaign/")
    assert response.context["unread_notifications"] == 2
    assert login(nankai).get("/campaign/").context["unread_notifications"] == 1


def test_strangers_are_sent_to_log_in(login):
    response = login(None).get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
