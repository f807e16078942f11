"""China's working-day calendar as data: public holidays and make-up working days (调休) from
`chinese-calendar`, overridden by the CalendarDay table an administrator edits. Pure date
arithmetic on top (OpenProject's working_days: add_working_days(date, -n) walks backward).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

import chinese_calendar


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days. `overrides` (date → working?) win over the published
    calendar; years the published calendar does not cover fall back to Monday–Friday."""

    overrides: Mapping[date, bool] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        if "_index" in self.__dict__ and self._indexed(day):
            counts, _working = self._index
            i = (day - self.FIRST).days
            return counts[i] != (counts[i - 1] if i else 0)
        return self._published_or_overridden(day)

    def _published_or_overridden(self, day: date) -> bool:
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

    # Days between these two are answered from a prefix count (recomputing every schedule in
    # the city asks tens of thousands of questions); days outside are walked one by one.
    FIRST = date(2000, 1, 1)
    LAST = date(2060, 12, 31)

    @cached_property
    def _index(self) -> tuple[list[int], list[int]]:
        """(working days in [FIRST, day] for each day, ordinals of the working days)."""
        counts, working, total = [], [], 0
        for i in range((self.LAST - self.FIRST).days + 1):
            day = self.FIRST + timedelta(days=i)
            if self._published_or_overridden(day):
                total += 1
                working.append(day.toordinal())
            counts.append(total)
        return counts, working

    def _indexed(self, *days: date) -> bool:
        return all(self.FIRST <= d <= self.LAST for d in days)

    def add_working_days(self, start: date, n: int) -> date:
        """The day `n` working days after `start` (before it when n < 0); 0 gives `start`."""
        if n and self._indexed(start):
            counts, working = self._index
            upto = counts[(start - self.FIRST).days]  # working days on or before `start`
            if n > 0:
                at = upto + n - 1
            else:
                at = upto - self.is_working_day(start) + n
            if 0 <= at < len(working):
                return date.fromordinal(working[at])
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
        if self._indexed(start, end):
            counts, _working = self._index
            return counts[(end - self.FIRST).days] - counts[(start - self.FIRST).days]
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
            # A due day that is not a working day is met by the last working day before it.
            last = due if self.is_working_day(due) else self.add_working_days(due, -1)
            start = self.add_working_days(last, -days) if days else due
            spans.append((start, due))
            due = start
        return list(reversed(spans))


_built: dict[frozenset, WorkingCalendar] = {}


def calendar() -> WorkingCalendar:
    """The calendar in force: the published one with the administrators' overrides (one query;
    the day index is built once per set of overrides and kept)."""
    from .models import CalendarDay

    overrides = dict(CalendarDay.objects.values_list("day", "is_working_day"))
    key = frozenset(overrides.items())
    if key not in _built:
        if len(_built) > 8:
            _built.clear()
        _built[key] = WorkingCalendar(overrides)
    return _built[key]
