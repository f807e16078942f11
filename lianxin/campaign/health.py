"""Green / amber / red from planned against actual (pure: milestones and a calendar in, a colour
out). Red: a milestone is a working day or more past its planned completion and not done (the
weekend after a Friday deadline is not late yet). Amber: a milestone is behind
— its progress trails the share of its working days already spent by AMBER_GAP points or more.
Escalation: overdue (level 1) and 3× overdue (level 2: the working days since the milestone
started are three times its duration or more)."""

from __future__ import annotations

from datetime import date

from lianxin.core.workdays import WorkingCalendar

from .models import Health

AMBER_GAP = 25


def expected_progress(m, today: date, cal: WorkingCalendar) -> int:
    if today <= m.starts_on:
        return 0
    if today >= m.due_on or not m.duration_days:
        return 100
    spent = cal.working_days_between(m.starts_on, today)
    return min(100, round(spent * 100 / m.duration_days))


def overdue_level(m, today: date, cal: WorkingCalendar) -> int:
    # Overdue counts in working days: the weekend or holiday after the due day is not late yet.
    if m.completed_on is not None or cal.working_days_between(m.due_on, today) < 1:
        return 0
    spent = cal.working_days_between(m.starts_on, today)
    return 2 if spent >= 3 * max(m.duration_days, 1) else 1


def milestone_health(m, today: date, cal: WorkingCalendar) -> str:
    if m.completed_on is not None:
        return Health.GREEN
    if overdue_level(m, today, cal):
        return Health.RED
    if m.progress + AMBER_GAP <= expected_progress(m, today, cal):
        return Health.AMBER
    return Health.GREEN


def plan_health(plan, milestones, today: date, cal: WorkingCalendar) -> str:
    if plan.signed_off_on is not None and plan.signed_off_on <= today:
        return Health.DONE
    colours = {milestone_health(m, today, cal) for m in milestones}
    for colour in (Health.RED, Health.AMBER):
        if colour in colours:
            return colour
    return Health.GREEN
