"""Rooms, activities and public notices (issue 5) in a real browser, on the demo data, at the
`center` account's community center (河西区 · 九江路 in the demo).

3. The booking race: two residents on their phones open the same room's booking page for the
   same free half hour and submit at the same instant: exactly one booking, the other told
   "该时段已被预约"; the staff's booking list shows one. Then an activity: `center` publishes
   one starting in a few minutes, the resident signs up and checks in with the code.
4. Public notices: the center's printable notice sheet shows the notices in force today, the same
   ones as the public center page, and not one that starts tomorrow.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .helpers import PASSWORD, PHONE, RESIDENT_PHONE, Watch, login, manage_shell

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_local() -> datetime:
    return datetime.now(SHANGHAI)


def message(page, text: str):
    return page.get_by_role("status").filter(has_text=text)


@pytest.fixture
def watch():
    return Watch()


@pytest.fixture
def open_page(new_page, watch):
    def make(**options):
        return watch.attach(new_page(**options))

    yield make
    assert not watch.outside, f"requests left 127.0.0.1: {watch.outside}"


def the_center(page) -> tuple[int, str, str]:
    """(pk, name, region code) of the `center` account's center, from its own pages."""
    page.goto("/services/workbench/")
    option = page.locator("#f-center option:not([value=''])")
    expect(option).to_have_count(1)
    pk, name = int(option.get_attribute("value")), option.inner_text().strip()
    page.goto(f"/portal/centers/{pk}/notices/print/")
    back = page.get_by_role("link", name="返回").get_attribute("href")
    code = re.search(r"unit=(\d{12})", back).group(1)
    return pk, name, code


def second_resident(base_url: str) -> str:
    """A resident of our own: there is no self-registration page, so made the way the demo makes
    its resident (accounts.services.create_resident) against the e2e server's database."""
    phone = "139" + f"{secrets.randbelow(10**8):08d}"
    manage_shell(
        base_url,
        "from lianxin.accounts.services import create_resident; "
        f"create_resident(None, phone={phone!r}, password={PASSWORD!r}, display_name='赛跑居民')",
    )
    return phone


def free_slot(page, watch, book_path: str) -> tuple[str, str, str]:
    """The first day from tomorrow with a free half hour in the room: (day, start, end)."""
    start = now_local().date() + timedelta(days=1)
    for offset in range(14):
        day = (start + timedelta(days=offset)).isoformat()
        page.goto(f"{book_path}?day={day}")
        free = page.locator("#slots [data-free='1']")
        if free.count():
            watch.check(page, 390)
            slot = free.last.get_attribute("data-slot")
            begin = datetime.strptime(f"{day} {slot}", "%Y-%m-%d %H:%M")
            return day, slot, (begin + timedelta(minutes=30)).strftime("%H:%M")
    pytest.fail(f"no free half hour in two weeks at {book_path}")


def fill_booking(page, day: str, start: str, end: str, purpose: str) -> None:
    expect(page.locator("#book-form input[name=day]")).to_have_value(day)
    page.get_by_label("开始时间").select_option(start)
    page.get_by_label("结束时间").select_option(end)
    page.get_by_label("用途", exact=True).fill(purpose)
    page.get_by_label("人数", exact=True).fill("6")


def test_booking_race_and_activity_check_in(open_page, watch, live_server_url):
    staff = login(open_page(), "center")
    pk, name, _code = the_center(staff)
    other_phone = second_resident(live_server_url)

    first = login(open_page(**PHONE), RESIDENT_PHONE)
    second = login(open_page(**PHONE), other_phone)
    first.goto(f"/portal/centers/{pk}/")
    expect(first.get_by_role("heading", name=name, level=1)).to_be_visible()
    watch.check(first, 390)
    room_row = first.locator("#rooms [data-room]").first
    room = room_row.locator("div > div").first.inner_text().strip()
    room_row.get_by_role("link", name="预约").click()
    expect(first.get_by_role("heading", name=f"预约{room}", level=1)).to_be_visible()
    book_path = first.url.removeprefix(live_server_url).split("?")[0]

    day, start, end = free_slot(first, watch, book_path)
    token = secrets.token_hex(3)
    second.goto(f"{book_path}?day={day}")
    fill_booking(first, day, start, end, f"党小组学习-{token}-甲")
    fill_booking(second, day, start, end, f"老年合唱排练-{token}-乙")
    watch.check(second, 390)

    # The same instant: both forms go before either page hears back.
    with first.expect_navigation(), second.expect_navigation():
        first.evaluate("document.getElementById('book-form').requestSubmit()")
        second.evaluate("document.getElementById('book-form').requestSubmit()")

    won = [p for p in (first, second) if p.url.endswith("/portal/me/bookings/")]
    lost = [p for p in (first, second) if p not in won]
    assert len(won) == 1, f"{len(won)} of two simultaneous bookings succeeded"
    expect(message(won[0], "预约成功")).to_be_visible()
    booking = won[0].locator("#bookings [data-booking]").filter(has_text=token)
    expect(booking).to_have_count(1)
    expect(booking).to_contain_text(f"{day} {start}–{end}")
    watch.check(won[0], 390)
    loser = lost[0]
    expect(loser.get_by_text("该时段已被预约")).to_be_visible()
    expect(loser.locator(f"#slots [data-slot='{start}']")).to_have_attribute("data-free", "0")
    expect(loser.get_by_label("用途", exact=True)).to_have_value(re.compile(token))
    watch.check(loser, 390)

    # The staff's list: one booking of that half hour.
    staff.goto(f"/venues/?center={pk}&from={day}&to={day}&q={token}")
    rows = staff.locator("#booking-table tbody tr[data-booking]")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text(f"{day} {start}–{end}")
    expect(rows.first).to_contain_text(room)
    watch.check(staff)

    # An activity starting in ten minutes: sign up and check in with the code.
    title = f"党员志愿服务日-{token}"
    begins = (now_local() + timedelta(minutes=10)).replace(second=0, microsecond=0)
    staff.goto(f"/venues/activities/new/?center={pk}")
    staff.get_by_label("活动名称").fill(title)
    staff.get_by_label("名额").fill("5")
    staff.get_by_label("开始时间").fill(begins.strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_label("结束时间").fill((begins + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    with staff.expect_navigation():
        staff.get_by_role("button", name="发布").click()
    expect(staff).to_have_url(re.compile(r"/venues/activities/\d+/$"))
    code = staff.locator("[data-checkin-code]").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code), code
    activity_path = staff.url.removeprefix(live_server_url)

    first.goto(f"/portal/centers/{pk}/activities/")
    card = first.locator("article[data-activity]").filter(has_text=title)
    expect(card).to_have_count(1)
    watch.check(first, 390)
    with first.expect_navigation():
        card.get_by_role("button", name="报名").click()
    expect(message(first, "报名已提交。")).to_be_visible()
    expect(card).to_contain_text("我的报名")
    wrong = "000000" if code != "000000" else "111111"
    card.get_by_label("签到码").fill(wrong)
    with first.expect_navigation():
        card.get_by_role("button", name="签到").click()
    expect(first.get_by_role("status").filter(has_text="签到码不正确")).to_be_visible()
    card.get_by_label("签到码").fill(code)
    with first.expect_navigation():
        card.get_by_role("button", name="签到").click()
    expect(message(first, "签到成功。")).to_be_visible()
    expect(card.get_by_role("button", name="签到")).to_have_count(0)
    watch.check(first, 390)

    staff.goto(activity_path)
    expect(staff.locator("[data-figure=attended]")).to_have_text("1")
    expect(staff.locator("#signup-table tbody tr")).to_have_count(1)
    watch.check(staff)


def test_printable_notices_show_those_in_force(open_page, watch):
    staff = login(open_page(), "center")
    pk, name, code = the_center(staff)
    today = now_local().date()
    token = secrets.token_hex(3)
    published = {}
    for title, starts in ((f"窗口值班安排-{token}", today), (f"下周开放调整-{token}", None)):
        valid_from = starts or today + timedelta(days=1)
        staff.goto(f"/portal/notices/new/?unit={code}")
        expect(staff.get_by_label("发布单位（区划代码）")).to_have_value(code)
        staff.get_by_label("标题", exact=True).fill(title)
        staff.get_by_label("内容", exact=True).fill("工作日 8:30-17:30 窗口值班：张红梅。")
        staff.get_by_label("生效日期").fill(valid_from.isoformat())
        with staff.expect_navigation():
            staff.get_by_role("button", name="发布").click()
        expect(message(staff, "公示已发布。")).to_be_visible()
        published[title] = valid_from

    # The public center page (what residents see) and the printable sheet agree.
    resident = login(open_page(**PHONE), RESIDENT_PHONE)
    resident.goto(f"/portal/centers/{pk}/")
    public = resident.locator("#notices [data-notice], #on-duty [data-notice]")
    expect(public.first).to_be_visible()
    public_ids = {n.get_attribute("data-notice") for n in public.all()}
    public_titles = " ".join(public.all_inner_texts())
    watch.check(resident, 390)

    staff.goto(f"/portal/centers/{pk}/notices/print/")
    expect(staff.locator("#center-name")).to_contain_text(name)
    expect(staff.locator("#printed-on")).to_have_text(f"打印日期：{today.isoformat()}")
    sheet = staff.locator("main.sheet [data-notice]")
    expect(sheet.first).to_be_visible()
    sheet_ids = {n.get_attribute("data-notice") for n in sheet.all()}
    assert sheet_ids == public_ids, sheet_ids ^ public_ids
    for title, starts in published.items():
        shown = sheet.filter(has_text=title)
        expect(shown).to_have_count(1 if starts <= today else 0)
        assert (title in public_titles) == (starts <= today), title
    for meta in staff.locator("main.sheet [data-notice] .meta").all_inner_texts():
        dates = re.findall(r"\d{4}-\d{2}-\d{2}", meta)
        assert dates and date.fromisoformat(dates[0]) <= today, meta
        # The end shown is the last day in force (inclusive).
        assert len(dates) == 1 or date.fromisoformat(dates[1]) >= today, meta
    staff.emulate_media(media="print")
    expect(staff.locator(".no-print").first).to_be_hidden()
    watch.check(staff)
