"""The ledger (工作台账): centers in Excel, exported as on screen and imported back by code.

Three parts:

1. **Columns and cell parsing** — pure functions, no database: what each column is called (in
   Chinese and English, with the names real ledgers use), and how a cell is understood. Real
   ledgers are messy; every cell is either understood or refused with a message naming the
   value (full-width digits, "350平方米", "1,200", dates as "2020年4月23日", "2020.4.23" or an Excel
   serial, codes as floats or in scientific notation, traditional characters …).
2. **Workbooks** — the export (xlsxwriter, constant memory), the template (openpyxl, with
   dropdowns and notes), reading an upload (python-calamine), and the problem report (the uploaded
   sheet with a "问题" column).
3. **Export and import services** — the export's one query (levels as of a day annotated like
   `dashboard.queries`), and the import: all or nothing, every write through `centers.services`
   (permission, scope re-check, version, audit, area re-assessment), problems by row and column.

An empty cell means "leave as it is"; "无" (or "-", "/") clears an optional value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# ------------------------------------------------------------------------------------------------
# 1. Columns


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation: the header in the user's language
    editable: bool = False
    note: Any = ""
    aliases: tuple[str, ...] = ()
    width: int = 12


COLUMNS: list[Column] = [
    Column(
        "code",
        gettext_lazy("区划代码"),
        note=gettext_lazy("12 位统计用区划代码，按此代码找到要更新的中心；必填，不可修改。"),
        aliases=("统计用区划代码", "行政区划代码", "代码", "编码", "区划编码", "code"),
        width=15,
    ),
    Column(
        "name",
        gettext_lazy("名称"),
        True,
        gettext_lazy("中心名称；繁体字会转为简体。"),
        ("中心名称", "党群服务中心名称", "服务中心名称", "name"),
        28,
    ),
    Column("district", gettext_lazy("区"), note=gettext_lazy("只读。"), aliases=("所属区", "区县")),
    Column(
        "street",
        gettext_lazy("街镇"),
        note=gettext_lazy("只读。"),
        aliases=("街道", "街道乡镇", "乡镇"),
    ),
    Column("kind", gettext_lazy("类型"), note=gettext_lazy("只读。")),
    Column(
        "status",
        gettext_lazy("状态"),
        True,
        gettext_lazy("从下拉列表选择。改变状态时请填写状态生效日期，不填则为导入当天。"),
        ("中心状态", "使用状态"),
    ),
    Column(
        "status_from",
        gettext_lazy("状态生效日期"),
        True,
        gettext_lazy("当前状态的开始日期，如 2020-04-23；只能随状态变更填写，不能晚于今天。"),
        ("生效日期", "状态日期", "状态开始日期"),
    ),
    Column(
        "floor_area",
        gettext_lazy("建筑面积（㎡）"),
        True,
        gettext_lazy(
            "平方米，可写 350、350㎡、350平方米、1,200。修改后按现行标准重新判定面积达标。"
        ),
        ("建筑面积", "面积", "总面积", "用房面积"),
    ),
    Column(
        "households",
        gettext_lazy("服务户数"),
        True,
        gettext_lazy("整数，可写 1200、1,200 户。"),
        ("户数", "服务户", "覆盖户数"),
    ),
    Column(
        "activity_area",
        gettext_lazy("居民活动用房面积（㎡）"),
        note=gettext_lazy("只读：各功能室面积之和。"),
        aliases=("居民活动用房面积", "活动用房面积"),
    ),
    Column(
        "area",
        gettext_lazy("面积达标"),
        note=gettext_lazy("只读：是 / 否 / 未评估（截至导出日）。"),
    ),
    Column(
        "area_since",
        gettext_lazy("面积达标日期"),
        note=gettext_lazy("只读：上述结果自哪天起成立。"),
    ),
    Column(
        "renovation",
        gettext_lazy("改造达标"),
        True,
        gettext_lazy("是 / 否 / 未评估。填“是”并填写改造验收日期，即记录一次改造验收。"),
    ),
    Column(
        "renovation_on",
        gettext_lazy("改造验收日期"),
        True,
        gettext_lazy("改造达标（或未达标）的日期；只填日期视为验收达标。不能晚于今天。"),
        ("验收日期", "改造达标日期", "改造完成日期"),
    ),
    Column("use", gettext_lazy("规范使用"), note=gettext_lazy("只读：按检查结果。")),
    Column(
        "use_since", gettext_lazy("规范使用日期"), note=gettext_lazy("只读：上述结果自哪天起成立。")
    ),
    Column(
        "address",
        gettext_lazy("地址"),
        True,
        gettext_lazy("填“无”清空。"),
        ("详细地址", "中心地址"),
        30,
    ),
    Column(
        "opening_hours",
        gettext_lazy("开放时间"),
        True,
        gettext_lazy("如 周一至周日 8:30-20:00；填“无”清空。"),
        ("服务时间", "办公时间"),
        20,
    ),
    Column(
        "phone",
        gettext_lazy("联系电话"),
        True,
        gettext_lazy("填“无”清空。"),
        ("电话", "联系方式"),
        16,
    ),
    Column(
        "longitude",
        gettext_lazy("经度"),
        True,
        gettext_lazy("如 117.231147，须在本区范围内；经纬度须同时填写，填“无”同时清空。"),
        ("lng", "lon", "longitude"),
    ),
    Column(
        "latitude",
        gettext_lazy("纬度"),
        True,
        gettext_lazy("如 39.075210。"),
        ("lat", "latitude"),
    ),
    Column(
        "version",
        gettext_lazy("版本"),
        note=gettext_lazy(
            "只读：导出时的版本。若中心在导出后被他人修改，导入会提示重新导出，不会覆盖。"
        ),
        aliases=("version",),
        width=8,
    ),
    Column("is_demo", gettext_lazy("演示数据"), note=gettext_lazy("只读。")),
]
BY_KEY = {c.key: c for c in COLUMNS}
EDITABLE = [c.key for c in COLUMNS if c.editable]
# Fields of the Center model the ledger edits through centers.services.update_center.
CENTER_FIELDS = [
    "name",
    "address",
    "floor_area",
    "households",
    "opening_hours",
    "phone",
    "longitude",
    "latitude",
]
CLEARABLE = {"address", "opening_hours", "phone", "floor_area", "households"} | {
    "longitude",
    "latitude",
}
HEADER_SEARCH_ROWS = 10  # a title row or two may sit above the header
MAX_ROWS = 50_000
MAX_TEXT = {"name": 120, "address": 200, "opening_hours": 120, "phone": 40}
PROBLEM_HEADER = gettext_lazy("问题")


class CellError(ValueError):
    """A cell that cannot be understood; the message names the value and says what is expected."""

    @property
    def message(self) -> str:
        return str(self.args[0])


class _Clear:
    """A cell asking for the value to be cleared ("无")."""

    def __repr__(self):
        return "CLEAR"


CLEAR = _Clear()
NOT_ASSESSED = "not_assessed"


# ------------------------------------------------------------------------------------------------
# Cell parsing (pure)

CLEAR_MARKERS = {"无", "-", "--", "/", "—", "–", "－", "／", "none", "n/a"}
AREA_UNITS = ("平方米", "平米", "平方", "平", "m2", "m^2", "sqm", "sq.m", "sq m", "米2")
HOUSEHOLD_UNITS = ("户",)
DEGREE_UNITS = ("°", "度")
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
SCIENTIFIC = re.compile(r"^(\d)(?:\.(\d+))?e\+?(\d+)$", re.IGNORECASE)
DATE_PATTERNS = [
    re.compile(
        r"^(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*[日号]?"
        r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$",
        re.IGNORECASE,
    ),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
EXCEL_EPOCH = date(1899, 12, 30)
SPACES = re.compile(r"\s+")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def fold(text: str) -> str:
    """Full-width to half-width (３５０ → 350, ，→ ,), ㎡ → m2, trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC's t2s): 黨群服務中心 → 党群服务中心."""
    if text.isascii():
        return text
    return _converter().convert(text)


def cell_text(value) -> str:
    """A cell as the text a person sees: 350.0 → "350", a date → "2020-04-23"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _is_clear(value) -> bool:
    return isinstance(value, str) and fold(value).lower() in CLEAR_MARKERS


def parse_text(value, *, max_length: int | None = None, simplify: bool = True) -> str:
    """Trimmed, inner runs of spaces made one, traditional → simplified."""
    text = SPACES.sub(" ", cell_text(value).replace("\u3000", " ")).strip()
    if simplify:
        text = to_simplified(text)
    if max_length and len(text) > max_length:
        raise CellError(
            _("超过 %(n)d 个字（现有 %(len)d 个）") % {"n": max_length, "len": len(text)}
        )
    return text


def _strip_units(text: str, units: Sequence[str]) -> str:
    lowered = text.lower()
    for unit in sorted(units, key=len, reverse=True):
        if lowered.endswith(unit):
            return text[: -len(unit)].strip()
    return text


def parse_decimal(value, *, places: int, units: Sequence[str] = ()) -> Decimal:
    """A number from a number cell or from text: "３５０", "350平方米", "350㎡", "350 m2",
    "1,200", " 350 " → Decimal, rounded half up to `places`."""
    if isinstance(value, bool):
        raise CellError(_("“%(v)s”不是数字") % {"v": cell_text(value)})
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError(_("“%(v)s”不是数字") % {"v": value})
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, Decimal):
        number = value
    else:
        raw = cell_text(value)
        text = fold(raw)
        text = _strip_units(text, units)
        text = text.replace(" ", "")
        if THOUSANDS.match(text):
            text = text.replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(_("无法识别“%(v)s”为数字") % {"v": raw.strip()}) from None
        if not number.is_finite():
            raise CellError(_("无法识别“%(v)s”为数字") % {"v": raw.strip()})
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def parse_area(value) -> Decimal:
    number = parse_decimal(value, places=2, units=AREA_UNITS)
    if number <= 0:
        raise CellError(_("面积须大于 0（现为 %(v)s）") % {"v": number})
    if number >= Decimal("100000000"):
        raise CellError(_("面积过大：%(v)s") % {"v": number})
    return number


def parse_households(value) -> int:
    number = parse_decimal(value, places=6, units=HOUSEHOLD_UNITS)
    if number != number.to_integral_value():
        raise CellError(_("户数须为整数（现为 %(v)s）") % {"v": cell_text(value).strip()})
    if number < 0:
        raise CellError(_("户数不能为负数"))
    if number > 10_000_000:
        raise CellError(_("户数过大：%(v)s") % {"v": int(number)})
    return int(number)


LONGITUDE = (Decimal(73), Decimal(136))  # China
LATITUDE = (Decimal(3), Decimal(54))


def parse_coordinate(value, axis: str) -> Decimal:
    number = parse_decimal(value, places=6, units=DEGREE_UNITS)
    low, high = LONGITUDE if axis == "longitude" else LATITUDE
    if not low <= number <= high:
        if axis == "longitude":
            raise CellError(_("经度应在 73 到 136 之间（现为 %(v)s）") % {"v": number})
        raise CellError(_("纬度应在 3 到 54 之间（现为 %(v)s）") % {"v": number})
    return number


def parse_date(value) -> date:
    """Excel date cells, serial numbers (43944 → 2020-04-23), "2020年4月23日", "2020.4.23",
    "2020/4/23", "2020-04-23", "20200423", full-width digits."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError(_("“%(v)s”不是日期") % {"v": cell_text(value)})
    if isinstance(value, int | float):
        return _serial_date(value)
    raw = cell_text(value).strip()
    text = fold(raw)
    if text.isdigit() and len(text) == 5:
        return _serial_date(int(text))
    for pattern in DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            year, month, day = (int(g) for g in found.groups()[:3])
            try:
                result = date(year, month, day)
            except ValueError:
                raise CellError(_("日期“%(v)s”不存在") % {"v": raw}) from None
            return _check_year(result, raw)
    raise CellError(_("无法识别日期“%(v)s”，请写作 2020-04-23") % {"v": raw})


def _serial_date(number: float) -> date:
    if not math.isfinite(number) or not 1 <= number < 2958466:
        raise CellError(_("“%(v)s”不是日期") % {"v": cell_text(number)})
    result = EXCEL_EPOCH + timedelta(days=int(number))
    return _check_year(result, cell_text(number))


def _check_year(day: date, raw: str) -> date:
    if not 1949 <= day.year <= 2100:
        raise CellError(_("日期“%(v)s”不在 1949 到 2100 年之间") % {"v": raw})
    return day


def parse_code(value) -> str:
    """A 12-digit division code: "120103001001", 120103001001.0 (a number cell),
    "1.20103001001E+11" (scientific notation with every digit), full-width digits, spaces, a
    leading apostrophe; 6- and 9-digit codes are padded (120103001 → 120103001000)."""
    if isinstance(value, bool):
        raise CellError(_("区划代码“%(v)s”无效") % {"v": cell_text(value)})
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer() and value > 0):
            raise CellError(_("区划代码“%(v)s”应为 12 位数字") % {"v": cell_text(value)})
        text = str(int(value))
    elif isinstance(value, int):
        text = str(value)
    else:
        raw = cell_text(value).strip()
        text = fold(raw).lstrip("'").replace(" ", "")
        found = SCIENTIFIC.match(text)
        if found:
            digits = found.group(1) + (found.group(2) or "")
            if len(digits) <= 6:
                # Excel's "General" display keeps 6 significant digits (1.20103E+11): typed or
                # pasted from such a display, the code has lost its last digits.
                raise CellError(
                    _("区划代码“%(v)s”是科学计数法，可能已丢失位数；请将该列设为文本后填写完整代码")
                    % {"v": raw}
                )
            number = Decimal(text)
            if number != number.to_integral_value():
                raise CellError(_("区划代码“%(v)s”应为 12 位数字") % {"v": raw})
            text = str(int(number))
        if not text.isdigit():
            raise CellError(_("区划代码“%(v)s”应为 12 位数字") % {"v": raw})
    if len(text) in (6, 9):
        text = text.ljust(12, "0")
    if len(text) != 12:
        raise CellError(_("区划代码“%(v)s”应为 12 位数字") % {"v": cell_text(value).strip()})
    return text


@cache
def _status_words() -> dict[str, str]:
    from .models import CenterStatus

    words = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            for status in CenterStatus:
                words[str(status.label).lower()] = status.value
    for status in CenterStatus:
        words[status.value] = status.value
    words |= {
        "规划": "planned",
        "未建": "planned",
        "改造": "renovating",
        "在建": "renovating",
        "建设中": "renovating",
        "投入使用": "in_use",
        "已使用": "in_use",
        "使用中": "in_use",
        "在用": "in_use",
        "已投用": "in_use",
        "拆迁关闭": "closed_demolition",
        "拆迁": "closed_demolition",
        "已拆迁": "closed_demolition",
        "关闭": "closed_demolition",
    }
    return words


def parse_status(value) -> str:
    text = to_simplified(fold(cell_text(value))).lower()
    found = _status_words().get(text) or _status_words().get(text.replace(" ", ""))
    if not found:
        raise CellError(
            _("无法识别状态“%(v)s”，请从下拉列表选择：%(choices)s")
            % {"v": cell_text(value).strip(), "choices": "、".join(status_labels())}
        )
    return found


def status_labels() -> list[str]:
    from .models import CenterStatus

    return [str(label) for _value, label in CenterStatus.choices]


YES = {"是", "yes", "y", "true", "1", "达标", "已达标", "合格", "通过", "√", "✓", "✔", "对"}
NO = {"否", "no", "n", "false", "0", "未达标", "不达标", "不合格", "未通过", "×", "✗", "✘", "x"}
UNKNOWN = {"未评估", "not assessed", "待评估", "未检查", "未验收", "unknown"}


@cache
def _yes_no_words() -> dict[str, bool | str]:
    words: dict[str, bool | str] = {w: True for w in YES}
    words |= {w: False for w in NO}
    words |= {w: NOT_ASSESSED for w in UNKNOWN}
    with translation.override("en"):  # the English export's words
        for text, meaning in zip(yes_no_labels(), (True, False, NOT_ASSESSED), strict=True):
            words[text.lower()] = meaning
    return words


def yes_no_labels() -> list[str]:
    return [_("是"), _("否"), _("未评估")]


def parse_yes_no(value) -> bool | str:
    """是 / 否 / 未评估 (and Yes / No / Not assessed, √ / ×, TRUE / FALSE cells)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = to_simplified(fold(cell_text(value))).lower()
    found = _yes_no_words().get(text)
    if found is not None:
        return found
    raise CellError(_("无法识别“%(v)s”，请填写 是、否 或 未评估") % {"v": cell_text(value).strip()})


def yes_no_text(value: bool | None) -> str:
    return _("未评估") if value is None else (_("是") if value else _("否"))


PARSERS = {
    "code": parse_code,
    "name": lambda v: parse_text(v, max_length=MAX_TEXT["name"]),
    "address": lambda v: parse_text(v, max_length=MAX_TEXT["address"]),
    "opening_hours": lambda v: parse_text(v, max_length=MAX_TEXT["opening_hours"]),
    "phone": lambda v: parse_text(v, max_length=MAX_TEXT["phone"], simplify=False),
    "status": parse_status,
    "status_from": parse_date,
    "floor_area": parse_area,
    "households": parse_households,
    "renovation": parse_yes_no,
    "renovation_on": parse_date,
    "longitude": lambda v: parse_coordinate(v, "longitude"),
    "latitude": lambda v: parse_coordinate(v, "latitude"),
    "version": lambda v: parse_households(v),
}


# ------------------------------------------------------------------------------------------------
# Headers and rows (pure)


def header_key(text) -> str:
    """ "建筑面积（㎡）", "建筑面积(平方米)", " *建筑面积 " → "建筑面积"; case-insensitive."""
    folded = to_simplified(fold(cell_text(text))).lower()
    folded = re.sub(r"[(\[【（].*?[)\]】）]", "", folded)
    return re.sub(r"[\s*:：_]", "", folded)


@cache
def _problem_keys() -> frozenset[str]:
    """The problem report's own column, in either language."""
    keys = set()
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            keys.add(header_key(str(PROBLEM_HEADER)))
    return frozenset(keys)


@cache
def _header_names(lang_key: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in COLUMNS:
        for alias in column.aliases:
            names.setdefault(header_key(alias), column.key)
    for lang in ("en", "zh-hans"):  # Chinese last: it wins a clash
        with translation.override(lang):
            for column in COLUMNS:
                names[header_key(str(column.label))] = column.key
    return names


def header_names() -> dict[str, str]:
    return _header_names("all")


@dataclass
class Problem:
    row: int | None  # the sheet's row number (1-based) or None for the file as a whole
    column: str | None  # a column key
    message: str
    letter: str = ""  # the column's letter in the uploaded sheet
    header: str = ""  # the column's title in the uploaded sheet

    def where(self) -> str:
        if self.row is None:
            return ""
        if self.letter:
            return _("第 %(row)d 行 %(col)s 列（%(header)s）") % {
                "row": self.row,
                "col": self.letter,
                "header": self.header,
            }
        return _("第 %(row)d 行") % {"row": self.row}

    def __str__(self):
        where = self.where()
        return f"{where}：{self.message}" if where else self.message


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Header:
    row_index: int  # 0-based index of the header row in the sheet
    columns: dict[str, int]  # column key → 0-based column index
    titles: dict[str, str]  # column key → the title as written
    ignored: list[str] = field(default_factory=list)


def find_header(rows: Sequence[Sequence], problems: list[Problem]) -> Header | None:
    """The first row (of the first few) that names the code column; columns by their titles."""
    names = header_names()
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [names.get(header_key(cell)) if not is_blank(cell) else None for cell in row]
        if "code" not in keys:
            continue
        columns: dict[str, int] = {}
        titles: dict[str, str] = {}
        ignored = []
        for col, (cell, key) in enumerate(zip(row, keys, strict=False)):
            if is_blank(cell):
                continue
            if key is None:
                if header_key(cell) not in _problem_keys():
                    ignored.append(cell_text(cell).strip())
                continue
            if key in columns:
                problems.append(
                    Problem(
                        index + 1,
                        key,
                        _("“%(a)s”与“%(b)s”都是“%(label)s”列，请只保留一列")
                        % {
                            "a": titles[key],
                            "b": cell_text(cell).strip(),
                            "label": BY_KEY[key].label,
                        },
                        column_letter(col),
                        cell_text(cell).strip(),
                    )
                )
                continue
            columns[key] = col
            titles[key] = cell_text(cell).strip()
        if not any(k in EDITABLE for k in columns):
            problems.append(
                Problem(
                    None,
                    None,
                    _("表头中没有可导入的列（可导入：%(cols)s）")
                    % {"cols": "、".join(str(BY_KEY[k].label) for k in EDITABLE)},
                )
            )
        return Header(index, columns, titles, ignored)
    problems.append(
        Problem(
            None,
            None,
            _("找不到必填的“区划代码”列：表头须在前 %(n)d 行内，且有一列名为“区划代码”")
            % {"n": HEADER_SEARCH_ROWS},
        )
    )
    return None


@dataclass
class LedgerRow:
    row: int  # the sheet's row number (1-based)
    code: str | None
    values: dict[str, Any]  # column key → parsed value (CLEAR to clear); blank cells absent
    problems: list[Problem] = field(default_factory=list)
    duplicate_of: int | None = None  # an identical earlier row: understood once


def parse_rows(rows: Sequence[Sequence], header: Header) -> tuple[list[LedgerRow], int]:
    """Every data row below the header, parsed; empty rows skipped (and counted)."""
    out: list[LedgerRow] = []
    skipped = 0
    for index in range(header.row_index + 1, len(rows)):
        cells = rows[index]
        if all(is_blank(c) for c in cells):
            skipped += 1
            continue
        out.append(parse_row(index + 1, cells, header))
    return out, skipped


def parse_row(number: int, cells: Sequence, header: Header) -> LedgerRow:
    row = LedgerRow(number, None, {})

    def problem(key, message):
        col = header.columns[key]
        row.problems.append(
            Problem(number, key, message, column_letter(col), header.titles.get(key, ""))
        )

    for key, col in header.columns.items():
        if key not in PARSERS:
            continue
        value = cells[col] if col < len(cells) else None
        if is_blank(value):
            continue
        if _is_clear(value):
            if key in CLEARABLE:
                row.values[key] = CLEAR
            elif key not in ("code", "version"):
                problem(key, _("“%(label)s”不能清空") % {"label": BY_KEY[key].label})
            continue
        try:
            parsed = PARSERS[key](value)
        except CellError as exc:
            problem(key, exc.message)
            continue
        if key == "code":
            row.code = parsed
        elif parsed == "" and key == "name":
            problem(key, _("名称不能为空"))
        else:
            row.values[key] = parsed
    if row.code is None and not any(p.column == "code" for p in row.problems):
        if "code" in header.columns:
            problem("code", _("缺少区划代码"))
    _check_coordinates(row, cells, header, problem)
    return row


def _check_coordinates(row: LedgerRow, cells: Sequence, header: Header, problem) -> None:
    """Both out of range, but each fits the other's range: swapped columns, said once."""
    failed = {p.column for p in row.problems} >= {"longitude", "latitude"}
    if failed:
        lon = cells[header.columns["longitude"]]
        lat = cells[header.columns["latitude"]]
        try:
            parse_coordinate(lat, "longitude")
            parse_coordinate(lon, "latitude")
        except CellError:
            return
        row.problems = [p for p in row.problems if p.column not in ("longitude", "latitude")]
        problem("longitude", _("经度和纬度可能填反了"))
        return
    lon, lat = row.values.get("longitude"), row.values.get("latitude")
    if "longitude" in row.values and "latitude" in row.values and (lon is CLEAR) != (lat is CLEAR):
        problem("longitude", _("经纬度须同时清空"))


def mark_duplicates(rows: list[LedgerRow]) -> int:
    """Rows with the same code: identical → understood once (later ones point at the first);
    different → a problem on each, naming the other rows and the columns that differ."""
    groups: dict[str, list[LedgerRow]] = {}
    for row in rows:
        if row.code:
            groups.setdefault(row.code, []).append(row)
    duplicates = 0
    for code, group in groups.items():
        if len(group) < 2:
            continue
        first = group[0]
        differing = sorted(
            {
                k
                for r in group[1:]
                for k in set(r.values) | set(first.values)
                if r.values.get(k) != first.values.get(k)
            },
            key=lambda k: [c.key for c in COLUMNS].index(k),
        )
        if not differing:
            for r in group[1:]:
                r.duplicate_of = first.row
                duplicates += 1
            continue
        numbers = [r.row for r in group]
        for r in group:
            others = "、".join(str(n) for n in numbers if n != r.row)
            r.problems.append(
                Problem(
                    r.row,
                    None,
                    _("区划代码 %(code)s 在第 %(rows)s 行重复出现，且内容不同（%(cols)s）")
                    % {
                        "code": code,
                        "rows": others,
                        "cols": "、".join(str(BY_KEY[k].label) for k in differing),
                    },
                )
            )
    return duplicates


# ------------------------------------------------------------------------------------------------
# 2. Workbooks

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
LAST_ROW = 1_048_575  # 0-based, Excel's last row
DATE_FORMAT = "yyyy-mm-dd"
NUMBER_FORMATS = {
    "floor_area": "0.00",
    "activity_area": "0.00",
    "longitude": "0.000000",
    "latitude": "0.000000",
}
DATE_COLUMNS = {"status_from", "area_since", "renovation_on", "use_since"}


class LedgerFileError(Exception):
    pass


@dataclass
class Sheet:
    name: str
    rows: list[list]  # every row from A1, as python-calamine reads them


def read_workbook(file) -> Sheet:
    """The sheet that holds the ledger: the first whose first rows name the code column (else the
    first sheet). Anything python-calamine cannot open is refused with a clear message."""
    from python_calamine import CalamineWorkbook

    size = getattr(file, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise LedgerFileError(
            _("文件过大（%(mb).1f MB），上限 %(max)d MB") % {"mb": size / 1e6, "max": 20}
        )
    try:
        file.seek(0)
        head = file.read(8)
        file.seek(0)
        if not head:
            raise LedgerFileError(_("文件是空的"))
        book = CalamineWorkbook.from_filelike(file)
        names = [m.name for m in book.sheets_metadata if str(m.visible).endswith("Visible")]
        names = names or list(book.sheet_names)
        if not names:
            raise LedgerFileError(_("工作簿中没有工作表"))
        first = None
        keys = header_names()
        for name in names:
            sheet = book.get_sheet_by_name(name)
            if sheet.height > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise LedgerFileError(
                    _("工作表“%(sheet)s”有 %(n)d 行，超过上限 %(max)d 行，请分批导入")
                    % {"sheet": name, "n": sheet.height, "max": MAX_ROWS}
                )
            rows = sheet.to_python(skip_empty_area=False)
            found = Sheet(name, rows)
            first = first or found
            for row in rows[:HEADER_SEARCH_ROWS]:
                if any(not is_blank(c) and keys.get(header_key(c)) == "code" for c in row):
                    return found
        return first
    except LedgerFileError:
        raise
    except Exception as exc:  # noqa: BLE001 — whatever the file is, the user gets a message
        text = str(exc).lower()
        if "password" in text or "encrypt" in text or type(exc).__name__ == "PasswordError":
            raise LedgerFileError(_("文件有密码保护，请去掉密码后再导入")) from None
        raise LedgerFileError(
            _("无法读取文件：它不是有效的 Excel 工作簿（请上传 .xlsx 文件）")
        ) from None


def _validation_specs() -> dict[str, dict]:
    """Per editable column: what Excel checks as the cell is typed (dropdowns for enumerations,
    ranges for numbers and dates). Numbers and dates only warn: "350㎡" is still understood."""
    bounds = (date(1949, 1, 1), date(2100, 12, 31))
    return {
        "code": {"kind": "textLength", "operator": "equal", "values": (12,), "stop": False},
        "status": {"kind": "list", "values": status_labels(), "stop": True},
        "renovation": {"kind": "list", "values": yes_no_labels(), "stop": True},
        "floor_area": {"kind": "decimal", "operator": "greaterThan", "values": (0,)},
        "households": {"kind": "whole", "operator": "between", "values": (0, 10_000_000)},
        "status_from": {"kind": "date", "operator": "between", "values": bounds},
        "renovation_on": {"kind": "date", "operator": "between", "values": bounds},
        "longitude": {"kind": "decimal", "operator": "between", "values": (73, 136)},
        "latitude": {"kind": "decimal", "operator": "between", "values": (3, 54)},
    }


def _explanations() -> list[str]:
    return [
        _("本表为党群服务中心工作台账，可在 Excel 中编辑后在“台账导入”页面导入。"),
        _("按“区划代码”找到要更新的中心；黄色表头的列可以修改，灰色表头的列只读，导入时忽略。"),
        _("单元格留空表示不修改；填“无”清空地址、开放时间、联系电话、面积、户数或经纬度。"),
        _("全部行都没有问题才会导入；有任何问题时不写入任何数据，并提供带“问题”列的问题报告。"),
        _("可以识别全角数字、350㎡ / 350平方米、1,200、繁体字、2020年4月23日 / 2020.4.23 等写法。"),
        _("同一区划代码出现多行时，内容相同按一行处理，内容不同会报告。"),
    ]


def write_ledger(target, rows: Iterable[Sequence], *, sheet_name: str | None = None) -> int:
    """The ledger as an .xlsx written row by row (xlsxwriter, constant memory): header notes,
    dropdowns on the editable columns, a second sheet explaining the columns. Returns the number
    of rows written."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False})
    ws = book.add_worksheet((sheet_name or _("党群服务中心台账"))[:31])
    editable = book.add_format(
        {"bold": True, "bg_color": "#FEF3C7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    readonly = book.add_format(
        {"bold": True, "bg_color": "#E2E8F0", "border": 1, "text_wrap": True, "valign": "top"}
    )
    text = book.add_format({"num_format": "@"})
    formats = {key: book.add_format({"num_format": f}) for key, f in NUMBER_FORMATS.items()}
    formats |= {key: book.add_format({"num_format": DATE_FORMAT}) for key in DATE_COLUMNS}
    for col, column in enumerate(COLUMNS):
        ws.set_column(col, col, column.width, text if column.key == "code" else None)
        ws.write_string(0, col, str(column.label), editable if column.editable else readonly)
        if column.note:
            ws.write_comment(0, col, str(column.note), {"x_scale": 2, "y_scale": 1.2})
    for col, column in enumerate(COLUMNS):
        spec = _validation_specs().get(column.key)
        if spec:
            ws.data_validation(1, col, LAST_ROW, col, _xlsxwriter_validation(spec, column))
    n = 0
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            key = COLUMNS[col].key
            if isinstance(value, datetime | date):
                ws.write_datetime(n, col, value, formats.get(key))
            elif isinstance(value, bool):
                ws.write_boolean(n, col, value)
            elif isinstance(value, int | float | Decimal):
                ws.write_number(n, col, float(value), formats.get(key))
            else:
                ws.write_string(n, col, str(value))
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, max(n, 1), len(COLUMNS) - 1)
    _write_explanations(book.add_worksheet(_("说明")[:31]), book)
    book.close()
    return n


def _xlsxwriter_validation(spec: dict, column: Column) -> dict:
    out = {
        "validate": {"textLength": "length"}.get(spec["kind"], spec["kind"]),
        "ignore_blank": True,
        "error_type": "stop" if spec.get("stop") else "warning",
        "error_title": str(column.label)[:32],
        "input_title": str(column.label)[:32],
        "input_message": str(column.note)[:255],
    }
    if spec["kind"] == "list":
        out["source"] = spec["values"]
        out["error_message"] = (_("请从下拉列表选择：%(v)s") % {"v": "、".join(spec["values"])})[
            :255
        ]
        return out
    operator = {"equal": "==", "greaterThan": ">", "between": "between"}[spec["operator"]]
    out["criteria"] = operator
    if operator == "between":
        out["minimum"], out["maximum"] = spec["values"]
    else:
        out["value"] = spec["values"][0]
    out["error_message"] = str(column.note)[:255] or _("输入的值不符合要求")
    return out


def _write_explanations(ws, book) -> None:
    bold = book.add_format({"bold": True})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 2, 90)
    ws.write_string(0, 0, _("党群服务中心工作台账说明"), bold)
    row = 2
    for line in _explanations():
        ws.write_string(row, 0, line)
        row += 1
    row += 1
    for col, title in enumerate([_("列"), _("可修改"), _("说明")]):
        ws.write_string(row, col, title, bold)
    for column in COLUMNS:
        row += 1
        ws.write_string(row, 0, str(column.label))
        ws.write_string(row, 1, _("是") if column.editable else _("否"))
        ws.write_string(row, 2, str(column.note))


def write_template(target, rows: Iterable[Sequence] = ()) -> int:
    """The import template (openpyxl, write-only): the ledger's header with notes on each title,
    dropdown validation for enumerated columns and range checks for numbers and dates, optionally
    pre-filled with rows (the user's centers)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook(write_only=True)
    ws = book.create_sheet(_("党群服务中心台账")[:31])
    thin = Side(style="thin", color="94A3B8")
    fills = {
        True: PatternFill("solid", fgColor="FEF3C7"),
        False: PatternFill("solid", fgColor="E2E8F0"),
    }
    for col, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = column.width + 2
        spec = _validation_specs().get(column.key)
        if spec:
            dv = _openpyxl_validation(DataValidation, spec, column)
            dv.add(f"{get_column_letter(col)}2:{get_column_letter(col)}{LAST_ROW + 1}")
            ws.data_validations.append(dv)
    ws.freeze_panes = "B2"
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=str(column.label))
        cell.font = Font(bold=True)
        cell.fill = fills[column.editable]
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if column.note:
            cell.comment = Comment(str(column.note), _("连心桥"), width=320, height=90)
        header.append(cell)
    ws.append(header)
    n = 0
    for row in rows:
        n += 1
        cells = []
        for col, value in enumerate(row):
            key = COLUMNS[col].key
            if isinstance(value, Decimal):
                value = float(value)
            cell = WriteOnlyCell(ws, value=None if value == "" else value)
            if key == "code":
                cell.number_format = "@"
            elif key in DATE_COLUMNS and value:
                cell.number_format = DATE_FORMAT
            elif key in NUMBER_FORMATS and value is not None:
                cell.number_format = NUMBER_FORMATS[key]
            cells.append(cell)
        ws.append(cells)
    notes = book.create_sheet(_("说明")[:31])
    notes.append([_("党群服务中心工作台账说明")])
    notes.append([])
    for line in _explanations():
        notes.append([line])
    notes.append([])
    notes.append([_("列"), _("可修改"), _("说明")])
    for column in COLUMNS:
        notes.append([str(column.label), _("是") if column.editable else _("否"), str(column.note)])
    book.save(target)
    return n


def _openpyxl_validation(DataValidation, spec: dict, column: Column):  # noqa: N803
    common = {
        "allow_blank": True,
        "showErrorMessage": True,
        "showInputMessage": True,
        "errorStyle": "stop" if spec.get("stop") else "warning",
        "errorTitle": str(column.label)[:32],
        "promptTitle": str(column.label)[:32],
        "prompt": str(column.note)[:255],
    }
    if spec["kind"] == "list":
        return DataValidation(
            type="list",
            formula1='"' + ",".join(spec["values"]) + '"',
            error=(_("请从下拉列表选择：%(v)s") % {"v": "、".join(spec["values"])})[:255],
            **common,
        )

    def formula(value):
        if isinstance(value, date):
            return f"DATE({value.year},{value.month},{value.day})"
        return str(value)

    values = [formula(v) for v in spec["values"]]
    return DataValidation(
        type=spec["kind"],
        operator=spec["operator"],
        formula1=values[0],
        formula2=values[1] if len(values) > 1 else None,
        error=str(column.note)[:255] or _("输入的值不符合要求"),
        **common,
    )


def write_problem_report(
    target, sheet: Sheet | None, header: Header | None, problems: list[Problem]
) -> None:
    """The uploaded sheet, row for row, with a "问题" column naming each problem of the row (its
    cells highlighted), and a second sheet listing every problem."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"in_memory": True})
    red = book.add_format({"bg_color": "#FECACA"})
    bold = book.add_format({"bold": True, "bg_color": "#FECACA", "border": 1})
    wrap = book.add_format({"text_wrap": True, "font_color": "#B91C1C", "valign": "top"})
    date_format = book.add_format({"num_format": DATE_FORMAT})
    red_date = book.add_format({"num_format": DATE_FORMAT, "bg_color": "#FECACA"})
    by_row: dict[int, list[Problem]] = {}
    for p in problems:
        by_row.setdefault(p.row or 0, []).append(p)
    if sheet is not None:
        ws = book.add_worksheet(sheet.name[:31] or "Sheet1")
        width = max((len(r) for r in sheet.rows), default=0)
        if header is not None:
            last = max(
                (i for i, c in enumerate(sheet.rows[header.row_index]) if not is_blank(c)),
                default=-1,
            )
            keys = [header_key(c) if not is_blank(c) else "" for c in sheet.rows[header.row_index]]
            old = [i for i, k in enumerate(keys) if k in _problem_keys()]
            if old:
                # A report uploaded again: its old "问题" column is replaced, not repeated.
                last = old[0] - 1
            width = last + 1
        header_row = header.row_index if header is not None else 0
        ws.set_column(width, width, 60)
        for index, row in enumerate(sheet.rows):
            number = index + 1
            marked = {
                header.columns[p.column]
                for p in by_row.get(number, [])
                if p.column and header is not None and p.column in header.columns
            }
            for col, value in enumerate(row[:width]):
                _write_cell(
                    ws, index, col, value, red if col in marked else None, date_format, red_date
                )
            if index == header_row:
                ws.write_string(index, width, str(PROBLEM_HEADER), bold)
                file_level = [str(p) for p in by_row.get(0, [])]
                if file_level:
                    ws.write_string(index, width + 1, "；".join(file_level), wrap)
            elif by_row.get(number):
                ws.write_string(
                    index, width, "；".join(_row_message(p) for p in by_row[number]), wrap
                )
        ws.freeze_panes(header_row + 1, 0)
    ws2 = book.add_worksheet(_("问题清单")[:31])
    head = book.add_format({"bold": True})
    for col, title in enumerate([_("行"), _("列"), _("列名"), _("问题")]):
        ws2.write_string(0, col, title, head)
    ws2.set_column(3, 3, 80)
    for i, p in enumerate(sorted(problems, key=lambda p: (p.row or 0, p.letter)), start=1):
        if p.row:
            ws2.write_number(i, 0, p.row)
        ws2.write_string(i, 1, p.letter)
        ws2.write_string(i, 2, p.header)
        ws2.write_string(i, 3, p.message)
    book.close()


def _row_message(p: Problem) -> str:
    if p.letter:
        return f"{p.letter}{_('列')}（{p.header}）：{p.message}"
    return p.message


def _write_cell(ws, row, col, value, fmt, date_format, red_date) -> None:
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
        return
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, datetime | date):
        ws.write_datetime(row, col, value, red_date if fmt is not None else date_format)
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            ws.write_string(row, col, str(value), fmt)
        else:
            ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


# ------------------------------------------------------------------------------------------------
# 3. Export and import


def ledger_queryset(qs, day: date):
    """`qs` (already scoped and filtered) annotated, in one SQL statement, with each level as of
    `day` — compliant or not (the latest record on or before the day, as dashboard.queries
    counts it) and since when (the first record of the unbroken run of equal findings that ends
    with the latest) — the current status period's start, and the rooms' total area."""
    from django.db.models import Exists, OuterRef, Q, Subquery, Sum

    from .models import CenterStatusPeriod, Level, LevelRecord, Room

    def records(level):
        return LevelRecord.objects.filter(level=level, effective_on__lte=day)

    for level in Level:
        later_other = (
            records(level)
            .filter(center=OuterRef("center"))
            .exclude(compliant=OuterRef("compliant"))
            .filter(
                Q(effective_on__gt=OuterRef("effective_on"))
                | Q(effective_on=OuterRef("effective_on"), id__gt=OuterRef("id"))
            )
        )
        mine = records(level).filter(center=OuterRef("pk"))
        qs = qs.annotate(
            **{
                f"{level}_ok": Subquery(
                    mine.order_by("-effective_on", "-id").values("compliant")[:1]
                ),
                f"{level}_since": Subquery(
                    mine.filter(~Exists(later_other))
                    .order_by("effective_on", "id")
                    .values("effective_on")[:1]
                ),
            }
        )
    rooms = (
        Room.objects.filter(center=OuterRef("pk"))
        .order_by()
        .values("center")
        .annotate(total=Sum("area"))
        .values("total")[:1]
    )
    open_period = (
        CenterStatusPeriod.objects.filter(center=OuterRef("pk"), valid_to__isnull=True)
        .order_by("-valid_from")
        .values("valid_from")[:1]
    )
    return qs.annotate(activity_area=Subquery(rooms), status_since=Subquery(open_period))


def ledger_rows(qs, day: date) -> Iterator[list]:
    """The ledger's rows for the centers of `qs`, in COLUMNS order, streamed."""
    from lianxin.regions.models import Kind, Region
    from lianxin.regions.models import Level as RegionLevel

    from .models import CenterStatus

    plain = qs.order_by()
    names = dict(
        Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP])
        .filter(code__in=plain.values("district_code").union(plain.values("street_code")))
        .values_list("code", "name")
    )
    statuses = dict(CenterStatus.choices)
    kinds = dict(Kind.choices)

    def number(value):
        return float(value) if value is not None else None

    for c in ledger_queryset(qs, day).iterator(chunk_size=2000):
        levels = []
        for level in ("area", "renovation", "use"):
            ok = getattr(c, f"{level}_ok")
            levels += [yes_no_text(ok), getattr(c, f"{level}_since") if ok is not None else None]
        yield [
            c.region.code,
            c.name,
            names.get(c.district_code, ""),
            names.get(c.street_code, ""),
            str(kinds.get(c.kind, "")),
            str(statuses.get(c.status, c.status)),
            c.status_since,
            number(c.floor_area),
            c.households,
            number(c.activity_area),
            *levels,
            c.address,
            c.opening_hours,
            c.phone,
            number(c.longitude),
            number(c.latitude),
            c.version,
            _("是") if c.is_demo else "",
        ]


@dataclass
class Plan:
    """What one row changes on one center."""

    row: LedgerRow
    center: Any
    fields: dict[str, Any] = field(default_factory=dict)
    status: tuple[str, date] | None = None
    renovation: tuple[bool, date] | None = None

    @property
    def changes_anything(self) -> bool:
        return bool(self.fields or self.status or self.renovation)


@dataclass
class ImportResult:
    filename: str = ""
    sheet: Sheet | None = None
    header: Header | None = None
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0  # data rows read (empty rows not counted)
    skipped: int = 0  # empty rows
    duplicates: int = 0  # identical repeated rows, understood once
    changed: int = 0  # centers changed
    unchanged: int = 0  # rows that change nothing
    field_changes: int = 0
    status_changes: int = 0
    renovations: int = 0
    applied: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def ignored_columns(self) -> list[str]:
        return self.header.ignored if self.header else []

    def write_report(self, target) -> None:
        write_problem_report(target, self.sheet, self.header, self.problems)


def import_ledger(actor, file, *, filename: str = "", dry_run: bool = False, today=None):
    """Read an uploaded ledger and update the centers it names by code: all or nothing. Every
    problem (file, header, cell, duplicate, scope, conflict with the data) is collected with its
    row and column; if there is any, nothing is written. Writes go through centers.services
    inside one transaction."""
    from django.utils import timezone

    today = today or timezone.localdate()
    result = ImportResult(filename=filename, dry_run=dry_run)
    try:
        result.sheet = read_workbook(file)
    except LedgerFileError as exc:
        result.problems.append(Problem(None, None, str(exc)))
        return result
    result.header = find_header(result.sheet.rows, result.problems)
    if result.header is None or result.problems:
        return result
    rows, result.skipped = parse_rows(result.sheet.rows, result.header)
    result.rows = len(rows)
    if not rows:
        result.problems.append(Problem(None, None, _("表头下面没有数据行")))
        return result
    result.duplicates = mark_duplicates(rows)
    plans = _plan(actor, rows, result.header, today)
    for row in rows:
        result.problems.extend(row.problems)
    if result.problems:
        return result
    todo = [p for p in plans if p.changes_anything]
    result.unchanged = len(plans) - len(todo)
    result.changed = len(todo)
    result.field_changes = sum(len(p.fields) for p in todo)
    result.status_changes = sum(1 for p in todo if p.status)
    result.renovations = sum(1 for p in todo if p.renovation)
    if dry_run or not todo:
        return result
    _apply(actor, todo, result)
    return result


def _center_note() -> str:
    return _("台账导入")


def _apply(actor, plans: list[Plan], result: ImportResult) -> None:
    """Every change through centers.services, set-based (update_centers, set_centers_status,
    record_renovations: scope, validation, version, audit, area re-assessment), in one
    transaction; a refusal names its center, reported on that center's row, and nothing stays."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db import transaction

    from lianxin.core.services import ConflictError, field_errors

    from . import services
    from .models.standards import Source

    by_center = {p.center.pk: p for p in plans}
    try:
        with transaction.atomic():
            services.update_centers(
                actor, [(p.center, dict(p.fields), p.center.version) for p in plans if p.fields]
            )
            services.set_centers_status(
                actor, [(p.center, *p.status) for p in plans if p.status], note=_center_note()
            )
            services.record_renovations(
                actor,
                [(p.center, p.renovation[1], p.renovation[0]) for p in plans if p.renovation],
                source=Source.LEDGER,
                note=_center_note(),
            )
    except (ValidationError, PermissionDenied, ConflictError) as exc:
        plan = by_center.get(getattr(getattr(exc, "center", None), "pk", None))
        if plan is None:
            raise
        if isinstance(exc, ValidationError):
            for key, messages in field_errors(exc).items():
                _row_problem(plan.row, result.header, _field_column(key), messages)
        else:
            _row_problem(plan.row, result.header, None, [str(exc)])
        result.problems.extend(plan.row.problems)
        return
    result.applied = True


def _field_column(key: str) -> str | None:
    return {"valid_from": "status_from"}.get(key, key if key in BY_KEY else None)


def _row_problem(row: LedgerRow, header: Header, key: str | None, messages) -> None:
    if key is not None and key not in header.columns:
        key = {"latitude": "longitude", "longitude": "latitude"}.get(key)
        if key not in header.columns:
            key = None
    letter = column_letter(header.columns[key]) if key else ""
    title = header.titles.get(key, "") if key else ""
    for message in messages:
        row.problems.append(Problem(row.row, key, str(message), letter, title))


def _chunks(items: list, size: int = 2000):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _plan(actor, rows: list[LedgerRow], header: Header, today: date) -> list[Plan]:
    """Rows → what they would change, with bulk reads (a few queries per 2,000 codes): the
    centers the actor may edit, their open status periods and renovation records. Problems go
    onto the rows; nothing is written."""
    from lianxin.core.scoping import CHANGE, scope_for
    from lianxin.regions.models import Region

    from .models import Center, CenterStatusPeriod, Level, LevelRecord

    codes = sorted({r.code for r in rows if r.code})
    centers: dict[str, Any] = {}
    for chunk in _chunks(codes):
        for c in (
            Center.objects.visible_to(actor, CHANGE)
            .filter(region__code__in=chunk)
            .select_related("region")
        ):
            centers[c.region.code] = c
    missing = [c for c in codes if c not in centers]
    paths: dict[str, str] = {}
    for chunk in _chunks(missing):
        paths |= dict(Region.objects.filter(code__in=chunk).values_list("code", "path"))
    scope = scope_for(actor, CHANGE)
    ids = [c.pk for c in centers.values()]
    periods: dict[int, date] = {}
    renovations: dict[int, list[tuple]] = {}
    for chunk in _chunks(ids):
        for center_id, valid_from in (
            CenterStatusPeriod.objects.filter(center_id__in=chunk, valid_to__isnull=True)
            .order_by("valid_from")
            .values_list("center_id", "valid_from")
        ):
            periods[center_id] = valid_from
        if "renovation" in header.columns or "renovation_on" in header.columns:
            for center_id, *record in (
                LevelRecord.objects.filter(
                    center_id__in=chunk, level=Level.RENOVATION, effective_on__lte=today
                )
                .order_by("effective_on", "id")
                .values_list("center_id", "effective_on", "id", "compliant")
            ):
                renovations.setdefault(center_id, []).append(tuple(record))

    def problem(row, key, message):
        _row_problem(row, header, key, [message])

    plans = []
    for row in rows:
        if row.duplicate_of or not row.code:
            continue
        center = centers.get(row.code)
        if center is None:
            if any(p.column == "code" for p in row.problems):
                continue
            path = paths.get(row.code)
            if path is None:
                problem(row, "code", _("区划代码 %(code)s 不存在") % {"code": row.code})
            elif scope.covers_path(path):
                problem(
                    row,
                    "code",
                    _("区划代码 %(code)s 还没有党群服务中心记录") % {"code": row.code},
                )
            else:
                # Not "not found": whether a center exists there is not the importer's business.
                problem(row, "code", _("区划代码 %(code)s 不在您的数据范围内") % {"code": row.code})
            continue
        plan = Plan(row, center)
        _plan_fields(plan, header, problem)
        _plan_status(plan, periods.get(center.pk), today, problem)
        _plan_renovation(plan, renovations.get(center.pk, []), today, problem)
        version = row.values.get("version")
        if plan.changes_anything and version is not None and version != center.version:
            problem(
                row,
                "version",
                _(
                    "该中心在导出台账后已被修改（文件中为第 %(file)d 版，现为第 %(now)d 版）；"
                    "为免覆盖他人的修改，请重新导出后再编辑这一行"
                )
                % {"file": version, "now": center.version},
            )
        if not row.problems:
            plans.append(plan)
    return plans


def _plan_fields(plan: Plan, header: Header, problem) -> None:
    import copy

    from django.core.exceptions import ValidationError

    from lianxin.core.services import field_errors

    center, values = plan.center, plan.row.values
    for key in CENTER_FIELDS:
        if key not in values:
            continue
        value = values[key]
        if value is CLEAR:
            value = "" if key in ("address", "opening_hours", "phone") else None
        current = getattr(center, key)
        if value != current or (value is None) != (current is None):
            plan.fields[key] = value
    if not plan.fields:
        return
    # The model's own checks (lengths, coordinates inside the district, area > 0), run on a copy
    # here so that every row's problems are reported, not only the first row that fails.
    probe = copy.copy(center)
    for key, value in plan.fields.items():
        setattr(probe, key, value)
    others = [f.name for f in center._meta.fields if f.name not in plan.fields]
    errors: dict[str, list[str]] = {}
    for check in (lambda: probe.clean_fields(exclude=others), probe.clean):
        try:
            check()
        except ValidationError as exc:
            for key, messages in field_errors(exc).items():
                errors.setdefault(key, []).extend(messages)
    for key, messages in errors.items():
        for message in messages:
            problem(plan.row, _field_column(key), message)


def _plan_status(plan: Plan, period_start: date | None, today: date, problem) -> None:
    values = plan.row.values
    status, since = values.get("status"), values.get("status_from")
    center = plan.center
    if status is None:
        if since is not None and since != period_start:
            problem(plan.row, "status_from", _("填写了状态生效日期，但没有填写状态"))
        return
    if status == center.status:
        if since is None or since == period_start:
            return
        if period_start is not None:
            problem(
                plan.row,
                "status_from",
                _("状态未变，不能修改其生效日期（当前状态自 %(d)s 起）") % {"d": period_start},
            )
            return
    since = since or today
    if since > today:
        problem(plan.row, "status_from", _("生效日期不能晚于今天"))
    elif period_start is not None and since <= period_start:
        problem(
            plan.row,
            "status_from",
            _("生效日期须晚于当前状态的开始日期 %(d)s") % {"d": period_start},
        )
    else:
        plan.status = (status, since)


def renovation_state(records: Iterable[tuple]) -> tuple[bool | None, date | None]:
    """(compliant, since) from (effective_on, id, compliant) records, as levels_of reads them."""
    ordered = sorted(records)
    if not ordered:
        return None, None
    latest = ordered[-1][2]
    since = ordered[-1][0]
    for on, _id, compliant in reversed(ordered):
        if compliant != latest:
            break
        since = on
    return latest, since


def _plan_renovation(plan: Plan, records: list[tuple], today: date, problem) -> None:
    values = plan.row.values
    if "renovation" not in values and "renovation_on" not in values:
        return
    wanted, on = values.get("renovation", True), values.get("renovation_on")
    state, since = renovation_state(records)
    if wanted == NOT_ASSESSED:
        if state is not None:
            problem(
                plan.row,
                "renovation",
                _("已有改造记录（%(state)s，自 %(d)s 起），不能改为“未评估”")
                % {"state": yes_no_text(state), "d": since},
            )
        elif on is not None:
            problem(plan.row, "renovation_on", _("“未评估”时不应填写改造验收日期"))
        return
    if on is None:
        if wanted != state:
            problem(plan.row, "renovation_on", _("请填写改造验收日期"))
        return
    if (wanted, on) == (state, since):
        return
    if on > today:
        problem(plan.row, "renovation_on", _("改造验收日期不能晚于今天"))
        return
    after = renovation_state([*records, (on, math.inf, wanted)])
    if after != (wanted, on):
        problem(
            plan.row,
            "renovation_on",
            _("与已有的改造记录冲突：现为“%(state)s”，自 %(d)s 起；该日期不会改变这一结果")
            % {"state": yes_no_text(state), "d": since},
        )
        return
    plan.renovation = (wanted, on)
