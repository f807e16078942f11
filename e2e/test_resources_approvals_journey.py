"""The joint-review journey (issue 6) in a real browser, on the demo data: 南开区's site still
waiting for its approval has a case under review, stalled at the planning bureau. The district
(`nankai`) withdraws it and applies again to the two departments still concerned (planning and
housing); the planning bureau (`nankai_gh`) finds it in its queue (待我出具) and approves with a
letter in lieu of the planning permit (以函代证); the case shows the letter; the housing
commission (`nankai_zj`) approves from a phone; the case is approved and the plan's 联合审批
milestone shows complete."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .helpers import login, screenshot

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LETTER = "南规资函〔2026〕99号"


def fits(page, width: int = 390) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width + 1, f"{page.url}: {overflow}px wide at {width}px"


def give(page, case_id: int, *, letter: bool) -> None:
    page.goto("/resources/approvals/queue/")
    row = page.locator(f"#queue-table tr:has(a[href='/resources/approvals/{case_id}/'])")
    expect(row).to_be_visible()
    row.get_by_role("link", name="出具意见").click()
    expect(page.locator("#opinion-form")).to_be_visible()
    # The other departments' opinions fit their card (no column squeezed out of sight).
    table = page.locator("#opinions .table-responsive")
    widths = table.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] <= widths[1] + 1 or page.viewport_size["width"] < 992, widths
    page.get_by_label("同意", exact=True).check()
    page.locator("#id_comment").fill("同意。")
    if letter:
        page.locator("#id_letter_in_lieu").check()
        page.locator("#id_letter_no").fill(LETTER)
        expect(page.locator("#id_permit_replaced")).to_have_value("建设工程规划许可证")
    with page.expect_navigation():
        page.locator("#opinion-submit").click()
    expect(page.get_by_text("意见已出具")).to_be_visible()


def test_joint_review_with_a_letter_in_lieu(new_page):
    # The district: the stalled case, withdrawn.
    district = login(new_page(), "nankai")
    district.goto("/resources/approvals/?status=reviewing&overdue=1")
    stalled = district.locator("#approval-table tbody tr[data-case]").first
    expect(stalled).to_be_visible()
    stalled.get_by_role("link").first.click()
    expect(district.locator("[data-overdue]").first).to_be_visible()
    screenshot(district, "approvals-overdue")
    district.on("dialog", lambda dialog: dialog.accept())
    district.locator("#case-info input[name=note]").fill("规划意见逾期，撤回后重新申报。")
    with district.expect_navigation():
        district.get_by_role("button", name="撤回").click()
    expect(district.locator("#case-outcome")).to_contain_text("撤回")

    # Apply again, to planning and housing only.
    district.goto("/resources/approvals/new/")
    pick = district.locator("#pick-table tbody tr[data-plan]").first
    expect(pick).to_be_visible()
    plan_id = int(pick.get_attribute("data-plan"))
    pick.get_by_role("link", name="申报").click()
    for name in ("组织部门", "民政部门", "财政部门"):
        district.get_by_label(name).uncheck()
    expect(district.get_by_label("规划和自然资源部门")).to_be_checked()
    district.locator("#id_title").fill("新建党群服务中心规划与施工联合审查（重报）")
    with district.expect_navigation():
        district.locator("#approval-submit").click()
    expect(district.get_by_text("已送各联审部门并联审查")).to_be_visible()
    case_id = int(re.search(r"/resources/approvals/(\d+)/", district.url).group(1))
    expect(district.locator("#opinion-table tbody tr")).to_have_count(2)

    # The planning bureau: its queue, an approval with a letter in lieu of the permit.
    planner = login(new_page(), "nankai_gh")
    planner.goto("/resources/approvals/queue/")
    expect(planner.locator("#queue-table")).to_contain_text("重报")
    give(planner, case_id, letter=True)
    letters = planner.locator("#letters")
    expect(letters).to_contain_text(LETTER)
    expect(letters).to_contain_text("建设工程规划许可证")
    expect(planner.locator("tr[data-department=planning] [data-letter]")).to_be_visible()
    screenshot(planner, "approvals-letter")

    # The housing commission, from a phone: the last opinion; the case is approved.
    housing = login(new_page(**PHONE), "nankai_zj")
    give(housing, case_id, letter=False)
    fits(housing)
    expect(housing.locator("#case-outcome")).to_contain_text("审批通过")
    expect(housing.locator("[data-milestone=done]")).to_be_visible()

    # The plan: its 联合审批 milestone complete.
    district.goto(f"/campaign/plans/{plan_id}/")
    row = district.locator("#schedule-table tr[data-milestone=approval]")
    expect(row.locator("[data-progress]")).to_have_text("100%")
    expect(row).not_to_have_attribute("data-overdue", "1")
    # Approved: no second application, from the plan or from the picker.
    expect(district.locator("#plan-approval [data-case]").first).to_be_visible()
    expect(district.locator("#plan-approval-new")).to_have_count(0)
    district.goto("/resources/approvals/new/")
    expect(district.locator(f"#pick-table tr[data-plan='{plan_id}']")).to_have_count(0)
    district.goto(f"/resources/approvals/{case_id}/")
    expect(district.locator("#timeline [data-action=approval_submit]")).to_have_count(1)
    fits_page = new_page(**PHONE)
    login(fits_page, "nankai").goto("/resources/approvals/")
    fits(fits_page)
