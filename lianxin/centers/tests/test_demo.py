"""The demo layer reproduces the article's figures from row-level data."""

from datetime import date

import pytest
from django.db.models import F

from lianxin.centers.demo import ARTICLE_DAY, DemoBuilder, article_figures
from lianxin.centers.models import Center, CenterStatus, CenterStatusPeriod
from lianxin.core import geo
from lianxin.regions.models import Kind, Level, Region, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return DemoBuilder(seed=20200423).run()


def test_article_figures_as_of_the_article_day(demo):
    assert article_figures(ARTICLE_DAY) == {
        "villages": 3538,
        "villages_demolished": 95,
        "villages_in_use": 3443,
        "communities": 1728,
        "communities_demolished": 26,
        "communities_in_use": 1702,
    }


def test_every_unit_and_street_has_one_demo_center(demo):
    units = Region.objects.filter(level__in=[Level.TOWNSHIP, Level.VILLAGE]).count()
    assert demo["centers"] == units == Center.objects.filter(is_demo=True).count() == 5916


def test_heping_finished_first(demo):
    """和平区 finished all its communities by 2019-06-30; every other district later."""

    def last_completion(district: str) -> date:
        done = CenterStatusPeriod.objects.filter(
            center__district_code=district + "000000",
            center__kind=Kind.COMMUNITY,
            status=CenterStatus.IN_USE,
            valid_from__gte=date(2019, 1, 1),
            valid_from__lte=ARTICLE_DAY,
        ).values_list("valid_from", flat=True)
        return max(done)

    assert last_completion("120101") <= date(2019, 6, 30)
    others = Region.objects.filter(level=Level.COUNTY).exclude(code="120101000000")
    with_communities = [r.code[:6] for r in others]
    assert all(last_completion(d) > date(2019, 6, 30) for d in with_communities)


def test_later_units_say_they_came_later(demo):
    before = Region.objects.filter(level=Level.VILLAGE).as_of(ARTICLE_DAY).count()
    now = Region.objects.filter(level=Level.VILLAGE).as_of(date(2026, 1, 1)).count()
    assert (before, now) == (3538 + 1728, 5617)
    converted = Region.objects.filter(status=Status.CONVERTED)
    assert converted.count() == 8
    sample = converted.first()
    first = sample.statuses.order_by(F("valid_from").asc(nulls_first=True)).first()
    assert first.kind == Kind.VILLAGE
    assert Region.objects.as_of(date(2026, 1, 1)).get(pk=sample.pk).kind_then == Kind.COMMUNITY


def test_centers_lie_inside_their_district(demo):
    for c in Center.objects.filter(is_demo=True).order_by("?")[:300]:
        assert geo.in_district(c.district_code, float(c.longitude), float(c.latitude)), c.name


def test_the_plan_is_reproducible():
    units = list(Region.objects.filter(level=Level.VILLAGE).order_by("code"))
    assert DemoBuilder(seed=7).plan(units) == DemoBuilder(seed=7).plan(units)
    assert DemoBuilder(seed=7).plan(units) != DemoBuilder(seed=8).plan(units)


def test_the_statistics_endpoint_gives_the_article_figures(demo, city, login):
    body = login(city).get("/api/v1/stats/overview?region=12&as_of=2020-04-23").json()
    villages, communities = body["villages"], body["communities"]
    assert (villages["total"], villages["demolished"], villages["area_compliant"]) == (
        3538,
        95,
        3443,
    )
    assert (communities["total"], communities["demolished"], communities["renovated_in_use"]) == (
        1728,
        26,
        1702,
    )


def test_heping_alone_complete_on_2019_06_30(demo, city, login):
    body = login(city).get("/api/v1/stats/overview?region=12&as_of=2019-06-30").json()
    complete = [c["name"] for c in body["children"] if c["completion"]["rate"] == 100.0]
    assert complete == ["和平区"]
