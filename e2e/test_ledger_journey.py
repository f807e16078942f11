"""The ledger journey in a real browser: `hexi` downloads its ledger, edits two rows in the file,
imports it, sees the change; a file with problems is refused with a report, and nothing changes."""

from __future__ import annotations

import re

import openpyxl
import pytest
from playwright.sync_api import expect

from .helpers import login, screenshot

pytestmark = pytest.mark.browser


def _open_ledger(page):
    page.goto("/centers/")
    page.get_by_role("link", name="台账导入").click()
    expect(page).to_have_url(re.compile(r"/centers/ledger/$"))
    expect(page.get_by_role("heading", name="工作台账", level=1)).to_be_visible()


def test_hexi_edits_two_rows_of_its_ledger_and_sees_the_change(new_page, tmp_path):
    page = login(new_page(), "hexi")
    _open_ledger(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="下载我的台账").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / "ledger.xlsx"
    download.save_as(path)

    book = openpyxl.load_workbook(path)
    ws = book.worksheets[0]
    column = {cell.value: i for i, cell in enumerate(ws[1])}
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) > 100 and all(str(r[0].value).startswith("120103") for r in rows)
    edited = {}
    for row, area in zip(rows[:2], ("４２０平方米", "1,234㎡"), strict=True):
        code = row[column["区划代码"]].value
        row[column["建筑面积（㎡）"]].value = area
        row[column["开放时间"]].value = "週一至週日 8:30-20:00"  # traditional 週 → 周
        edited[code] = area
    book.save(path)

    page.locator("#ledger-file").set_input_files(path)
    with page.expect_navigation():
        page.locator("#ledger-submit").click()
    expect(page.get_by_role("status").filter(has_text="更新 2 个中心")).to_be_visible()
    screenshot(page, "ledger-imported.png")

    for code, area in zip(edited, ("420.00", "1,234.00"), strict=True):
        page.goto(f"/centers/?q={code}")
        page.locator("#center-table tbody a").first.click()
        expect(page.locator('[data-field="floor_area"]')).to_have_text(f"{area} ㎡")
        expect(page.get_by_text("周一至周日 8:30-20:00")).to_be_visible()


def test_a_ledger_with_problems_is_refused_with_a_report(new_page, tmp_path):
    page = login(new_page(), "hexi")
    _open_ledger(page)
    path = tmp_path / "bad.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["区划代码", "名称", "建筑面积"])
    book.active.append(["120103001001", "改不了的名字", "三百五"])
    book.active.append(["120104001001", "南开的中心", "300"])
    book.save(path)

    page.locator("#ledger-file").set_input_files(path)
    with page.expect_navigation():
        page.locator("#ledger-submit").click()
    expect(page.locator("#ledger-problems-alert")).to_contain_text("未导入任何数据")
    table = page.locator("#ledger-problems")
    expect(table).to_contain_text("无法识别“三百五”为数字")
    expect(table).to_contain_text("不在您的数据范围内")
    screenshot(page, "ledger-problems.png")
    with page.expect_download() as info:
        page.locator("#ledger-report").click()
    report = tmp_path / "report.xlsx"
    info.value.save_as(report)
    sheet = openpyxl.load_workbook(report).worksheets[0]
    assert sheet.cell(1, 4).value == "问题"
    assert "三百五" in sheet.cell(2, 4).value

    page.goto("/centers/?q=120103001001")
    expect(page.locator("#center-table")).not_to_contain_text("改不了的名字")
