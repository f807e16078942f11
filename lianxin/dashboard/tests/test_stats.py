"""Statistics as of several dates against a hand-computed fixture.

Seven units of one street in 蓟州区, each with a life written out below; the expected figures were
worked out by hand from those lives, not by running the code.

    V1 village   area ✗ 2019-01-01, ✓ 2019-06-01; center in use since 2015
    V2 village   under demolition from 2019-09-01; area ✗ 2019-01-01
    V3 village   area ✓ 2019-01-01; use ✓ 2019-02-01, ✗ 2020-06-01
    V4 village   area ✓ 2019-04-01; converted to a community (村改居) on 2020-07-01
    V5 village   households-free: no records at all (not yet assessed)
    C1 community renovating from 2019-01-10, in use from 2019-08-01; renovation ✓ 2019-08-01
    C2 community created 2020-03-01; renovating until 2020-09-01, then in use; renovation ✓ then
"""

from datetime import date

import pytest

from lianxin.centers.models import CenterStatus, CenterStatusPeriod, Level, LevelRecord
from lianxin.core.tests.factories import make_center
from lianxin.dashboard.queries import overview
from lianxin.regions import services as region_services
from lianxin.regions.models import Kind, Region, RegionStatus, Status
from lianxin.regions.models import Level as RegionLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def street(db):
    """A 蓟州区 township with at least five villages and two communities."""
    for township in Region.objects.filter(code__startswith="120119", level=RegionLevel.TOWNSHIP):
        kids = list(township.children.order_by("code"))
        villages = [k for k in kids if k.kind == Kind.VILLAGE]
        communities = [k for k in kids if k.kind == Kind.COMMUNITY]
        if len(villages) >= 5 and len(communities) >= 2:
            return township, villages[:5], communities[:2]
    pytest.fail("no 蓟州区 township with five villages and two communities")


def periods(center, *spans):
    for status, start, end in spans:
        CenterStatusPeriod.objects.create(
            center=center, status=status, valid_from=start, valid_to=end
        )


def level(center, which, ok, on):
    LevelRecord.objects.create(
        center=center,
        region_path=center.region_path,
        level=which,
        compliant=ok,
        effective_on=on,
        source="campaign",
    )


@pytest.fixture
def lives(street, city):
    township, (v1, v2, v3, v4, v5), (c1, c2) = street
    centers = {
        name: make_center(r)
        for name, r in zip(
            ["V1", "V2", "V3", "V4", "V5", "C1", "C2"], [v1, v2, v3, v4, v5, c1, c2], strict=True
        )
    }
    for name in ("V1", "V2", "V3", "V4", "V5"):
        periods(centers[name], (CenterStatus.IN_USE, date(2015, 1, 1), None))
    level(centers["V1"], Level.AREA, False, date(2019, 1, 1))
    level(centers["V1"], Level.AREA, True, date(2019, 6, 1))
    region_services.change_status(city, v2, Status.DEMOLISHING, date(2019, 9, 1))
    level(centers["V2"], Level.AREA, False, date(2019, 1, 1))
    level(centers["V3"], Level.AREA, True, date(2019, 1, 1))
    level(centers["V3"], Level.USE, True, date(2019, 2, 1))
    level(centers["V3"], Level.USE, False, date(2020, 6, 1))
    level(centers["V4"], Level.AREA, True, date(2019, 4, 1))
    region_services.change_status(city, v4, Status.CONVERTED, date(2020, 7, 1), kind=Kind.COMMUNITY)
    periods(
        centers["C1"],
        (CenterStatus.RENOVATING, date(2019, 1, 10), date(2019, 8, 1)),
        (CenterStatus.IN_USE, date(2019, 8, 1), None),
    )
    level(centers["C1"], Level.RENOVATION, True, date(2019, 8, 1))
    RegionStatus.objects.filter(region=c2).update(valid_from=date(2020, 3, 1))
    periods(
        centers["C2"],
        (CenterStatus.RENOVATING, date(2020, 3, 1), date(2020, 9, 1)),
        (CenterStatus.IN_USE, date(2020, 9, 1), None),
    )
    level(centers["C2"], Level.RENOVATION, True, date(2020, 9, 1))
    return township


@pytest.mark.parametrize(
    ("day", "villages", "communities"),
    [
        # Before anything was done: five villages, one community (C2 does not exist yet).
        (
            date(2019, 3, 1),
            {"total": 5, "demolished": 0, "area_compliant": 1},
            {"total": 1, "demolished": 0, "renovated_in_use": 0},
        ),
        # V2 being demolished; V1, V3, V4 to standard; C1 renovated and in use.
        (
            date(2019, 12, 31),
            {"total": 5, "demolished": 1, "area_compliant": 3},
            {"total": 1, "demolished": 0, "renovated_in_use": 1},
        ),
        # C2 exists but is still being renovated.
        (
            date(2020, 6, 30),
            {"total": 5, "demolished": 1, "area_compliant": 3},
            {"total": 2, "demolished": 0, "renovated_in_use": 1},
        ),
        # V4 is a community now (area ✓, never renovated); C2 renovated and in use.
        (
            date(2021, 1, 1),
            {"total": 4, "demolished": 1, "area_compliant": 2},
            {"total": 3, "demolished": 0, "renovated_in_use": 2},
        ),
    ],
)
def test_figures_as_of(lives, city, day, villages, communities):
    figures = overview(city, lives, day)
    assert {k: figures["villages"][k] for k in villages} == villages
    assert {k: figures["communities"][k] for k in communities} == communities


def test_levels_completeness_and_timeliness(lives, city):
    figures = overview(city, lives, date(2021, 1, 1))
    # Standing units: V1 V3 V5 (villages) + C1 C2 V4 (communities) = 6.
    area = figures["levels"]["area"]
    assert (area["expected"], area["done"]) == (6, 3)  # V1, V3, V4
    assert area["rate"] == 50.0
    # The rule set in force (tj-current) has its deadline on 2020-06-30: all three were done then.
    assert area["on_time"] == 3
    renovation = figures["levels"]["renovation"]
    # C1 by the deadline, C2 after it.
    assert (renovation["done"], renovation["on_time"]) == (2, 1)
    assert figures["levels"]["use"]["done"] == 0  # V3 lost it on 2020-06-01
    assert figures["villages"]["used_to_standard"] == 0


def test_use_level_as_of_before_it_was_lost(lives, city):
    assert overview(city, lives, date(2020, 5, 31))["levels"]["use"]["done"] == 1


def test_children_add_up(lives, city):
    district = lives.parent
    figures = overview(city, district, date(2021, 1, 1))
    child = next(c for c in figures["children"] if c["code"] == lives.code)
    assert child["villages"]["total"] == 4 and child["communities"]["total"] == 3
    assert (
        sum(c["communities"]["total"] for c in figures["children"])
        == (figures["communities"]["total"])
    )


def test_out_of_scope_units_are_not_counted(lives, hexi):
    assert overview(hexi, lives, date(2021, 1, 1))["villages"]["total"] == 0


def test_api_overview_shape_and_scope(lives, city, hexi, login):
    response = login(city).get(f"/api/v1/stats/overview?region={lives.code}&as_of=2019-12-31")
    assert response.status_code == 200
    body = response.json()
    assert body["villages"] == {
        "total": 5,
        "demolished": 1,
        "area_compliant": 3,
        "renovation_compliant": 0,
        "used_to_standard": 1,
        "area_rate": 75.0,
    }
    assert body["communities"]["renovated_in_use"] == 1
    assert [c["code"] for c in body["children"]] == sorted(
        c.code
        for c in Region.objects.filter(parent=lives)
        if c.code in {x["code"] for x in body["children"]}
    )
    assert login(hexi).get(f"/api/v1/stats/overview?region={lives.code}").status_code == 404
    bad = login(city).get("/api/v1/stats/overview?as_of=2020-02-30")
    assert bad.status_code == 422 and "as_of" in bad.json()["errors"]


def test_api_points_carry_status_and_levels(lives, city, login):
    response = login(city).get(f"/api/v1/stats/centers?region={lives.code}&as_of=2019-12-31")
    assert response.status_code == 200
    points = {p["code"]: p for p in response.json()}
    assert len(points) == 6  # C2 did not exist yet
    c1 = next(p for p in points.values() if p["renovation_ok"])
    assert c1["status"] == CenterStatus.IN_USE


def test_a_village_level_unit_has_figures_and_no_children(lives, city, login):
    unit = Region.objects.filter(parent=lives, kind=Kind.VILLAGE).order_by("code").first()
    response = login(city).get(f"/api/v1/stats/overview?region={unit.code}&as_of=2019-12-31")
    assert response.status_code == 200
    body = response.json()
    assert body["villages"]["total"] == 1 and "children" not in body
