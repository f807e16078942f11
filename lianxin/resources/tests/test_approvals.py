"""Joint review through its services: submitting asks each department in parallel with a due
date over working days; only the right department's member gives its opinion, validated and
final for the round; the status follows; approval completes the plan's 联合审批 milestone; a
return comes back as round 2; 以函代证 is recorded; withdraw; scope and roles."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from lianxin.campaign.models import Plan, ProgressReport
from lianxin.core.models import AuditLog, Notification
from lianxin.core.tests.factories import region
from lianxin.resources.models import ApprovalCase, Decision, Department, Opinion
from lianxin.resources.services import approvals as svc

from .approval_helpers import *  # noqa: F403 (the fixtures)
from .approval_helpers import CODES, staff
from .factories_approvals import approval_case, member, pdf, submitted_on

pytestmark = pytest.mark.django_db

DAY = date(2025, 6, 20)


def _op(case, code) -> Opinion:
    return case.opinions.get(department__code=code)


def _approve_all(case, reviewers, today=DAY, skip=()):
    for code in CODES:
        if code in skip:
            continue
        o = _op(case, code)
        if o.decision == Decision.PENDING:
            svc.give_opinion(reviewers[code], o, "approve", today=today)
    case.refresh_from_db()
    return case


# -- submit ---------------------------------------------------------------------------------------


def test_submit_asks_every_active_department_with_due_dates_over_working_days(
    nankai, nankai_plan, reviewers
):
    # Submitted the day before National Day 2025 (Oct 1–8 off, Sat Oct 11 a make-up day).
    case = svc.submit(nankai, nankai_plan, None, "", "改造方案", today=date(2025, 9, 30))
    assert case.status == "reviewing" and case.round == 1
    assert case.region_path == nankai_plan.region_path
    assert case.title == f"{nankai_plan.center.name}建设方案联合审查"
    due = {o.department.code: o.due_on for o in case.opinions.select_related("department")}
    # 5 working days: Oct 9, 10, 11 (make-up), 13, 14; 10: … 15, 16, 17, 20, 21.
    assert due == {
        "organization": date(2025, 10, 14),
        "civil_affairs": date(2025, 10, 14),
        "finance": date(2025, 10, 14),
        "planning": date(2025, 10, 21),
        "housing": date(2025, 10, 21),
    }
    assert set(case.opinions.values_list("decision", flat=True)) == {"pending"}
    assert AuditLog.objects.filter(action="approval_submit", target_id=str(case.pk)).exists()


def test_submit_to_chosen_departments_notifies_their_members_covering_the_plan(
    nankai, nankai_plan, reviewers, hexi_planner
):
    case = svc.submit(nankai, nankai_plan, ["planning", "housing"], "改造", "", today=submitted_on)
    assert sorted(case.opinions.values_list("department__code", flat=True)) == [
        "housing",
        "planning",
    ]
    told = set(
        Notification.objects.filter(target_id=str(case.pk)).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"nk_planning", "nk_housing"}  # not 河西's planner, not the others


def test_an_inactive_department_is_not_asked_and_cannot_be_chosen(nankai, nankai_plan, reviewers):
    Department.objects.filter(code="finance").update(active=False)
    case = svc.submit(nankai, nankai_plan, today=submitted_on)
    assert "finance" not in set(case.opinions.values_list("department__code", flat=True))
    svc.withdraw(nankai, case)
    with pytest.raises(ValidationError) as exc:
        svc.submit(nankai, nankai_plan, ["finance"])
    assert "departments" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        svc.submit(nankai, nankai_plan, [])
    assert "departments" in exc.value.message_dict


def test_one_open_case_per_plan(nankai, nankai_case, nankai_plan):
    with pytest.raises(ValidationError) as exc:
        svc.submit(nankai, nankai_plan)
    assert "plan" in exc.value.message_dict
    assert ApprovalCase.objects.filter(plan=nankai_plan).count() == 1


def test_who_may_submit(hexi, nankai, inspector, reviewer, street_staff, hexi_plan, nankai_plan):
    with pytest.raises(Http404):
        svc.submit(hexi, nankai_plan)  # another district: not even shown
    for user in (inspector, reviewer):  # they see the plan but may not apply
        with pytest.raises(PermissionDenied):
            svc.submit(user, hexi_plan)
    case = svc.submit(street_staff, hexi_plan, ["planning"], today=submitted_on)
    assert case.submitted_by == street_staff
    assert not ApprovalCase.objects.filter(plan=nankai_plan).exists()


# -- opinions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"decision": "conditions"}, "conditions"),
        ({"decision": "return"}, "comment"),
        ({"decision": "reject", "comment": "  "}, "comment"),
        ({"decision": "pending"}, "decision"),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "approve", "letter_in_lieu": True}, "letter_no"),
        (
            {"decision": "return", "comment": "x", "letter_in_lieu": True, "letter_no": "1"},
            "letter_in_lieu",
        ),
    ],
)
def test_opinion_validation(nankai_case, reviewers, kwargs, field):
    o = _op(nankai_case, "planning")
    with pytest.raises(ValidationError) as exc:
        svc.give_opinion(reviewers["planning"], o, **kwargs)
    assert field in exc.value.message_dict
    o.refresh_from_db()
    assert o.decision == "pending" and not o.decided_on


def test_a_department_that_may_not_issue_letters_cannot_use_one(nankai_case, reviewers):
    o = _op(nankai_case, "finance")
    with pytest.raises(ValidationError) as exc:
        svc.give_opinion(
            reviewers["finance"], o, "approve", letter_in_lieu=True, letter_no="南财函〔2025〕1号"
        )
    assert "letter_in_lieu" in exc.value.message_dict


def test_only_the_departments_member_covering_the_case_gives_it(
    nankai_case, reviewers, nankai, hexi_planner, city
):
    o = _op(nankai_case, "planning")
    with pytest.raises(PermissionDenied):
        svc.give_opinion(reviewers["housing"], o, "approve")  # another department
    with pytest.raises(PermissionDenied):
        svc.give_opinion(nankai, o, "approve")  # the district admin is no member
    with pytest.raises(PermissionDenied):
        svc.give_opinion(city, o, "approve")
    with pytest.raises(Http404):
        svc.give_opinion(hexi_planner, o, "approve")  # 河西's planner: 南开 is out of view
    # A city-wide planning member serving 南开 too (but only viewing through a role).
    city_planner = staff("city_planner", "department_reviewer", "120000000000")
    member(city_planner, "planning", region("120000000000"))
    svc.give_opinion(city_planner, o, "approve", today=DAY)
    o.refresh_from_db()
    assert o.decision == "approve" and o.decided_by == city_planner and o.decided_on == DAY


def test_an_opinion_is_final_for_the_round(nankai_case, reviewers):
    o = _op(nankai_case, "organization")
    svc.give_opinion(reviewers["organization"], o, "approve", "同意", today=DAY)
    with pytest.raises(ValidationError):
        svc.give_opinion(reviewers["organization"], o, "reject", "改主意")
    o.refresh_from_db()
    assert o.decision == "approve" and o.comment == "同意"


def test_letter_in_lieu_is_recorded_with_the_permit_it_replaces(nankai_case, reviewers):
    o = _op(nankai_case, "planning")
    svc.give_opinion(
        reviewers["planning"],
        o,
        "approve",
        "同意以函代证",
        letter_in_lieu=True,
        letter_no="南规资函〔2025〕18号",
        attachments=[pdf("规划函.pdf")],
        today=DAY,
    )
    o.refresh_from_db()
    assert o.letter_in_lieu and o.letter_no == "南规资函〔2025〕18号"
    assert o.permit_replaced == "建设工程规划许可证"  # the department's permit by default
    assert [a.original_name for a in o.attachments.all()] == ["规划函.pdf"]
    h = _op(nankai_case, "housing")
    svc.give_opinion(
        reviewers["housing"],
        h,
        "conditions",
        conditions="竣工后补办消防验收",
        letter_in_lieu=True,
        letter_no="南住建函〔2025〕7号",
        permit_replaced="施工许可",
        today=DAY,
    )
    h.refresh_from_db()
    assert h.permit_replaced == "施工许可" and h.conditions == "竣工后补办消防验收"
    log = AuditLog.objects.get(action="approval_opinion", target_id=str(o.pk))
    assert log.changes["letter_no"] == ["", "南规资函〔2025〕18号"]
    assert log.changes["attachments"] == [None, ["规划函.pdf"]]


def test_a_bad_attachment_is_refused_and_nothing_written(nankai_case, reviewers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    o = _op(nankai_case, "planning")
    fake = SimpleUploadedFile("letter.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        svc.give_opinion(reviewers["planning"], o, "approve", attachments=[fake])
    assert "attachments" in exc.value.message_dict
    o.refresh_from_db()
    assert o.decision == "pending" and not o.attachments.exists()


# -- the status follows ---------------------------------------------------------------------------


def test_approval_completes_the_plans_approval_milestone(nankai, nankai_case, reviewers):
    plan = nankai_case.plan
    svc.give_opinion(
        reviewers["housing"],
        _op(nankai_case, "housing"),
        "conditions",
        conditions="按图施工",
        today=DAY,
    )
    case = _approve_all(nankai_case, reviewers, skip=("planning",))
    assert case.status == "reviewing" and case.concluded_on is None
    assert not plan.milestones.get(code="approval").completed_on
    svc.give_opinion(reviewers["planning"], _op(case, "planning"), "approve", today=DAY)
    case.refresh_from_db()
    assert case.status == "conditional" and case.concluded_on == DAY
    m = plan.milestones.get(code="approval")
    assert m.completed_on == DAY and m.progress == 100
    report = ProgressReport.objects.get(milestone=m)
    assert report.progress == 100 and report.reported_by == reviewers["planning"]
    assert AuditLog.objects.filter(action="report_progress", target_id=str(m.pk)).exists()
    assert AuditLog.objects.filter(action="approval_status", target_id=str(case.pk)).exists()
    plan.refresh_from_db()
    assert plan.health in ("green", "amber", "red")
    assert Notification.objects.filter(
        recipient=nankai, target_id=str(case.pk), title__contains="已通过"
    ).exists()


def test_plan_health_refreshes_when_the_approval_milestone_was_the_late_one(
    nankai, nankai_plan, reviewers
):
    # Make every milestone but "approval" done and "approval" overdue: the plan is red.
    from lianxin.campaign import services as campaign

    for m in nankai_plan.milestones.exclude(code="approval"):
        m.progress, m.completed_on = 100, date(2025, 1, 2)
        m.save()
    nankai_plan.milestones.filter(code="approval").update(
        starts_on=date(2025, 1, 2), due_on=date(2025, 1, 10)
    )
    campaign.refresh_health(Plan.objects.filter(pk=nankai_plan.pk))
    nankai_plan.refresh_from_db()
    assert nankai_plan.health == "red"
    case = approval_case(nankai_plan, ["planning"], actor=nankai)
    svc.give_opinion(reviewers["planning"], _op(case, "planning"), "approve", today=DAY)
    nankai_plan.refresh_from_db()
    assert nankai_plan.health == "green"


def test_return_and_resubmit_make_round_two(nankai, nankai_case, reviewers):
    case = nankai_case
    svc.give_opinion(reviewers["organization"], _op(case, "organization"), "approve", today=DAY)
    svc.give_opinion(
        reviewers["planning"], _op(case, "planning"), "return", "容积率超标，请调整", today=DAY
    )
    case.refresh_from_db()
    assert case.status == "returned" and case.concluded_on is None
    assert Notification.objects.filter(recipient=nankai, title__contains="退回修改").exists()
    # The others may still give theirs meanwhile.
    svc.give_opinion(reviewers["finance"], _op(case, "finance"), "approve", today=DAY)
    with pytest.raises(ValidationError):
        svc.resubmit(nankai, case, "")  # say what changed
    with pytest.raises(PermissionDenied):
        svc.resubmit(reviewers["planning"], case, "改好了")
    resubmitted_on = date(2025, 6, 23)
    svc.resubmit(nankai, case, "已调整建筑面积", today=resubmitted_on)
    case.refresh_from_db()
    assert case.status == "reviewing" and case.round == 2
    planning = _op(case, "planning")
    assert planning.decision == "pending" and planning.round == 2
    assert planning.requested_on == resubmitted_on
    assert planning.due_on == date(2025, 7, 7)  # 10 working days
    assert planning.comment == "" and planning.decided_by is None
    assert _op(case, "organization").decision == "approve"  # approvals stand
    assert _op(case, "organization").round == 1
    with pytest.raises(ValidationError):
        svc.resubmit(nankai, case, "again")  # only a returned case
    case = _approve_all(case, reviewers, today=date(2025, 7, 1))
    assert case.status == "approved" and case.concluded_on == date(2025, 7, 1)
    assert case.plan.milestones.get(code="approval").completed_on == date(2025, 7, 1)
    log = AuditLog.objects.get(action="approval_resubmit", target_id=str(case.pk))
    assert log.changes["round"] == [1, 2] and log.note == "已调整建筑面积"


def test_rejection_concludes_and_a_new_case_may_follow(nankai, nankai_case, reviewers):
    svc.give_opinion(
        reviewers["housing"], _op(nankai_case, "housing"), "reject", "选址不符合规划", today=DAY
    )
    nankai_case.refresh_from_db()
    assert nankai_case.status == "rejected" and nankai_case.concluded_on == DAY
    assert Notification.objects.filter(recipient=nankai, title__contains="不予通过").exists()
    with pytest.raises(ValidationError):
        svc.give_opinion(reviewers["planning"], _op(nankai_case, "planning"), "approve")
    assert not nankai_case.plan.milestones.get(code="approval").completed_on
    again = svc.submit(nankai, nankai_case.plan, ["planning"], today=DAY)
    assert again.pk != nankai_case.pk and again.status == "reviewing"


def test_withdraw(nankai, hexi, nankai_case, reviewers):
    with pytest.raises(Http404):
        svc.withdraw(hexi, nankai_case)
    with pytest.raises(PermissionDenied):
        svc.withdraw(reviewers["planning"], nankai_case)
    svc.withdraw(nankai, nankai_case, "方案调整", today=DAY)
    nankai_case.refresh_from_db()
    assert nankai_case.status == "withdrawn" and nankai_case.concluded_on == DAY
    with pytest.raises(ValidationError):
        svc.give_opinion(reviewers["planning"], _op(nankai_case, "planning"), "approve")
    with pytest.raises(ValidationError):
        svc.withdraw(nankai, nankai_case)
