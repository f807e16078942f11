"""The generic permission matrix (rule 1: data scope is enforced in the queryset).

Part 1 runs against every org-scoped model, discovered (every model whose default manager's
queryset has `visible_to`): one row in 河西区 and one in 南开区, built by the model's registered
factory (`lianxin/core/tests/factories.py`, or `lianxin/<app>/tests/factories.py`). A new
org-scoped model without a factory fails here on purpose.

Part 2 runs against every list / detail / export / API endpoint in ENDPOINTS: a 河西区 user gets
nothing of 南开区, the city user gets both, a resident or an anonymous visitor gets no data at all.
Part 3 runs every write endpoint in WRITES: refused across districts, for read-only roles, for
residents and strangers, with nothing changed. A new endpoint is one line in its table.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from python_calamine import CalamineWorkbook

from lianxin.core.scoping import CHANGE, VIEW

from .factories import (
    HEXI_STREET,
    HEXI_VILLAGE,
    NANKAI_STREET,
    NANKAI_VILLAGE,
    ORG_SCOPED_FACTORIES,
    make_center,
    region,
    scoped_models,
)

# Let every app contribute factories for its own models.
for _app in apps.get_app_configs():
    if (
        _app.name.startswith("lianxin.")
        and importlib.util.find_spec(f"{_app.name}.tests")
        and importlib.util.find_spec(f"{_app.name}.tests.factories")
    ):
        importlib.import_module(f"{_app.name}.tests.factories")

SCOPED = scoped_models()


def test_every_org_scoped_model_has_a_factory():
    missing = [m._meta.label for m in SCOPED if m._meta.label_lower not in ORG_SCOPED_FACTORIES]
    assert not missing, (
        f"org-scoped models without a permission-matrix factory: {missing}; register one with "
        "@org_factory('app.Model') in lianxin/<app>/tests/factories.py"
    )


def test_discovery_finds_the_known_org_scoped_models():
    labels = {m._meta.label_lower for m in SCOPED}
    assert {"centers.center", "centers.room", "regions.region", "core.auditlog"} <= labels
    # Unscoped models are not picked up.
    assert "accounts.user" not in labels and "centers.roomtype" not in labels


def _factory_for(model):
    label = model._meta.label_lower
    if label not in ORG_SCOPED_FACTORIES:
        pytest.fail(
            f"{label} is org-scoped (its queryset has visible_to) but has no factory for the "
            f"permission matrix: register one with @org_factory({model._meta.label!r}) in "
            f"lianxin/{model._meta.app_label}/tests/factories.py",
            pytrace=False,
        )
    return ORG_SCOPED_FACTORIES[label]


@pytest.fixture
def pair(request, db):
    """(model, row in 河西区, row in 南开区)."""
    model = request.param
    build = _factory_for(model)
    mine, theirs = build(region(HEXI_VILLAGE)), build(region(NANKAI_VILLAGE))
    path = model.scope_path_field
    assert getattr(mine, path).startswith("120000000000/120103000000/"), "factory ignored region"
    assert getattr(theirs, path).startswith("120000000000/120104000000/"), "factory ignored region"
    return model, mine, theirs


def _seen(model, user, mine, theirs, action=VIEW) -> set[str]:
    pks = set(
        model.objects.visible_to(user, action)
        .filter(pk__in=[mine.pk, theirs.pk])
        .values_list("pk", flat=True)
    )
    return {name for name, row in (("hexi", mine), ("nankai", theirs)) if row.pk in pks}


# (user fixture, rows seen with "view", rows seen with "change")
MATRIX = [
    ("hexi", {"hexi"}, {"hexi"}),
    ("nankai", {"nankai"}, {"nankai"}),
    ("city", {"hexi", "nankai"}, {"hexi", "nankai"}),
    ("root", {"hexi", "nankai"}, {"hexi", "nankai"}),
    ("street_staff", {"hexi"}, {"hexi"}),  # the 河西 row sits in the street's subtree
    ("inspector", {"hexi"}, set()),  # read-only: sees, may not change
    ("resident", set(), set()),
    ("norole", set(), set()),
]


@pytest.mark.parametrize("pair", SCOPED, ids=lambda m: m._meta.label_lower, indirect=True)
@pytest.mark.parametrize("who,sees,changes", MATRIX, ids=[m[0] for m in MATRIX])
def test_scope_matrix(request, pair, who, sees, changes):
    model, mine, theirs = pair
    user = request.getfixturevalue(who)
    if who == "street_staff" and not getattr(mine, model.scope_path_field).startswith(
        region(HEXI_STREET).path
    ):
        sees = changes = set()  # a district-level row (a commitment) is above the street
    assert _seen(model, user, mine, theirs) == sees, f"{who} view on {model._meta.label}"
    assert _seen(model, user, mine, theirs, CHANGE) == changes, (
        f"{who} change on {model._meta.label}"
    )


@pytest.mark.parametrize("pair", SCOPED, ids=lambda m: m._meta.label_lower, indirect=True)
def test_anonymous_sees_nothing(pair):
    from django.contrib.auth.models import AnonymousUser

    model, mine, theirs = pair
    assert _seen(model, AnonymousUser(), mine, theirs) == set()
    assert _seen(model, None, mine, theirs) == set()


@pytest.mark.parametrize("pair", SCOPED, ids=lambda m: m._meta.label_lower, indirect=True)
def test_inactive_staff_sees_nothing(pair, hexi):
    model, mine, theirs = pair
    hexi.is_active = False
    assert _seen(model, hexi, mine, theirs) == set()


# ---------------------------------------------------------------------------------------------
# Endpoints


@dataclass
class Ctx:
    mine: object  # a Center in 河西区 (大营门街道 九江路社区), with a room and an audit row
    theirs: object  # a Center in 南开区 (长虹街道 光明路社区), likewise
    extra: dict = field(default_factory=dict)  # rows the apps' `populate` hooks made

    def room(self, side):
        return getattr(self, side).rooms.get()

    def inspection(self, side):
        return getattr(self, side).inspections.get()

    def photo(self, side):
        return self.inspection(side).photos.get()

    def follow_up(self, side):
        return getattr(self, side).follow_ups.get()


@dataclass(frozen=True)
class Endpoint:
    """`url(ctx, side)` gives the address for one side ("mine" = 河西区, "theirs" = 南开区).
    list: one address for both sides; shows mine, never theirs.
    detail: one address per side; theirs → 404.
    children: one address per side; theirs → 404 or an empty result.
    `markers(ctx, side)` are strings that identify the side's data in a response."""

    name: str
    kind: str
    fmt: str
    url: Callable[[Ctx, str], str]
    markers: Callable[[Ctx, str], list[str]]
    staff_only_page: bool = True  # HTML page behind staff_required (else an API endpoint)
    city_sees_both: bool = True  # a list whose rows for the city user include both districts


def center_markers(ctx, side):
    c = getattr(ctx, side)
    return [c.region.code, c.name]


def street_markers(ctx, side):
    return [HEXI_STREET if side == "mine" else NANKAI_STREET]


def _c(c, side):
    return f"/centers/{getattr(c, side).pk}/"


def _name(c, side):
    return getattr(c, side).name


def _prefix(side):
    return "河西" if side == "mine" else "南开"


def standards_markers(c, side):
    return [f"{_prefix(side)}矩阵验收"]  # the note of the side's renovation record


def inspection_markers(c, side):
    return [f"{_prefix(side)}矩阵签名", f"{_prefix(side)}矩阵整改"]


def signature_marker(c, side):
    return [f"{_prefix(side)}矩阵签名"]


def follow_up_markers(c, side):
    return [f"{_prefix(side)}矩阵整改", _name(c, side)]


def photo_marker(side):
    return f"{side.upper()}-MATRIX-PHOTO"


def district_of(side):
    return "120103000000" if side == "mine" else "120104000000"


def html(kind, name, url, markers=center_markers, **kw):
    return Endpoint(name, kind, "html", url, markers, **kw)


def api(kind, name, url, markers=center_markers, **kw):
    return Endpoint(name, kind, "json", url, markers, staff_only_page=False, **kw)


ENDPOINTS = [
    html("list", "centers list page", lambda c, s: "/centers/"),
    html("list", "centers list page, HTMX partial", lambda c, s: "/centers/?hx=1"),
    html("list", "centers list, searched", lambda c, s: "/centers/?q=矩阵中心"),
    Endpoint("centers export", "list", "xlsx", lambda c, s: "/centers/export.xlsx", center_markers),
    Endpoint(
        "ledger template, pre-filled",
        "list",
        "xlsx",
        lambda c, s: "/centers/ledger/template.xlsx?prefill=1",
        center_markers,
    ),
    html("list", "ledger page", lambda c, s: "/centers/ledger/", lambda c, s: []),
    html("detail", "center detail page", lambda c, s: f"/centers/{getattr(c, s).pk}/"),
    html(
        "detail",
        "center edit page",
        lambda c, s: f"/centers/{getattr(c, s).pk}/edit/",
        lambda c, s: [getattr(c, s).name],
    ),
    html(
        "detail",
        "room new page",
        lambda c, s: f"/centers/{getattr(c, s).pk}/rooms/new/",
        lambda c, s: [getattr(c, s).name],
    ),
    html(
        "detail",
        "room edit page",
        lambda c, s: f"/centers/{getattr(c, s).pk}/rooms/{c.room(s).pk}/",
        lambda c, s: [getattr(c, s).name, c.room(s).name],
    ),
    html("list", "audit log page", lambda c, s: "/audit/", lambda c, s: [getattr(c, s).name]),
    # standards: a center's levels, inspections, photos and follow-ups
    html(
        "detail", "center levels partial", lambda c, s: f"{_c(c, s)}levels/?hx=1", standards_markers
    ),
    html("detail", "center levels page", lambda c, s: f"{_c(c, s)}levels/", standards_markers),
    html(
        "detail", "level history page", lambda c, s: f"{_c(c, s)}levels/history/", standards_markers
    ),
    html("detail", "inspect page", lambda c, s: f"{_c(c, s)}inspect/", lambda c, s: [_name(c, s)]),
    html(
        "detail",
        "center inspections page",
        lambda c, s: f"{_c(c, s)}inspections/",
        inspection_markers,
    ),
    html(
        "detail",
        "inspection detail page",
        lambda c, s: f"/standards/inspections/{c.inspection(s).pk}/",
        signature_marker,
    ),
    Endpoint(
        "inspection photo",
        "detail",
        "bin",
        lambda c, s: f"/standards/photos/{c.photo(s).pk}/",
        lambda c, s: [photo_marker(s)],
    ),
    html("list", "follow-ups list", lambda c, s: "/standards/follow-ups/", follow_up_markers),
    html(
        "list",
        "follow-ups list, all statuses",
        lambda c, s: "/standards/follow-ups/?status=&district=",
        follow_up_markers,
    ),
    html(
        "detail",
        "follow-up close page",
        lambda c, s: f"/standards/follow-ups/{c.follow_up(s).pk}/close/",
        follow_up_markers,
    ),
    # The user's top units: 河西区 for hexi; 天津市 (not the districts) for the city user.
    html(
        "list",
        "region tree page",
        lambda c, s: "/regions/",
        lambda c, s: [district_of(s)],
        city_sees_both=False,
    ),
    html(
        "detail", "region detail page", lambda c, s: f"/regions/{district_of(s)}/", street_markers
    ),
    html(
        "detail",
        "region children partial",
        lambda c, s: f"/regions/{district_of(s)}/children/",
        street_markers,
    ),
    api("list", "API centers", lambda c, s: "/api/v1/centers/"),
    api("list", "API centers, big page", lambda c, s: "/api/v1/centers/?page_size=500"),
    api("list", "API centers, searched", lambda c, s: "/api/v1/centers/?q=矩阵中心"),
    Endpoint(
        "API ledger export",
        "list",
        "xlsx",
        lambda c, s: "/api/v1/centers/ledger/export.xlsx",
        center_markers,
        staff_only_page=False,
    ),
    api("detail", "API center", lambda c, s: f"/api/v1/centers/{getattr(c, s).pk}"),
    api(
        "detail",
        "API region",
        lambda c, s: f"/api/v1/regions/{district_of(s)}",
        lambda c, s: [district_of(s)],
    ),
    api(
        "children",
        "API regions by parent",
        lambda c, s: f"/api/v1/regions/?parent={district_of(s)}",
        street_markers,
    ),
    # Statistics and the battle map, asked about each side's district.
    api(
        "detail",
        "API stats overview",
        lambda c, s: f"/api/v1/stats/overview?region={district_of(s)}",
        lambda c, s: [district_of(s)],
    ),
    api(
        "detail",
        "API stats points",
        lambda c, s: f"/api/v1/stats/centers?region={district_of(s)}",
        center_markers,
    ),
    api(
        "detail",
        "API center levels",
        lambda c, s: f"/api/v1/stats/centers/{getattr(c, s).pk}/levels",
        standards_markers,
    ),
    Endpoint(
        "battle map export",
        "detail",
        "xlsx",
        lambda c, s: f"/battlemap/export.xlsx?region={district_of(s)}",
        street_markers,
    ),
    # The standards API
    api(
        "children",
        "API level records",
        lambda c, s: f"/api/v1/standards/centers/{getattr(c, s).pk}/records",
        standards_markers,
    ),
    api("list", "API inspections", lambda c, s: "/api/v1/standards/inspections", signature_marker),
    api(
        "detail",
        "API inspection",
        lambda c, s: f"/api/v1/standards/inspections/{c.inspection(s).pk}",
        signature_marker,
    ),
    api(
        "list",
        "API follow-ups",
        lambda c, s: "/api/v1/standards/follow-ups",
        lambda c, s: [f"{_prefix(s)}矩阵整改"],
    ),
    # The user's top units: 河西区 for hexi; 天津市 (not the districts) for the city user.
    api(
        "list",
        "API top regions",
        lambda c, s: "/api/v1/regions/",
        lambda c, s: [district_of(s)],
        city_sees_both=False,
    ),
]


@pytest.fixture
def ctx(db):
    from lianxin.centers.models import Room, RoomType
    from lianxin.core import audit

    made = Ctx(
        mine=make_center(region(HEXI_VILLAGE), name="河西矩阵中心甲"),
        theirs=make_center(region(NANKAI_VILLAGE), name="南开矩阵中心乙"),
    )
    for side, room_name in (("mine", "河西矩阵活动室"), ("theirs", "南开矩阵活动室")):
        center = getattr(made, side)
        Room.objects.create(
            center=center,
            region_path=center.region_path,
            name=room_name,
            room_type=RoomType.objects.get(code="meeting_room"),
            area=30,
        )
        audit.record(None, "matrix_probe", center)
        _standards_rows(center, side)
    for ext in EXTENSIONS:
        if hasattr(ext, "populate"):
            ext.populate(made)
    return made


def _standards_rows(center, side):
    """A renovation record, an inspection with a failed item, its follow-up and a photo."""
    from datetime import date

    from django.core.files.base import ContentFile

    from lianxin.centers.models import (
        Checklist,
        FollowUp,
        Inspection,
        InspectionItem,
        InspectionPhoto,
        LevelRecord,
    )

    LevelRecord.objects.create(
        center=center,
        region_path=center.region_path,
        level="renovation",
        compliant=True,
        effective_on=date(2020, 1, 1),
        source="campaign",
        note=f"{_prefix(side)}矩阵验收",
    )
    checklist = Checklist.objects.get(code="ten-haves")
    inspection = Inspection.objects.create(
        center=center,
        region_path=center.region_path,
        checklist=checklist,
        inspected_on=date(2024, 5, 1),
        score=50,
        passed=False,
        signature=f"{_prefix(side)}矩阵签名",
    )
    item = InspectionItem.objects.create(
        inspection=inspection, item=checklist.items.get(code="signage"), result="fail"
    )
    FollowUp.objects.create(
        center=center,
        region_path=center.region_path,
        inspection_item=item,
        description=f"{_prefix(side)}矩阵整改",
    )
    photo = InspectionPhoto(inspection=inspection, item=item.item, region_path=center.region_path)
    content = b"\x89PNG\r\n\x1a\n" + photo_marker(side).encode()
    photo.image.save("matrix.png", ContentFile(content), save=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads made here go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _get(client, endpoint, url):
    headers = {"HTTP_HX_REQUEST": "true"} if "hx=1" in url else {}
    response = client.get(url, **headers)
    assert response.status_code != 500, f"{endpoint.name}: server error"
    return response


def _text(endpoint, response) -> str:
    """Everything the response carries, as text."""
    if endpoint.fmt == "xlsx":
        assert response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"
        )
        content = b"".join(response.streaming_content) if response.streaming else response.content
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        cells = []
        for name in book.sheet_names:
            for row in book.get_sheet_by_name(name).to_python():
                cells.extend(str(v) for v in row)
        return "\n".join(cells)
    if endpoint.fmt == "json":
        return json.dumps(response.json(), ensure_ascii=False)
    if endpoint.fmt == "bin":
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return content.decode("latin-1")
    return response.content.decode()


def _has_data(endpoint, response) -> bool:
    if endpoint.fmt == "json":
        data = response.json()
        if isinstance(data, dict) and "items" in data:
            return bool(data["items"])
        return bool(data)
    return True


# A write endpoint (here, before the apps' rows are imported, so that they can build theirs).
@dataclass(frozen=True)
class Write:
    name: str
    method: str  # post (a form), patch or json (a JSON API PATCH or POST)
    url: Callable[[Ctx, str], str]
    data: Callable[[Ctx, str], dict]
    bulk: bool = False  # a file of rows: rows out of scope come back in a 422 problem report
    inspectors_may: bool = False  # recording an inspection: the read-only inspector role may
    writer: str = "hexi"  # the fixture of a user who may make this write on 河西区's rows


# Apps add their own rows: `lianxin/<app>/tests/matrix.py` may define ENDPOINTS and WRITES (built
# with the helpers above), `populate(ctx)` (adds the app's rows for both sides to `ctx.extra`) and
# `fingerprint()` (what its writes could touch).
EXTENSIONS = [
    importlib.import_module(f"{_app.name}.tests.matrix")
    for _app in apps.get_app_configs()
    if _app.name.startswith("lianxin.")
    and importlib.util.find_spec(f"{_app.name}.tests")
    and importlib.util.find_spec(f"{_app.name}.tests.matrix")
]
for _ext in EXTENSIONS:
    ENDPOINTS += getattr(_ext, "ENDPOINTS", [])

IDS = [e.name for e in ENDPOINTS]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_district_user_gets_nothing_of_another_district(endpoint, ctx, hexi, login):
    client = login(hexi)
    mine_response = _get(client, endpoint, endpoint.url(ctx, "mine"))
    assert mine_response.status_code == 200, f"{endpoint.name}: own data refused"
    mine_text = _text(endpoint, mine_response)
    for marker in endpoint.markers(ctx, "mine"):
        assert marker in mine_text, f"{endpoint.name}: own {marker} missing"

    if endpoint.kind == "list":
        theirs_text = mine_text
    else:
        response = _get(client, endpoint, endpoint.url(ctx, "theirs"))
        if endpoint.kind == "detail":
            assert response.status_code == 404, f"{endpoint.name}: another district's row"
        else:
            assert response.status_code in (200, 404)
            if response.status_code == 200:
                assert not _has_data(endpoint, response), f"{endpoint.name}: leaked rows"
        theirs_text = response.content.decode(errors="replace")
    for marker in endpoint.markers(ctx, "theirs"):
        assert marker not in theirs_text, f"{endpoint.name}: leaked {marker}"


@pytest.mark.parametrize(
    "endpoint",
    [e for e in ENDPOINTS if e.kind == "list" and e.city_sees_both],
    ids=[e.name for e in ENDPOINTS if e.kind == "list" and e.city_sees_both],
)
def test_city_user_sees_both_districts(endpoint, ctx, city, login):
    text = _text(endpoint, _get(login(city), endpoint, endpoint.url(ctx, "mine")))
    for side in ("mine", "theirs"):
        for marker in endpoint.markers(ctx, side):
            assert marker in text, f"{endpoint.name}: city misses {marker}"


@pytest.mark.parametrize("who", ["resident", None], ids=["resident", "anonymous"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=IDS)
def test_residents_and_strangers_get_no_data(request, endpoint, who, ctx, login):
    user = request.getfixturevalue(who) if who else None
    client = login(user)
    for side in ("mine", "theirs"):
        response = _get(client, endpoint, endpoint.url(ctx, side))
        if endpoint.staff_only_page:
            assert response.status_code == 302, f"{endpoint.name}: {response.status_code}"
            expected = "/me/" if user else "/login/"
            assert response["Location"].startswith(expected), response["Location"]
        else:
            assert response.status_code in (401, 403), f"{endpoint.name}: {response.status_code}"
        body = response.content.decode(errors="replace")
        for s in ("mine", "theirs"):
            for marker in endpoint.markers(ctx, s):
                assert marker not in body


@pytest.mark.parametrize(
    "endpoint",
    [e for e in ENDPOINTS if e.kind == "list"],
    ids=[e.name for e in ENDPOINTS if e.kind == "list"],
)
def test_staff_without_role_gets_no_rows(endpoint, ctx, norole, login):
    response = _get(login(norole), endpoint, endpoint.url(ctx, "mine"))
    assert response.status_code in (200, 403)
    text = _text(endpoint, response) if response.status_code == 200 else ""
    for side in ("mine", "theirs"):
        for marker in endpoint.markers(ctx, side):
            assert marker not in text, f"{endpoint.name}: no-role user sees {marker}"


def test_dashboard_counts_only_the_users_scope(ctx, hexi, city, norole, login):
    import re

    def total(user):
        body = login(user).get("/").content.decode()
        found = re.search(r'data-figure="total">([\d,]+)<', body)
        return int(found.group(1).replace(",", "")) if found else None

    from lianxin.centers.models import Center

    assert total(hexi) == Center.objects.filter(district_code="120103000000").count() >= 1
    assert total(city) == Center.objects.count() >= 2
    assert total(norole) is None  # no role: no figures at all, only the "no role" notice


# ---------------------------------------------------------------------------------------------
# Writes: refused outside the scope and for read-only roles, with nothing changed.


def _room_data(c, s):
    from lianxin.centers.models import RoomType

    return {
        "room_type": RoomType.objects.get(code="party_room").pk,
        "name": "矩阵写入",
        "area": "50",
        "capacity": "20",
    }


def _village(c, s):
    return getattr(c, s).region.code


def _ledger_file(c, s):
    """A one-row ledger (.xlsx) changing the side's center's households."""
    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    book = openpyxl.Workbook()
    book.active.append(["区划代码", "服务户数"])
    book.active.append([getattr(c, s).region.code, 10])
    out = io.BytesIO()
    book.save(out)
    return {"file": SimpleUploadedFile("ledger.xlsx", out.getvalue())}


def _inspection_data(c, s):
    """Every item of the default checklist not applicable: a valid inspection without photos."""
    from lianxin.centers.models import Checklist

    checklist = Checklist.objects.get(code="ten-haves")
    data = {"checklist": checklist.pk, "inspected_on": "2024-06-01", "signature": "矩阵检查"}
    return data | {f"r_{i.code}": "na" for i in checklist.items.all()}


WRITES = [
    Write(
        "center edit",
        "post",
        lambda c, s: f"/centers/{getattr(c, s).pk}/edit/",
        lambda c, s: {"version": 1, "name": "矩阵写入", "households": "10"},
    ),
    Write(
        "center status",
        "post",
        lambda c, s: f"/centers/{getattr(c, s).pk}/status/",
        lambda c, s: {"status": "renovating", "valid_from": "2025-01-01"},
    ),
    Write("room new", "post", lambda c, s: f"/centers/{getattr(c, s).pk}/rooms/new/", _room_data),
    Write(
        "room edit",
        "post",
        lambda c, s: f"/centers/{getattr(c, s).pk}/rooms/{c.room(s).pk}/",
        _room_data,
    ),
    Write(
        "room delete",
        "post",
        lambda c, s: f"/centers/{getattr(c, s).pk}/rooms/{c.room(s).pk}/delete/",
        lambda c, s: {},
    ),
    Write(
        "region kind",
        "post",
        lambda c, s: f"/regions/{_village(c, s)}/kind/",
        lambda c, s: {"kind": "village", "note": "矩阵"},
    ),
    Write(
        "region status",
        "post",
        lambda c, s: f"/regions/{_village(c, s)}/status/",
        lambda c, s: {"status": "demolishing", "valid_from": "2025-01-01"},
    ),
    Write("ledger import", "post", lambda c, s: "/centers/ledger/import/", _ledger_file, bulk=True),
    Write(
        "API ledger import",
        "post",
        lambda c, s: "/api/v1/centers/ledger/import",
        _ledger_file,
        bulk=True,
    ),
    Write(
        "API center patch",
        "patch",
        lambda c, s: f"/api/v1/centers/{getattr(c, s).pk}",
        lambda c, s: {"version": 1, "households": 10},
    ),
]
WRITES += [
    Write(
        "record renovation",
        "post",
        lambda c, s: f"{_c(c, s)}levels/renovation/",
        lambda c, s: {"accepted_on": "2024-01-01", "compliant": "1", "note": "矩阵写入"},
    ),
    Write("assess area", "post", lambda c, s: f"{_c(c, s)}levels/assess-area/", lambda c, s: {}),
    Write(
        "inspect", "post", lambda c, s: f"{_c(c, s)}inspect/", _inspection_data, inspectors_may=True
    ),
    Write(
        "close follow-up",
        "post",
        lambda c, s: f"/standards/follow-ups/{c.follow_up(s).pk}/close/",
        lambda c, s: {"closed_on": "2024-06-01", "closed_note": "矩阵写入"},
    ),
    Write(
        "API record renovation",
        "json",
        lambda c, s: f"/api/v1/standards/centers/{getattr(c, s).pk}/renovation",
        lambda c, s: {"accepted_on": "2024-01-01", "note": "矩阵写入"},
    ),
    Write(
        "API assess area",
        "json",
        lambda c, s: f"/api/v1/standards/centers/{getattr(c, s).pk}/assess-area",
        lambda c, s: {},
    ),
    Write(
        "API close follow-up",
        "json",
        lambda c, s: f"/api/v1/standards/follow-ups/{c.follow_up(s).pk}/close",
        lambda c, s: {"closed_on": "2024-06-01", "note": "矩阵写入"},
    ),
]
for _ext in EXTENSIONS:
    WRITES += getattr(_ext, "WRITES", [])
WRITE_IDS = [w.name for w in WRITES]


def _fingerprint(ctx):
    """Everything a write in the table could touch."""
    from lianxin.centers.models import Center, FollowUp, Inspection, LevelRecord, Room
    from lianxin.core.models import AuditLog
    from lianxin.regions.models import Region, RegionStatus

    centers = [ctx.mine.pk, ctx.theirs.pk]
    return (
        AuditLog.objects.count(),
        sorted(
            Center.objects.filter(pk__in=centers).values_list(
                "pk", "version", "status", "households"
            )
        ),
        sorted(Room.objects.filter(center__in=centers).values_list("pk", "name", "area")),
        sorted(
            Region.objects.filter(pk__in=[ctx.mine.region_id, ctx.theirs.region_id]).values_list(
                "code", "kind", "status"
            )
        ),
        RegionStatus.objects.count(),
        LevelRecord.objects.count(),
        Inspection.objects.count(),
        sorted(FollowUp.objects.values_list("pk", "status")),
        tuple(ext.fingerprint() for ext in EXTENSIONS if hasattr(ext, "fingerprint")),
    )


def _send(client, write, ctx, side):
    url, data = write.url(ctx, side), write.data(ctx, side)
    if write.method == "patch":
        return client.patch(url, data, content_type="application/json")
    if write.method == "json":
        return client.post(url, data, content_type="application/json")
    return client.post(url, data)


@pytest.mark.parametrize("write", WRITES, ids=WRITE_IDS)
def test_write_to_own_district_goes_through(request, write, ctx, login):
    """The table's requests are valid: for a writer in scope they change something."""
    before = _fingerprint(ctx)
    response = _send(login(request.getfixturevalue(write.writer)), write, ctx, "mine")
    assert response.status_code in (200, 201, 302), response.status_code
    after = _fingerprint(ctx)
    assert after[0] > before[0], f"{write.name}: no audit row, so nothing was written"
    assert after != before


@pytest.mark.parametrize(
    "who,side,allowed",
    [
        ("hexi", "theirs", (404,)),  # another district: not even shown to exist
        ("inspector", "mine", (403, 404)),  # read-only inside its scope
        ("street_staff", "theirs", (403, 404)),  # 403: region writes need an admin role
        ("norole", "mine", (403, 404)),
        ("resident", "mine", (302, 401)),
        (None, "mine", (302, 401)),
    ],
    ids=[
        "district→other district",
        "inspector",
        "street staff→other district",
        "no role",
        "resident",
        "anonymous",
    ],
)
@pytest.mark.parametrize("write", WRITES, ids=WRITE_IDS)
def test_write_refused_and_nothing_changes(request, write, who, side, allowed, ctx, login):
    user = request.getfixturevalue(who) if who else None
    if write.bulk and who in ("hexi", "street_staff"):
        allowed = (422,)  # the endpoint is theirs to use; the other district's row is refused
    before = _fingerprint(ctx)
    if write.inspectors_may and who == "inspector":
        # Read-only for the registry, but recording inspections in its scope is its job.
        response = _send(login(user), write, ctx, side)
        assert response.status_code == 302, (write.name, response.status_code)
        assert _fingerprint(ctx) != before
        return
    response = _send(login(user), write, ctx, side)
    assert response.status_code in allowed, (write.name, who, response.status_code)
    if response.status_code == 302:
        assert response["Location"].startswith("/me/" if user else "/login/")
    assert _fingerprint(ctx) == before, f"{write.name} by {who} changed data"


# ---------------------------------------------------------------------------------------------
# Pages that are not org-scoped (the city's standards and checklists): every staff member reads
# them; only city administrators write them.

STAFF_PAGES = [
    ("rule sets", lambda: "/standards/", "tj-current"),
    ("checklists", lambda: "/standards/checklists/", "ten-haves"),
    ("checklist", lambda: f"/standards/checklists/{_checklist().pk}/", "signage"),
]


def _checklist():
    from lianxin.centers.models import Checklist

    return Checklist.objects.get(code="ten-haves")


@pytest.mark.parametrize("name,url,marker", STAFF_PAGES, ids=[p[0] for p in STAFF_PAGES])
@pytest.mark.parametrize("who", ["city", "hexi", "street_staff", "inspector", "norole"])
def test_staff_read_the_standards(request, name, url, marker, who, login):
    response = login(request.getfixturevalue(who)).get(url())
    assert response.status_code == 200 and marker in response.content.decode()


@pytest.mark.parametrize("name,url,marker", STAFF_PAGES, ids=[p[0] for p in STAFF_PAGES])
@pytest.mark.parametrize("who", ["resident", None], ids=["resident", "anonymous"])
def test_residents_and_strangers_do_not_read_the_standards(request, name, url, marker, who, login):
    user = request.getfixturevalue(who) if who else None
    response = login(user).get(url())
    assert response.status_code == 302
    assert response["Location"].startswith("/me/" if user else "/login/")


def _rule_set(code="tj-current"):
    from lianxin.centers.models import RuleSet

    return RuleSet.objects.get(code=code)


def _rule_set_data():
    return {
        "code": "matrix-rule",
        "name": "矩阵标准",
        "valid_from": "2025-01-01",
        "village_min_area": "300",
        "community_area_per_100_households": "30",
        "activity_share_pct": "60",
    }


def _item_data():
    return {"code": "matrix_item", "text": "矩阵检查项", "weight": "1", "sort": "1"}


CITY_WRITES = [
    ("rule set new", lambda: "/standards/new/", _rule_set_data),
    (
        "rule set edit",
        lambda: f"/standards/{_rule_set().pk}/edit/",
        lambda: (
            _rule_set_data() | {"code": "tj-current", "valid_from": "2019-01-01", "version": "1"}
        ),
    ),
    (
        "checklist item new",
        lambda: f"/standards/checklists/{_checklist().pk}/items/new/",
        _item_data,
    ),
    (
        "checklist item edit",
        lambda: (
            f"/standards/checklists/{_checklist().pk}/items/{_checklist().items.get(code='signage').pk}/"
        ),
        _item_data,
    ),
    (
        "checklist item delete",
        lambda: (
            f"/standards/checklists/{_checklist().pk}/items/{_checklist().items.get(code='process').pk}/delete/"
        ),
        dict,
    ),
]
CITY_WRITE_IDS = [w[0] for w in CITY_WRITES]


def _standards_fingerprint():
    from lianxin.centers.models import ChecklistItem, RuleSet
    from lianxin.core.models import AuditLog

    return (
        AuditLog.objects.count(),
        sorted(RuleSet.objects.values_list("code", "version")),
        sorted(ChecklistItem.objects.values_list("pk", "code", "text", "weight")),
    )


@pytest.mark.parametrize("name,url,data", CITY_WRITES, ids=CITY_WRITE_IDS)
def test_city_administrators_write_the_standards(name, url, data, ctx, city, login):
    before = _standards_fingerprint()
    response = login(city).post(url(), data())
    assert response.status_code == 302, (name, response.status_code)
    after = _standards_fingerprint()
    assert after[0] > before[0] and after != before, f"{name}: nothing written"


@pytest.mark.parametrize(
    "who,allowed",
    [
        ("hexi", (403,)),
        ("street_staff", (403,)),
        ("inspector", (403,)),
        ("norole", (403,)),
        ("resident", (302,)),
        (None, (302,)),
    ],
    ids=["district admin", "street staff", "inspector", "no role", "resident", "anonymous"],
)
@pytest.mark.parametrize("name,url,data", CITY_WRITES, ids=CITY_WRITE_IDS)
def test_only_city_administrators_write_the_standards(
    request, name, url, data, who, allowed, ctx, login
):
    user = request.getfixturevalue(who) if who else None
    before = _standards_fingerprint()
    response = login(user).post(url(), data())
    assert response.status_code in allowed, (name, who, response.status_code)
    assert _standards_fingerprint() == before, f"{name} by {who} changed data"
