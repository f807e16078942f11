"""Matching with the database: which centers are short (the standard in force), candidates in
scope, the run's figures and explained proposals, superseding, accepting (premises reserved,
plan updated, rivals superseded, a premises no longer free refused), rejecting with a reason,
and who may do it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from lianxin.campaign.tests import factories as campaign_f
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, NANKAI, NANKAI_VILLAGE
from lianxin.regions.models import Level, Region
from lianxin.resources.models import Availability, MatchRun, Proposal, ProposalStatus
from lianxin.resources.services import premises as services

from .factories_premises import make_premises, short_center

pytestmark = pytest.mark.django_db


def _second_village(code=HEXI_VILLAGE):
    street = Region.objects.get(code=code).parent
    return Region.objects.filter(parent=street, level=Level.VILLAGE).exclude(code=code).first()


@pytest.fixture
def hexi_case(region):
    """Two short centers in 河西 (120 of 300 m², and no floor area at all), three premises."""
    v1, v2 = region(HEXI_VILLAGE), _second_village()
    a = short_center(v1)
    b = short_center(v2, floor_area=None, latitude=a.latitude + Decimal("0.002"))
    plan = campaign_f.plan(v1)
    big = make_premises(v1, code="HX-BIG", floor_area=Decimal("320"), offset=1)
    small = make_premises(v1, code="HX-SMALL", floor_area=Decimal("200"), offset=2)
    far = make_premises(v1, code="HX-FAR", floor_area=Decimal("500"), offset=40)  # ~2.6 km
    return {"a": a, "b": b, "plan": plan, "big": big, "small": small, "far": far}


def test_run_finds_the_short_centers_and_explains(hexi, region, hexi_case):
    run, result = services.run_matching(hexi, region(HEXI), max_distance_m=1000)
    assert run.centers_short == 2 and run.premises_free == 3
    assert run.missing_area == Decimal("480.00")  # 180 + 300
    props = {p.center_id: p for p in run.proposals.all()}
    a, b = props[hexi_case["a"].pk], props[hexi_case["b"].pk]
    # B lacks 300: the 320 m² premises covers it all; A lacks 180: the 200 m² one.
    assert b.premises == hexi_case["big"] and a.premises == hexi_case["small"]
    assert (a.area_before, a.area_added, a.area_after, a.required_area) == (
        Decimal("120.00"),
        Decimal("200.00"),
        Decimal("320.00"),
        Decimal("300.00"),
    )
    assert a.compliant_after and b.compliant_after and b.area_before == Decimal("0.00")
    assert a.plan == hexi_case["plan"] and b.plan is None
    assert run.covered_area == Decimal("480.00")
    assert 0 < a.distance_m < 1000
    assert "linear_sum_assignment" in run.solver
    assert AuditLog.objects.filter(action="run_matching", target_id=str(run.pk)).exists()


def test_distance_limit_and_no_coordinates(hexi, region, hexi_case):
    hexi_case["b"].latitude = hexi_case["b"].longitude = None
    hexi_case["b"].save()
    run, result = services.run_matching(hexi, region(HEXI), max_distance_m=100)
    assert result.unmatched[hexi_case["b"].pk] == "no_coordinates"
    assert all(p.distance_m <= 100 for p in run.proposals.all())


def test_a_new_run_supersedes_open_proposals(hexi, region, hexi_case):
    first, _r = services.run_matching(hexi, region(HEXI))
    second, _r = services.run_matching(hexi, region(HEXI))
    assert set(first.proposals.values_list("status", flat=True)) == {ProposalStatus.SUPERSEDED}
    assert set(second.proposals.values_list("status", flat=True)) == {ProposalStatus.PROPOSED}


def test_accept_reserves_and_updates_the_plan(hexi, region, hexi_case):
    run, _r = services.run_matching(hexi, region(HEXI))
    a = run.proposals.get(center=hexi_case["a"])
    services.accept_proposal(hexi, a)
    a.refresh_from_db()
    premises = a.premises
    premises.refresh_from_db()
    plan = hexi_case["plan"]
    plan.refresh_from_db()
    assert a.status == ProposalStatus.ACCEPTED and a.decided_by == hexi
    assert premises.availability == Availability.RESERVED and premises.reserved_on
    assert premises.plan == plan
    assert "HX-SMALL" in plan.premises and "200" in plan.premises
    assert plan.target_area == Decimal("320.00")
    assert AuditLog.objects.filter(action="accept", target_id=str(a.pk)).exists()
    assert AuditLog.objects.filter(target_type="campaign.plan", target_id=str(plan.pk)).exists()
    # the center holds a reservation: a new run leaves it out
    again, _r = services.run_matching(hexi, region(HEXI))
    assert not again.proposals.filter(center=hexi_case["a"]).exists()


def test_accepting_supersedes_rivals_and_refuses_a_taken_premises(hexi, region, hexi_case):
    run, _r = services.run_matching(hexi, region(HEXI))
    a = run.proposals.get(center=hexi_case["a"])
    # another run elsewhere proposed the same premises: taken when `a` is accepted
    rival_run = MatchRun.objects.create(
        region=region(HEXI),
        region_path=region(HEXI).path,
        max_distance_m=1500,
        on=run.on,
        solver="x",
    )
    rival = Proposal.objects.create(
        run=rival_run,
        center=hexi_case["b"],
        premises=a.premises,
        region_path=hexi_case["b"].region_path,
        distance_m=10,
        required_area=300,
        area_before=0,
        area_added=200,
        area_after=200,
        compliant_after=False,
    )
    services.accept_proposal(hexi, a)
    rival.refresh_from_db()
    assert rival.status == ProposalStatus.SUPERSEDED
    # a proposal whose premises was reserved meanwhile: a clear error
    b = run.proposals.get(center=hexi_case["b"])
    b.premises.availability = Availability.RESERVED
    b.premises.save()
    with pytest.raises(ValidationError) as exc:
        services.accept_proposal(hexi, b)
    assert "HX-BIG" in str(exc.value) and "空闲" in str(exc.value)
    with pytest.raises(ValidationError):
        services.accept_proposal(hexi, a)  # decided already


def test_reject_needs_a_reason_and_is_not_proposed_again(hexi, region, hexi_case):
    run, _r = services.run_matching(hexi, region(HEXI))
    b = run.proposals.get(center=hexi_case["b"])
    with pytest.raises(ValidationError) as exc:
        services.reject_proposal(hexi, b, "  ")
    assert "reason" in exc.value.error_dict
    services.reject_proposal(hexi, b, "产权单位不同意")
    b.refresh_from_db()
    assert (b.status, b.reason) == (ProposalStatus.REJECTED, "产权单位不同意")
    again, _r = services.run_matching(hexi, region(HEXI))
    nb = again.proposals.filter(center=hexi_case["b"]).first()
    assert nb is None or nb.premises_id != b.premises_id


def test_divisible_premises_serves_two_centers(hexi, region, hexi_case):
    for key in ("big", "small", "far"):
        hexi_case[key].delete()
    shared = make_premises(
        region(HEXI_VILLAGE), code="HX-DIV", floor_area=Decimal("400"), divisible=True, offset=1
    )
    run, _r = services.run_matching(hexi, region(HEXI))
    props = list(run.proposals.all())
    assert len(props) == 2 and {p.premises_id for p in props} == {shared.pk}
    assert sum(p.area_added for p in props) == Decimal("400.00")
    assert "milp" in run.solver
    for p in props:  # both may be accepted: the premises is shared
        services.accept_proposal(hexi, p)
    assert run.proposals.filter(status=ProposalStatus.ACCEPTED).count() == 2


def test_who_may_match(region, hexi_case, nankai, street_staff, inspector, hexi):
    with pytest.raises(Http404):
        services.run_matching(nankai, region(HEXI))
    for user in (street_staff, inspector):
        with pytest.raises((PermissionDenied, Http404)):
            services.run_matching(user, region(HEXI))
    run, _r = services.run_matching(hexi, region(HEXI))
    p = run.proposals.first()
    with pytest.raises(Http404):
        services.accept_proposal(nankai, p)
    with pytest.raises(Http404):
        services.reject_proposal(nankai, p, "x")
    with pytest.raises(PermissionDenied):
        services.accept_proposal(street_staff, p)


def test_only_what_the_user_sees(city, region, hexi_case):
    """Nankai's centers and premises stay out of a 河西 run, even the city's."""
    short_center(region(NANKAI_VILLAGE))
    make_premises(region(NANKAI_VILLAGE))
    run, _r = services.run_matching(city, region(HEXI))
    assert run.centers_short == 2 and run.premises_free == 3
    whole, _r = services.run_matching(city, region("120000000000"))
    assert whole.centers_short == 3
    assert services.default_region(city).code == "120000000000"


def test_default_region_is_the_district(hexi, street_staff):
    assert services.default_region(hexi).code == HEXI
    assert services.default_region(street_staff) is None
    assert NANKAI != HEXI
