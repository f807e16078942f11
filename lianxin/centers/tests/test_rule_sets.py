"""Rule sets (建设标准) and the area level on edge cases: households missing, a rule set edited, a
later rule set taking over from its date, a unit demolished mid-year; and the rule-set pages
(city administrators edit, everyone else reads; errors named by field, in the user's language)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from lianxin.centers import services
from lianxin.centers.models import LevelRecord, RuleSet
from lianxin.centers.queries import levels_of
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import (
    HEXI_STREET,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    make_center,
    region,
)
from lianxin.regions.models import Kind, Region, Status
from lianxin.regions.models import Level as RegionLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def community():
    """250 ㎡ for 1,000 households: enough under the 2008 set (≥ 200 ㎡), short under the current
    one (30 ㎡ per 100 households = 300 ㎡)."""
    return make_center(region(HEXI_VILLAGE), floor_area=Decimal("250"), households=1000)


def rule(code):
    return RuleSet.objects.get(code=code)


def area(center, day):
    return levels_of(center, day)["area"]


def rule_set_data(**changes):
    data = {
        "code": "tj-2025",
        "name": "2025 年标准",
        "basis": "",
        "valid_from": "2025-01-01",
        "valid_to": "",
        "village_min_area": "300",
        "community_min_area": "",
        "community_area_per_100_households": "20",
        "activity_share_pct": "60",
        "comply_by": "",
        "note": "",
    }
    return data | changes


# --- households missing --------------------------------------------------------------------------


def test_households_missing_makes_a_per_household_rule_undecidable(hexi, login):
    center = make_center(region(HEXI_VILLAGE), floor_area=Decimal("5000"), households=None)
    record = services.assess_area(hexi, center, date(2024, 1, 1))
    assert record.rule_set == rule("tj-current")
    assert record.compliant is False and record.required_area is None
    assert "缺少服务户数" in record.note
    assert (record.floor_area, record.households) == (Decimal("5000.00"), None)
    # the page says "cannot tell", not "not compliant"
    html = (
        login(hexi)
        .get(f"/centers/{center.pk}/levels/?on=2024-01-01", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert 'data-state="undecidable"' in html and "无法判定" in html


def test_households_missing_does_not_matter_to_a_flat_rule(hexi, city):
    # the 2008 set asks 200 ㎡ of every community, whatever its households
    center = make_center(region(HEXI_VILLAGE), floor_area=Decimal("210"), households=None)
    record = services.assess_area(hexi, center, date(2018, 6, 1))
    assert record.rule_set == rule("tj-2008")
    assert (record.compliant, record.required_area) == (True, Decimal("200.00"))
    # nor to villages (300 ㎡ flat)
    village = (
        Region.objects.filter(level=RegionLevel.VILLAGE, kind=Kind.VILLAGE, code__startswith="1201")
        .order_by("code")
        .first()
    )
    farm = make_center(village, floor_area=Decimal("320"), households=None)
    record = services.assess_area(city, farm, date(2024, 1, 1))
    assert (record.compliant, record.required_area) == (True, Decimal("300.00"))


def test_a_small_resident_activity_share_fails_the_area_level(hexi, community):
    from lianxin.centers.models import Room, RoomType

    community.floor_area = Decimal("400")
    community.save()
    Room.objects.create(
        center=community,
        region_path=community.region_path,
        room_type=RoomType.objects.get(code="party_room"),
        name="活动室",
        area=Decimal("100"),
    )
    record = services.assess_area(hexi, community, date(2024, 1, 1))
    assert record.compliant is False and "25%" in record.note and "60%" in record.note


# --- a rule-set change never rewrites past results ------------------------------------------------


def test_editing_a_rule_set_never_rewrites_past_results(city, community):
    services.assess_area(city, community, date(2018, 6, 1))
    services.assess_area(city, community, date(2024, 1, 1))
    # What each record found (its period end, if the model keeps one, moves when a later record
    # is added: that is bookkeeping, not a rewrite of the finding).
    past = [
        {k: v for k, v in row.items() if k != "valid_to"}
        for row in LevelRecord.objects.filter(center=community).values()
    ]
    assert area(community, date(2018, 6, 1))["compliant"] is True
    assert area(community, date(2024, 1, 1))["compliant"] is False

    current = rule("tj-current")
    version = current.version
    services.save_rule_set(
        city,
        current,
        {"community_area_per_100_households": Decimal("20")},
        expected_version=current.version,
    )

    # the old rows are as they were, and the past reads as it did
    for before in past:
        assert LevelRecord.objects.filter(**before).exists()
    then = area(community, date(2024, 1, 1))
    assert (then["compliant"], then["required_area"], then["rule_set"]) == (
        False,
        Decimal("300.00"),
        "tj-current",
    )
    assert area(community, date(2018, 6, 1))["compliant"] is True
    # from today on, the edited rule: 20 ㎡ per 100 households → 200 ㎡
    today = timezone.localdate()
    now = area(community, today)
    assert (now["compliant"], now["required_area"], now["since"]) == (
        True,
        Decimal("200.00"),
        today,
    )
    assert rule("tj-current").version == version + 1
    assert AuditLog.objects.filter(action="update", target_type="centers.ruleset").exists()


def test_a_later_rule_set_takes_over_from_its_date(city, community):
    services.assess_area(city, community, date(2024, 1, 1))
    services.save_rule_set(
        city,
        None,
        {
            "code": "tj-2025",
            "name": "2025 年标准",
            "valid_from": date(2025, 1, 1),
            "village_min_area": Decimal("300"),
            "community_area_per_100_households": Decimal("20"),
        },
    )
    assert RuleSet.objects.in_force(date(2024, 12, 31)) == rule("tj-current")
    assert RuleSet.objects.in_force(date(2025, 1, 1)) == rule("tj-2025")
    before = area(community, date(2024, 12, 31))
    after = area(community, date(2025, 1, 1))
    assert (before["compliant"], before["rule_set"]) == (False, "tj-current")
    assert (after["compliant"], after["rule_set"], after["since"]) == (
        True,
        "tj-2025",
        date(2025, 1, 1),
    )
    assert after["required_area"] == Decimal("200.00")


def test_a_rule_set_for_the_future_changes_nothing_before_its_date(city, community):
    today = timezone.localdate()
    services.assess_area(city, community, today)
    start = today + timedelta(days=30)
    services.save_rule_set(
        city,
        None,
        {
            "code": "tj-next",
            "name": "下一版",
            "valid_from": start,
            "community_area_per_100_households": Decimal("10"),
        },
    )
    assert area(community, today)["compliant"] is False
    assert area(community, start)["compliant"] is True


def test_an_expired_rule_set_is_not_in_force(city):
    assert RuleSet.objects.in_force(date(2018, 12, 31)) == rule("tj-2008")
    assert RuleSet.objects.in_force(date(2019, 1, 1)) == rule("tj-current")
    assert RuleSet.objects.in_force(date(2007, 12, 31)) is None


# --- demolition mid-year -------------------------------------------------------------------------


def test_a_unit_demolished_mid_year_leaves_the_statistics_from_that_day(city):
    from lianxin.dashboard.queries import overview
    from lianxin.regions import services as regions

    first = make_center(region(HEXI_VILLAGE), floor_area=Decimal("900"), households=1000)
    second = make_center(region(HEXI_VILLAGE_2), floor_area=Decimal("900"), households=1000)
    for center in (first, second):
        services.assess_area(city, center, date(2020, 1, 1))
    regions.change_status(city, region(HEXI_VILLAGE_2), Status.DEMOLISHING, date(2020, 7, 1))
    street = region(HEXI_STREET)

    june = overview(city, street, date(2020, 6, 30))
    assert june["communities"]["total"] == 2
    assert june["communities"]["demolished"] == 0
    assert june["communities"]["area_compliant"] == 2
    assert june["levels"]["area"]["expected"] == 2

    december = overview(city, street, date(2020, 12, 31))
    assert december["communities"]["total"] == 2
    assert december["communities"]["demolished"] == 1
    # the demolished unit's area record still says compliant, but it no longer counts
    assert levels_of(second, date(2020, 12, 31))["area"]["compliant"] is True
    assert december["communities"]["area_compliant"] == 1
    assert december["levels"]["area"]["expected"] == 1
    assert december["levels"]["area"]["rate"] == 100.0


# --- the pages -----------------------------------------------------------------------------------


def test_the_list_shows_dates_thresholds_and_what_is_in_force(hexi, login):
    html = login(hexi).get("/standards/").content.decode()
    cards = {c.split('"', 1)[0]: c for c in html.split('data-rule-set="')[1:]}
    current, older = cards["tj-current"], cards["tj-2008"]
    assert "今日生效" in current and "已不适用" not in current
    assert "2019-01-01" in current and "每百户 ≥ 30 ㎡" in current and "≥ 60%" in current
    assert "2020-06-30" in current  # the deadline
    assert "已不适用" in older and "2008-01-01" in older and "2019-01-01" in older
    assert "此前的评估记录不会被改写" in html
    # read-only for a district administrator
    assert "/standards/new/" not in html and "/edit/" not in html


def test_only_city_administrators_edit(hexi, street_staff, inspector, login):
    current = rule("tj-current")
    for user in (hexi, street_staff, inspector):
        client = login(user)
        assert client.get("/standards/new/").status_code == 403
        assert client.post("/standards/new/", rule_set_data()).status_code == 403
        assert client.get(f"/standards/{current.pk}/edit/").status_code == 403
    assert not RuleSet.objects.filter(code="tj-2025").exists()
    with pytest.raises(PermissionDenied):
        services.save_rule_set(hexi, None, {"code": "x"})


def test_city_creates_a_rule_set_through_the_page(city, login):
    html = login(city).get("/standards/").content.decode()
    assert "/standards/new/" in html
    response = login(city).post(
        "/standards/new/", rule_set_data(activity_share_pct="55"), follow=True
    )
    assert response.redirect_chain == [("/standards/", 302)]
    assert "面积达标已自 2025-01-01 起按该标准重新评估" in response.content.decode()
    made = rule("tj-2025")
    assert made.activity_share_min == Decimal("0.55")
    assert made.community_area_per_100_households == Decimal("20")
    assert made.valid_to is None and made.version == 1


def test_field_errors_in_chinese_and_nothing_saved(city, login):
    response = login(city).post(
        "/standards/new/",
        rule_set_data(
            valid_from="2025-01-01",
            valid_to="2024-12-31",
            village_min_area="-5",
            community_area_per_100_households="0",
            community_min_area="三百",
            activity_share_pct="150",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "失效日期须晚于生效日期。" in html
    assert html.count("须大于 0。") == 2
    assert "请填写大于 0、不超过 100 的百分数。" in html
    assert "输入一个数字。" in html  # Django's own message, in Chinese
    assert 'aria-invalid="true"' in html
    assert not RuleSet.objects.filter(code="tj-2025").exists()


def test_at_least_one_area_threshold(city, login):
    html = (
        login(city)
        .post(
            "/standards/new/",
            rule_set_data(village_min_area="", community_area_per_100_households=""),
        )
        .content.decode()
    )
    assert "请至少填写一项面积标准。" in html
    assert not RuleSet.objects.filter(code="tj-2025").exists()


def test_duplicate_code_is_refused(city, login):
    html = login(city).post("/standards/new/", rule_set_data(code="tj-current")).content.decode()
    assert "已存在" in html
    assert RuleSet.objects.filter(code="tj-current").count() == 1


def test_field_errors_in_english(city, login):
    client = login(city)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.post(
        "/standards/new/", rule_set_data(valid_to="2024-01-01", village_min_area="-1")
    ).content.decode()
    assert "The end date must be later than the start date." in html
    assert "Must be greater than 0." in html


def test_editing_through_the_page_detects_a_concurrent_edit(city, login):
    current = rule("tj-current")
    url = f"/standards/{current.pk}/edit/"
    page = login(city).get(url).content.decode()
    assert 'name="version" value="1"' in page and 'value="60"' in page  # 0.60 shown as 60 %
    data = rule_set_data(
        code="tj-current",
        name=current.name,
        valid_from="2019-01-01",
        community_area_per_100_households="25",
        comply_by="2020-06-30",
        version="1",
    )
    assert login(city).post(url, data).status_code == 302
    assert rule("tj-current").version == 2
    # a second save from the same (stale) form is refused
    html = login(city).post(url, data | {"community_area_per_100_households": "40"})
    assert "该记录已被他人修改" in html.content.decode()
    assert rule("tj-current").community_area_per_100_households == Decimal("25")
    assert rule("tj-current").version == 2


def test_reassessing_in_bulk_finds_what_one_by_one_finds(city):
    """save_rule_set re-assesses the whole scope in bulk; each record is the one assess_area
    would write (numbers, rule set, resident-activity share, reasons)."""
    from lianxin.centers.models import Room, RoomType

    cases = {
        "ok": make_center(region(HEXI_VILLAGE), floor_area=Decimal("400"), households=1000),
        "small": make_center(region(HEXI_VILLAGE_2), floor_area=Decimal("250"), households=1000),
        "no households": make_center(region("120103002001"), floor_area=Decimal("900")),
        "few activity rooms": make_center(
            region("120103002003"), floor_area=Decimal("400"), households=1000
        ),
    }
    Room.objects.create(
        center=cases["few activity rooms"],
        region_path=cases["few activity rooms"].region_path,
        room_type=RoomType.objects.get(code="party_room"),
        name="活动室",
        area=Decimal("100"),
    )
    today = timezone.localdate()
    one_by_one = {name: services.assess_area(city, c, today) for name, c in cases.items()}
    current = rule("tj-current")
    services.save_rule_set(city, current, {"note": "重新评估"}, expected_version=current.version)
    fields = ["compliant", "rule_set_id", "floor_area", "households", "required_area", "note"]
    for name, center in cases.items():
        bulk = LevelRecord.objects.filter(center=center).order_by("-id").first()
        assert bulk.pk != one_by_one[name].pk
        for field in fields:
            expected = getattr(one_by_one[name], field)
            if field == "note" and not expected:
                expected = "tj-current"
            assert getattr(bulk, field) == expected, (name, field)
    assert [one_by_one[n].compliant for n in cases] == [True, False, False, False]
    log = AuditLog.objects.filter(action="assess_area", target_type="centers.ruleset").get()
    assert log.changes["centers"] == [None, 4] and log.changes["area_compliant"] == [None, 1]


def test_editing_a_past_rule_set_reassesses_nothing(city, community, login):
    """tj-2008 ended in 2019: editing it changes no level, and the page says so."""
    services.assess_area(city, community, date(2018, 6, 1))
    old = rule("tj-2008")
    count = LevelRecord.objects.count()
    data = rule_set_data(
        code="tj-2008",
        name=old.name,
        valid_from="2008-01-01",
        valid_to="2019-01-01",
        village_min_area="",
        community_min_area="200",
        community_area_per_100_households="",
        activity_share_pct="",
        version=str(old.version),
        note="补充说明",
    )
    response = login(city).post(f"/standards/{old.pk}/edit/", data, follow=True)
    assert "它不是当时生效的标准，未重新评估" in response.content.decode()
    assert rule("tj-2008").note == "补充说明"
    assert LevelRecord.objects.count() == count
