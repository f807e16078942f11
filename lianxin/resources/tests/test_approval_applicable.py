"""Which plans may be applied for is one rule (`services.approvals.applicable`): not signed off,
no open case (under review or returned), no case that passed (approved, with or without
conditions). The plan's panel, the picker and `submit` agree, whatever the plan's state."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from lianxin.campaign.models import Plan
from lianxin.resources.models import ApprovalCase, Decision, Opinion
from lianxin.resources.queries_approvals import applicable_plans, plan_approval
from lianxin.resources.services import approvals as svc

from .approval_helpers import *  # noqa: F403 (the fixtures)
from .approval_helpers import CODES
from .factories_approvals import approval_case

pytestmark = pytest.mark.django_db

DAY = date(2025, 6, 20)


def _decide_all(case, reviewers, decision="approve", **kw):
    for code in CODES:
        o = case.opinions.get(department__code=code)
        if o.decision == Decision.PENDING:
            svc.give_opinion(reviewers[code], o, decision, today=DAY, **kw)
    case.refresh_from_db()
    return case


def _views_agree(user, plan) -> bool:
    """The panel and the picker say the same; returns what they say."""
    panel = plan_approval(user, plan)["can_apply"]
    picker = applicable_plans(user).filter(pk=plan.pk).exists()
    assert panel == picker, f"panel says {panel}, picker says {picker}"
    return panel


def test_a_conditionally_approved_plan_is_offered_nowhere_and_refused(
    login, nankai, nankai_plan, reviewers
):
    assert _views_agree(nankai, nankai_plan)
    case = approval_case(nankai_plan, actor=nankai)
    assert not _views_agree(nankai, nankai_plan)  # open
    case = _decide_all(case, reviewers, "conditions", conditions="按图施工")
    assert case.status == "conditional"
    assert nankai_plan.milestones.get(code="approval").completed_on == DAY
    # Passed: the panel offers no new application, nor does the picker.
    assert not _views_agree(nankai, nankai_plan)
    client = login(nankai)
    plan_page = client.get(f"/campaign/plans/{nankai_plan.pk}/").content.decode()
    assert 'id="plan-approval-new"' not in plan_page
    # The service refuses, naming the plan and why.
    with pytest.raises(ValidationError) as exc:
        svc.submit(nankai, nankai_plan, ["planning"], today=DAY)
    assert "已通过" in exc.value.message_dict["plan"][0]
    # The form says so instead of offering to send; posting anyway creates nothing.
    form = client.get(f"/resources/approvals/new/?plan={nankai_plan.pk}").content.decode()
    assert 'id="apply-blocked"' in form and 'id="approval-form"' not in form
    assert f"/resources/approvals/{case.pk}/" in form
    posted = client.post(
        "/resources/approvals/new/",
        {"plan": nankai_plan.pk, "departments": [case.opinions.first().department_id]},
    )
    assert posted.status_code == 200 and "已通过" in posted.content.decode()
    assert ApprovalCase.objects.filter(plan=nankai_plan).count() == 1


def test_an_approved_plan_is_refused_too(nankai, nankai_plan, reviewers):
    case = _decide_all(approval_case(nankai_plan, actor=nankai), reviewers)
    assert case.status == "approved"
    assert not _views_agree(nankai, nankai_plan)
    with pytest.raises(ValidationError) as exc:
        svc.submit(nankai, nankai_plan, None, today=DAY)
    assert "已通过" in exc.value.message_dict["plan"][0]


@pytest.mark.parametrize("ending", ["rejected", "withdrawn"])
def test_after_a_rejection_or_withdrawal_the_plan_may_be_applied_for_again(
    nankai, nankai_plan, reviewers, ending
):
    case = approval_case(nankai_plan, actor=nankai)
    if ending == "rejected":
        svc.give_opinion(
            reviewers["planning"],
            case.opinions.get(department__code="planning"),
            "reject",
            "选址不符",
            today=DAY,
        )
    else:
        svc.withdraw(nankai, case, "重报", today=DAY)
    case.refresh_from_db()
    assert case.status == ending
    assert _views_agree(nankai, nankai_plan)
    again = svc.submit(nankai, nankai_plan, ["planning"], today=DAY)
    assert again.status == "reviewing"
    assert not _views_agree(nankai, nankai_plan)


def test_a_returned_case_is_still_open(nankai, nankai_plan, reviewers):
    case = approval_case(nankai_plan, actor=nankai)
    svc.give_opinion(
        reviewers["planning"],
        case.opinions.get(department__code="planning"),
        "return",
        "补充图纸",
        today=DAY,
    )
    assert not _views_agree(nankai, nankai_plan)
    with pytest.raises(ValidationError) as exc:
        svc.submit(nankai, nankai_plan, None, today=DAY)
    assert "办理中" in exc.value.message_dict["plan"][0]


def test_a_signed_off_plan_is_refused(nankai, nankai_plan):
    Plan.objects.filter(pk=nankai_plan.pk).update(signed_off_on=DAY)
    nankai_plan.refresh_from_db()
    assert not _views_agree(nankai, nankai_plan)
    with pytest.raises(ValidationError) as exc:
        svc.submit(nankai, nankai_plan, None, today=DAY)
    assert "销号" in exc.value.message_dict["plan"][0]


def test_the_panel_asks_no_more_queries_for_the_rule(nankai, nankai_plan, reviewers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    approval_case(nankai_plan, actor=nankai)
    plan = Plan.objects.get(pk=nankai_plan.pk)
    with CaptureQueriesContext(connection) as ctx:
        plan_approval(nankai, plan)
    # The cases, their opinions, their departments, the milestone (with the rule), the roles.
    assert len(ctx.captured_queries) <= 5
    assert Opinion.objects.filter(case__plan=plan).exists()
