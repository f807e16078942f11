"""Find my center: by text (name, address, pinyin initials), by district and street (with the
HTMX cascade), nearest to a point (distance order), and only in-use centers, publicly."""

from decimal import Decimal

import pytest

from lianxin.core.tests.factories import (
    HEXI,
    HEXI_STREET,
    HEXI_STREET_2,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    NANKAI,
    NANKAI_VILLAGE,
)
from lianxin.portal import queries


@pytest.fixture
def centers(region, make_center):
    """Three in-use centers at known points and one still being renovated."""
    a = make_center(
        region(HEXI_VILLAGE),
        name="九江路社区党群服务中心",
        address="河西区九江路12号",
        latitude=Decimal("39.100000"),
        longitude=Decimal("117.200000"),
    )
    b = make_center(
        region(HEXI_VILLAGE_2),
        name="荣华里社区党群服务中心",
        address="河西区荣华里3号",
        latitude=Decimal("39.110000"),
        longitude=Decimal("117.200000"),
    )
    c = make_center(
        region(NANKAI_VILLAGE),
        name="光明路社区党群服务中心",
        address="南开区光明路8号",
        latitude=Decimal("39.300000"),
        longitude=Decimal("117.200000"),
    )
    shut = make_center(
        region("120103002001"),
        name="改造中的中心",
        address="河西区九江路99号",
        status="renovating",
        latitude=Decimal("39.100100"),
        longitude=Decimal("117.200000"),
    )
    return a, b, c, shut


def _ids(body: str) -> list[int]:
    import re

    return [int(x) for x in re.findall(r'data-center="(\d+)"', body)]


def test_home_is_public(login, centers):
    response = login().get("/portal/")
    assert response.status_code == 200
    assert "使用我的位置" in response.content.decode()


def test_find_by_address_text(login, centers):
    a, b, c, shut = centers
    body = login().get("/portal/", {"q": "九江路"}).content.decode()
    assert _ids(body) == [a.pk]  # the renovating one at 九江路99号 is not listed


def test_find_by_pinyin_initials(login, centers):
    a, b, c, shut = centers
    # 荣华里 → rhl (Center.search_text carries the initials)
    body = login().get("/portal/", {"q": "rhl"}).content.decode()
    assert b.pk in _ids(body) and a.pk not in _ids(body)


def test_find_by_district_and_street(login, centers):
    a, b, c, shut = centers
    client = login()
    assert set(_ids(client.get("/portal/", {"district": HEXI}).content.decode())) == {a.pk, b.pk}
    assert _ids(client.get("/portal/", {"district": NANKAI}).content.decode()) == [c.pk]
    by_street = client.get("/portal/", {"district": HEXI, "street": HEXI_STREET_2})
    assert _ids(by_street.content.decode()) == []
    by_street = client.get("/portal/", {"district": HEXI, "street": HEXI_STREET})
    assert set(_ids(by_street.content.decode())) == {a.pk, b.pk}


def test_street_cascade_partial(login):
    body = login().get("/portal/streets/", {"district": HEXI}, HTTP_HX_REQUEST="true")
    text = body.content.decode()
    assert HEXI_STREET in text and HEXI_STREET_2 in text and "<html" not in text
    assert NANKAI not in text


def test_results_partial_for_htmx(login, centers):
    response = login().get(
        "/portal/", {"q": "九江路", "partial": "results"}, HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert "<html" not in text and _ids(text) == [centers[0].pk]


def test_nearest_in_distance_order_with_km(login, centers):
    a, b, c, shut = centers
    body = login().get("/portal/", {"lat": "39.108", "lon": "117.2"}).content.decode()
    assert _ids(body) == [b.pk, a.pk, c.pk]  # 0.2 km, 0.9 km, 21 km; the renovating one absent
    assert "0.2 公里" in body and "0.9 公里" in body


def test_nearest_distance_is_haversine():
    # One degree of latitude is about 111.2 km.
    assert queries.haversine_km(39, 117, 40, 117) == pytest.approx(111.19, abs=0.05)
    assert queries.haversine_km(39, 117, 39, 117) == 0


def test_nearest_widens_the_box_until_it_has_ten(region, make_center):
    """The eleventh-nearest is never listed ahead of a nearer one, however far they are."""
    from lianxin.regions.models import Level, Region

    villages = list(
        Region.objects.filter(level=Level.VILLAGE, path__startswith=region(HEXI).path).order_by(
            "code"
        )[:12]
    )
    assert len(villages) == 12
    made = []
    for i, v in enumerate(villages):
        made.append(
            make_center(
                v,
                latitude=Decimal("39.000000") + Decimal(i) * Decimal("0.05"),
                longitude=Decimal("117.000000"),
            )
        )
    found = queries.nearest(39.0, 117.0)
    assert [c.pk for c, _km in found] == [c.pk for c in made[:10]]
    kms = [km for _c, km in found]
    assert kms == sorted(kms) and kms[-1] > 45


def test_bad_coordinates_are_field_errors(login):
    response = login().get("/portal/", {"lat": "north", "lon": "999"})
    body = response.content.decode()
    assert response.status_code == 200 and "invalid-feedback" in body
    assert body.count("invalid-feedback") >= 2


def test_public_api_find_and_nearest(login, centers):
    a, b, c, shut = centers
    client = login()
    found = client.get("/api/v1/portal/centers", {"q": "九江路"}).json()
    assert [x["id"] for x in found] == [a.pk]
    near = client.get("/api/v1/portal/centers/nearest", {"lat": 39.108, "lon": 117.2}).json()
    assert [x["id"] for x in near] == [b.pk, a.pk, c.pk]
    assert near[0]["distance_km"] == pytest.approx(0.222, abs=0.01)
    bad = client.get("/api/v1/portal/centers/nearest", {"lat": 99, "lon": 117})
    assert bad.status_code in (400, 422)


def test_center_page_of_a_center_not_in_use_is_404(login, centers):
    assert login().get(f"/portal/centers/{centers[3].pk}/").status_code == 404
    assert login().get(f"/portal/centers/{centers[0].pk}/").status_code == 200


def test_me_sends_residents_to_the_portal(login, resident, hexi):
    response = login(resident).get("/me/")
    assert response.status_code == 302 and response["Location"] == "/portal/"
    home = login(resident).get("/portal/").content.decode()
    assert "138****5678" in home and "张居民" in home
    assert login(hexi).get("/me/")["Location"] == "/"
