"""The premises ledgers in Excel (库存房源 · 配套用房): export as listed, an import template with
dropdowns, and the import — keyed by (district, 编号), all or nothing, a problem report naming
row and column. Cell parsing, reading an upload and the problem report are the center ledger's
(`lianxin.centers.ledger`); writes go through `resources.services.premises`.

An empty cell leaves the value as it is (a new row needs every required column); "无" clears an
optional text. Availability is not imported: it changes only by reserving, releasing and
assigning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from lianxin.centers import ledger as base
from lianxin.centers.ledger import CellError, Header, Problem, column_letter, header_key, is_blank
from lianxin.core.services import ConflictError, field_errors
from lianxin.regions.models import Level, Region

from .models import Availability, Condition, Premises, PremisesKind
from .permissions import PREMISES_WRITERS, may

XLSX = base.XLSX
LAST_ROW = 50_000


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    editable: bool = True
    required: bool = False  # for a new row
    note: Any = ""
    aliases: tuple[str, ...] = ()
    width: int = 14


COLUMNS = [
    Column(
        "region",
        gettext_lazy("所属单位代码"),
        required=True,
        note=gettext_lazy("12 位区或街道（乡镇）代码；与“编号”一起确定一条房源。"),
        aliases=("所属单位", "区划代码", "单位代码", "region"),
        width=15,
    ),
    Column(
        "code",
        gettext_lazy("编号"),
        required=True,
        note=gettext_lazy("房源编号，同一区内唯一；按区和编号找到要更新的房源，找不到则新增。"),
        aliases=("房源编号", "code"),
    ),
    Column("kind", gettext_lazy("类别"), required=True, note=gettext_lazy("库存房源或配套用房")),
    Column("name", gettext_lazy("名称"), required=True, width=24),
    Column("address", gettext_lazy("地址"), required=True, width=30),
    Column("longitude", gettext_lazy("经度"), required=True, aliases=("lng", "longitude")),
    Column("latitude", gettext_lazy("纬度"), required=True, aliases=("lat", "latitude")),
    Column(
        "floor_area",
        gettext_lazy("建筑面积（㎡）"),
        required=True,
        note=gettext_lazy("大于 0 的数字"),
        aliases=("面积", "建筑面积"),
    ),
    Column("owner", gettext_lazy("产权单位"), width=20),
    Column("condition", gettext_lazy("房屋状况"), note=gettext_lazy("良好、一般或较差（需改造）")),
    Column("divisible", gettext_lazy("可分割"), note=gettext_lazy("是：可分给多个中心使用")),
    Column("available_from", gettext_lazy("可用日期")),
    Column("note", gettext_lazy("备注"), width=24),
    Column("availability", gettext_lazy("使用状态"), editable=False),
    Column("reserved_on", gettext_lazy("预留日期"), editable=False),
    Column("assigned_on", gettext_lazy("配置日期"), editable=False),
    Column("plan", gettext_lazy("配置给"), editable=False, width=24),
]
BY_KEY = {c.key: c for c in COLUMNS}
EDITABLE = [c.key for c in COLUMNS if c.editable]
MAX_TEXT = {"code": 40, "name": 120, "address": 200, "owner": 120, "note": 300}
DATE_COLUMNS = {"available_from", "reserved_on", "assigned_on"}


class LedgerFileError(Exception):
    pass


# -- cells ------------------------------------------------------------------------------------


def _choice(value, choices) -> str:
    text = base.to_simplified(base.fold(base.cell_text(value))).strip()
    for key, label in choices:
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                if text.lower() in (str(label).lower(), key):
                    return key
    labels = pgettext("list separator", "、").join(str(label) for _k, label in choices)
    raise CellError(_("“%(v)s”不是可选的值（可选：%(c)s）") % {"v": text, "c": labels})


def _optional_text(key):
    def parse(value):
        if base._is_clear(value):
            return ""
        return base.parse_text(value, max_length=MAX_TEXT[key])

    return parse


PARSERS = {
    "region": base.parse_code,
    "code": lambda v: base.parse_text(v, max_length=MAX_TEXT["code"], simplify=False),
    "kind": lambda v: _choice(v, PremisesKind.choices),
    "name": lambda v: base.parse_text(v, max_length=MAX_TEXT["name"]),
    "address": lambda v: base.parse_text(v, max_length=MAX_TEXT["address"]),
    "longitude": lambda v: base.parse_coordinate(v, "longitude"),
    "latitude": lambda v: base.parse_coordinate(v, "latitude"),
    "floor_area": base.parse_area,
    "owner": _optional_text("owner"),
    "condition": lambda v: _choice(v, Condition.choices),
    "divisible": lambda v: _yes_no(v),
    "available_from": base.parse_date,
    "note": _optional_text("note"),
}


def _yes_no(value) -> bool:
    """是 / 否 only (the center ledger's parser also knows 未评估, which a premises cannot be):
    the message names the two values that are allowed, like the other choice columns."""
    try:
        found = base.parse_yes_no(value)
    except CellError:
        found = None
    if not isinstance(found, bool):
        text = base.cell_text(value).strip()
        labels = pgettext("list separator", "、").join([_("是"), _("否")])
        raise CellError(_("“%(v)s”不是可选的值（可选：%(c)s）") % {"v": text, "c": labels})
    return found


@cache
def _header_names(_lang: str = "all") -> dict[str, str]:
    names: dict[str, str] = {}
    for column in COLUMNS:
        for alias in column.aliases:
            names.setdefault(header_key(alias), column.key)
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            for column in COLUMNS:
                names[header_key(str(column.label))] = column.key
    return names


def find_header(rows: Sequence[Sequence], problems: list[Problem]) -> Header | None:
    names = _header_names()
    for index, row in enumerate(rows[: base.HEADER_SEARCH_ROWS]):
        keys = [names.get(header_key(c)) if not is_blank(c) else None for c in row]
        if "code" not in keys or "region" not in keys:
            continue
        columns, titles, ignored = {}, {}, []
        for col, (cell, key) in enumerate(zip(row, keys, strict=False)):
            if is_blank(cell):
                continue
            if key is None or not BY_KEY[key].editable:
                if header_key(cell) not in base._problem_keys():
                    ignored.append(base.cell_text(cell).strip())
                continue
            if key in columns:
                problems.append(
                    Problem(
                        index + 1,
                        key,
                        _("“%(label)s”列出现了两次，请只保留一列") % {"label": BY_KEY[key].label},
                        column_letter(col),
                        base.cell_text(cell).strip(),
                    )
                )
                continue
            columns[key] = col
            titles[key] = base.cell_text(cell).strip()
        return Header(index, columns, titles, ignored)
    problems.append(
        Problem(
            None,
            None,
            _("找不到必填的“所属单位代码”和“编号”列：表头须在前 %(n)d 行内")
            % {"n": base.HEADER_SEARCH_ROWS},
        )
    )
    return None


@dataclass
class Row:
    row: int
    values: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    target: Premises | None = None
    region: Region | None = None


def parse_rows(rows, header: Header) -> tuple[list[Row], int]:
    out, skipped = [], 0
    for index in range(header.row_index + 1, len(rows)):
        cells = rows[index]
        if all(is_blank(c) for c in cells):
            skipped += 1
            continue
        row = Row(index + 1, {})
        for key, col in header.columns.items():
            value = cells[col] if col < len(cells) else None
            if is_blank(value):
                continue
            try:
                row.values[key] = PARSERS[key](value)
            except CellError as exc:
                _problem(row, header, key, exc.message)
        out.append(row)
    return out, skipped


def _problem(row: Row, header: Header, key: str | None, message: str) -> None:
    if key is not None and key not in header.columns:
        key = {"latitude": "longitude", "longitude": "latitude"}.get(key)
        if key not in header.columns:
            key = None
    letter = column_letter(header.columns[key]) if key else ""
    title = header.titles.get(key, "") if key else ""
    row.problems.append(Problem(row.row, key, str(message), letter, title))


# -- the import -------------------------------------------------------------------------------


@dataclass
class ImportResult:
    filename: str = ""
    sheet: Any = None
    header: Header | None = None
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    skipped: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    applied: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def write_report(self, target) -> None:
        base.write_problem_report(target, self.sheet, self.header, self.problems)


def import_premises(actor, file, *, filename: str = "", dry_run: bool = False) -> ImportResult:
    result = ImportResult(filename=filename, dry_run=dry_run)
    try:
        result.sheet = base.read_workbook(file)
    except base.LedgerFileError as exc:
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
    _resolve(actor, rows, result.header)
    for row in rows:
        result.problems.extend(row.problems)
    if result.problems:
        return result
    todo = []
    for row in rows:
        data = _data(row)
        if row.target is None:
            todo.append((row, data))
        else:
            changed = {k: v for k, v in data.items() if _differs(row.target, k, v)}
            if changed:
                todo.append((row, changed))
            else:
                result.unchanged += 1
    result.created = sum(1 for r, _d in todo if r.target is None)
    result.updated = len(todo) - result.created
    if dry_run or not todo:
        return result
    _apply(actor, todo, result)
    return result


def _differs(obj: Premises, key: str, value) -> bool:
    if key == "region":
        return obj.region_id != value.pk
    current = getattr(obj, key)
    if isinstance(current, Decimal) and value is not None:
        return current != Decimal(value)
    return current != value


def _data(row: Row) -> dict:
    data = {k: v for k, v in row.values.items() if k != "region"}
    data["region"] = row.region
    return data


def _resolve(actor, rows: list[Row], header: Header) -> None:
    """Find each row's region and existing premises; refuse rows outside the writer's scope,
    duplicate keys and new rows missing a required column."""
    codes = {r.values["region"] for r in rows if "region" in r.values}
    regions = {
        r.code: r
        for r in Region.objects.filter(code__in=codes, level__in=[Level.COUNTY, Level.TOWNSHIP])
    }
    keys = {}
    for row in rows:
        code = row.values.get("region")
        if code is None:
            if "region" not in row.values and not any(p.column == "region" for p in row.problems):
                _problem(row, header, "region", _("必填"))
            continue
        region = regions.get(code)
        if region is None:
            _problem(row, header, "region", _("“%(c)s”不是区或街道（乡镇）的代码") % {"c": code})
            continue
        if not may(actor, PREMISES_WRITERS, region.path):
            _problem(
                row,
                header,
                "region",
                _("“%(c)s %(n)s”不在您的数据范围内，或您没有编辑房源的权限")
                % {"c": code, "n": region.name},
            )
            continue
        row.region = region
        if "code" not in row.values:
            if not any(p.column == "code" for p in row.problems):
                _problem(row, header, "code", _("必填"))
            continue
        key = (code[:6], row.values["code"])
        if key in keys:
            _problem(
                row,
                header,
                "code",
                _("与第 %(n)d 行的编号重复（同一区内编号须唯一）") % {"n": keys[key]},
            )
            continue
        keys[key] = row.row
    wanted = {(r.region.code[:6] + "000000", r.values["code"]) for r in rows if r.region}
    districts = {d for d, _c in wanted}
    found = {
        (p.district_code, p.code): p
        for p in Premises.objects.filter(
            district_code__in=districts, code__in={c for _d, c in wanted}
        )
    }
    for row in rows:
        if row.region is None or row.problems:
            continue
        row.target = found.get((row.region.code[:6] + "000000", row.values["code"]))
        if row.target is not None and not may(actor, PREMISES_WRITERS, row.target.region_path):
            _problem(row, header, "code", _("该房源不在您的数据范围内"))
            continue
        if row.target is None:
            for column in COLUMNS:
                if column.required and column.key not in row.values:
                    if not any(p.column == column.key for p in row.problems):
                        _problem(
                            row,
                            header,
                            column.key if column.key in header.columns else None,
                            _("新增房源须填写“%(c)s”") % {"c": column.label},
                        )


class _Rollback(Exception):
    pass


def _apply(actor, todo: list[tuple[Row, dict]], result: ImportResult) -> None:
    from .services import premises as services

    try:
        with transaction.atomic():
            for row, data in todo:
                try:
                    if row.target is None:
                        services.create_premises(actor, data)
                    else:
                        services.update_premises(
                            actor, row.target, data, expected_version=row.target.version
                        )
                except ValidationError as exc:
                    for key, messages in field_errors(exc).items():
                        for message in messages:
                            _problem(row, result.header, key if key in BY_KEY else None, message)
                except (PermissionDenied, ConflictError, Http404) as exc:
                    _problem(row, result.header, None, str(exc) or _("该房源不在您的数据范围内"))
                result.problems.extend(row.problems)
            if result.problems:
                raise _Rollback
    except _Rollback:
        return
    result.applied = True


# -- workbooks --------------------------------------------------------------------------------


def _labels(choices) -> list[str]:
    return [str(label) for _k, label in choices]


def _validations() -> dict[str, dict]:
    return {
        "kind": {"type": "list", "values": _labels(PremisesKind.choices)},
        "condition": {"type": "list", "values": _labels(Condition.choices)},
        "divisible": {"type": "list", "values": [_("是"), _("否")]},
        "floor_area": {"type": "decimal", "operator": "greaterThan", "formula1": "0"},
        "longitude": {
            "type": "decimal",
            "operator": "between",
            "formula1": "73",
            "formula2": "136",
        },
        "latitude": {"type": "decimal", "operator": "between", "formula1": "3", "formula2": "54"},
        "region": {"type": "textLength", "operator": "equal", "formula1": "12"},
    }


def explanations() -> list[str]:
    return [
        _("本表为房源台账（库存房源、配套用房），可在 Excel 中编辑后在“房源台账导入”页面导入。"),
        _(
            "按“所属单位代码”所在的区和“编号”找到要更新的房源，找不到则新增；黄色表头可修改，灰色只读。"
        ),
        _("单元格留空表示不修改（新增房源须填写全部必填列）；填“无”清空产权单位或备注。"),
        _("全部行都没有问题才会导入；有任何问题时不写入任何数据，并提供带“问题”列的问题报告。"),
        _("使用状态（空闲、已预留、已配置）不能通过导入修改。"),
    ]


def write_workbook(target, rows: Iterable[Sequence] = ()) -> int:
    """The ledger (openpyxl, write-only): header with notes, dropdowns and range checks, rows
    (the export or a pre-filled template), a second sheet explaining the columns."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook(write_only=True)
    ws = book.create_sheet(_("房源台账")[:31])
    fills = {
        True: PatternFill("solid", fgColor="FEF3C7"),
        False: PatternFill("solid", fgColor="E2E8F0"),
    }
    specs = _validations()
    for col, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = column.width + 2
        spec = specs.get(column.key)
        if spec:
            kw = dict(spec)
            values = kw.pop("values", None)
            if values is not None:
                kw["formula1"] = '"' + ",".join(values) + '"'
            dv = DataValidation(
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="stop" if values is not None else "warning",
                errorTitle=str(column.label)[:32],
                error=(str(column.note) or _("输入的值不符合要求"))[:255],
                **kw,
            )
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.data_validations.append(dv)
    ws.freeze_panes = "C2"
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=str(column.label))
        cell.font = Font(bold=True)
        cell.fill = fills[column.editable]
        if column.note:
            cell.comment = Comment(str(column.note), _("连心桥"), width=300, height=80)
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
            if key in ("region", "code"):
                cell.number_format = "@"
            elif key in DATE_COLUMNS and value:
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    notes = book.create_sheet(_("说明")[:31])
    for line in explanations():
        notes.append([line])
    notes.append([])
    notes.append([_("列"), _("可修改"), _("新增时必填"), _("说明")])
    for column in COLUMNS:
        notes.append(
            [
                str(column.label),
                _("是") if column.editable else _("否"),
                _("是") if column.required else _("否"),
                str(column.note),
            ]
        )
    book.save(target)
    return n


def ledger_rows(qs) -> Iterable[list]:
    for p in qs.select_related("region", "plan__center"):
        yield [
            p.region.code,
            p.code,
            p.get_kind_display(),
            p.name,
            p.address,
            p.longitude,
            p.latitude,
            p.floor_area,
            p.owner,
            p.get_condition_display(),
            _("是") if p.divisible else _("否"),
            p.available_from,
            p.note,
            p.get_availability_display(),
            p.reserved_on,
            p.assigned_on,
            str(p.plan.center) if p.plan_id else "",
        ]


def availability_labels() -> list[str]:
    return _labels(Availability.choices)


def today_stamp(day: date) -> str:
    return day.strftime("%Y%m%d")
