"""An administrator's correction of the working-day calendar lays the deadlines of the opinions
still pending again (after the change commits, as the campaign's schedules are); an opinion
already given keeps the deadline it was given against."""

from __future__ import annotations

from datetime import date

import pytest

from lianxin.core.models import CalendarDay
from lianxin.resources.services import approvals as svc
from lianxin.resources.tasks_approvals import recompute_opinion_dues_task

from .approval_helpers import *  # noqa: F403 (the fixtures)
from .factories_approvals import approval_case

pytestmark = pytest.mark.django_db


def test_a_calendar_correction_moves_the_pending_opinions_deadlines(
    nankai, reviewers, django_capture_on_commit_callbacks
):
    from lianxin.campaign.tests.factories import plan as make_plan
    from lianxin.core.tests.factories import NANKAI_VILLAGE, region

    case = approval_case(make_plan(region(NANKAI_VILLAGE)), actor=nankai)
    organization = case.opinions.get(department__code="organization")
    planning = case.opinions.get(department__code="planning")
    # Submitted Mon 2025-06-09: organization due Mon 06-16 (5 days), planning Mon 06-23 (10).
    assert (organization.due_on, planning.due_on) == (date(2025, 6, 16), date(2025, 6, 23))
    svc.give_opinion(reviewers["planning"], planning, "approve", today=date(2025, 6, 12))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        CalendarDay.objects.create(day=date(2025, 6, 11), is_working_day=False, note="临时休息")
        CalendarDay.objects.create(day=date(2025, 6, 13), is_working_day=False, note="临时休息")
    assert [c.task for c in callbacks].count(recompute_opinion_dues_task) == 1

    organization.refresh_from_db()
    planning.refresh_from_db()
    assert organization.due_on == date(2025, 6, 18)  # two working days fewer in the week
    assert planning.due_on == date(2025, 6, 23)  # given: judged against its own deadline

    # Taking the correction back puts the deadline back.
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.filter(day__in=[date(2025, 6, 11), date(2025, 6, 13)]).delete()
    organization.refresh_from_db()
    assert organization.due_on == date(2025, 6, 16)


def test_the_task_reports_how_many_moved(nankai):
    from lianxin.campaign.tests.factories import plan as make_plan
    from lianxin.core.tests.factories import NANKAI_VILLAGE, region

    approval_case(make_plan(region(NANKAI_VILLAGE)), actor=nankai)
    assert recompute_opinion_dues_task.enqueue().return_value == {"moved": 0}
