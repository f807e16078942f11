"""One definition of overdue everywhere: an open case is overdue when today is past its deadline
(3× past its grave deadline), judged live in SQL; the morning job's stored flag only decides who
has been told. The workbench's colours and filter, the application page, the statistics page and
API, the dashboard card and the staff API all agree — before the morning run and after a reopen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from lianxin.core.tests.factories import HEXI_VILLAGE, region
from lianxin.services import queries, queries_stats
from lianxin.services.models import Application, Status
from lianxin.services.tests import factories as f


@pytest.fixture
def cases(db):
    """Three open cases in a 河西 center: one past its deadline that the morning job has not
    flagged yet, one past its grave deadline, one whose stale flag says overdue though its
    (fresh) deadline is ahead; and one returned to the resident, past its deadline."""
    today = timezone.localdate()
    center = f.center_of(region(HEXI_VILLAGE))
    item = f.item(materials=())
    late, grave, fresh, returned = (f.application(center, item_obj=item) for _ in range(4))
    Application.objects.filter(pk=late.pk).update(
        deadline=today - timedelta(days=1), grave_deadline=today + timedelta(days=9), overdue=0
    )
    Application.objects.filter(pk=grave.pk).update(
        deadline=today - timedelta(days=20), grave_deadline=today - timedelta(days=1), overdue=1
    )
    Application.objects.filter(pk=fresh.pk).update(
        deadline=today + timedelta(days=3), grave_deadline=today + timedelta(days=9), overdue=3
    )
    Application.objects.filter(pk=returned.pk).update(
        deadline=today - timedelta(days=5), status=Status.RETURNED
    )
    return {"late": late, "grave": grave, "fresh": fresh, "returned": returned}


def test_the_queue_colours_and_filters_by_the_same_rule(cases, hexi, login):
    rows = {a.pk: a.overdue_now for a in queries.workbench(hexi, {})}
    assert rows[cases["late"].pk] == 1 and rows[cases["grave"].pk] == 3
    assert rows[cases["fresh"].pk] == 0 and rows[cases["returned"].pk] == 0
    assert {a.pk for a in queries.workbench(hexi, {"overdue": "1"})} == {
        cases["late"].pk,
        cases["grave"].pk,
    }
    assert [a.pk for a in queries.workbench(hexi, {"overdue": "3"})] == [cases["grave"].pk]
    body = login(hexi).get("/services/workbench/").content.decode()
    shown = dict(re.findall(r'data-application="(\d+)" data-overdue="(\d)"', body))
    assert shown[str(cases["late"].pk)] == "1" and shown[str(cases["fresh"].pk)] == "0"
    filtered = login(hexi).get("/services/workbench/?overdue=1").content.decode()
    assert set(re.findall(r'data-application="(\d+)"', filtered)) == {
        str(cases["late"].pk),
        str(cases["grave"].pk),
    }


def test_the_statistics_count_the_same_cases(cases, hexi, login):
    assert queries_stats.summary(hexi)["overdue"] == 2
    [by_item] = queries_stats.applications_by(hexi, "item")
    assert by_item["overdue"] == 2
    [unit] = queries_stats.unit_rows("center", queries_stats.by_unit(hexi, "center"))
    assert unit["overdue"] == 2
    body = login(hexi).get("/services/stats/").content.decode()
    assert re.search(r'data-figure="overdue">2<', body)
    api = login(hexi).get("/api/v1/services/stats/summary").json()
    assert api["overdue"] == 2


def test_the_api_and_the_page_agree(cases, hexi, login):
    client = login(hexi)
    rows = client.get("/api/v1/services/applications?page_size=50").json()["items"]
    by_pk = {r["id"]: r["overdue"] for r in rows}
    assert by_pk[cases["late"].pk] == 1 and by_pk[cases["grave"].pk] == 3
    assert by_pk[cases["fresh"].pk] == 0
    late = client.get("/api/v1/services/applications?overdue=true").json()["items"]
    assert {r["id"] for r in late} == {cases["late"].pk, cases["grave"].pk}
    page = client.get(f"/services/applications/{cases['late'].pk}/").content.decode()
    assert "已超期" in page
    page = client.get(f"/services/applications/{cases['fresh'].pk}/").content.decode()
    assert "已超期" not in page and "超期三倍" not in page


def test_the_dashboard_card_counts_the_same(cases, hexi):
    from lianxin.dashboard.services_stats import home_card

    assert home_card(hexi)["overdue"] == 2
