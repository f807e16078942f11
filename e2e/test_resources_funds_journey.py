"""The fund ledger (资金专账, issue 6) in a real browser, on the demo data, as Baodi's finance
officer (`baodi_cw`, 宝坻区财政局资金专户):

1. opens the district fiscal source (its ~1,600 entries paged, newest first), allocates 1,000.00
   yuan to a plan and sees the source's unallocated figure fall by exactly that much and the
   entry on top;
2. pays 600.00 of it with a voucher number and sees the plan's balance and the source's paid
   figure update, then finds the payment by its voucher number and filters the entries by kind;
3. tries to pay more than the plan has left and gets the clear error naming the available amount,
   with nothing written;
4. opens the reconciliation and downloads the Excel, whose figures for the source are the page's.
"""

from __future__ import annotations

import io
import re
import secrets
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from .helpers import login, screenshot

pytestmark = pytest.mark.browser


def money(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", ""))


def figure(page, scope: str, name: str) -> Decimal:
    return money(page.locator(f"{scope} [data-figure={name}]").first.inner_text())


def test_finance_officer_allocates_pays_and_reconciles(new_page, tmp_path):
    page = login(new_page(), "baodi_cw")
    page.goto("/resources/funds/")
    expect(page.locator("h1.page-title")).to_have_text("资金专账")
    rows = page.locator("#fund-sources tbody tr")
    expect(rows).to_have_count(2)  # Baodi's two sources, nothing of Ninghe
    assert "宁河" not in page.locator("#fund-sources").inner_text()
    expect(page.locator("#fund-sources td[data-district]").first).to_have_text("宝坻区")
    page.get_by_role("link", name=re.compile("区财政")).first.click()
    expect(page).to_have_url(re.compile(r"/resources/funds/\d+/$"))
    source_url = page.url
    expect(page.locator("#source-note")).to_have_text(
        "演示数据：文章原文“?.44亿元”缺一位数字，按 1.44 亿元计。"
    )
    # A long ledger, paged: 50 entries, the newest first.
    expect(page.locator("#entries tbody tr")).to_have_count(50)
    total = int(page.locator("#entries [data-count]").get_attribute("data-count"))
    assert total > 1000
    unallocated = figure(page, "#source-figures", "unallocated")
    paid = figure(page, "#source-figures", "paid")
    assert unallocated >= Decimal("1000.00")

    # 1. An allocation to a plan.
    page.get_by_role("link", name="分配到项目").click()
    option = page.locator("#id_plan option:not([value=''])").first
    plan_id = option.get_attribute("value")
    page.select_option("#id_plan", plan_id)
    page.fill("#id_amount", "1,000.00")
    page.fill("#id_note", "E2E 追加分配")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert page.url == source_url
    expect(page.get_by_role("status").filter(has_text="已入账")).to_be_visible()
    assert figure(page, "#source-figures", "unallocated") == unallocated - Decimal("1000.00")
    # What was just booked is on top: the first entry, and the first of the plans' lines.
    first = page.locator("#entries tbody tr").first
    expect(first).to_contain_text("E2E 追加分配")
    expect(first.locator("[data-figure=amount]")).to_have_text("1,000.00")
    line = f"#plan-lines tr[data-plan='{plan_id}']"
    expect(page.locator("#plan-lines tbody tr").first).to_have_attribute("data-plan", plan_id)
    plan_balance = figure(page, line, "balance")
    assert plan_balance >= Decimal("1000.00")

    # 2. A payment with a voucher number.
    voucher = f"E2E记-{secrets.randbelow(10**6):06d}"
    page.locator(line).get_by_role("link", name="支付").click()
    expect(page.locator("#id_plan")).to_have_value(plan_id)
    page.fill("#id_amount", "600.00")
    page.fill("#id_voucher_no", voucher)
    page.fill("#id_payee", "天津市宝平建筑工程有限公司")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    assert page.url == source_url
    assert figure(page, "#source-figures", "paid") == paid + Decimal("600.00")
    assert figure(page, line, "balance") == plan_balance - Decimal("600.00")
    expect(page.locator("#entries tbody tr").first).to_contain_text(voucher)
    screenshot(page, "resources-funds-source.png")
    # The filters: by voucher number (htmx, no reload) and by kind.
    page.fill("#f-doc", voucher)
    expect(page.locator("#entries tbody tr")).to_have_count(1)
    expect(page.locator("#entries tbody tr")).to_contain_text("600.00")
    page.fill("#f-doc", "")
    page.select_option("#f-kind", "receipt")
    expect(page.locator("#entries tbody tr[data-kind=payment]")).to_have_count(0)
    expect(page.locator("#entries tbody tr[data-kind=receipt]").first).to_be_visible()
    entries = total + 2

    # 3. Overpaying is refused with the available amount, and nothing is written.
    left = plan_balance - Decimal("600.00")
    page.locator(line).get_by_role("link", name="支付").click()
    page.fill("#id_amount", str(left + Decimal("0.01")))
    page.fill("#id_voucher_no", voucher + "-X")
    page.fill("#id_payee", "天津市宝平建筑工程有限公司")
    page.get_by_role("button", name="保存").click()
    error = page.locator("[data-error-for=amount]")
    expect(error).to_have_text(f"支付金额超过该项目在此资金来源下的可用余额 {left:,.2f} 元。")
    page.goto(source_url)
    count = page.locator("#entries [data-count]")
    expect(count).to_have_attribute("data-count", str(entries))
    assert voucher + "-X" not in page.locator("#entries").inner_text()
    assert figure(page, line, "balance") == left

    # 4. The reconciliation, on the page and in Excel.
    page.goto("/resources/funds/reconciliation/")
    source_id = re.search(r"/funds/(\d+)/$", source_url).group(1)
    row = f"#recon-sources tr[data-source='{source_id}']"
    shown = {k: figure(page, row, k) for k in ("received", "allocated", "paid", "balance")}
    assert shown["paid"] == paid + Decimal("600.00")
    screenshot(page, "resources-funds-reconciliation.png")
    with page.expect_download() as info:
        page.locator("#export-link").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    path = tmp_path / "recon.xlsx"
    download.save_as(path)
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    sheet = book.get_sheet_by_name("按资金来源").to_python()
    header = sheet[0]
    name = page.locator(f"{row} a").first.inner_text().strip()
    found = next(r for r in sheet[1:] if len(r) > 3 and r[3] == name)
    for key, title in (
        ("received", "到位（元）"),
        ("allocated", "已分配（元）"),
        ("paid", "已支付（元）"),
        ("balance", "结余（元）"),
    ):
        value = Decimal(str(found[header.index(title)])).quantize(Decimal("0.01"))
        assert value == shown[key], (key, value, shown[key])


def test_the_fund_pages_read_on_a_phone(new_page):
    """At 390 px the sources list needs no sideways scrolling and its names are not squashed
    (the figures other than the balance go under the name); the source page's header, figures
    and filters fit the screen."""
    page = login(new_page(viewport={"width": 390, "height": 844}), "baodi_cw")
    page.goto("/resources/funds/")
    table = page.locator("#fund-sources")
    expect(table.locator("tbody tr")).to_have_count(2)
    wrapper = page.locator("#results .table-responsive")
    assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "the list scrolls sideways"
    name = table.locator("tbody tr td").first
    assert name.bounding_box()["width"] >= 180, name.bounding_box()
    expect(name.locator("[data-phone-figures]")).to_be_visible()
    screenshot(page, "resources-funds-phone.png")
    page.get_by_role("link", name=re.compile("区财政")).first.click()
    expect(page.locator("#entries tbody tr")).to_have_count(50)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.locator("#f-doc")).to_be_visible()
