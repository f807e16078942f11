"""The campaign demo tells the article's story and agrees, row by row, with the foundation's
history. Built once for the module (the foundation's layer, then the campaign), inside a
transaction rolled back at the end; each test runs in a savepoint of its own."""

from __future__ import annotations

import sys
import types
from collections import Counter
from datetime import date

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min
from django.test import override_settings
from django.utils import timezone

from lianxin.campaign import criteria, services
from lianxin.campaign.demo import (
    BEICHEN,
    BINHAI,
    CAMPAIGN_CODE,
    CITY,
    FOLLOW_ON_CODE,
    HISTORY_USER_PREFIX,
    CampaignDemo,
    clear,
)
from lianxin.campaign.models import (
    ActionItem,
    Campaign,
    Commitment,
    Health,
    Leader,
    LeaderAssignment,
    Meeting,
    Milestone,
    Plan,
    Rectification,
    RectificationStatus,
    SignOff,
    SignOffPhoto,
    SignOffStatus,
    Visit,
    VisitKind,
)
from lianxin.campaign.queries_supervision import plans_q_for_leader
from lianxin.centers.demo import ARTICLE_DAY, CAMPAIGN_START, HEPING, DemoBuilder, article_figures
from lianxin.centers.models import CenterStatus, Level, LevelRecord
from lianxin.regions.models import Kind, Region
from lianxin.regions.models import Level as RegionLevel

pytestmark = pytest.mark.django_db

SEED = 20200423


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, _media_dir):
    from lianxin.accounts import services as accounts

    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=_media_dir),
        transaction.atomic(),
    ):
        hexi = Region.objects.get(code="120103000000")
        leader = accounts.create_staff(
            None, username="leader", password="x-unused-1!", display_name="河西区包保领导"
        )
        accounts.assign_role(None, leader, "inspector", hexi)
        DemoBuilder(seed=SEED).run()
        counts = CampaignDemo(seed=SEED).run(bulletins=False)
        if connection.vendor == "postgresql":
            # Check the deferred foreign keys of the bulk load once, here, rather than after
            # every test (Django's test teardown checks whatever is pending).
            connection.check_constraints()
        yield counts
        transaction.set_rollback(True)


def _campaign():
    return Campaign.objects.get(code=CAMPAIGN_CODE)


def _renovated_since() -> dict[int, date]:
    return dict(
        LevelRecord.objects.filter(
            level=Level.RENOVATION, compliant=True, valid_to__isnull=True
        ).values_list("center_id", "since")
    )


def test_the_article_figures_stand(demo):
    assert article_figures(ARTICLE_DAY) == {
        "villages": 3538,
        "villages_demolished": 95,
        "villages_in_use": 3443,
        "communities": 1728,
        "communities_demolished": 26,
        "communities_in_use": 1702,
    }


def test_a_plan_for_every_site_not_renovated_when_the_campaign_started(demo):
    on_start = LevelRecord.objects.on(CAMPAIGN_START).filter(level=Level.RENOVATION)
    behind = set(
        on_start.filter(compliant=False)
        .exclude(center__status=CenterStatus.CLOSED_DEMOLITION)
        .values_list("center_id", flat=True)
    )
    ahead = set(on_start.filter(compliant=True).values_list("center_id", flat=True))
    planned = set(Plan.objects.filter(campaign=_campaign()).values_list("center_id", flat=True))
    assert behind == planned
    assert not planned & ahead
    # The communities set up since then: in the follow-on campaign, new builds.
    later = Plan.objects.filter(campaign__code=FOLLOW_ON_CODE)
    assert later.exists() and set(later.values_list("works_type", flat=True)) == {"build"}
    assert not set(later.values_list("center_id", flat=True)) & (planned | ahead)
    assert not Plan.objects.filter(center__status=CenterStatus.CLOSED_DEMOLITION).exists()
    assert Plan.objects.filter(is_demo=False).count() == 0
    assert demo["plans"] == len(planned) + later.count() == Plan.objects.count()


def test_every_sign_off_is_on_the_day_the_center_became_renovation_compliant(demo):
    since = _renovated_since()
    signed = Plan.objects.filter(signed_off_on__isnull=False)
    assert signed.count() == demo["signed_off"] > 4000
    for center_id, day, signoff_day in signed.values_list(
        "center_id", "signed_off_on", "signoff__signed_off_on"
    ):
        assert since[center_id] == day == signoff_day
    # …and the centers under way are not compliant.
    open_ = Plan.objects.filter(signed_off_on__isnull=True).values_list("center_id", flat=True)
    assert open_ and not set(open_) & set(since)


def test_two_people_sign_off_the_street_then_the_district(demo):
    rows = SignOff.objects.select_related("plan", "submitted_by__org_unit", "verified_by__org_unit")
    assert rows.count() == demo["signed_off"]
    for s in rows:
        assert s.status == SignOffStatus.SIGNED_OFF
        assert s.submitted_by_id != s.verified_by_id
        assert s.submitted_by.org_unit.level == RegionLevel.TOWNSHIP
        assert s.submitted_by.org_unit.code == s.plan.street_code
        assert s.verified_by.org_unit.code == s.plan.district_code
        assert s.submitted_at <= s.verified_at
        assert timezone.localtime(s.verified_at).date() == s.signed_off_on
        assert all(c["passed"] for c in s.criteria) and len(s.criteria) == 5
    photos = SignOffPhoto.objects.values("signoff").annotate(n=Count("id"))
    assert {p["n"] for p in photos} == {criteria.MIN_EVIDENCE_PHOTOS}


def test_signed_off_plans_pass_the_checklist_no_back_door(demo):
    sample = Plan.objects.filter(signed_off_on__isnull=False).order_by("?")[:60]
    for plan in sample:
        assert criteria.failing(plan, plan.signed_off_on) == [], plan


def test_the_history_accounts_cannot_log_in(demo):
    history = list(
        SignOff.objects.filter(submitted_by__username__startswith=HISTORY_USER_PREFIX)
        .values_list("submitted_by__is_active", "submitted_by__password")
        .distinct()
    )
    assert history
    assert all(not active and password.startswith("!") for active, password in history)


def test_heping_signed_off_everything_by_the_end_of_june_2019(demo):
    heping = Plan.objects.filter(district_code=HEPING)
    assert heping.count() == 64
    assert heping.filter(signed_off_on__isnull=True).count() == 0
    assert heping.aggregate(last=Max("signed_off_on"))["last"] <= date(2019, 6, 30)
    assert heping.aggregate(d=Max("deadline"))["d"] <= date(2019, 6, 30)
    others = (
        Plan.objects.exclude(district_code=HEPING)
        .filter(center__kind=Kind.COMMUNITY, signed_off_on__lte=ARTICLE_DAY)
        .values("district_code")
        .annotate(last=Max("signed_off_on"))
    )
    assert all(o["last"] > date(2019, 6, 30) for o in others)


def test_milestones_end_on_the_deadline_back_to_back(demo):
    assert (
        not Plan.objects.annotate(last=Max("milestones__due_on"))
        .exclude(last=F("deadline"))
        .exists()
    )
    sample = Plan.objects.order_by("?")[:200].prefetch_related("milestones")
    for plan in sample:
        ms = list(plan.milestones.all())
        assert len(ms) >= 5
        for a, b in zip(ms, ms[1:], strict=False):
            assert a.due_on == b.starts_on
        if plan.signed_off_on:
            done = [m.completed_on for m in ms]
            assert all(m.progress == 100 for m in ms)
            assert done == sorted(done) and done[-1] == plan.signed_off_on


def test_campaign_sites_finish_within_their_district_commitment(demo):
    commitments = {c.district.code: c for c in Commitment.objects.select_related("district")}
    assert len(commitments) == 16
    own = (
        Plan.objects.filter(campaign=_campaign())
        .values("district_code")
        .annotate(n=Count("id"), last=Max("signed_off_on"), due=Max("deadline"))
    )
    for row in own:
        c = commitments[row["district_code"]]
        assert c.target_count == row["n"]
        assert row["last"] <= c.target_date and row["due"] <= c.target_date
    assert commitments[HEPING].target_date == date(2019, 6, 30)
    assert {c.target_date for code, c in commitments.items() if code != HEPING} == {
        date(2020, 6, 30)
    }
    assert all(c.secretary for c in commitments.values())


def test_health_is_what_the_service_computes_today_with_every_colour(demo):
    health = Counter(Plan.objects.values_list("health", flat=True))
    assert health[Health.DONE] == demo["signed_off"]
    assert health[Health.GREEN] and health[Health.AMBER] and health[Health.RED]
    assert services.refresh_health(today=timezone.localdate()) == 0


def test_beichen_17_leaders_100_visits(demo):
    leaders = Leader.objects.filter(region__code=BEICHEN)
    assert leaders.count() == 17
    visits = Visit.objects.filter(leader__in=leaders, kind=VisitKind.ANNOUNCED)
    assert visits.count() >= 100
    assert visits.values("leader").distinct().count() == 17


def test_every_district_leader_answers_for_streets(demo):
    for district in Region.objects.filter(level=RegionLevel.COUNTY):
        streets = set(
            Plan.objects.filter(district_code=district.code).values_list("street_code", flat=True)
        )
        covered = set(
            LeaderAssignment.objects.filter(leader__region=district)
            .exclude(region=district)
            .values_list("region__code", flat=True)
        )
        assert streets <= covered, district.name
    assert not Plan.objects.filter(leader__isnull=True).exists()


def test_binhai_survey_teams_visit_every_site(demo):
    existing = set(
        Region.objects.filter(code__startswith=BINHAI[:6], level=RegionLevel.VILLAGE)
        .as_of(CAMPAIGN_START)
        .values_list("pk", flat=True)
    )
    surveys = Visit.objects.filter(kind=VisitKind.SURVEY, organizer__code=BINHAI)
    assert set(surveys.values_list("region_id", flat=True)) == existing
    teams = set(surveys.values_list("team", flat=True))
    assert teams == {f"滨海新区第{n}调研组" for n in range(1, 11)}
    assert surveys.aggregate(last=Max("visited_on"))["last"] < date(2019, 6, 30)


def test_the_city_department_made_70_unannounced_visits(demo):
    visits = Visit.objects.filter(kind=VisitKind.UNANNOUNCED, organizer__code=CITY)
    assert visits.count() == 70 == Visit.objects.filter(kind=VisitKind.UNANNOUNCED).count()
    assert set(visits.values_list("team", flat=True)) == {"市委组织部暗访组"}
    districts = {path.split("/")[1] for path in visits.values_list("region_path", flat=True)}
    assert len(districts) == 16
    span = visits.aggregate(first=Min("visited_on"), last=Max("visited_on"))
    assert date(2019, 1, 7) <= span["first"] and span["last"] <= ARTICLE_DAY


def test_rectifications_mostly_closed_some_open_and_overdue(demo):
    today = timezone.localdate()
    rows = Rectification.objects.all()
    by_status = Counter(rows.values_list("status", flat=True))
    assert by_status[RectificationStatus.CLOSED] > 4 * by_status[RectificationStatus.OPEN] > 0
    assert rows.filter(status=RectificationStatus.OPEN, due_on__lt=today).exists()
    assert not rows.filter(status=RectificationStatus.CLOSED, closed_on__isnull=True).exists()
    assert not rows.filter(closed_on__lt=F("visit__visited_on")).exists()
    assert not rows.filter(
        status=RectificationStatus.OPEN, visit__visited_on__lte=ARTICLE_DAY
    ).exists()


def test_monthly_meetings_carry_unfinished_items(demo):
    history = Meeting.objects.filter(held_on__lte=ARTICLE_DAY)
    per_district = history.values("region").annotate(n=Count("id"))
    assert len(per_district) == 16 and {row["n"] for row in per_district} == {16}
    items = ActionItem.objects.filter(meeting__in=history)
    assert items.filter(status="done").count() > 0.75 * items.count()
    late = items.filter(done_on__gt=F("due_on")).select_related("meeting").first()
    assert late is not None
    following = (
        Meeting.objects.filter(region=late.meeting.region, held_on__gt=late.meeting.held_on)
        .order_by("held_on")
        .first()
    )
    if following and late.done_on > following.held_on:
        assert late.text in following.agenda


def test_the_demo_leader_account_has_sites_of_every_kind(demo):
    leader = Leader.objects.get(user__username="leader")
    assert leader.region.code == "120103000000"
    plans = Plan.objects.filter(plans_q_for_leader(leader, timezone.localdate()))
    colours = set(plans.values_list("health", flat=True))
    assert Health.DONE in colours and Health.RED in colours, colours
    assert Visit.objects.filter(leader=leader).exists()


def test_bulletins_monthly_through_the_service(demo, monkeypatch):
    calls = []

    def issue_bulletin(actor, campaign, region, start, end, *, issued_on):
        calls.append((region.code, start, end, issued_on))
        return types.SimpleNamespace(pk=None)

    fake = types.ModuleType("lianxin.campaign.services.bulletins")
    fake.issue_bulletin = issue_bulletin
    monkeypatch.setitem(sys.modules, "lianxin.campaign.services.bulletins", fake)
    builder = CampaignDemo(seed=SEED)
    builder.campaign = _campaign()
    builder.city = Region.objects.get(code=CITY)
    builder.city_user = Plan.objects.first().created_by  # any account: the fake does not check
    builder.city_user.is_active = True
    assert builder.bulletins() == 15
    assert calls[0][1:3] == (CAMPAIGN_START, date(2019, 1, 31))
    assert calls[-1][1:3] == (date(2020, 3, 1), date(2020, 3, 31))
    assert all(issued.month == end.month % 12 + 1 for _r, _s, end, issued in calls)


def test_clear_removes_the_campaign_demo(demo):
    clear()
    assert not Campaign.objects.filter(is_demo=True).exists()
    assert not Plan.objects.exists() and not Milestone.objects.exists()
    assert not Visit.objects.filter(is_demo=True).exists()
    assert not Leader.objects.filter(is_demo=True).exists()
    assert not Meeting.objects.filter(is_demo=True).exists()
    assert not SignOff.objects.exists()
    from lianxin.accounts.models import User

    assert not User.objects.filter(username__startswith=HISTORY_USER_PREFIX).exists()
