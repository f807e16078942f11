"""The public center page and item page: what a center posts and offers, never staff data."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from lianxin.core.tests.factories import HEXI_VILLAGE, region
from lianxin.services.tests import factories as sf

from .factories import notice


@pytest.fixture
def center(make_center):
    return make_center(
        region(HEXI_VILLAGE),
        name="九江路社区党群服务中心",
        address="九江路12号",
        phone="022-23456789",
        opening_hours="周一至周五 9:00–17:00",
    )


def test_center_page_shows_what_the_center_posts(login, center):
    from lianxin.centers.models import Room, RoomType
    from lianxin.services.tests.factories import devolution, district_of, item

    here = item(name="老年证办理", materials=())
    up = item(name="低保申请", materials=())
    devolution(district_of(center.region), here, mode="concluded_here")
    Room.objects.create(
        center=center,
        region_path=center.region_path,
        room_type=RoomType.objects.get(code="party_room"),
        name="党员活动室",
        area=Decimal("60"),
        capacity=30,
        bookable=True,
    )
    Room.objects.create(
        center=center,
        region_path=center.region_path,
        room_type=RoomType.objects.get(code="meeting_room"),
        name="内部会议室",
        area=Decimal("30"),
        bookable=False,
    )
    notice(center.region, kind="on_duty", title="本周值班", body="周一 李四 13800000000")
    notice(center.region, kind="rules", title="使用制度")
    notice(center.region, title="已过期的公示", valid_to=date(2024, 6, 1))
    body = login().get(f"/portal/centers/{center.pk}/").content.decode()
    assert "九江路社区党群服务中心" in body and "九江路12号" in body and "022-23456789" in body
    assert "周一至周五 9:00–17:00" in body  # no structured hours: the center's own text
    duty = body[body.index('id="on-duty"') : body.index('id="items"')]
    assert "本周值班" in duty and "李四" in duty
    items = body[body.index('id="items"') : body.index('id="rooms"')]
    assert "老年证办理" in items and "低保申请" in items
    row = items[items.index(f'data-item="{here.code}"') :]
    assert row.index("办结") < row.index("</a>")
    row = items[items.index(f'data-item="{up.code}"') :]
    assert row.index("受理后转街道") < row.index("</a>")
    assert f"/portal/items/{here.code}/?center={center.pk}" in items
    rooms = body[body.index('id="rooms"') : body.index('id="activities"')]
    assert "党员活动室" in rooms and "内部会议室" not in rooms
    assert "使用制度" in body and "已过期的公示" not in body


def test_structured_hours_from_venues(login, center, hexi):
    from lianxin.venues import services as vs

    start = timezone.localdate() + timedelta(days=1)
    vs.save_hours(hexi, center, start, [(d, time(8, 0), time(12, 0)) for d in range(7)])
    day = start + timedelta(days=1)
    from lianxin.portal import queries

    hours = queries.opening_hours(center, day)
    assert hours["today"] == [(time(8, 0), time(12, 0))]
    assert len(hours["week"]) == 7


def test_item_page_what_to_bring(login, center):
    it = sf.item(
        name="残疾证申领",
        eligibility="本市户籍的残疾人",
        legal_basis="《残疾人保障法》",
        fee=Decimal("0"),
        materials=(("身份证原件", True), ("近期照片", False)),
        time_limit=7,
    )
    body = login().get(f"/portal/items/{it.code}/?center={center.pk}").content.decode()
    assert "残疾证申领" in body and "本市户籍的残疾人" in body and "《残疾人保障法》" in body
    assert "7 个工作日" in body and "身份证原件" in body and "近期照片" in body
    assert "区民政局" in body and "不收费" in body
    assert f"/portal/centers/{center.pk}/items/{it.code}/apply/" in body
    # Reached without a center: the guide, no apply button.
    plain = login().get(f"/portal/items/{it.code}/").content.decode()
    assert "/apply/" not in plain


def test_item_page_uses_the_time_limit_in_force_today(login):
    from lianxin.accounts.models import User
    from lianxin.services import services

    it = sf.item(time_limit=10, valid_from=date(2000, 1, 1))
    today = timezone.localdate()
    services.set_time_limit(
        User.objects.get(username="root"), it, working_days=3, valid_from=today - timedelta(days=1)
    )
    body = login().get(f"/portal/items/{it.code}/").content.decode()
    assert 'id="time-limit">3 个工作日' in body


def test_unknown_or_inactive_item_is_404(login):
    it = sf.item()
    it.active = False
    it.save(update_fields=["active"])
    assert login().get(f"/portal/items/{it.code}/").status_code == 404
    assert login().get("/portal/items/NOPE/").status_code == 404


def test_center_page_links_the_printable_notices(login, center):
    body = login().get(f"/portal/centers/{center.pk}/").content.decode()
    assert f'href="/portal/centers/{center.pk}/notices/print/"' in body and "打印公示" in body


def test_structured_hours_win_over_the_text_and_are_shown_once(login, center, hexi):
    """With rows in venues: the week in force (the hours bookings follow) on the center page and
    the sheet, not the free text; the center's own 开放时间 notice is not repeated; one wording."""
    from lianxin.venues import services as vs

    today = timezone.localdate()
    week = [(d, time(8, 0), time(12, 0)) for d in range(6)]  # Sunday closed
    vs.save_hours(hexi, center, today, week)
    # A later schedule not yet in force must not show.
    vs.save_hours(hexi, center, today + timedelta(days=30), [(0, time(7, 0), time(9, 0))])
    notice(center.region, kind="hours", title="开放时间公示", body="星期日：闭馆")
    notice(center.region, kind="rules", title="使用制度")
    for url in (f"/portal/centers/{center.pk}/", f"/portal/centers/{center.pk}/notices/print/"):
        body = login().get(url).content.decode()
        assert "08:00–12:00" in body and "07:00–09:00" not in body, url
        assert "周一至周五 9:00–17:00" not in body, url
        assert "开放时间公示" not in body and "闭馆" not in body, url
        assert "使用制度" in body, url
        sunday_today = today.weekday() == 6 and "notices/print" not in url  # the 今天 line
        assert body.count("不开放") == 1 + sunday_today, url


def test_without_rows_the_text_is_the_fallback_on_both_pages(login, center):
    notice(center.region, kind="hours", title="开放时间公示", body="节假日另行通知")
    for url in (f"/portal/centers/{center.pk}/", f"/portal/centers/{center.pk}/notices/print/"):
        body = login().get(url).content.decode()
        assert "周一至周五 9:00–17:00" in body, url
        assert "开放时间公示" in body, url  # nothing structured to replace it


def test_the_layout_does_not_hide_sideways_overflow(login, center):
    """`html, body {overflow-x: hidden}` made <body> the scroller (window.scrollY stayed 0, so
    anchors and scroll restoration broke); the width is checked in a browser at 390 px instead."""
    body = login().get(f"/portal/centers/{center.pk}/").content.decode()
    style = body[body.index("<style>") : body.index("</style>")]
    assert "overflow-x" not in style


def test_english_pages_use_english_punctuation(client, center, hexi):
    """Colons and list commas between translated labels are translated too: an English page of
    the center and its printed notices shows no Chinese punctuation around its own labels."""
    from django.conf import settings

    from lianxin.venues import services as vs

    vs.save_hours(
        hexi, center, timezone.localdate(), [(d, time(8, 0), time(12, 0)) for d in range(7)]
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for url in (f"/portal/centers/{center.pk}/", f"/portal/centers/{center.pk}/notices/print/"):
        body = client.get(url).content.decode()
        assert "Today: " in body or "notices/print" in url, url
        assert "：" not in body and "、" not in body.replace(center.name, ""), url
