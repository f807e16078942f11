"""Deadline arithmetic (pure): the time limit counted in working days after the day of receipt
(受理之日起 N 个工作日): received on Friday with a limit of 1, due on Monday; received on a
holiday or a weekend, the count starts with the next working day."""

from __future__ import annotations

from datetime import date

from lianxin.core.workdays import WorkingCalendar, calendar


def due_dates(
    received: date, working_days: int, cal: WorkingCalendar | None = None
) -> tuple[date, date]:
    """(deadline, grave deadline) from one read of the calendar (or over `cal`, for a caller
    that keeps one): past the grave deadline the case is 3× over its time limit and escalates
    to the district."""
    cal = cal or calendar()
    return (
        cal.add_working_days(received, working_days),
        cal.add_working_days(received, working_days * 3),
    )


def deadline(received: date, working_days: int) -> date:
    return due_dates(received, working_days)[0]


def grave_deadline(received: date, working_days: int) -> date:
    return due_dates(received, working_days)[1]


def overdue_level(today: date, due: date, grave: date) -> int:
    if today > grave:
        return 3
    if today > due:
        return 1
    return 0
