"""The premises ledger in Excel: the template has dropdowns; an import creates and updates by
(district, 编号), all or nothing; bad rows come back in a problem report naming row and column;
rows outside the user's scope are refused; the export lists exactly the user's rows."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from lianxin.core.tests.factories import HEXI, HEXI_POINT, HEXI_STREET, NANKAI, NANKAI_POINT
from lianxin.resources import premises_ledger as ledger
from lianxin.resources.models import Premises

from .factories_premises import make_premises

pytestmark = pytest.mark.django_db

HEAD = ["所属单位代码", "编号", "类别", "名称", "地址", "经度", "纬度", "建筑面积（㎡）", "可分割"]


def _file(rows, head=HEAD):
    book = openpyxl.Workbook()
    book.active.append(head)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("premises.xlsx", out.getvalue())


def _row(code="HX-100", region=HEXI_STREET, area="320㎡", point=HEXI_POINT, **kw):
    lon, lat = point
    return [
        region,
        code,
        "配套用房",
        "友谊路配套用房",
        "友谊路 10 号",
        float(lon),
        float(lat),
        area,
        kw.get("divisible", "否"),
    ]


def test_good_file_creates_then_updates(hexi):
    result = ledger.import_premises(
        hexi, _file([_row(), _row("HX-101", HEXI, "1,200", divisible="是")])
    )
    assert result.ok and result.applied and result.created == 2
    obj = Premises.objects.get(code="HX-101")
    assert (obj.floor_area, obj.divisible, obj.street_code) == (Decimal("1200.00"), True, "")
    again = ledger.import_premises(
        hexi, _file([_row(area="350"), _row("HX-101", HEXI, "1200", divisible="是")])
    )
    assert again.ok and (again.updated, again.unchanged, again.created) == (1, 1, 0)
    assert Premises.objects.get(code="HX-100").floor_area == Decimal("350.00")


def test_bad_rows_give_a_report_and_nothing_is_written(hexi):
    rows = [
        _row(),
        _row("HX-102", area="-3"),
        _row("HX-103", point=NANKAI_POINT),
        _row("HX-100"),  # the same code twice
        [HEXI_STREET, "HX-104", "仓库"] + _row()[3:],
    ]
    result = ledger.import_premises(hexi, _file(rows))
    assert not result.ok and not result.applied
    assert not Premises.objects.exists()
    where = {(p.row, p.letter) for p in result.problems}
    assert (3, "H") in where  # the area
    assert (5, "B") in where  # the duplicate code
    assert (6, "C") in where  # the kind
    texts = [str(p) for p in result.problems]
    assert any("第 3 行 H 列" in t and "面积须大于 0" in t for t in texts)
    out = io.BytesIO()
    result.write_report(out)
    book = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue()))
    sheet = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    assert sheet[0][-1] == "问题" and "面积" in sheet[2][-1]


def test_coordinates_outside_the_district_are_a_row_problem(hexi):
    result = ledger.import_premises(hexi, _file([_row(), _row("HX-103", point=NANKAI_POINT)]))
    assert not result.ok and not Premises.objects.exists()
    assert any(p.row == 3 and "不在本区" in p.message for p in result.problems)


def test_rows_outside_the_scope_are_refused(hexi, street_staff):
    result = ledger.import_premises(hexi, _file([_row(), _row("NK-1", NANKAI, point=NANKAI_POINT)]))
    assert not result.ok and not Premises.objects.exists()
    (p,) = result.problems
    assert (p.row, p.column) == (3, "region") and "数据范围" in p.message
    # street staff: its street yes, the district level no
    result = ledger.import_premises(street_staff, _file([_row(region=HEXI)]))
    assert not result.ok and "数据范围" in result.problems[0].message


def test_a_new_row_needs_every_required_column(hexi):
    result = ledger.import_premises(hexi, _file([[HEXI_STREET, "HX-9", "配套用房"]], head=HEAD[:3]))
    assert not result.ok
    assert any("名称" in p.message for p in result.problems)


def test_not_a_workbook(hexi):
    result = ledger.import_premises(hexi, SimpleUploadedFile("x.xlsx", b"hello"))
    assert not result.ok and result.problems[0].row is None


def test_template_has_dropdowns_and_export_lists_the_scope(hexi, login, region):
    make_premises(region(HEXI), code="HX-EXP", name="河西导出房源")
    make_premises(region(NANKAI), code="NK-EXP", name="南开导出房源")
    client = login(hexi)
    response = client.get("/resources/premises/ledger/template.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = book.worksheets[0]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert any("库存房源" in f and "配套用房" in f for f in lists)
    response = client.get("/resources/premises/export.xlsx")
    text = str(
        CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
        .get_sheet_by_name("房源台账")
        .to_python()
    )
    assert "河西导出房源" in text and "南开导出房源" not in text
    # the exported ledger goes back in unchanged
    exported = SimpleUploadedFile(
        "e.xlsx", b"".join(client.get("/resources/premises/export.xlsx").streaming_content)
    )
    result = ledger.import_premises(hexi, exported)
    assert result.ok and result.unchanged == 1, [str(p) for p in result.problems]


def test_import_page(hexi, login):
    client = login(hexi)
    response = client.post("/resources/premises/ledger/import/", {"file": _file([_row(area="0")])})
    assert response.status_code == 422
    assert "premises_report" not in response.content.decode()
    assert "/resources/premises/ledger/reports/" in response.content.decode()
    response = client.post("/resources/premises/ledger/import/", {"file": _file([_row()])})
    assert response.status_code == 302 and Premises.objects.count() == 1


def test_divisible_takes_yes_or_no_and_says_so(hexi):
    """可分割 is 是 or 否: 未评估 (which the center ledger knows) and nonsense are refused with
    the same message naming the two allowed values, like the other choice columns."""
    result = ledger.import_premises(
        hexi, _file([_row(divisible="未评估"), _row("HX-101", divisible="也许")])
    )
    assert not result.ok and not Premises.objects.exists()
    messages = {p.row: p.message for p in result.problems if p.column == "divisible"}
    assert set(messages) == {2, 3}
    for message in messages.values():
        assert "可选：是、否" in message and "未评估" not in message.split("可选")[1]
    assert "“也许”" in messages[3]


def test_import_page_says_which_columns_a_new_row_needs(hexi, login):
    body = login(hexi).get("/resources/premises/ledger/").content.decode()
    # as the template's 说明 sheet: required for a new row (所属单位代码, 编号, 名称 …)
    assert body.count("新增时必填") == sum(c.required for c in ledger.COLUMNS)
