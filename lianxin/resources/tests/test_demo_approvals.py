"""Nankai's joint approvals in the demo agree with the campaign demo: each approved case
concludes on the day its plan's 联合审批 milestone was completed, every status follows from the
opinions, letters in lieu of permits from planning and housing, a returned-and-resubmitted
case, a rejected and a withdrawn one, the waiting site's overdue opinion, opinions on time but
for a few given late; the accounts; the same rows for the same seed. Built once for the module inside a transaction rolled back."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from lianxin.campaign.models import Milestone
from lianxin.core.models import AuditLog
from lianxin.core.workdays import calendar
from lianxin.resources import demo_approvals
from lianxin.resources.approvals_status import OPEN, late_given_days, overall
from lianxin.resources.models import ApprovalCase, DepartmentMember, Opinion
from lianxin.resources.queries_approvals import my_queue, timeline

pytestmark = pytest.mark.django_db

SEED = 20200423
NANKAI = "120104000000"


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
        CampaignDemo(seed=SEED).run(bulletins=False)
        made = demo_approvals.accounts("demo-pass-123")
        again = demo_approvals.accounts("demo-pass-123")
        counts = demo_approvals.build(SEED, timezone.localdate())
        if connection.vendor == "postgresql":
            connection.check_constraints()
        yield {"counts": counts, "made": made, "again": again}
        transaction.set_rollback(True)


def _snapshot():
    return (
        list(
            ApprovalCase.objects.order_by("plan__center__region__code", "submitted_on").values_list(
                "plan__center__region__code",
                "status",
                "round",
                "submitted_on",
                "concluded_on",
                "title",
            )
        ),
        list(
            Opinion.objects.order_by(
                "case__plan__center__region__code", "case__submitted_on", "department__sort"
            ).values_list(
                "department__code",
                "decision",
                "requested_on",
                "due_on",
                "decided_on",
                "letter_in_lieu",
                "letter_no",
                "permit_replaced",
                "escalation",
                "round",
            )
        ),
    )


def test_accounts(demo):
    assert sorted(demo["made"]) == sorted(a[0] for a in demo_approvals.ACCOUNTS)
    assert demo["again"] == []
    gh = DepartmentMember.objects.select_related("user", "department", "region").get(
        user__username="nankai_gh"
    )
    assert gh.department.code == "planning" and gh.region.code == NANKAI
    assert gh.user.display_name == "南开区规划和自然资源局"
    assert gh.user.has_role("department_reviewer")
    assert DepartmentMember.objects.get(user__username="nankai_zj").department.code == "housing"


def test_the_story(demo):
    counts = demo["counts"]
    cases = ApprovalCase.objects.filter(is_demo=True)
    assert cases.count() == counts["approval_cases"] >= 12
    assert set(cases.values_list("plan__district_code", flat=True)) == {NANKAI}
    statuses = Counter(cases.values_list("status", flat=True))
    assert {"approved", "conditional", "rejected", "withdrawn", "reviewing"} <= set(statuses)
    assert cases.filter(round=2).exists()
    letters = Opinion.objects.filter(case__is_demo=True, letter_in_lieu=True)
    assert letters.count() == counts["approval_letters"] >= 4
    assert set(letters.values_list("department__code", flat=True)) == {"planning", "housing"}
    assert not letters.filter(letter_no="").exists()
    assert set(letters.values_list("permit_replaced", flat=True)) == {
        "建设工程规划许可证",
        "建筑工程施工许可证",
    }
    assert counts["approval_overdue"] >= 1


def test_every_status_follows_from_the_opinions_and_due_dates_from_the_calendar(demo):
    cal = calendar()
    for case in ApprovalCase.objects.filter(is_demo=True).prefetch_related("opinions__department"):
        decisions = [o.decision for o in case.opinions.all()]
        if case.status != "withdrawn":
            assert overall(decisions) == case.status, case
        for o in case.opinions.all():
            assert o.due_on == cal.add_working_days(o.requested_on, o.department.time_limit_days)
            assert o.requested_on >= case.submitted_on
            if o.decided_on:
                assert o.requested_on <= o.decided_on
                assert case.concluded_on is None or o.decided_on <= case.concluded_on
                assert o.decided_by is not None


def test_approved_cases_conclude_on_the_approval_milestones_day(demo):
    approved = ApprovalCase.objects.filter(is_demo=True, status__in=["approved", "conditional"])
    assert approved.exists()
    for case in approved:
        m = Milestone.objects.get(plan=case.plan, code="approval")
        assert m.completed_on == case.concluded_on, case
        assert m.progress == 100
    for case in ApprovalCase.objects.filter(is_demo=True, status__in=OPEN):
        m = Milestone.objects.get(plan=case.plan, code="approval")
        assert m.completed_on is None  # an open case only where approval is still waiting
    # One open case per plan at most, and none on a signed-off plan.
    assert not ApprovalCase.objects.filter(
        status__in=OPEN, plan__signed_off_on__isnull=False
    ).exists()


def test_opinions_are_given_on_time_but_for_a_few(demo):
    cal = calendar()
    given = list(Opinion.objects.filter(case__is_demo=True, decided_on__isnull=False))
    late = [o for o in given if late_given_days(o.decided_on, o.due_on, cal)]
    assert 1 <= len(late) <= len(given) // 10, (len(late), len(given))


def test_the_waiting_site_is_overdue_at_the_planning_bureau(demo):
    late = Opinion.objects.filter(case__is_demo=True, decision="pending", case__status="reviewing")
    assert late.filter(department__code="planning", escalation__gte=1).exists()
    from lianxin.accounts.models import User

    queue = list(my_queue(User.objects.get(username="nankai_gh")))
    assert queue and queue[0].department.code == "planning"
    assert not list(my_queue(User.objects.get(username="nankai_cz")))


def test_the_returned_case_has_its_timeline(demo):
    case = ApprovalCase.objects.get(is_demo=True, round=2)
    actions = [t["action"] for t in timeline(case)]
    assert actions[0] == "approval_submit"
    assert "approval_resubmit" in actions
    i = actions.index("approval_resubmit")
    assert "approval_opinion" in actions[:i]  # the return came before
    assert actions[-1] == "approval_status"
    assert AuditLog.objects.filter(action="approval_resubmit", target_id=str(case.pk)).exists()


def test_the_same_seed_gives_the_same_rows(demo):
    with transaction.atomic():
        before = _snapshot()
        demo_approvals.build(SEED, timezone.localdate())
        assert _snapshot() == before
        transaction.set_rollback(True)
