"""Hedong's premises matching (河东 三本账, issue 6) in a real browser, on the demo data.

The district's administrator (`hedong`, 河东区委组织部) opens matching, runs it for 河东区, reads
each proposal's explanation (distance, area before + added → after, compliant or not), accepts
one — the premises is then reserved and the center's plan names it — and rejects another with a
reason. The run page fits a phone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .helpers import PHONE, Watch, login

pytestmark = pytest.mark.browser

HEDONG = "120102000000"
REASON = "该房源临街噪声大，不适合作为党群服务中心"


@pytest.fixture
def watch():
    return Watch()


@pytest.fixture
def open_page(new_page, watch):
    def make(**options):
        return watch.attach(new_page(**options))

    yield make
    assert not watch.outside, f"requests left 127.0.0.1: {watch.outside}"


def test_hedong_runs_matching_accepts_and_rejects(open_page, watch):
    page = login(open_page(), "hedong")
    page.goto("/resources/matching/")
    expect(page.locator("#id_region")).to_have_value(HEDONG)
    with page.expect_navigation():
        page.locator("#matching-run").click()
    assert "/resources/matching/runs/" in page.url
    run_url = page.url
    open_rows = page.locator('#proposals tr[data-status="proposed"]')
    expect(open_rows.first).to_be_visible()
    count = open_rows.count()
    assert count >= 1, "no proposal to decide on"
    expect(page.locator("#run-figures")).to_contain_text("面积不足")
    first = open_rows.first.locator("td.explanation")
    expect(first).to_contain_text("→")
    expect(first).to_contain_text("标准")

    # Accept the one whose center has a plan (if any): its plan will name the premises.
    with_plan = open_rows.filter(has=page.get_by_role("link", name="一村一策"))
    row = with_plan.first if with_plan.count() else open_rows.first
    pid = row.get_attribute("data-proposal")
    code = row.locator("a.code").inner_text().strip()
    has_plan = bool(with_plan.count())
    with page.expect_navigation():
        row.get_by_role("button", name="采纳").click()
    decided = page.locator(f'#proposals tr[data-proposal="{pid}"]')
    expect(decided).to_have_attribute("data-status", "accepted")
    expect(page.locator("body")).to_contain_text("已采纳")
    decided.locator("a.code").click()
    expect(page.locator("[data-availability]").first).to_have_attribute(
        "data-availability", "reserved"
    )
    if has_plan:
        page.locator("#premises-plan a").click()
        expect(page.locator("body")).to_contain_text(code)

    # Reject another open proposal with a reason (only spaces are refused first).
    page.goto(run_url)
    rest = page.locator('#proposals tr[data-status="proposed"]')
    if rest.count():
        other = rest.first
        oid = other.get_attribute("data-proposal")
        other.get_by_role("link", name="否决").click()
        expect(page.locator("#id_reason")).to_have_attribute("required", "")
        page.locator("#id_reason").fill("   ")  # past the browser's check; the server refuses
        with page.expect_navigation():
            page.locator("#reject-submit").click()
        expect(page.locator("#reject-form")).to_contain_text("请填写否决理由")
        page.locator("#id_reason").fill(REASON)
        with page.expect_navigation():
            page.locator("#reject-submit").click()
        row = page.locator(f'#proposals tr[data-proposal="{oid}"]')
        expect(row).to_have_attribute("data-status", "rejected")
        expect(row).to_contain_text(REASON)
    watch.check(page)


def test_the_run_page_fits_a_phone(open_page, watch):
    page = login(open_page(**PHONE), "hedong")
    page.goto("/resources/matching/")
    page.locator("#runs a").first.click()
    expect(page.locator("#proposals")).to_be_visible()
    watch.check(page, width=390)
    # one stacked block per proposal: no squeezed columns, every part and action on screen
    expect(page.locator("#proposals thead")).to_be_hidden()
    rows = page.locator("#proposals tbody tr[data-proposal]")
    for i in range(rows.count()):
        row = rows.nth(i)
        for cell in (row.locator("td.premises-cell"), row.locator("td.explanation")):
            box = cell.bounding_box()
            assert box["width"] >= 300 and box["x"] + box["width"] <= 391, box
        for button in row.locator(".accept, .reject").all():
            box = button.bounding_box()
            assert 0 <= box["x"] and box["x"] + box["width"] <= 390, box
    page.goto("/resources/premises/?q=HD-PT-035")
    page.locator("#premises-table a.code").first.click()
    heading = page.locator("#premises-heading")
    code = heading.locator(".code").bounding_box()
    name = heading.locator("span").nth(1).bounding_box()
    # the code and the name apart (a gap, or the name on its own line)
    assert name["x"] >= code["x"] + code["width"] + 4 or name["y"] >= code["y"] + code["height"]
    watch.check(page, width=390)
    page.goto("/resources/premises/")
    expect(page.locator("#premises-table")).to_be_visible()
    watch.check(page, width=390)
