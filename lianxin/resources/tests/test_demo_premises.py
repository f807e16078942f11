"""Hedong's premises demo (河东 三本账) on the centers' and campaign's demos: ledgers near the
district's centers, a matching run whose proposals are explained, some accepted (premises
reserved, plan updated), one rejected with its reason; the same seed gives the same rows. Built
once for the module inside a transaction rolled back at the end."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction
from django.test import override_settings

from lianxin.core import geo
from lianxin.resources import demo_premises
from lianxin.resources.models import Availability, MatchRun, Premises, Proposal, ProposalStatus

pytestmark = pytest.mark.django_db

SEED = 20200423
TODAY = date(2026, 5, 12)


def _snapshot():
    return sorted(
        Premises.objects.filter(is_demo=True).values_list(
            "code", "name", "latitude", "longitude", "floor_area", "divisible", "availability"
        )
    ), sorted(
        Proposal.objects.filter(run__is_demo=True).values_list(
            "center__region__code", "premises__code", "area_added", "status"
        )
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, _media_dir):
    from lianxin.campaign.demo import CampaignDemo
    from lianxin.centers.demo import DemoBuilder

    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=_media_dir),
        transaction.atomic(),
    ):
        DemoBuilder(seed=SEED).run()
        CampaignDemo(seed=SEED, today=TODAY).run(bulletins=False)
        made = demo_premises.accounts("x-unused-1!")
        counts = demo_premises.build(SEED, TODAY)
        first = _snapshot()
        demo_premises.clear()
        again = demo_premises.build(SEED, TODAY)
        if connection.vendor == "postgresql":
            connection.check_constraints()
        yield {"counts": counts, "again": again, "first": first, "made": made}
        transaction.set_rollback(True)


def test_accounts(demo):
    from lianxin.accounts.models import User

    user = User.objects.get(username="hedong")
    assert demo["made"] == ["hedong"] and user.display_name == "河东区委组织部"
    assert user.has_role("district_admin")
    assert demo_premises.accounts("x") == []  # made once


def test_ledgers(demo):
    rows = Premises.objects.filter(is_demo=True)
    assert 60 <= rows.count() <= 150
    assert set(rows.values_list("kind", flat=True)) == {"housing_stock", "supporting"}
    assert set(rows.values_list("district_code", flat=True)) == {demo_premises.HEDONG}
    for p in rows:
        assert geo.in_district(demo_premises.HEDONG, float(p.longitude), float(p.latitude))
        assert p.floor_area > 0
    assigned = rows.filter(availability=Availability.ASSIGNED)
    assert assigned.exists() and all(p.assigned_on >= p.reserved_on for p in assigned)


def test_the_matching_story(demo):
    run = MatchRun.objects.get(is_demo=True)
    assert run.region.code == demo_premises.HEDONG and run.centers_short >= 2
    props = list(run.proposals.select_related("premises", "plan"))
    assert len(props) == demo["counts"]["proposals"] >= 2
    accepted = [p for p in props if p.status == ProposalStatus.ACCEPTED]
    rejected = [p for p in props if p.status == ProposalStatus.REJECTED]
    assert accepted and len(rejected) == 1
    assert rejected[0].reason == demo_premises.REJECT_REASON
    for p in accepted:
        assert p.premises.availability == Availability.RESERVED
        if p.plan_id:
            assert p.premises.code in p.plan.premises and p.premises.plan_id == p.plan_id
    assert any(p.plan_id for p in accepted)
    for p in props:
        assert p.distance_m <= run.max_distance_m
        assert p.area_after == p.area_before + p.area_added


def test_deterministic(demo):
    assert demo["counts"] == demo["again"]
    assert _snapshot() == demo["first"]
