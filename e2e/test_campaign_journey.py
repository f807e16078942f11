"""The campaign journey (issue 4) in a real browser, on the demo data: `hexi` bulk-creates plans
(一村一策), edits one deadline and sees the schedule move (倒排工期), the street reports progress
with photos from a phone, submits the site for sign-off with its evidence, the district verifies
(逐个销号, two different people), and `city` issues this week's bulletin (工作通报) and downloads
it as a Word document.

The demo's 河西区 communities were all signed off in the 2019—2020 campaign, so nothing in the
`street` account's street needs a plan. The journey starts the way such a site comes back: a
district spot check records a community's renovation as not accepted (记录改造验收 · 未通过)
on the center's page; bulk creation in the standing follow-on campaign then picks it up.
"""

from __future__ import annotations

import re
import struct
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from .helpers import htmx_response, login, screenshot

pytestmark = pytest.mark.browser

HEXI = "120103000000"
DAYINGMEN = "120103001000"  # the `street` account's street (seed_demo: 河西区's first street)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
EVIDENCE = ["signage", "exterior", "hall"]  # at least 3 photos, one of them 统一标识
LOCAL_SCHEMES = {"data", "blob", "about"}


def server_today() -> date:
    """The server's day (TIME_ZONE Asia/Shanghai), whatever this machine's time zone."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def png(path: Path, rgb: tuple[int, int, int], width: int = 8, height: int = 6) -> Path:
    """A small real PNG (the server checks images by content)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return path


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or parts.hostname == "127.0.0.1"


@pytest.fixture
def offline_page(new_page):
    """new_page, and every request that would leave 127.0.0.1 is refused and remembered; the
    journey asserts there were none."""
    outside: list[str] = []

    def make(**options):
        page = new_page(**options)
        page.context.on("request", lambda r: None if _is_local(r.url) else outside.append(r.url))
        page.context.route(lambda url: not _is_local(url), lambda route: route.abort())
        return page

    yield make
    assert not outside, f"requests left 127.0.0.1: {outside}"


def message(page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def press(button) -> None:
    """Tap a button of the plan page, as the street user does on a phone."""
    expect(button).to_be_enabled()
    button.tap()


def figure(locator) -> int:
    return int(locator.inner_text().replace(",", "").strip())


def hexi_signed(page) -> int:
    """河西区's signed-off plans on `hexi`'s campaign overview (the latest campaign)."""
    page.locator("#nav-campaign").click()
    page.locator("#nav").get_by_role("link", name="攻坚总览").click()
    expect(page).to_have_url(re.compile(r"/campaign/$"))
    expect(page.locator("h1.page-title")).to_contain_text("河西区")
    return figure(page.locator("#totals [data-figure=signed]"))


def schedule(page) -> dict[str, str]:
    rows = page.locator("#schedule-table tbody tr[data-milestone]")
    expect(rows.first).to_be_visible()
    return {
        "first_start": rows.first.get_attribute("data-start"),
        "last_due": rows.last.get_attribute("data-due"),
        "count": rows.count(),
    }


# -- the steps -----------------------------------------------------------------------------------


def hexi_finds_a_renovation_wanting(page) -> str:
    """A community of the street, renovated and in use; a spot check finds its renovation
    wanting. Returns the center's name."""
    page.goto(f"/centers/?street={DAYINGMEN}&kind=community&status=in_use")
    rows = page.locator("#center-table tbody tr")
    expect(rows.first.get_by_role("link").first).to_be_visible()
    # The last community, away from the rows other journeys edit (the ledger's first two).
    link = rows.last.get_by_role("link").first
    name = link.inner_text().strip()
    link.click()
    expect(page.locator("h1.page-title")).to_contain_text(name)
    levels = page.locator("#center-levels")
    expect(levels.locator("[data-level=area] [data-state]")).to_have_attribute("data-state", "yes")
    renovation = levels.locator("[data-level=renovation] [data-state]")
    expect(renovation).to_have_attribute("data-state", "yes")

    levels.get_by_text("记录改造验收").click()
    page.locator("#rv-ok").select_option(label="未通过")
    page.locator("#rv-note").fill("复查发现功能室被挪作他用，改造验收未通过")
    with page.expect_navigation():
        levels.get_by_role("button", name="保存验收记录").click()
    expect(message(page, "改造验收已记录")).to_be_visible()
    expect(renovation).to_have_attribute("data-state", "no")
    return name


def hexi_bulk_creates(page, center: str) -> str:
    """Bulk creation from the overview; returns the new plan's URL."""
    page.get_by_role("link", name="批量生成一村一策").click()
    expect(page).to_have_url(re.compile(r"/campaign/plans/bulk/\?campaign=\d+"))
    expect(page.get_by_role("heading", name="批量生成一村一策", level=1)).to_be_visible()
    sites = figure(page.locator("#bulk-preview [data-figure=sites]"))
    assert sites >= 1, "bulk creation finds nothing to plan in 河西区"
    with page.expect_navigation():
        page.locator("#bulk-preview").get_by_role("button", name=f"生成 {sites} 份一村一策").click()
    expect(page).to_have_url(re.compile(r"/campaign/plans/\?campaign=\d+"))
    expect(message(page, f"已为 {sites} 个党群服务中心生成一村一策")).to_be_visible()
    screenshot(page, "campaign-bulk-created.png")

    with htmx_response(page, lambda r: "/campaign/plans/?" in r.url and "q=" in r.url):
        page.locator("#f-q").fill(center)
    link = page.locator("#plan-table").get_by_role("link", name=center, exact=True)
    expect(link).to_have_count(1)
    link.click()
    expect(page).to_have_url(re.compile(r"/campaign/plans/\d+/$"))
    expect(page.locator("h1.page-title")).to_have_text(center)
    return urlsplit(page.url).path


def hexi_moves_the_deadline(page) -> None:
    before = schedule(page)
    deadline = page.locator("#plan-info [data-field=deadline]")
    assert deadline.inner_text().strip() == before["last_due"]
    assert before["count"] >= 3

    new = (date.fromisoformat(before["last_due"]) - timedelta(weeks=4)).isoformat()
    page.locator("main").get_by_role("link", name="编辑").click()
    expect(page).to_have_url(re.compile(r"/edit/$"))
    page.locator("#id_deadline").fill(new)
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(message(page, "一村一策已保存")).to_be_visible()

    expect(deadline).to_have_text(new)
    rows = page.locator("#schedule-table tbody tr[data-milestone]")
    expect(rows.last).to_have_attribute("data-due", new)
    expect(rows.last.locator("td").nth(2)).to_contain_text(new)  # 计划完成, as the user sees it
    expect(page.locator("#schedule .card-actions")).to_contain_text(
        f"从完成期限 {new} 按工作日倒排"
    )
    after = schedule(page)
    assert after["count"] == before["count"]
    # Four weeks earlier, same durations: the first milestone now starts earlier.
    assert after["first_start"] < before["first_start"], (before, after)
    expect(rows.first.locator("td").nth(1)).to_have_text(after["first_start"])
    screenshot(page, "campaign-schedule.png")


def street_reports_progress(page, plan_url: str, tmp_path: Path) -> None:
    """On a phone: every milestone to 100%, with site photos (two at once on one of them)."""
    page.goto("/campaign/plans/")
    page.locator(f'#plan-table a[href="{plan_url}"]').click()
    expect(page).to_have_url(re.compile(rf"{plan_url}$"))
    rows = page.locator("#schedule-table tbody tr[data-milestone]")
    n = rows.count()
    photos = [png(tmp_path / f"site-{i}.png", (40 * i % 256, 120, 200)) for i in range(n + 1)]
    for i in range(n):
        row = rows.nth(i)
        label = row.locator("td").first.inner_text().strip()
        row.get_by_role("link", name="填报").click()
        expect(page.get_by_role("heading", name="填报进度", level=1)).to_be_visible()
        expect(page.locator("#progress-form h2")).to_have_text(label)
        # Made for a phone: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.locator("#id_progress").fill("100")
        page.locator("#id_note").fill(f"{label}已完成")
        page.locator("#id_photos").set_input_files(photos[i : i + (2 if i == 0 else 1)])
        with page.expect_navigation():
            page.locator("#progress-form").get_by_role("button", name="提交").click()
        expect(message(page, f"已填报“{label}”进度 100%")).to_be_visible()
        expect(rows.nth(i).locator("[data-health]")).to_have_attribute("data-health", "done")
        expect(rows.nth(i).locator("[data-progress]")).to_have_text("100%")
    # The reports, newest first, with their photos (n + 1: two on the first milestone).
    expect(page.locator("#reports [data-report]")).to_have_count(n)
    expect(page.locator("#reports img.photo-thumb")).to_have_count(n + 1)


def street_submits_for_signoff(page, tmp_path: Path) -> None:
    panel = page.locator("#signoff")
    criteria = panel.locator("#criteria [data-criterion]")
    expect(criteria).to_have_count(5)
    for code in ("area", "renovation", "rooms"):
        expect(panel.locator(f"[data-criterion={code}]")).to_have_attribute("data-passed", "1")
    for code in ("signage", "evidence"):
        expect(panel.locator(f"[data-criterion={code}]")).to_have_attribute("data-passed", "0")
    submit = panel.locator("[data-action=submit]")
    expect(submit).to_be_disabled()  # no back door: not while a criterion fails

    for i, kind in enumerate(EVIDENCE):
        page.locator("#id_kind").select_option(kind)
        page.locator("#id_image").set_input_files(png(tmp_path / f"{kind}.png", (200, 30, 30 * i)))
        with page.expect_navigation():
            press(page.locator("#signoff-photo-form").get_by_role("button", name="上传照片"))
        expect(message(page, "佐证照片已上传")).to_be_visible()
        expect(panel.locator("#signoff-photos [data-photo-kind]")).to_have_count(i + 1)
    expect(criteria.and_(page.locator("[data-passed='1']"))).to_have_count(5)
    screenshot(page, "campaign-signoff-phone.png")

    expect(panel.locator("[data-action=verify]")).to_have_count(0)  # the street cannot verify
    with page.expect_navigation():
        press(submit)
    expect(message(page, "已提交销号，等待区级核验")).to_be_visible()
    expect(panel).to_have_attribute("data-status", "submitted")
    expect(panel.locator("[data-signoff-status]")).to_have_text("待核验")


def hexi_verifies(page, plan_url: str) -> None:
    page.goto(plan_url)
    panel = page.locator("#signoff")
    expect(panel).to_have_attribute("data-status", "submitted")
    verify = panel.locator("[data-action=verify]")
    expect(verify).to_be_enabled()
    with page.expect_navigation():
        verify.click()
    expect(message(page, "已核验销号")).to_be_visible()
    expect(panel.locator("[data-signoff-status]")).to_have_text("已销号")
    today = server_today().isoformat()
    expect(page.get_by_role("status").filter(has_text="销号。")).to_have_text(
        f"已于 {today} 销号。"
    )
    expect(page.locator("main .page-title + div [data-health]")).to_have_text("已销号")
    # Signed off: no more edits, no more progress reports.
    expect(page.locator("main").get_by_role("link", name="编辑")).to_have_count(0)
    expect(page.locator("#schedule-table").get_by_role("link", name="填报")).to_have_count(0)
    screenshot(page, "campaign-signed-off.png")


def city_issues_the_bulletin(page, tmp_path: Path, hexi_signed: int) -> None:
    from docx import Document

    page.locator("#nav-campaign").click()
    page.locator("#nav").get_by_role("link", name="工作通报").click()
    page.get_by_role("link", name="生成通报").click()
    expect(page).to_have_url(re.compile(r"/campaign/bulletins/preview/"))
    # This week, from live data: 河西区's row counts the site just signed off.
    row = page.locator(f'article.bl-paper [data-ranking] tr[data-code="{HEXI}"] td')
    expect(row.nth(1)).to_have_text("河西区")
    assert figure(row.nth(3)) >= 1  # 本期销号
    assert figure(row.nth(4)) == hexi_signed  # 累计销号

    with page.expect_navigation():
        page.locator("#bl-issue button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/campaign/bulletins/\d+/$"))
    number = page.locator("h1.page-title").inner_text().strip()
    assert re.search(r"〔\d{4}〕\d+号", number), number
    expect(message(page, f"工作通报 {number} 已签发并存档")).to_be_visible()
    expect(page.locator("article.bl-paper [data-part=number]")).to_have_text(number)
    title = page.locator("article.bl-paper [data-part=title]").inner_text().strip()
    screenshot(page, "campaign-bulletin.png")

    with page.expect_download() as info:
        page.locator("[data-download]").click()
    download = info.value
    assert download.suggested_filename.endswith(".docx"), download.suggested_filename
    path = tmp_path / "bulletin.docx"
    download.save_as(path)
    assert path.read_bytes()[:2] == b"PK"  # a zip, as every .docx is
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    text = "\n".join([p.text for p in doc.paragraphs] + cells)
    assert number in text, f"{number!r} not in the document"
    assert title.replace("\n", "") in text.replace("\n", "")


# -- the journey ---------------------------------------------------------------------------------


def test_plans_schedule_progress_signoff_and_bulletin(offline_page, tmp_path):
    hexi = login(offline_page(), "hexi")
    center = hexi_finds_a_renovation_wanting(hexi)
    signed_before = hexi_signed(hexi)
    plan_url = hexi_bulk_creates(hexi, center)
    hexi_moves_the_deadline(hexi)

    street = login(offline_page(**PHONE), "street")
    street_reports_progress(street, plan_url, tmp_path)
    street_submits_for_signoff(street, tmp_path)

    hexi_verifies(hexi, plan_url)
    signed_after = hexi_signed(hexi)
    assert signed_after == signed_before + 1

    city = login(offline_page(), "city")
    city.goto("/campaign/")
    row = city.locator(f'#by-unit tr[data-unit="{HEXI}"]')
    expect(row).to_contain_text("河西区")
    assert figure(row.locator("[data-figure=signed]")) == signed_after
    city_issues_the_bulletin(city, tmp_path, signed_after)


def test_an_open_plan_fits_a_phone(offline_page):
    page = login(offline_page(**PHONE), "hexi")
    page.goto("/campaign/plans/?signed=no")
    links = page.locator("#plan-table tbody td a")
    if not links.count():
        pytest.skip("no open plan in 河西区")
    links.first.click()
    expect(page.locator("#schedule-table").get_by_role("link", name="填报").first).to_be_attached()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the plan page scrolls sideways ({width}px)"
