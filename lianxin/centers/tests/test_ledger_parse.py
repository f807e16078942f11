"""The ledger's cell parsing: each mess a real ledger has is either understood or refused with a
message naming the value. Pure functions, no database."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianxin.centers import ledger
from lianxin.centers.ledger import (
    CLEAR,
    NOT_ASSESSED,
    CellError,
    Header,
    find_header,
    header_key,
    mark_duplicates,
    parse_area,
    parse_code,
    parse_coordinate,
    parse_date,
    parse_households,
    parse_row,
    parse_status,
    parse_text,
    parse_yes_no,
    renovation_state,
)

FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


# -- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        (350, "350.00"),
        (350.0, "350.00"),
        (350.456, "350.46"),
        ("350", "350.00"),
        ("３５０", "350.00"),
        ("350平方米", "350.00"),
        ("350平米", "350.00"),
        ("350㎡", "350.00"),
        ("350 m2", "350.00"),
        ("350m²", "350.00"),
        ("350 M2", "350.00"),
        ("1,200", "1200.00"),
        ("1，200.5", "1200.50"),
        ("１，２００㎡", "1200.00"),
        ("  350  ", "350.00"),
        ("\u3000350\u3000", "350.00"),
        ("12,345,678.9 平方米", "12345678.90"),
    ],
)
def test_area_understood(raw, expected):
    assert parse_area(raw) == Decimal(expected)


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("三百五", "三百五"),
        ("约350", "约350"),
        ("350,5", "350,5"),
        ("1,20", "1,20"),
        ("0", "大于 0"),
        ("-5", "大于 0"),
        (float("nan"), "nan"),
        (True, "不是数字"),
        ("350 亩", "350 亩"),
    ],
)
def test_area_refused_with_the_value_named(raw, fragment):
    with pytest.raises(CellError) as err:
        parse_area(raw)
    assert fragment in err.value.message


@pytest.mark.parametrize(
    "raw,expected",
    [(1200, 1200), (1200.0, 1200), ("1,200", 1200), ("1,200户", 1200), ("１２００ 户", 1200)],
)
def test_households(raw, expected):
    assert parse_households(raw) == expected


@pytest.mark.parametrize("raw", ["12.5", 12.5, "-3", "很多"])
def test_households_refused(raw):
    with pytest.raises(CellError):
        parse_households(raw)


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999"), places=2))
def test_any_area_written_any_way_reads_back(value):
    """However a person writes a valid area — full-width, with units, with thousands separators —
    it reads back as the same number."""
    plain = f"{value:f}"
    grouped = f"{value:,.2f}"
    for text in (
        plain,
        plain.translate(FULL_WIDTH),
        f"{plain}㎡",
        f"{grouped} 平方米",
        f" {grouped.translate(FULL_WIDTH)}m2 ",
    ):
        assert parse_area(text) == value, text


@given(st.integers(min_value=0, max_value=9_999_999))
def test_any_household_count_reads_back(n):
    assert parse_households(f"{n:,}户") == n
    assert parse_households(float(n)) == n
    assert parse_households(f"{n}".translate(FULL_WIDTH)) == n


@pytest.mark.parametrize(
    "raw,axis,expected",
    [
        (117.231147, "longitude", "117.231147"),
        ("117.2311474", "longitude", "117.231147"),
        ("117.231147°", "longitude", "117.231147"),
        ("３９．０７５２１", "latitude", "39.075210"),
    ],
)
def test_coordinates(raw, axis, expected):
    assert parse_coordinate(raw, axis) == Decimal(expected)


@pytest.mark.parametrize(
    "raw,axis", [("200", "longitude"), ("60", "latitude"), ("东经", "longitude")]
)
def test_coordinates_out_of_china_refused(raw, axis):
    with pytest.raises(CellError):
        parse_coordinate(raw, axis)


# -- dates ----------------------------------------------------------------------------------------

APRIL_23 = date(2020, 4, 23)


@pytest.mark.parametrize(
    "raw",
    [
        "2020年4月23日",
        "2020年04月23日",
        "2020 年 4 月 23 日",
        "２０２０年４月２３日",
        "2020.4.23",
        "2020/4/23",
        "2020-04-23",
        "2020-4-23",
        "20200423",
        "2020-04-23 00:00:00",
        " 2020.04.23 ",
        APRIL_23,
        datetime(2020, 4, 23, 0, 0),
        datetime(2020, 4, 23, 9, 30),
        43944,  # Excel's serial number
        43944.0,
        43944.75,  # with a time of day
        "43944",
    ],
)
def test_dates_understood(raw):
    assert parse_date(raw) == APRIL_23


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("2020-02-30", "不存在"),
        ("2020年13月1日", "不存在"),
        ("去年四月", "无法识别"),
        ("4/23/2020", "无法识别"),
        ("1900-01-01", "1949"),
        (0, "不是日期"),
        (-5, "不是日期"),
        (True, "不是日期"),
    ],
)
def test_dates_refused(raw, fragment):
    with pytest.raises(CellError) as err:
        parse_date(raw)
    assert fragment in err.value.message


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31)))
def test_any_date_in_any_spelling(day):
    serial = (day - date(1899, 12, 30)).days
    for raw in (
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}/{day.month}/{day.day}",
        day.isoformat(),
        day.strftime("%Y%m%d"),
        serial,
        float(serial),
        f"{day.year}年{day.month}月{day.day}日".translate(FULL_WIDTH),
    ):
        assert parse_date(raw) == day, raw


def test_serial_numbers_match_excel():
    assert parse_date(18264) == date(1950, 1, 1)
    assert parse_date(45658) == date(2025, 1, 1)


# -- codes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "120103001001",
        " 120103001001 ",
        "１２０１０３００１００１",
        120103001001,
        120103001001.0,
        "1.20103001001E+11",
        "1.20103001001e11",
        "'120103001001",
        "120103 001 001",
    ],
)
def test_codes_understood(raw):
    assert parse_code(raw) == "120103001001"


def test_short_codes_are_padded():
    assert parse_code("120103001") == "120103001000"
    assert parse_code(120103.0) == "120103000000"


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ("1.20103E+11", "丢失位数"),  # Excel's "General" display: the last digits are gone
        ("12010300100", "12 位"),
        ("1201030010011", "12 位"),
        ("12010300100A", "12 位"),
        (120103001001.5, "12 位"),
        ("河西区", "12 位"),
        (-1.0, "12 位"),
    ],
)
def test_codes_refused(raw, fragment):
    with pytest.raises(CellError) as err:
        parse_code(raw)
    assert fragment in err.value.message


@given(st.integers(min_value=110000000000, max_value=659999999999))
def test_any_code_as_a_float_or_scientific_text(n):
    assert parse_code(float(n)) == str(n)
    assert parse_code(f"{n:.11E}") == str(n)
    assert parse_code(str(n).translate(FULL_WIDTH)) == str(n)


# -- text, status, yes/no -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("九江路社區黨群服務中心", "九江路社区党群服务中心"),
        ("  九江路社区   党群服务中心 ", "九江路社区 党群服务中心"),
        ("\u3000东丽区張貴莊\u3000", "东丽区张贵庄"),
        (2023.0, "2023"),
    ],
)
def test_text_trimmed_and_simplified(raw, expected):
    assert parse_text(raw) == expected


def test_text_too_long():
    with pytest.raises(CellError) as err:
        parse_text("长" * 121, max_length=120)
    assert "120" in err.value.message


def test_phone_keeps_its_characters():
    assert ledger.PARSERS["phone"](" 022-2345 6789 ") == "022-2345 6789"
    assert ledger.PARSERS["phone"](13800138000.0) == "13800138000"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("已投入使用", "in_use"),
        (" 已投入使用 ", "in_use"),
        ("已投入使用", "in_use"),
        ("投入使用", "in_use"),
        ("In use", "in_use"),
        ("in_use", "in_use"),
        ("改造中", "renovating"),
        ("規劃中", "planned"),
        ("因拆遷關閉", "closed_demolition"),
    ],
)
def test_status(raw, expected):
    assert parse_status(raw) == expected


def test_unknown_status_lists_the_choices():
    with pytest.raises(CellError) as err:
        parse_status("运营良好")
    assert "运营良好" in err.value.message and "已投入使用" in err.value.message


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("是", True),
        ("否", False),
        ("Yes", True),
        ("no", False),
        ("√", True),
        ("×", False),
        (True, True),
        (False, False),
        (1.0, True),
        ("未评估", NOT_ASSESSED),
        ("Not assessed", NOT_ASSESSED),
        ("達標", True),
    ],
)
def test_yes_no(raw, expected):
    assert parse_yes_no(raw) == expected


def test_yes_no_refused():
    with pytest.raises(CellError):
        parse_yes_no("差不多")


# -- headers and rows -----------------------------------------------------------------------------


def test_header_names_are_forgiving():
    names = ledger.header_names()
    for title in (
        "建筑面积（㎡）",
        "建筑面积(平方米)",
        " *建筑面积 ",
        "建築面積",
        "Floor area (m²)",
    ):
        assert names.get(header_key(title)) == "floor_area", title
    assert names[header_key("区划代码")] == "code"
    assert names[header_key("统计用区划代码")] == "code"
    assert names[header_key("Division code")] == "code"


def test_header_found_below_a_title_row():
    rows = [
        ["河西区党群服务中心台账（2024年）", "", ""],
        ["", "", ""],
        ["序号", "区划代码", "名称"],
    ]
    problems = []
    header = find_header(rows, problems)
    assert not problems
    assert header.row_index == 2
    assert header.columns == {"code": 1, "name": 2}
    assert header.ignored == ["序号"]


def test_missing_code_header_is_reported_clearly():
    problems = []
    assert find_header([["名称", "建筑面积"], ["x", 1]], problems) is None
    assert len(problems) == 1 and "区划代码" in problems[0].message


def test_a_header_without_editable_columns_is_reported():
    problems = []
    find_header([["区划代码", "区", "街镇"]], problems)
    assert problems and "可导入" in problems[0].message


def test_two_columns_for_one_field_are_reported():
    problems = []
    find_header([["区划代码", "建筑面积", "面积"]], problems)
    assert problems and problems[0].letter == "C"


def _header(*keys):
    return Header(0, {k: i for i, k in enumerate(keys)}, {k: k for k in keys})


def test_row_understood_and_clearing():
    header = _header("code", "name", "floor_area", "phone", "address", "status")
    row = parse_row(
        5, [120103001001.0, "九江路黨群服務中心", "350㎡", "无", "", "已投入使用"], header
    )
    assert not row.problems
    assert row.code == "120103001001"
    assert row.values == {
        "name": "九江路党群服务中心",
        "floor_area": Decimal("350.00"),
        "phone": CLEAR,
        "status": "in_use",
    }


def test_row_problems_name_the_row_and_column():
    header = _header("code", "name", "floor_area", "households", "status_from")
    row = parse_row(7, ["120103001001", "无", "三百", "12.5", "2020-02-30"], header)
    where = {(p.row, p.letter, p.column) for p in row.problems}
    assert where == {
        (7, "B", "name"),
        (7, "C", "floor_area"),
        (7, "D", "households"),
        (7, "E", "status_from"),
    }
    assert "第 7 行 C 列" in str(next(p for p in row.problems if p.column == "floor_area"))


def test_row_without_code():
    row = parse_row(3, ["", "名字"], _header("code", "name"))
    assert [p.message for p in row.problems] == ["缺少区划代码"]


def test_swapped_coordinates_are_caught():
    row = parse_row(2, ["120103001001", 39.07, 117.23], _header("code", "longitude", "latitude"))
    assert any("填反" in p.message for p in row.problems)


def test_duplicates_identical_understood_once_conflicting_reported():
    header = _header("code", "floor_area")
    rows = [
        parse_row(2, ["120103001001", "350"], header),
        parse_row(3, [120103001001.0, "350㎡"], header),  # the same, written differently
        parse_row(4, ["120103001004", "100"], header),
        parse_row(5, ["120103001004", "200"], header),
    ]
    assert mark_duplicates(rows) == 1
    assert rows[1].duplicate_of == 2 and not rows[1].problems
    for row, other in ((rows[2], "5"), (rows[3], "4")):
        assert len(row.problems) == 1
        assert other in row.problems[0].message and "建筑面积" in row.problems[0].message


def test_renovation_state_reads_like_levels_of():
    d = date
    assert renovation_state([]) == (None, None)
    records = [(d(2019, 1, 1), 1, False), (d(2019, 6, 1), 2, True), (d(2020, 1, 1), 3, True)]
    assert renovation_state(records) == (True, d(2019, 6, 1))
    assert renovation_state([*records, (d(2021, 1, 1), 4, False)]) == (False, d(2021, 1, 1))


def test_every_column_title_is_told_apart_in_both_languages():
    from django.utils import translation

    names = ledger.header_names()
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            keys = [header_key(str(c.label)) for c in ledger.COLUMNS]
            assert len(set(keys)) == len(keys), lang
            assert [names[k] for k in keys] == [c.key for c in ledger.COLUMNS], lang
            # The dropdowns' words read back, whichever language wrote them.
            assert [parse_yes_no(w) for w in ledger.yes_no_labels()] == [True, False, NOT_ASSESSED]
            assert [parse_status(w) for w in ledger.status_labels()] == [
                "planned",
                "renovating",
                "in_use",
                "closed_demolition",
            ]
