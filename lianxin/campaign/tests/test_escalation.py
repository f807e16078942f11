"""Early warning: green / amber / red from planned against actual, and escalation of overdue
milestones — overdue to the assigned leader, 3× overdue to the leader and the district's
administrators — each notice once, in the app and by e-mail (Django's mail backend, sent by a
background task after commit). Dates are chosen (`today=`), never the real one."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command

from lianxin.accounts.models import User
from lianxin.campaign import services
from lianxin.campaign.health import expected_progress, overdue_level, plan_health
from lianxin.campaign.models import Health, Milestone, Plan
from lianxin.campaign.tasks import daily_check, recompute_schedules_task
from lianxin.core.models import CalendarDay, Notification, NotificationLevel
from lianxin.core.tests.factories import HEXI_VILLAGE, HEXI_VILLAGE_2
from lianxin.core.workdays import WorkingCalendar

from . import factories as f

CAL = WorkingCalendar()
DEADLINE = date(2025, 6, 30)


@pytest.fixture
def leader_user(db):
    return User.objects.create_user(
        username="leader_li", password="x", email="li@example.org", display_name="李领导"
    )


@pytest.fixture
def hexi_mail(hexi):
    hexi.email = "hexi@example.org"
    hexi.save(update_fields=["email"])
    return hexi


@pytest.fixture
def plan(region, leader_user):
    leader = f.leader(region("120103"), user=leader_user, name="李领导")
    return f.plan(region(HEXI_VILLAGE), deadline=DEADLINE, leader_id=leader.pk)


def _ms(plan) -> dict[str, Milestone]:
    return {m.code: m for m in plan.milestones.all()}


def _notices(user, **filters):
    return list(Notification.objects.filter(recipient=user, **filters).order_by("id"))


def _health(plan, day):
    services.refresh_health(Plan.objects.filter(pk=plan.pk), today=day)
    plan.refresh_from_db()
    return plan.health


# -- escalation ------------------------------------------------------------------------------------


def test_one_working_day_overdue_tells_the_leader_only(plan, leader_user, hexi_mail):
    design = _ms(plan)["design"]
    today = CAL.add_working_days(design.due_on, 1)
    assert overdue_level(design, today, CAL) == 1

    sent = services.escalate(today=today)

    assert sent == {"overdue": 1, "overdue_3x": 0}
    notices = _notices(leader_user)
    assert len(notices) == 1
    n = notices[0]
    assert n.level == NotificationLevel.WARNING
    assert (n.target_type, n.target_id) == ("campaign.milestone", str(design.pk))
    assert "方案设计" in n.title and "逾期 1 个工作日" in n.title
    assert plan.center.name in n.title and n.url.endswith(f"/{plan.pk}/")
    assert _notices(hexi_mail) == []  # level 1 stays with the leader
    design.refresh_from_db()
    assert design.escalation == 1


def test_the_day_it_falls_due_and_the_weekend_after_are_not_overdue(plan, leader_user):
    design = _ms(plan)["design"]
    assert services.escalate(today=design.due_on) == {"overdue": 0, "overdue_3x": 0}
    # Due on a Friday: Saturday and Sunday are no working day late; Monday is one.
    friday = date(2025, 3, 28)
    Milestone.objects.filter(pk=design.pk).update(
        starts_on=CAL.add_working_days(friday, -10), due_on=friday
    )
    for weekend_day in (date(2025, 3, 29), date(2025, 3, 30)):
        assert services.escalate(today=weekend_day) == {"overdue": 0, "overdue_3x": 0}
        assert _health(plan, weekend_day) == Health.AMBER  # behind, not yet overdue
    assert Notification.objects.count() == 0
    assert services.escalate(today=date(2025, 3, 31)) == {"overdue": 1, "overdue_3x": 0}
    assert "逾期 1 个工作日" in _notices(leader_user)[0].title


def test_overdue_waits_out_a_public_holiday(db):
    from types import SimpleNamespace

    # Due on the last working day before National Day 2024 (Sunday 29 September was a 调休
    # working day; 1–7 October off): not overdue until Tuesday 8 October.
    m = SimpleNamespace(
        starts_on=date(2024, 9, 20), due_on=date(2024, 9, 30), duration_days=6, completed_on=None
    )
    assert CAL.is_working_day(date(2024, 9, 29))
    assert overdue_level(m, date(2024, 10, 7), CAL) == 0
    assert overdue_level(m, date(2024, 10, 8), CAL) == 1


def test_three_times_overdue_reaches_the_leader_and_the_district(plan, leader_user, hexi_mail):
    ms = _ms(plan)
    design, approval = ms["design"], ms["approval"]
    # Working days since design started = 3 × its duration: level 2. Approval, due 10 working
    # days after design, is merely overdue by then.
    today = CAL.add_working_days(design.starts_on, 3 * design.duration_days)
    assert overdue_level(design, today, CAL) == 2
    assert overdue_level(approval, today, CAL) == 1
    assert overdue_level(ms["construction"], today, CAL) == 0

    sent = services.escalate(today=today)

    assert sent == {"overdue": 1, "overdue_3x": 1}
    leader_notices = {n.target_id: n for n in _notices(leader_user)}
    assert set(leader_notices) == {str(design.pk), str(approval.pk)}
    assert leader_notices[str(design.pk)].level == NotificationLevel.DANGER
    assert "严重逾期" in leader_notices[str(design.pk)].title
    assert leader_notices[str(approval.pk)].level == NotificationLevel.WARNING
    district = _notices(hexi_mail)
    assert [(n.target_id, n.level) for n in district] == [
        (str(design.pk), NotificationLevel.DANGER)
    ]
    # Nobody else: not the street, not another district, not the city.
    others = Notification.objects.exclude(recipient__in=[leader_user, hexi_mail])
    assert not others.exists()


def test_each_notice_goes_once(plan, leader_user, hexi_mail):
    design = _ms(plan)["design"]
    day1 = CAL.add_working_days(design.due_on, 1)
    assert services.escalate(today=day1) == {"overdue": 1, "overdue_3x": 0}
    assert services.escalate(today=day1) == {"overdue": 0, "overdue_3x": 0}
    later = CAL.add_working_days(day1, 3)  # still level 1: nothing new
    assert services.escalate(today=later) == {"overdue": 0, "overdue_3x": 0}
    assert Notification.objects.filter(target_id=str(design.pk)).count() == 1
    level2 = CAL.add_working_days(design.starts_on, 30)
    first = services.escalate(today=level2)
    assert first["overdue_3x"] == 1
    assert services.escalate(today=level2) == {"overdue": 0, "overdue_3x": 0}
    assert services.escalate(today=CAL.add_working_days(level2, 5))["overdue_3x"] == 0
    assert Notification.objects.filter(target_id=str(design.pk), recipient=leader_user).count() == 2
    assert Notification.objects.filter(target_id=str(design.pk), recipient=hexi_mail).count() == 1


def test_a_jump_straight_to_three_times_sends_one_notice(plan, leader_user):
    design = _ms(plan)["design"]
    today = CAL.add_working_days(design.starts_on, 40)
    services.escalate(today=today)
    assert Notification.objects.filter(target_id=str(design.pk), recipient=leader_user).count() == 1
    design.refresh_from_db()
    assert design.escalation == 2


def test_done_milestones_and_signed_off_plans_never_escalate(
    plan, region, leader_user, street_staff
):
    design = _ms(plan)["design"]
    services.report_progress(street_staff, design, 100)
    today = CAL.add_working_days(design.due_on, 2)
    assert services.escalate(today=today) == {"overdue": 0, "overdue_3x": 0}

    other = f.plan(region(HEXI_VILLAGE_2), deadline=DEADLINE, leader_id=plan.leader_id)
    Plan.objects.filter(pk=other.pk).update(signed_off_on=date(2025, 1, 6))
    late = CAL.add_working_days(DEADLINE, 60)
    services.escalate(today=late)
    assert not Notification.objects.filter(
        target_id__in=[str(m.pk) for m in other.milestones.all()]
    ).exists()
    assert not Milestone.objects.filter(plan=other, escalation__gt=0).exists()


def test_a_plan_without_a_leader_still_reaches_the_district_at_level_2(region, hexi):
    plan = f.plan(region(HEXI_VILLAGE), deadline=DEADLINE)
    design = _ms(plan)["design"]
    services.escalate(today=CAL.add_working_days(design.due_on, 1))
    assert Notification.objects.count() == 0  # nobody to tell at level 1
    services.escalate(today=CAL.add_working_days(design.starts_on, 30))
    assert [n.target_id for n in _notices(hexi)] == [str(design.pk)]


def test_notices_are_emailed_after_commit_to_those_with_an_address(
    plan, leader_user, hexi, django_capture_on_commit_callbacks
):
    hexi.email = ""
    hexi.save(update_fields=["email"])
    design = _ms(plan)["design"]
    today = CAL.add_working_days(design.starts_on, 30)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.escalate(today=today)
    assert mail.outbox == []  # nothing leaves before the transaction commits
    for callback in callbacks:
        callback()
    # The leader hears of design (3× overdue) and approval (overdue); hexi has no address.
    assert [m.to for m in mail.outbox] == [["li@example.org"], ["li@example.org"]]
    subjects = sorted(m.subject for m in mail.outbox)
    assert all(s.startswith("[连心桥] ") for s in subjects)
    assert any("严重逾期" in s and "方案设计" in s for s in subjects)
    assert any("严重逾期" not in s and "联合审批" in s for s in subjects)
    assert all(f"/campaign/plans/{plan.pk}/" in m.body for m in mail.outbox)
    # In-app notices for both; the e-mailed ones are marked.
    assert Notification.objects.filter(recipient=hexi).count() == 1
    assert all(n.emailed_at for n in Notification.objects.filter(recipient=leader_user))


def test_district_administrators_get_the_email_too(
    plan, leader_user, hexi_mail, django_capture_on_commit_callbacks
):
    design = _ms(plan)["design"]
    with django_capture_on_commit_callbacks(execute=True):
        services.escalate(today=CAL.add_working_days(design.starts_on, 30))
    recipients = sorted(addr for m in mail.outbox for addr in m.to)
    # The leader hears of design (3×) and approval (overdue); the district of design only.
    assert recipients == ["hexi@example.org", "li@example.org", "li@example.org"]


# -- the daily task, its command and the calendar ---------------------------------------------------


def test_daily_check_task_and_command(plan, leader_user, capsys):
    design = _ms(plan)["design"]
    day = CAL.add_working_days(design.due_on, 1)
    result = daily_check.enqueue(day.isoformat())
    assert result.return_value == {"overdue": 1, "overdue_3x": 0, "rectifications": 0}
    call_command("campaign_daily", "--date", CAL.add_working_days(design.starts_on, 30).isoformat())
    out = capsys.readouterr().out
    assert "1 overdue" in out and "1 3× overdue" in out
    plan.refresh_from_db()
    assert plan.health == Health.RED


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("campaign_daily", "--date", "2025-02-30")


def test_a_calendar_change_recomputes_the_schedules_after_commit(
    plan, django_capture_on_commit_callbacks
):
    design = _ms(plan)["design"]
    day = CAL.add_working_days(design.starts_on, 2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        CalendarDay.objects.create(day=day, is_working_day=False, note="临时休息")
        CalendarDay.objects.filter(day=day).update(note="临时休息日")  # no signal
        CalendarDay.objects.create(day=date(2025, 2, 8), is_working_day=True, note="调休")
    # One recompute of the schedules for the whole transaction.
    assert [c.task for c in callbacks].count(recompute_schedules_task) == 1
    moved = _ms(plan)["design"]
    assert moved.starts_on < design.starts_on
    cal = WorkingCalendar({day: False, date(2025, 2, 8): True})
    assert cal.working_days_between(moved.starts_on, moved.due_on) == moved.duration_days


def test_removing_a_calendar_correction_recomputes_too(plan, django_capture_on_commit_callbacks):
    design = _ms(plan)["design"]
    day = CAL.add_working_days(design.starts_on, 2)
    # (The test's own transaction never commits: run what each change schedules.)
    with django_capture_on_commit_callbacks(execute=True):
        CalendarDay.objects.create(day=day, is_working_day=False)
    assert _ms(plan)["design"].starts_on < design.starts_on
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        CalendarDay.objects.filter(day=day).delete()  # a queryset delete signals per row
    assert callbacks
    assert _ms(plan)["design"].starts_on == design.starts_on


def test_recompute_task_reports_its_work(plan):
    assert recompute_schedules_task.enqueue().return_value == {"moved": 0, "recoloured": 0}


# -- health colours --------------------------------------------------------------------------------


def test_health_green_amber_red_at_chosen_dates(plan, street_staff):
    ms = _ms(plan)
    design = ms["design"]
    # Before anything starts, and at the start: green.
    assert _health(plan, date(2025, 1, 2)) == Health.GREEN
    assert _health(plan, design.starts_on) == Health.GREEN
    # Two of ten working days spent with nothing done: 20 % expected, still green.
    two = CAL.add_working_days(design.starts_on, 2)
    assert expected_progress(design, two, CAL) == 20
    assert _health(plan, two) == Health.GREEN
    # Three days: 30 % expected, 0 % done: 25 points behind or more, amber.
    three = CAL.add_working_days(design.starts_on, 3)
    assert _health(plan, three) == Health.AMBER
    # The due day itself, not done: behind (100 % expected) but not yet overdue.
    assert _health(plan, design.due_on) == Health.AMBER
    # One working day past due: red.
    assert _health(plan, CAL.add_working_days(design.due_on, 1)) == Health.RED


def test_progress_keeps_a_plan_green(plan, street_staff):
    design = _ms(plan)["design"]
    three = CAL.add_working_days(design.starts_on, 3)
    services.report_progress(street_staff, design, 10)
    assert _health(plan, three) == Health.GREEN  # 10 + 25 > 30
    services.report_progress(street_staff, design, 100)
    # Design done; approval's turn: on its own schedule.
    assert _health(plan, CAL.add_working_days(design.due_on, 1)) == Health.GREEN
    approval = _ms(plan)["approval"]
    assert _health(plan, CAL.add_working_days(approval.due_on, 1)) == Health.RED


def test_signed_off_plans_are_done_from_their_day(plan):
    Plan.objects.filter(pk=plan.pk).update(signed_off_on=date(2025, 3, 3))
    plan.refresh_from_db()
    assert _health(plan, date(2025, 3, 3)) == Health.DONE
    assert _health(plan, date(2026, 1, 5)) == Health.DONE
    # As of a day before the sign-off it was still being worked on.
    ms = list(plan.milestones.all())
    assert plan_health(plan, ms, date(2025, 3, 2), CAL) != Health.DONE


def test_the_morning_run_recolours_every_plan(plan, region):
    other = f.plan(region(HEXI_VILLAGE_2), deadline=DEADLINE)
    late = CAL.add_working_days(DEADLINE, 1)
    services.escalate(today=late)
    assert set(
        Plan.objects.filter(pk__in=[plan.pk, other.pk]).values_list("health", flat=True)
    ) == {Health.RED}
