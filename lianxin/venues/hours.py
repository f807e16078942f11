"""Opening hours: the schedule in force on a day, in local time (Asia/Shanghai), and the 30-minute
grid bookings are made on.

A center without structured rows falls back to DEFAULT_WEEK, the one place the default lives
(Center.opening_hours, free text, stays for display only).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import SLOT_MINUTES, OpeningHours

Interval = tuple[time, time]

# weekday (0 = Monday) → intervals. Mon–Fri 08:30–17:30, Sat 09:00–12:00, Sunday closed.
DEFAULT_WEEK: dict[int, list[Interval]] = {
    **{d: [(time(8, 30), time(17, 30))] for d in range(5)},
    5: [(time(9, 0), time(12, 0))],
}

SLOT = timedelta(minutes=SLOT_MINUTES)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def at(day: date, t: time) -> datetime:
    """The aware instant of local time `t` on `day`."""
    return datetime.combine(day, t, tzinfo=local_zone())


def _merge(intervals) -> list[Interval]:
    out: list[Interval] = []
    for opens, closes in sorted(intervals):
        if out and opens <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], closes))
        else:
            out.append((opens, closes))
    return out


def schedules(center_ids) -> dict[int, list[tuple[date, dict[int, list[Interval]]]]]:
    """Each center's schedules, oldest first: [(valid_from, {weekday: intervals})]. Centers
    without rows are absent (they use DEFAULT_WEEK)."""
    out: dict[int, dict[date, dict[int, list]]] = defaultdict(lambda: defaultdict(dict))
    rows = OpeningHours.objects.filter(center_id__in=list(center_ids)).values_list(
        "center_id", "valid_from", "weekday", "opens", "closes"
    )
    for center_id, valid_from, weekday, opens, closes in rows:
        out[center_id][valid_from].setdefault(weekday, []).append((opens, closes))
    return {
        cid: [(vf, {wd: _merge(iv) for wd, iv in week.items()}) for vf, week in sorted(by.items())]
        for cid, by in out.items()
    }


def week_on(versions, day: date) -> dict[int, list[Interval]]:
    """The weekly schedule in force on `day` among `versions` (as `schedules` gives them)."""
    current = None
    for valid_from, week in versions or ():
        if valid_from <= day:
            current = week
    if current is None:
        # Before the first structured schedule (or none at all): the default.
        return DEFAULT_WEEK
    return current


def hours_on(center, day: date) -> list[Interval]:
    """The center's opening intervals on `day` (local times, sorted, merged); [] = closed."""
    versions = schedules([center.pk]).get(center.pk)
    return list(week_on(versions, day).get(day.weekday(), []))


def grid(intervals: list[Interval]) -> list[Interval]:
    """The whole 30-minute slots (on the :00/:30 grid) inside the intervals."""
    out = []
    base = date(2000, 1, 3)
    for opens, closes in intervals:
        start = datetime.combine(base, opens)
        minute = start.minute % SLOT_MINUTES
        if minute or start.second or start.microsecond:
            start = start.replace(second=0, microsecond=0) + timedelta(
                minutes=SLOT_MINUTES - minute
            )
        end = datetime.combine(base, closes)
        while start + SLOT <= end:
            out.append((start.time(), (start + SLOT).time()))
            start += SLOT
    return out


def slot_starts(starts_at: datetime, ends_at: datetime) -> list[datetime]:
    """The grid slots a span covers, from the slot containing its start to the one containing its
    last instant (an activity 09:10–10:00 holds 09:00 and 09:30)."""
    local = starts_at.astimezone(local_zone())
    first = local.replace(
        minute=local.minute - local.minute % SLOT_MINUTES, second=0, microsecond=0
    )
    out = []
    while first < ends_at:
        out.append(first)
        first += SLOT
    return out


def slots_per_week(week: dict[int, list[Interval]]) -> dict[int, int]:
    return {wd: len(grid(iv)) for wd, iv in week.items()}


def open_slot_count(versions, since: date, until: date) -> int:
    """How many 30-minute slots a room of the center is open from `since` to `until` (inclusive),
    counted per weekday and schedule version rather than day by day (a city × a year is cheap)."""
    if until < since:
        return 0
    bounds = [(vf, week) for vf, week in (versions or ())]
    periods = []  # (start, end inclusive, week)
    first_vf = bounds[0][0] if bounds else None
    if first_vf is None or first_vf > since:
        end = until if first_vf is None else min(until, first_vf - timedelta(days=1))
        periods.append((since, end, DEFAULT_WEEK))
    for i, (vf, week) in enumerate(bounds):
        end = bounds[i + 1][0] - timedelta(days=1) if i + 1 < len(bounds) else until
        periods.append((max(vf, since), min(end, until), week))
    total = 0
    for start, end, week in periods:
        if end < start:
            continue
        per = slots_per_week(week)
        days = (end - start).days + 1
        full, rest = divmod(days, 7)
        total += full * sum(per.values())
        for k in range(rest):
            total += per.get((start.weekday() + k) % 7, 0)
    return total
