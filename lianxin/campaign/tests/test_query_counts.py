"""Committed query-count baselines (NetBox's practice): the campaign's busiest pages make a fixed
number of queries however many sites they show, and that number is written down in
`query_counts.json` beside this file. A change that adds a query per row (N+1) fails here; a
change that saves queries fails too, until the file is updated — so the baseline stays honest.
bench/campaign_pages.py measures the same pages' server time on the whole Tianjin demo."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianxin.campaign import services
from lianxin.campaign.models import Milestone
from lianxin.core.tests.factories import HEXI, HEXI_STREET
from lianxin.regions.models import Region

from . import factories as f

BASELINES = json.loads((Path(__file__).with_name("query_counts.json")).read_text())


def _villages(n: int) -> list[Region]:
    return list(Region.objects.filter(parent__code=HEXI_STREET, level=5).order_by("code")[:n])


@pytest.fixture
def leader_of_street(hexi, street_staff, region):
    leader = services.save_leader(
        hexi, None, {"name": "计数领导", "position": "区委常委", "region": region(HEXI)}
    )
    leader.user = street_staff
    leader.save(update_fields=["user"])
    services.assign_leader(hexi, leader, region(HEXI_STREET), date(2019, 1, 1))
    return leader


def _grow(leader, villages):
    """Each site: a plan with an overdue milestone, a visit by the leader with a finding."""
    for v in villages:
        plan = f.plan(v)
        Milestone.objects.filter(pk=plan.milestones.first().pk).update(due_on=date(2020, 1, 6))
        f.visit(v, leader=leader).rectifications.create(
            region_path=v.path, finding="问题", due_on=date(2020, 1, 6)
        )


def _count(client, url) -> int:
    client.get(url)  # warm the session and the content types
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200, url
    return len(ctx.captured_queries)


PAGES = [
    ("campaign overview, district", "hexi", lambda plans: "/campaign/"),
    ("plan list, district", "hexi", lambda plans: "/campaign/plans/"),
    ("plan detail", "hexi", lambda plans: f"/campaign/plans/{plans[0].pk}/"),
    ("my sites, leader", "street_staff", lambda plans: "/campaign/my-sites/"),
    ("leader list, district", "hexi", lambda plans: "/campaign/leaders/"),
]


@pytest.mark.parametrize("name,who,url", PAGES, ids=[p[0] for p in PAGES])
def test_page_queries_are_fixed_and_as_committed(request, name, who, url, leader_of_street, login):
    client = login(request.getfixturevalue(who))
    villages = _villages(7)
    _grow(leader_of_street, villages[:2])
    plans = list(leader_of_street.plans.all()) or [
        p for v in villages[:2] for p in v.center.plans.all()
    ]
    few = _count(client, url(plans))
    _grow(leader_of_street, villages[2:])
    many = _count(client, url(plans))
    assert many == few, f"{name}: {few} queries with 2 sites, {many} with 7 (a query per row)"
    assert few == BASELINES[name], (
        f"{name}: {few} queries, the committed baseline is {BASELINES[name]}; if the change is "
        "meant, update lianxin/campaign/tests/query_counts.json"
    )
