"""Ledger import: a real .xlsx with every mess a district's ledger has is understood and applied
through centers.services (version, audit, area re-assessment); a file with any problem writes
nothing and gets a problem report naming rows and columns; rows outside the importer's scope are
refused without saying what is there."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from python_calamine import CalamineWorkbook

from lianxin.centers import ledger
from lianxin.centers.models import (
    Center,
    CenterStatus,
    CenterStatusPeriod,
    Level,
    LevelRecord,
)
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI_POINT, NANKAI_VILLAGE

pytestmark = pytest.mark.django_db

STREET = "120103001000"  # 河西区 大营门街道
CODES = [
    "120103001001",
    "120103001004",
    "120103001006",
    "120103001007",
    "120103001009",
    "120103001012",
]
NO_CENTER = "120103001010"  # in 河西区, no center made for it
UNKNOWN = "120103001999"  # not a division code
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def centers(make_center, region):
    made = {}
    for code in CODES:
        center = make_center(
            region(code),
            floor_area=Decimal("200.00"),
            households=800,
            status=CenterStatus.RENOVATING,
            address="旧地址",
        )
        CenterStatusPeriod.objects.create(
            center=center, status=CenterStatus.RENOVATING, valid_from=date(2019, 1, 1)
        )
        made[code] = center
    return made


@pytest.fixture
def theirs(make_center, region):
    return make_center(region(NANKAI_VILLAGE), name="南开保密中心", floor_area=Decimal("300"))


def workbook(rows, *, title="台账") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("河西区台账.xlsx", out.getvalue(), content_type=XLSX)


def fresh(code) -> Center:
    return Center.objects.select_related("region").get(region__code=code)


def report_rows(result) -> list[list]:
    out = io.BytesIO()
    result.write_report(out)
    return (
        CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue()))
        .get_sheet_by_index(0)
        .to_python(skip_empty_area=False)
    )


HEADER = [
    "序号",
    "统计用区划代码",
    "中心名称",
    "建筑面积(平方米)",
    "服务户数",
    "状态",
    "状态生效日期",
    "改造验收日期",
    "地址",
    "开放时间",
    "联系电话",
    "经度",
    "纬度",
]
LON, LAT = float(HEXI_POINT[0]), float(HEXI_POINT[1])


def messy_file():
    """Every mess the issue lists, each in a row that must be understood."""
    return workbook(
        [
            ["河西区大营门街道党群服务中心工作台账（2020年）"],  # a title row above the header
            [],
            HEADER,
            # a code as a number cell, traditional characters, full-width digits, units,
            # thousands separators, spaces, a date in Chinese, an Excel date cell, a phone as
            # a number, coordinates as numbers
            [
                1,
                120103001001.0,
                " 九江路社區黨群服務中心 ",
                "３５０",
                "1,200户",
                "已投入使用",
                "2020年4月23日",
                date(2020, 3, 1),
                "  大营门街道九江路1号  ",
                "周一至周日 8:30-20:00",
                13800138000.0,
                LON,
                LAT,
            ],
            # scientific notation, 平方米, a date with dots and one with slashes
            [
                2,
                "1.20103001004E+11",
                None,
                "350平方米",
                None,
                "已投入使用",
                "2020.4.23",
                "2020/3/1",
            ],
            # spaces around the code, ㎡, an Excel serial number as the date
            [3, " 120103001006 ", None, "350㎡", "１，２００", None, None, 43891],
            [],  # an empty row: skipped
            # the row above again, written differently: the same content, understood once
            [3, 120103001006.0, None, "350.00", 1200, None, None, datetime(2020, 3, 1)],
            # full-width code, "m2", a date-time cell for the status, thousands separator
            [
                4,
                "１２０１０３００１００７",
                "三义大厦社区党群服务中心",
                "1,200 m2",
                None,
                "投入使用",
                datetime(2020, 4, 23, 0, 0),
            ],
            # unchanged values only: nothing to do
            [5, "120103001009", None, "200", 800, "改造中", "2019-01-01"],
        ]
    )


def test_every_mess_understood_and_applied(centers, hexi):
    audit_before = AuditLog.objects.count()
    result = ledger.import_ledger(hexi, messy_file(), filename="河西区台账.xlsx")
    assert result.problems == []
    assert result.applied
    assert (result.rows, result.skipped, result.duplicates) == (6, 1, 1)
    assert (result.changed, result.unchanged) == (4, 1)

    a = fresh("120103001001")
    assert a.name == "九江路社区党群服务中心"
    assert a.floor_area == Decimal("350.00") and a.households == 1200
    assert a.address == "大营门街道九江路1号"
    assert a.opening_hours == "周一至周日 8:30-20:00"
    assert a.phone == "13800138000"
    assert (a.longitude, a.latitude) == HEXI_POINT
    assert a.status == CenterStatus.IN_USE
    assert "jjlsqdqfwzx" in a.search_text  # the service rebuilt the searchable text
    periods = list(a.history.order_by("valid_from").values_list("status", "valid_from", "valid_to"))
    assert periods == [
        ("renovating", date(2019, 1, 1), date(2020, 4, 23)),
        ("in_use", date(2020, 4, 23), None),
    ]
    renovation = LevelRecord.objects.get(center=a, level=Level.RENOVATION)
    assert (renovation.compliant, renovation.effective_on, renovation.source) == (
        True,
        date(2020, 3, 1),
        "ledger",
    )

    b = fresh("120103001004")
    assert b.floor_area == Decimal("350.00") and b.status == CenterStatus.IN_USE
    assert b.history.get(valid_to__isnull=True).valid_from == date(2020, 4, 23)
    assert LevelRecord.objects.get(center=b, level=Level.RENOVATION).effective_on == date(
        2020, 3, 1
    )

    c = fresh("120103001006")
    assert (c.floor_area, c.households) == (Decimal("350.00"), 1200)
    assert LevelRecord.objects.filter(center=c, level=Level.RENOVATION).count() == 1  # once

    d = fresh("120103001007")
    assert d.floor_area == Decimal("1200.00") and d.status == CenterStatus.IN_USE

    untouched = fresh("120103001009")
    assert untouched.version == centers["120103001009"].version

    # Versions went up (update + status change), every write was audited.
    assert a.version == centers["120103001001"].version + 2
    actions = list(
        AuditLog.objects.order_by("id")[audit_before:].values_list("action", "target_id")
    )
    assert ("update", str(a.pk)) in actions and ("status", str(a.pk)) in actions
    assert ("record_renovation", str(a.pk)) in actions
    assert all(log.actor_id == hexi.pk for log in AuditLog.objects.order_by("id")[audit_before:])


def test_area_reassessed_when_area_or_households_change(centers, hexi):
    """30 m² per 100 households (the current rule set): 1,200 households need 360 m²."""
    ledger.import_ledger(hexi, messy_file())
    today = timezone.localdate()
    area = {
        code: LevelRecord.objects.filter(center__region__code=code, level=Level.AREA)
        .order_by("-id")
        .first()
        for code in ["120103001001", "120103001007", "120103001009"]
    }
    assert (area["120103001001"].compliant, area["120103001001"].effective_on) == (False, today)
    assert area["120103001001"].required_area == Decimal("360.00")
    assert area["120103001007"].compliant is True  # 1,200 m² for 800 households
    assert area["120103001009"] is None  # nothing changed: not re-assessed
    logged = AuditLog.objects.filter(action="assess_area").values_list("target_id", flat=True)
    assert str(centers["120103001001"].pk) in set(logged)


def problem_file(theirs):
    return workbook(
        [
            [
                "区划代码",
                "名称",
                "建筑面积（㎡）",
                "状态",
                "状态生效日期",
                "改造验收日期",
                "经度",
                "纬度",
            ],
            ["120103001001", "好名字", "400"],  # fine on its own
            [UNKNOWN, "不存在的中心"],  # row 3
            [theirs.region.code, "越界改名"],  # row 4: 南开区
            [NO_CENTER, "没有中心"],  # row 5
            ["120103001004", None, "三百五"],  # row 6
            ["120103001006", None, None, "运营良好", "2020-02-30"],  # row 7
            ["120103001007", None, "100"],  # row 8 and 9: conflicting duplicates
            ["120103001007", None, "200"],
            ["120103001009", None, None, None, None, None, 39.07, 117.23],  # row 10: swapped
            ["1.20103E+11", "精度丢失"],  # row 11
            [
                "120103001012",
                None,
                None,
                None,
                None,
                (date.today() + timedelta(days=30)).isoformat(),
            ],
            [None, "没有代码的行"],  # row 13
        ]
    )


def test_a_file_with_problems_writes_nothing(centers, theirs, hexi):
    before = {
        "audit": AuditLog.objects.count(),
        "levels": LevelRecord.objects.count(),
        "periods": CenterStatusPeriod.objects.count(),
        "centers": sorted(Center.objects.values_list("pk", "version", "name", "floor_area")),
    }
    result = ledger.import_ledger(hexi, problem_file(theirs))
    assert not result.applied
    after = {
        "audit": AuditLog.objects.count(),
        "levels": LevelRecord.objects.count(),
        "periods": CenterStatusPeriod.objects.count(),
        "centers": sorted(Center.objects.values_list("pk", "version", "name", "floor_area")),
    }
    assert after == before

    where = {(p.row, p.letter) for p in result.problems}
    assert {
        (3, "A"),
        (4, "A"),
        (5, "A"),
        (6, "C"),
        (7, "D"),
        (7, "E"),
        (8, ""),
        (9, ""),
        (10, "G"),
        (11, "A"),
        (12, "F"),
        (13, "A"),
    } == where
    text = {p.row: str(p) for p in result.problems if p.column != "status_from"}
    assert "不存在" in text[3]
    assert "不在您的数据范围内" in text[4] and "南开保密中心" not in text[4]
    assert "没有党群服务中心" in text[5]
    assert "三百五" in text[6] and "C 列" in text[6]
    assert "第 9 行" in text[8] and "建筑面积" in text[8]
    assert "填反" in text[10]
    assert "丢失位数" in text[11]
    assert "晚于今天" in text[12]
    assert not any("南开保密中心" in str(p) for p in result.problems)


def test_problem_report_is_the_sheet_with_a_problem_column(centers, theirs, hexi):
    result = ledger.import_ledger(hexi, problem_file(theirs))
    rows = report_rows(result)
    header = rows[0]
    assert header[:3] == ["区划代码", "名称", "建筑面积（㎡）"]
    problem_col = header.index("问题")
    assert problem_col == 8  # right after the uploaded columns
    assert rows[1][problem_col] == ""  # the fine row: no problem
    assert rows[1][1] == "好名字"  # the uploaded values, row for row
    assert "C列（建筑面积（㎡））" in rows[5][problem_col] and "三百五" in rows[5][problem_col]
    assert "不在您的数据范围内" in rows[3][problem_col]
    assert "D列" in rows[6][problem_col] and "E列" in rows[6][problem_col]
    # Uploading the report again: its "问题" column is not taken for data, nor repeated.
    again = SimpleUploadedFile("report.xlsx", _bytes(result), content_type=XLSX)
    second = ledger.import_ledger(hexi, again)
    assert "问题" not in second.ignored_columns
    assert report_rows(second)[0].count("问题") == 1


def _bytes(result) -> bytes:
    out = io.BytesIO()
    result.write_report(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "content,fragment",
    [
        (b"code,name\n120103001001,x\n", "不是有效的 Excel"),
        (b"%PDF-1.4 not a spreadsheet", "不是有效的 Excel"),
        (b"PK\x03\x04 a broken zip", "不是有效的 Excel"),
        (b"", "空"),
    ],
)
def test_a_file_that_is_not_xlsx_is_reported(centers, hexi, content, fragment):
    result = ledger.import_ledger(hexi, SimpleUploadedFile("ledger.xlsx", content))
    assert len(result.problems) == 1 and fragment in result.problems[0].message
    assert result.problems[0].row is None
    assert "问题清单" in CalamineWorkbook.from_filelike(io.BytesIO(_bytes(result))).sheet_names


def test_missing_code_header(centers, hexi):
    result = ledger.import_ledger(hexi, workbook([["名称", "建筑面积"], ["x", "350"]]))
    assert [p.row for p in result.problems] == [None]
    assert "区划代码" in result.problems[0].message


def test_only_blank_rows(centers, hexi):
    result = ledger.import_ledger(hexi, workbook([["区划代码", "名称"], [], [None, "  "]]))
    assert result.problems and "没有数据行" in result.problems[0].message


def test_version_column_stops_overwriting_a_newer_edit(centers, hexi, city):
    from lianxin.centers import services

    center = centers["120103001001"]
    exported_version = center.version
    services.update_center(city, fresh(center.region.code), {"phone": "022-1"})
    file = workbook(
        [
            ["区划代码", "名称", "联系电话", "版本"],
            [center.region.code, "新名", "", exported_version],
        ]
    )
    result = ledger.import_ledger(hexi, file)
    assert result.problems and result.problems[0].column == "version"
    assert fresh(center.region.code).name == center.name
    # Unchanged rows with an old version are fine (nothing would be overwritten).
    same = workbook([["区划代码", "名称", "版本"], [center.region.code, center.name, 1]])
    assert ledger.import_ledger(hexi, same).ok


def test_status_and_renovation_rules(centers, hexi):
    code = "120103001001"
    LevelRecord.objects.create(
        center=centers[code],
        region_path=centers[code].region_path,
        level=Level.RENOVATION,
        compliant=True,
        effective_on=date(2020, 6, 1),
        source="campaign",
    )
    header = ["区划代码", "状态", "状态生效日期", "改造达标", "改造验收日期"]

    def problems(*row):
        return [
            p.message for p in ledger.import_ledger(hexi, workbook([header, [code, *row]])).problems
        ]

    assert any("晚于当前状态的开始日期" in m for m in problems("已投入使用", "2018-05-01"))
    assert any("不能修改其生效日期" in m for m in problems("改造中", "2019-05-01"))
    assert any("没有填写状态" in m for m in problems(None, "2021-05-01"))
    assert any("不能改为“未评估”" in m for m in problems(None, None, "未评估"))
    assert any("冲突" in m for m in problems(None, None, "是", "2021-01-01"))  # later than since
    assert problems(None, None, "是", "2020-06-01") == []  # the same: nothing to do
    assert problems(None, None, "是") == []  # still 是: nothing to do
    assert any("请填写改造验收日期" in m for m in problems(None, None, "否"))
    # Earlier acceptance moves "since"; a later 否 records the finding.
    assert ledger.import_ledger(
        hexi, workbook([header, [code, None, None, "是", "2020-05-01"]])
    ).applied
    assert ledger.import_ledger(
        hexi, workbook([header, [code, None, None, "否", "2021-01-01"]])
    ).applied
    state = ledger.renovation_state(
        LevelRecord.objects.filter(center=centers[code], level=Level.RENOVATION).values_list(
            "effective_on", "id", "compliant"
        )
    )
    assert state == (False, date(2021, 1, 1))


def test_clearing_with_wu(centers, hexi):
    code = "120103001004"
    center = centers[code]
    Center.objects.filter(pk=center.pk).update(
        phone="022-123", longitude=HEXI_POINT[0], latitude=HEXI_POINT[1]
    )
    file = workbook(
        [
            ["区划代码", "地址", "联系电话", "经度", "纬度", "名称"],
            [code, "无", "-", "无", "无", ""],
        ]
    )
    result = ledger.import_ledger(hexi, file)
    assert result.applied, result.problems
    after = fresh(code)
    assert (after.address, after.phone, after.longitude, after.latitude) == ("", "", None, None)
    assert after.name == center.name  # empty cell: unchanged


def test_coordinates_outside_the_district_reported_per_row(centers, hexi):
    from lianxin.core.tests.factories import NANKAI_POINT

    file = workbook(
        [
            ["区划代码", "经度", "纬度"],
            ["120103001001", float(NANKAI_POINT[0]), float(NANKAI_POINT[1])],
            ["120103001004", float(NANKAI_POINT[0]), float(NANKAI_POINT[1])],
        ]
    )
    result = ledger.import_ledger(hexi, file)
    assert sorted(p.row for p in result.problems) == [2, 3]  # every row, not only the first
    assert all("不在本区范围内" in p.message for p in result.problems)


def test_street_staff_cannot_import_outside_their_street(
    centers, street_staff, make_center, region
):
    other = make_center(region("120103002001"))
    file = workbook(
        [["区划代码", "名称"], ["120103001001", "街道改名"], [other.region.code, "越界"]]
    )
    result = ledger.import_ledger(street_staff, file)
    assert [p.row for p in result.problems] == [3]
    assert "不在您的数据范围内" in result.problems[0].message
    assert fresh("120103001001").name != "街道改名"


def test_dry_run_writes_nothing(centers, hexi):
    before = AuditLog.objects.count()
    result = ledger.import_ledger(hexi, messy_file(), dry_run=True)
    assert result.ok and not result.applied and result.changed == 4
    assert AuditLog.objects.count() == before


# -- the pages ------------------------------------------------------------------------------------


def test_import_page_applies_and_redirects(centers, hexi, login):
    client = login(hexi)
    page = client.get("/centers/ledger/")
    assert page.status_code == 200 and 'id="ledger-form"' in page.content.decode()
    response = client.post("/centers/ledger/import/", {"file": messy_file()})
    assert response.status_code == 302 and response["Location"] == "/centers/ledger/"
    follow = client.get("/centers/ledger/").content.decode()
    assert "更新 4 个中心" in follow
    assert fresh("120103001004").status == CenterStatus.IN_USE


def test_import_page_shows_problems_and_offers_the_report(centers, theirs, hexi, nankai, login):
    client = login(hexi)
    response = client.post("/centers/ledger/import/", {"file": problem_file(theirs)})
    assert response.status_code == 422
    body = response.content.decode()
    assert "未导入任何数据" in body and "三百五" in body
    assert "南开保密中心" not in body
    token = response.context["report_token"]
    report = client.get(f"/centers/ledger/report/{token}.xlsx")
    assert report.status_code == 200
    content = b"".join(report.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][-1] == "问题" or "问题" in rows[0]
    # The report is its maker's only.
    assert login(nankai).get(f"/centers/ledger/report/{token}.xlsx").status_code == 404
    assert client.get("/centers/ledger/report/nope.xlsx").status_code == 404


def test_first_fifty_problems_shown_with_the_count(centers, hexi, login):
    rows = [["区划代码", "名称"]] + [[f"1201039{i:05d}", "x"] for i in range(70)]
    response = login(hexi).post("/centers/ledger/import/", {"file": workbook(rows)})
    assert response.status_code == 422
    assert len(response.context["problems_shown"]) == 50
    assert response.context["problems_more"] == 20
    assert "另有 20 个问题" in response.content.decode()


def test_import_without_a_file(centers, hexi, login):
    response = login(hexi).post("/centers/ledger/import/", {})
    assert response.status_code == 302


def test_read_only_roles_cannot_import(centers, inspector, login):
    client = login(inspector)
    assert "ledger-form" not in client.get("/centers/ledger/").content.decode()
    assert client.post("/centers/ledger/import/", {"file": messy_file()}).status_code == 403


def test_nothing_changed_is_said(centers, hexi, login):
    file = workbook([["区划代码", "状态"], ["120103001001", "改造中"]])
    client = login(hexi)
    client.post("/centers/ledger/import/", {"file": file})
    assert "没有变化" in client.get("/centers/ledger/").content.decode()
