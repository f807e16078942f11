"""China's working-day calendar as data: public holidays and make-up working days (调休) from
`chinese-calendar`, overridden by the CalendarDay table an administrator edits. Pure date
arithmetic on top (OpenProject's working_days: add_working_days(date, -n) walks backward).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days. `overrides` (date → working?) win over the published
    calendar; years the published calendar does not cover fall back to Monday–Friday."""

    overrides: Mapping[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:  # a year not yet published
            return day.weekday() < 5

    def is_published(self, day: date) -> bool:
        """Whether the holidays of `day`'s year are known (else only weekends count)."""
        try:
            chinese_calendar.is_workday(day)
            return True
        except NotImplementedError:
            return day in self.overrides

    def add_working_days(self, start: date, n: int) -> date:
        """The day `n` working days after `start` (before it when n < 0); 0 gives `start`."""
        step = timedelta(days=1 if n >= 0 else -1)
        day, left = start, abs(n)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        return sum(
            1
            for i in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=i))
        )

    def schedule_backward(self, deadline: date, durations: list[int]) -> list[tuple[date, date]]:
        """倒排工期: milestones that must each take `durations[i]` working days and end by
        `deadline`, last one first — returned in order as (start, due) pairs: each milestone is
        due when the next one starts, the last one on `deadline`."""
        spans: list[tuple[date, date]] = []
        due = deadline
        for days in reversed(durations):
            if days < 0:
                raise ValueError("a duration cannot be negative")
            start = self.add_working_days(due, -days)
            spans.append((start, due))
            due = start
        return list(reversed(spans))


def calendar() -> WorkingCalendar:
    """The calendar in force: the published one with the administrators' overrides."""
    from .models import CalendarDay

    return WorkingCalendar(dict(CalendarDay.objects.values_list("day", "is_working_day")))
