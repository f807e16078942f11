"""The ledger export: exactly the centers listed on screen, in the user's scope, each with its
three levels as of today (是 / 否 / 未评估 and since when, as `levels_of` says) in one query; the
file is importable as it is (a round trip changes nothing), and so is the template."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from lianxin.centers import ledger
from lianxin.centers.models import (
    Center,
    CenterStatus,
    CenterStatusPeriod,
    Level,
    LevelRecord,
    Room,
    RoomType,
)
from lianxin.centers.queries import levels_of
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI_POINT
from lianxin.regions.models import Region

pytestmark = pytest.mark.django_db
COL = {c.key: i for i, c in enumerate(ledger.COLUMNS)}
STATUSES = [CenterStatus.IN_USE, CenterStatus.RENOVATING, CenterStatus.PLANNED]


@pytest.fixture
def centers(make_center):
    units = list(Region.objects.filter(parent__code="120103001000").order_by("code")[:6])
    units += list(Region.objects.filter(parent__code="120103002000").order_by("code")[:4])
    units += list(Region.objects.filter(parent__code="120104001000").order_by("code")[:3])
    made = {}
    for i, unit in enumerate(units):
        made[unit.code] = make_center(
            unit,
            floor_area=Decimal(300 + i * 17),
            households=900 + i,
            status=STATUSES[i % 3],
            address=f"地址{i}",
            phone=f"022-{i:04d}",
            opening_hours="9:00-17:00",
            longitude=HEXI_POINT[0] if unit.code.startswith("120103") else None,
            latitude=HEXI_POINT[1] if unit.code.startswith("120103") else None,
        )
        CenterStatusPeriod.objects.create(
            center=made[unit.code], status=STATUSES[i % 3], valid_from=date(2019, 1, 1 + i)
        )
    return made


def exported(client, **params) -> list[list]:
    response = client.get("/centers/export.xlsx?" + urlencode(params))
    assert response.status_code == 200
    assert response["Content-Type"] == ledger.XLSX
    content = b"".join(response.streaming_content)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    return rows


def as_upload(rows) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("ledger.xlsx", out.getvalue())


def download(client, url) -> bytes:
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "params",
    [{}, {"street": "120103002"}, {"q": "dym"}, {"status": "in_use", "sort": "-area"}],
    ids=["all", "street", "initials", "status by area"],
)
def test_export_is_the_list_on_screen(centers, hexi, login, params):
    client = login(hexi)
    page = client.get("/centers/?" + urlencode(params | {"per_page": 200}))
    on_screen = [c.region.code for c in page.context["page"].object_list]
    rows = exported(client, **params)
    assert rows[0][:2] == ["区划代码", "名称"]
    assert [r[0] for r in rows[1:]] == on_screen
    assert on_screen and all(code.startswith("120103") for code in on_screen)


def test_export_columns(centers, hexi, login):
    center = centers["120103001001"]
    kind = RoomType.objects.first()
    for area in ("60.5", "40"):
        Room.objects.create(
            center=center, region_path=center.region_path, room_type=kind, name="室", area=area
        )
    row = next(r for r in exported(login(hexi))[1:] if r[0] == "120103001001")
    assert row[COL["name"]] == center.name
    assert row[COL["district"]] == "河西区" and row[COL["street"]] == "大营门街道"
    assert row[COL["status"]] == "已投入使用"
    assert row[COL["status_from"]] == date(2019, 1, 1)
    assert row[COL["floor_area"]] == 300.0 and row[COL["households"]] == 900
    assert row[COL["activity_area"]] == 100.5
    assert row[COL["address"]] == "地址0" and row[COL["phone"]] == "022-0000"
    assert row[COL["longitude"]] == float(HEXI_POINT[0])
    assert row[COL["version"]] == center.version
    assert [row[COL[k]] for k in ("area", "renovation", "use")] == ["未评估"] * 3


def _record(center, level, compliant, on):
    return LevelRecord.objects.create(
        center=center,
        region_path=center.region_path,
        level=level,
        compliant=compliant,
        effective_on=on,
        source="inspection",
    )


def test_levels_as_of_today_with_since(centers, hexi, login):
    center = centers["120103001001"]
    today = timezone.localdate()
    _record(center, Level.AREA, False, date(2019, 1, 1))
    _record(center, Level.AREA, True, date(2019, 6, 1))
    _record(center, Level.AREA, True, date(2020, 1, 1))  # still 是: since stays 2019-06-01
    _record(center, Level.RENOVATION, True, date(2019, 3, 1))
    _record(center, Level.RENOVATION, False, date(2021, 5, 1))
    _record(center, Level.USE, True, today + timedelta(days=10))  # the future: not yet
    row = next(r for r in exported(login(hexi))[1:] if r[0] == "120103001001")
    assert (row[COL["area"]], row[COL["area_since"]]) == ("是", date(2019, 6, 1))
    assert (row[COL["renovation"]], row[COL["renovation_on"]]) == ("否", date(2021, 5, 1))
    assert (row[COL["use"]], row[COL["use_since"]]) == ("未评估", "")


RECORDS = st.lists(
    st.tuples(
        st.sampled_from(list(Level)),
        st.booleans(),
        st.dates(min_value=date(2019, 1, 1), max_value=date(2019, 1, 8)),  # many ties
    ),
    max_size=8,
)


@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=RECORDS, day=st.dates(min_value=date(2018, 12, 31), max_value=date(2019, 1, 9)))
def test_one_query_levels_agree_with_levels_of(centers, records, day):
    """The export's annotation and the center page's levels_of say the same, ties included."""
    center = centers["120103001004"]
    sid = transaction.savepoint()
    try:
        for level, compliant, on in records:
            _record(center, level, compliant, on)
        annotated = ledger.ledger_queryset(Center.objects.filter(pk=center.pk), day).get()
        expected = levels_of(center, day)
        for level in Level:
            got = (getattr(annotated, f"{level}_ok"), getattr(annotated, f"{level}_since"))
            want = (expected[level]["compliant"], expected[level]["since"])
            assert got == want, (level, records, day)
    finally:
        transaction.savepoint_rollback(sid)


def test_export_queries_do_not_grow_with_the_rows(centers, hexi, login):
    client = login(hexi)
    for center in centers.values():
        _record(center, Level.AREA, True, date(2019, 1, 1))
    with CaptureQueriesContext(connection) as few:
        exported(client, street="120103001")
    with CaptureQueriesContext(connection) as many:
        exported(client)
    assert len(few) == len(many)


def test_export_is_scoped(centers, hexi, nankai, city, login):
    assert {r[0][:6] for r in exported(login(hexi))[1:]} == {"120103"}
    assert {r[0][:6] for r in exported(login(nankai))[1:]} == {"120104"}
    assert {r[0][:6] for r in exported(login(city))[1:]} == {"120103", "120104"}


def test_round_trip_changes_nothing(centers, hexi, login):
    client = login(hexi)
    _record(centers["120103001001"], Level.RENOVATION, True, date(2019, 3, 1))
    content = download(client, "/centers/export.xlsx")
    before = AuditLog.objects.count()
    result = ledger.import_ledger(hexi, SimpleUploadedFile("x.xlsx", content))
    assert result.ok, [str(p) for p in result.problems]
    assert result.changed == 0 and result.unchanged == result.rows > 0
    assert AuditLog.objects.count() == before
    # Through the page: "nothing changed" is said.
    response = client.post(
        "/centers/ledger/import/", {"file": SimpleUploadedFile("x.xlsx", content)}
    )
    assert response.status_code == 302
    assert "没有变化" in client.get("/centers/ledger/").content.decode()


def test_round_trip_with_two_rows_edited(centers, hexi, login):
    """The issue's journey: download the ledger, edit two rows, import, see the change."""
    client = login(hexi)
    book = openpyxl.load_workbook(io.BytesIO(download(client, "/centers/export.xlsx")))
    ws = book.worksheets[0]
    edited = {}
    for row in ws.iter_rows(min_row=2):
        code = row[COL["code"]].value
        if code in ("120103001001", "120103001004"):
            row[COL["floor_area"]].value = "480平方米"
            row[COL["name"]].value = row[COL["name"]].value + "（新）"
            edited[code] = row[COL["name"]].value
    out = io.BytesIO()
    book.save(out)
    result = ledger.import_ledger(hexi, SimpleUploadedFile("edited.xlsx", out.getvalue()))
    assert result.applied and result.changed == 2, [str(p) for p in result.problems]
    for code, name in edited.items():
        center = Center.objects.get(region__code=code)
        assert (center.name, center.floor_area) == (name, Decimal("480.00"))


def test_export_in_english_imports_back(centers, hexi, login):
    client = login(hexi)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    content = download(client, "/centers/export.xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "Division code"
    result = ledger.import_ledger(hexi, SimpleUploadedFile("en.xlsx", content))
    assert result.ok and result.changed == 0, [str(p) for p in result.problems]


def test_template_has_dropdowns_notes_and_imports(centers, hexi, login):
    client = login(hexi)
    book = openpyxl.load_workbook(io.BytesIO(download(client, "/centers/ledger/template.xlsx")))
    ws = book.worksheets[0]
    assert [c.value for c in ws[1]] == [str(c.label) for c in ledger.COLUMNS]
    assert ws.max_row == 1  # empty
    assert ws.cell(1, COL["floor_area"] + 1).comment is not None
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    status = validations[openpyxl.utils.get_column_letter(COL["status"] + 1) + "2"]
    assert status.type == "list" and "已投入使用" in status.formula1
    assert status.showErrorMessage and status.showDropDown in (None, False)
    renovation = validations[openpyxl.utils.get_column_letter(COL["renovation"] + 1) + "2"]
    assert renovation.formula1 == '"是,否,未评估"'
    area = validations[openpyxl.utils.get_column_letter(COL["floor_area"] + 1) + "2"]
    assert (area.type, area.operator, area.formula1) == ("decimal", "greaterThan", "0")
    assert "说明" in book.sheetnames

    prefilled = download(client, "/centers/ledger/template.xlsx?prefill=1&street=120103001")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(prefilled)).get_sheet_by_index(0).to_python()
    assert {r[0] for r in rows[1:]} == {c for c in centers if c.startswith("120103001")}
    result = ledger.import_ledger(hexi, SimpleUploadedFile("t.xlsx", prefilled))
    assert result.ok and result.changed == 0, [str(p) for p in result.problems]


def test_export_has_dropdowns_too(centers, hexi, login):
    book = openpyxl.load_workbook(io.BytesIO(download(login(hexi), "/centers/export.xlsx")))
    types = {dv.type for dv in book.worksheets[0].data_validations.dataValidation}
    assert {"list", "decimal", "date", "whole"} <= types


def test_ledger_link_on_the_list_page(centers, hexi, login):
    body = login(hexi).get("/centers/").content.decode()
    assert 'id="ledger-link" href="/centers/ledger/"' in body
