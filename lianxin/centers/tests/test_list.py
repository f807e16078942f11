"""The centers list: search by name, code or pinyin initials, filters, sorting, paging — and the
export carries exactly the filtered list. The page, the export and the API share one filter."""

from __future__ import annotations

import io
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from python_calamine import CalamineWorkbook

from lianxin.centers.models import CenterStatus
from lianxin.core.tests.factories import make_center
from lianxin.regions.models import Kind, Level, Region

pytestmark = pytest.mark.django_db

HEXI_STREETS = ["120103001000", "120103002000"]  # 大营门街道, 下瓦房街道
STATUSES = [CenterStatus.IN_USE, CenterStatus.RENOVATING, CenterStatus.PLANNED]


@pytest.fixture
def centers():
    """27 centers: the 7 communities of 大营门街道 and 9 of 下瓦房街道 (河西区), the street-level
    center of 大营门街道, 5 communities of 南开区 长虹街道, 5 villages (村) of 西青区. Floor areas
    and household counts all differ."""
    units = []
    for street in HEXI_STREETS:
        units += list(Region.objects.filter(parent__code=street).order_by("code")[:9])
    units.append(Region.objects.get(code="120103001000"))
    units += list(Region.objects.filter(parent__code="120104001000").order_by("code")[:5])
    units += list(
        Region.objects.filter(
            code__startswith="120111", level=Level.VILLAGE, kind=Kind.VILLAGE
        ).order_by("code")[:5]
    )
    made = {}
    for i, unit in enumerate(units):
        made[unit.code] = make_center(
            unit,
            floor_area=Decimal(100 + (i * 37) % 211),
            households=1000 - i,
            status=STATUSES[i % 3],
        )
    assert len(made) == 27
    return made


def hexi_codes(centers):
    return {c for c in centers if c.startswith("120103")}


def listed(client, **params) -> list[str]:
    """Region codes on the list page, in order (every page at 200 a page)."""
    response = client.get("/centers/?" + urlencode(params | {"per_page": 200}))
    assert response.status_code == 200
    return [c.region.code for c in response.context["page"].object_list]


def api_listed(client, **params) -> list[str]:
    response = client.get("/api/v1/centers/?" + urlencode(params | {"page_size": 500}))
    assert response.status_code == 200
    return [item["code"] for item in response.json()["items"]]


def exported(client, **params) -> list[list]:
    response = client.get("/centers/export.xlsx?" + urlencode(params))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return sheet.get_sheet_by_index(0).to_python()


@pytest.fixture
def city_client(city, login):
    return login(city)


def test_pinyin_initials_find_the_district_and_only_it(centers, city_client):
    # The fixture's other centers must not carry "hxq" by accident.
    from lianxin.centers.models import Center

    strays = Center.objects.filter(search_text__icontains="hxq").exclude(
        district_code="120103000000"
    )
    assert not strays.exists()
    for q in ("hxq", "HXQ", " hxq "):
        assert set(listed(city_client, q=q)) == hexi_codes(centers), q
        assert set(api_listed(city_client, q=q)) == hexi_codes(centers), q


def test_search_by_name(centers, city_client):
    assert listed(city_client, q="九江路") == ["120103001001"]
    assert listed(city_client, q="jjl") == ["120103001001"]
    # A street's name finds its centers (the street-level one included).
    expected = {c for c in centers if c.startswith("120103002")}
    assert set(listed(city_client, q="下瓦房")) == expected
    assert set(listed(city_client, q="xwf")) == expected


def test_search_by_chinese_does_not_match_by_initials(centers, city_client):
    """ "河西" means 河西, not every name whose initials contain "hx"."""
    assert set(listed(city_client, q="河西")) == hexi_codes(centers)


def test_search_by_code_prefix(centers, city_client):
    assert set(listed(city_client, q="120104")) == {c for c in centers if c.startswith("120104")}
    assert listed(city_client, q="没有这个名字") == []


def test_search_stays_inside_the_scope(centers, nankai, login):
    assert listed(login(nankai), q="hxq") == []
    assert listed(login(nankai), q="120103") == []


@pytest.mark.parametrize(
    "params,expect",
    [
        ({"district": "120103"}, lambda c: c.startswith("120103")),
        ({"district": "120103000000"}, lambda c: c.startswith("120103")),
        ({"street": "120103002"}, lambda c: c.startswith("120103002")),
        ({"region": "120103001"}, lambda c: c.startswith("120103001")),
        ({"kind": Kind.VILLAGE}, lambda c: c.startswith("120111")),
        ({"kind": Kind.STREET}, lambda c: c == "120103001000"),
        (
            {"district": "120103", "kind": Kind.COMMUNITY},
            lambda c: c.startswith("120103") and c != "120103001000",
        ),
    ],
)
def test_filters(centers, city_client, params, expect):
    expected = {c for c in centers if expect(c)}
    assert expected, "the filter must select something for the test to mean anything"
    assert set(listed(city_client, **params)) == expected
    assert set(api_listed(city_client, **params)) == expected


def test_status_filter(centers, city_client):
    renovating = {code for code, c in centers.items() if c.status == CenterStatus.RENOVATING}
    assert 0 < len(renovating) < len(centers)
    assert set(listed(city_client, status=CenterStatus.RENOVATING)) == renovating
    assert set(listed(city_client, district="120103", status=CenterStatus.RENOVATING)) == {
        c for c in renovating if c.startswith("120103")
    }


def test_district_filter_offers_only_visible_districts(centers, hexi, city, login):
    hexi_page = login(hexi).get("/centers/")
    assert [d.code for d in hexi_page.context["districts"]] == ["120103000000"]
    assert len(login(city).get("/centers/").context["districts"]) == 16
    streets = login(hexi).get("/centers/?district=120103000000").context["streets"]
    assert {s.parent.code for s in streets} == {"120103000000"} and len(streets) > 5


@pytest.mark.parametrize(
    "sort,key,reverse",
    [
        ("code", lambda c: c.region.code, False),
        ("-code", lambda c: c.region.code, True),
        ("area", lambda c: c.floor_area, False),
        ("-area", lambda c: c.floor_area, True),
        ("households", lambda c: c.households, False),
        ("-households", lambda c: c.households, True),
        ("nonsense", lambda c: c.region.code, False),  # unknown → by code
    ],
)
def test_sorting(centers, city_client, sort, key, reverse):
    expected = [c.region.code for c in sorted(centers.values(), key=key, reverse=reverse)]
    assert listed(city_client, sort=sort) == expected
    assert api_listed(city_client, sort=sort) == expected


def test_sort_by_name(centers, city_client):
    by_name = sorted(centers.values(), key=lambda c: (c.name, c.region.code))
    assert len({c.name for c in by_name}) == len(by_name)
    assert listed(city_client, sort="name") == [c.region.code for c in by_name]
    assert listed(city_client, sort="-name") == [c.region.code for c in reversed(by_name)]


def test_paging(centers, city_client):
    everything = listed(city_client)
    pages = []
    for number in (1, 2, 3):
        response = city_client.get(f"/centers/?per_page=10&page={number}")
        page = response.context["page"]
        assert page.paginator.count == 27 and page.paginator.num_pages == 3
        pages += [c.region.code for c in page.object_list]
    assert pages == everything
    # Out of range → the last page; rubbish → the first; per_page is clamped to 10..200.
    assert city_client.get("/centers/?per_page=10&page=99").context["page"].number == 3
    assert city_client.get("/centers/?per_page=10&page=x").context["page"].number == 1
    assert city_client.get("/centers/?per_page=1").context["page"].paginator.per_page == 10
    assert city_client.get("/centers/?per_page=abc").context["page"].paginator.per_page == 50


def test_api_paging(centers, city_client):
    everything = api_listed(city_client)
    response = city_client.get("/api/v1/centers/?page=2&page_size=7").json()
    assert (response["count"], response["page"], response["page_size"]) == (27, 2, 7)
    assert [i["code"] for i in response["items"]] == everything[7:14]
    assert city_client.get("/api/v1/centers/?page=9&page_size=7").json()["items"] == []


def test_htmx_request_gets_only_the_table(centers, city_client):
    response = city_client.get("/centers/?q=hxq", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'id="center-table"' in body
    assert "九江路" in body


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"district": "120103", "sort": "-area"},
        {"q": "hxq", "status": CenterStatus.IN_USE},
        {"kind": Kind.VILLAGE, "sort": "households"},
    ],
    ids=["all", "district by area", "initials and status", "villages by households"],
)
def test_export_matches_the_filtered_list(centers, city_client, params):
    rows = exported(city_client, **params)
    header, body = rows[0], [r for r in rows[1:] if r and r[0]]
    assert header[:6] == ["区划代码", "名称", "区", "街镇", "类型", "状态"]
    assert [r[0] for r in body] == listed(city_client, **params)
    for row in body:
        center = centers[row[0]]
        assert row[1] == center.name
        assert row[2] == Region.objects.get(code=center.district_code).name
        assert row[3] == Region.objects.get(code=center.street_code).name
        assert row[4] == Kind(center.kind).label
        assert row[5] == CenterStatus(center.status).label
        assert Decimal(str(row[7])) == center.floor_area
        assert int(row[8]) == center.households


def test_export_is_scoped(centers, hexi, login):
    codes = [r[0] for r in exported(login(hexi))[1:] if r and r[0]]
    assert set(codes) == hexi_codes(centers)


def test_export_link_carries_the_filters(centers, city_client):
    body = city_client.get("/centers/?district=120103&sort=-area").content.decode()
    assert "/centers/export.xlsx?" in body
    link = body.split('id="export-link" href="', 1)[1].split('"', 1)[0]
    assert "district=120103" in link and "sort=-area" in link


@pytest.mark.parametrize(
    ("name", "initials"),
    [("长虹街道", "chjd"), ("重庆道", "cqd"), ("河西区", "hxq"), ("朝阳村", "cyc")],
)
def test_place_name_initials_use_the_place_name_reading(name, initials):
    from lianxin.core.text import pinyin_initials

    assert pinyin_initials(name) == initials
