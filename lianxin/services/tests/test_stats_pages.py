"""The statistics page and its export: counts by item, center and status, on-time rate and
satisfaction per center / street / district, all inside the user's scope."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from lianxin.core.tests.factories import HEXI_VILLAGE, NANKAI_VILLAGE, region
from lianxin.services import services
from lianxin.services.tests import factories as f

URL = "/services/stats/"


@pytest.fixture
def cases(db):
    item = f.item(name="统计事项", materials=())
    hexi_center = f.center_of(region(HEXI_VILLAGE))
    nankai_center = f.center_of(region(NANKAI_VILLAGE))
    done = f.application(hexi_center, item_obj=item)
    for status in ("accepted", "in_progress"):
        services.transition(f.root(), done, status)
    services.transition(f.root(), done, "transferred", note="转街道")
    services.transition(f.root(), done, "concluded", result="已办结")
    f.application(hexi_center, item_obj=item)
    f.application(nankai_center, item_obj=item)
    return hexi_center, nankai_center


def test_figures_are_in_scope(cases, hexi, login):
    hexi_center, nankai_center = cases
    body = login(hexi).get(URL + "?level=center").content.decode()
    assert re.search(r'data-figure="total">2<', body)
    assert re.search(r'data-figure="on-time">100%<', body)
    assert f'data-center="{hexi_center.pk}"' in body
    assert f'data-center="{nankai_center.pk}"' not in body
    assert "data-stats-chart" in body and "echarts.min.js" in body


@pytest.mark.parametrize(
    "who,level",
    [
        ("city", "district"),
        ("hexi", "street"),
        ("street_staff", "center"),
        ("center_staff", "center"),
    ],
)
def test_the_default_level_is_the_one_below_the_users(cases, login, request, who, level):
    body = login(request.getfixturevalue(who)).get(URL).content.decode()
    assert f'id="performance-table" data-level="{level}"' in body


def test_a_district_picked_by_the_city_shows_its_streets(cases, city, login):
    hexi_center, _ = cases
    body = login(city).get(URL + "?district=120103").content.decode()
    assert 'data-level="street"' in body and f'data-key="{hexi_center.street_code}"' in body


def test_the_per_center_table_is_paged_and_sorted(db, hexi, login):
    from lianxin.core.tests.factories import HEXI
    from lianxin.regions.models import Level, Region

    item = f.item(name="分页事项", materials=())
    villages = list(
        Region.objects.filter(path__startswith=region(HEXI).path, level=Level.VILLAGE).order_by(
            "code"
        )[:12]
    )
    assert len(villages) == 12
    centers = [f.center_of(v) for v in villages]
    for n, c in enumerate(centers):
        for _ in range(n % 4 + 1):  # the 4th, 8th and 12th centers have 4 applications
            f.application(c, item_obj=item)
    client = login(hexi)
    body = client.get(URL + "?level=center&per_page=10&sort=-total").content.decode()
    rows = re.findall(r'<tr data-key="\d+" data-center="(\d+)"', body)
    assert len(rows) == 10 and 'data-count="12"' in body
    assert [int(pk) for pk in rows[:3]] == [centers[3].pk, centers[7].pk, centers[11].pk]
    second = client.get(URL + "?level=center&per_page=10&sort=-total&page=2").content.decode()
    assert len(re.findall(r'<tr data-key="\d+" data-center', second)) == 2
    # Sort links replace the current sort (one sort= each) and go back to the first page.
    sort_links = re.findall(r'aria-sort="\w+"><a href="\?([^"]*)"', second.replace("&amp;", "&"))
    assert sort_links and all(link.count("sort=") == 1 for link in sort_links)
    assert not any(re.search(r"(^|&)page=", link) for link in sort_links)
    assert "sort=total&" in sort_links[1] + "&"  # 办件 sorted descending now: next is ascending


def test_the_statistics_page_is_a_fixed_number_of_queries(
    cases, city, login, django_assert_max_num_queries
):
    """However many centers: the figures are GROUP BY queries and one page of rows."""
    client = login(city)
    client.get(URL)
    with django_assert_max_num_queries(16):
        client.get(URL + "?level=center")


def test_the_city_sees_both_and_groups_by_district(cases, city, login):
    body = login(city).get(URL + "?level=district").content.decode()
    assert re.search(r'data-figure="total">3<', body)
    assert 'data-key="120103000000"' in body


def test_an_empty_period_has_empty_states(cases, hexi, login):
    body = login(hexi).get(URL + "?from=2001-01-01&to=2001-12-31").content.decode()
    assert re.search(r'data-figure="total">0<', body)
    assert "统计期间内没有办件" in body and "data-stats-chart" not in body


def test_bad_parameters_do_not_break_the_page(cases, hexi, login):
    response = login(hexi).get(URL + "?from=yesterday&level=planet&district=abc")
    assert response.status_code == 200


@pytest.mark.parametrize("table", ["performance", "item", "center", "status"])
def test_exports_open_with_openpyxl(cases, hexi, login, table):
    response = login(hexi).get(f"{URL}export.xlsx?table={table}")
    assert response.status_code == 200
    rows = list(
        openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    text = "\n".join(str(c) for r in rows for c in r if c is not None)
    assert "南开" not in text
    if table == "center":
        assert rows[1][2] == 2  # the 河西 center's two applications
