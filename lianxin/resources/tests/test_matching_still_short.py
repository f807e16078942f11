"""A center that got an accepted proposal but is still short (仍不达标) is matched again for what
it still lacks: its area before counts the accepted premises; the plan then names both premises.
When nothing is left to offer it, the unmatched list says what it holds and still lacks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lianxin.campaign.tests import factories as campaign_f
from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE
from lianxin.regions.models import Level, Region
from lianxin.resources.models import Availability, Premises, ProposalStatus
from lianxin.resources.services import premises as services

from .factories_premises import make_premises, short_center

pytestmark = pytest.mark.django_db


def _second_village():
    street = Region.objects.get(code=HEXI_VILLAGE).parent
    return (
        Region.objects.filter(parent=street, level=Level.VILLAGE).exclude(code=HEXI_VILLAGE).first()
    )


@pytest.fixture
def case(region):
    """A center with 120 of 300 m²; two premises nearby, 100 m² (offered first: the bigger one
    is far) and 150 m²."""
    village = region(HEXI_VILLAGE)
    center = short_center(village)
    plan = campaign_f.plan(village)
    first = make_premises(village, code="HX-S1", floor_area=Decimal("100"), offset=1)
    return {"center": center, "plan": plan, "first": first, "village": village}


def _accept_first(hexi, region, case):
    run, _r = services.run_matching(hexi, region(HEXI))
    (proposal,) = run.proposals.all()
    assert proposal.premises == case["first"] and not proposal.compliant_after
    services.accept_proposal(hexi, proposal)
    return proposal


def test_still_short_center_is_matched_again_for_what_it_lacks(hexi, region, case):
    _accept_first(hexi, region, case)
    second = make_premises(case["village"], code="HX-S2", floor_area=Decimal("150"), offset=2)
    again, result = services.run_matching(hexi, region(HEXI))
    assert again.centers_short == 1
    assert again.missing_area == Decimal("80.00")  # 300 - (120 + 100)
    (p,) = again.proposals.all()
    assert p.center == case["center"] and p.premises == second
    assert (p.area_before, p.area_added, p.area_after) == (
        Decimal("220.00"),
        Decimal("150.00"),
        Decimal("370.00"),
    )
    assert p.compliant_after and again.covered_area == Decimal("80.00")
    services.accept_proposal(hexi, p)
    plan = case["plan"]
    plan.refresh_from_db()
    assert "HX-S1" in plan.premises and "HX-S2" in plan.premises
    assert plan.target_area == Decimal("370.00")
    # compliant now: left out of the next run
    third, _r = services.run_matching(hexi, region(HEXI))
    assert third.centers_short == 0


def test_the_run_page_explains_the_area_counted(hexi, login, region, case):
    _accept_first(hexi, region, case)
    make_premises(case["village"], code="HX-S2", floor_area=Decimal("150"), offset=2)
    client = login(hexi)
    response = client.post("/resources/matching/", {"region": HEXI, "max_distance_m": 1500})
    page = client.get(response["Location"]).content.decode()
    assert "220.00 + 150.00 → 370.00" in page
    assert "现有面积含已采纳房源 100.00 ㎡" in page


def test_unmatched_still_short_center_says_what_it_holds(hexi, login, region, case):
    _accept_first(hexi, region, case)
    client = login(hexi)
    response = client.post("/resources/matching/", {"region": HEXI, "max_distance_m": 1500})
    page = client.get(response["Location"]).content.decode()
    assert 'id="unmatched"' in page and case["center"].name in page
    assert "已采纳房源 HX-S1，仍缺 80.00 ㎡" in page


def test_a_released_premises_no_longer_counts(hexi, region, case):
    _accept_first(hexi, region, case)
    first = case["first"]
    first.refresh_from_db()
    assert first.availability == Availability.RESERVED
    services.release(hexi, first, "产权单位收回")
    run, _r = services.run_matching(hexi, region(HEXI))
    assert run.missing_area == Decimal("180.00")
    (p,) = run.proposals.all()
    assert p.area_before == Decimal("120.00") and p.status == ProposalStatus.PROPOSED


def test_a_premises_taken_again_counts_for_its_latest_center(hexi, region, case):
    """Released, then accepted for another center: it no longer counts for the first one."""
    first_proposal = _accept_first(hexi, region, case)
    premises = case["first"]
    services.release(hexi, Premises.objects.get(pk=premises.pk), "改配")
    other = short_center(_second_village(), floor_area=None)
    run, _r = services.run_matching(hexi, region(HEXI))
    # A (120 of 300) and the other center (nothing of 300) both lack area; reject A's proposal
    # of the premises so that it goes to the other center
    mine = run.proposals.get(center=case["center"])
    services.reject_proposal(hexi, mine, "改配给其他社区")
    run, _r = services.run_matching(hexi, region(HEXI))
    theirs = run.proposals.get(center=other)
    assert theirs.premises_id == premises.pk
    services.accept_proposal(hexi, theirs)
    held = services.accepted_areas([case["center"].pk, other.pk])
    assert set(held) == {other.pk} and held[other.pk] == (Decimal("100.00"), ["HX-S1"])
    first_proposal.refresh_from_db()
    assert first_proposal.status == ProposalStatus.ACCEPTED  # still, as decided then
    _centers, needs, _rule = services.short_centers(hexi, region(HEXI), run.on)
    areas = {n.key: n.before for n in needs}
    assert areas[case["center"].pk] == Decimal("120.00") and areas[other.pk] == Decimal("100.00")
