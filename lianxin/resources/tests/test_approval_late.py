"""An opinion given after its due day stays flagged once given: "逾期 N 个工作日出具" (working days)
on the case, counted in the list's 逾期出具 figure and in the API."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.core.workdays import calendar
from lianxin.resources.approvals_status import late_given_days
from lianxin.resources.services import approvals as svc

from .approval_helpers import *  # noqa: F403 (the fixtures)
from .factories_approvals import approval_case

pytestmark = pytest.mark.django_db


def test_late_given_counts_working_days():
    cal = calendar()
    friday, saturday, monday = date(2025, 6, 13), date(2025, 6, 14), date(2025, 6, 16)
    assert late_given_days(None, friday, cal) == 0  # not given
    assert late_given_days(friday, friday, cal) == 0  # on the day
    assert late_given_days(date(2025, 6, 12), friday, cal) == 0  # early
    assert late_given_days(saturday, friday, cal) == 0  # the weekend after is not late
    assert late_given_days(monday, friday, cal) == 1
    assert late_given_days(date(2025, 6, 19), friday, cal) == 4


def test_a_late_opinion_is_flagged_on_the_case_the_list_and_the_api(login, nankai, reviewers):
    from lianxin.campaign.tests.factories import plan as make_plan
    from lianxin.core.tests.factories import NANKAI_VILLAGE, region

    case = approval_case(make_plan(region(NANKAI_VILLAGE)), actor=nankai)
    organization = case.opinions.get(department__code="organization")
    planning = case.opinions.get(department__code="planning")
    # Submitted Mon 2025-06-09: organization due Mon 06-16 (5 days), planning Mon 06-23 (10).
    assert organization.due_on == date(2025, 6, 16) and planning.due_on == date(2025, 6, 23)
    svc.give_opinion(reviewers["organization"], organization, "approve", today=date(2025, 6, 19))
    svc.give_opinion(reviewers["planning"], planning, "approve", today=date(2025, 6, 20))
    client = login(nankai)
    page = client.get(f"/resources/approvals/{case.pk}/").content.decode()
    assert 'data-late="3"' in page and "逾期 3 个工作日出具" in page
    row = page[page.index(f'data-opinion="{planning.pk}"') :]
    assert "data-late=" not in row[: row.index("</tr>")]  # on time: no flag
    listing = client.get("/resources/approvals/").content.decode()
    row = listing[listing.index(f'data-case="{case.pk}"') :]
    assert 'data-late-given="1"' in row[: row.index("</tr>")]
    api = client.get(f"/api/v1/resources/approvals/{case.pk}").json()
    by_dept = {o["department"]: o for o in api["opinions"]}
    assert by_dept["organization"]["late_given_days"] == 3
    assert by_dept["planning"]["late_given_days"] == 0
    assert api["late_given"] == 1
    items = client.get("/api/v1/resources/approvals").json()["items"]
    assert next(i for i in items if i["id"] == case.pk)["late_given"] == 1
