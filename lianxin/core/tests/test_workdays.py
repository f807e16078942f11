"""Working-day arithmetic over China's calendar, around Spring Festival and National Day with
their make-up working Saturdays and Sundays (调休)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianxin.core.models import CalendarDay
from lianxin.core.workdays import WorkingCalendar, calendar

CAL = WorkingCalendar()
days = st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 12, 31))


def test_national_day_2020_and_its_make_up_days():
    # 2020-10-01…08 off; Sunday 09-27 and Saturday 10-10 worked.
    assert not any(CAL.is_working_day(date(2020, 10, d)) for d in range(1, 9))
    assert CAL.is_working_day(date(2020, 9, 27)) and CAL.is_working_day(date(2020, 10, 10))
    # One working day after Wednesday 09-30 is Friday 10-09 (the holiday is skipped).
    assert CAL.add_working_days(date(2020, 9, 30), 1) == date(2020, 10, 9)
    assert CAL.add_working_days(date(2020, 10, 9), -1) == date(2020, 9, 30)


def test_spring_festival_2019():
    # 2019-02-04…10 off; Saturday 02-02 and Sunday 02-03 worked.
    assert CAL.is_working_day(date(2019, 2, 2)) and CAL.is_working_day(date(2019, 2, 3))
    assert CAL.add_working_days(date(2019, 2, 3), 1) == date(2019, 2, 11)
    assert CAL.working_days_between(date(2019, 2, 1), date(2019, 2, 11)) == 3  # 2nd, 3rd, 11th


def test_backward_schedule_ends_on_the_deadline_over_working_days():
    spans = CAL.schedule_backward(date(2020, 10, 12), [5, 10, 3])
    assert spans[-1][1] == date(2020, 10, 12)
    assert [CAL.working_days_between(a, b) for a, b in spans] == [5, 10, 3]
    assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1))
    with pytest.raises(ValueError):
        CAL.schedule_backward(date(2020, 10, 12), [-1])


@given(start=days, n=st.integers(min_value=0, max_value=300))
def test_adding_n_working_days_spans_n_working_days(start, n):
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    assert n == 0 or CAL.is_working_day(end)


@given(start=days, n=st.integers(min_value=1, max_value=300))
def test_walking_back_undoes_walking_forward_from_a_working_day(start, n):
    while not CAL.is_working_day(start):
        start += timedelta(days=1)
    assert CAL.add_working_days(CAL.add_working_days(start, n), -n) == start


def test_an_unpublished_year_falls_back_to_weekdays():
    assert not CAL.is_published(date(2030, 1, 1))
    assert CAL.is_working_day(date(2030, 1, 1))  # a Tuesday, holiday unknown
    assert not CAL.is_working_day(date(2030, 1, 5))  # Saturday


@pytest.mark.django_db
def test_administrators_overrides_win():
    CalendarDay.objects.create(day=date(2030, 1, 1), is_working_day=False, note="元旦")
    CalendarDay.objects.create(day=date(2020, 10, 3), is_working_day=True, note="值班")
    cal = calendar()
    assert not cal.is_working_day(date(2030, 1, 1)) and cal.is_published(date(2030, 1, 1))
    assert cal.is_working_day(date(2020, 10, 3))


def _walk(cal, start, n):
    """The definition, one day at a time (what the prefix index must agree with)."""
    step, day, left = timedelta(days=1 if n >= 0 else -1), start, abs(n)
    while left:
        day += step
        if cal._published_or_overridden(day):
            left -= 1
    return day


@given(
    start=st.dates(min_value=date(2001, 1, 1), max_value=date(2059, 12, 31)),
    n=st.integers(min_value=-400, max_value=400),
)
def test_the_index_agrees_with_walking_day_by_day(start, n):
    assert CAL.add_working_days(start, n) == _walk(CAL, start, n)


@given(
    deadline=st.dates(min_value=date(2016, 1, 1), max_value=date(2026, 12, 31)),
    durations=st.lists(st.integers(min_value=0, max_value=80), min_size=1, max_size=8),
)
def test_a_backward_schedule_spends_exactly_its_durations(deadline, durations):
    spans = CAL.schedule_backward(deadline, durations)
    assert spans[-1][1] == deadline
    assert [CAL.working_days_between(a, b) for a, b in spans] == durations
    assert CAL.working_days_between(spans[0][0], deadline) == sum(durations)
    # Each milestone but a zero-day one starts on the day the one before it is due.
    assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1))


@given(year=st.sampled_from(range(2016, 2027)))
def test_spring_festival_and_national_day_are_never_working_days(year):
    import chinese_calendar

    for day in chinese_calendar.get_holidays(date(year, 1, 1), date(year, 12, 31), False):
        _holiday, name = chinese_calendar.get_holiday_detail(day)
        if name in ("Spring Festival", "National Day"):
            assert not CAL.is_working_day(day)
            # Whatever the 调休, a milestone due on a holiday is due after a working day.
            before = CAL.add_working_days(day, -1)
            assert CAL.is_working_day(before) and before < day


def test_the_make_up_saturdays_of_2019_and_2020_count():
    # National Day 2019: Sunday 09-29 and Saturday 10-12 worked.
    worked = [date(2019, 9, 29), date(2019, 10, 12), date(2020, 1, 19), date(2020, 9, 27)]
    assert all(CAL.is_working_day(d) for d in worked)
    # Five working days back from Monday 2019-10-14: 10-12 (Sat), 10-11, 10-10, 10-09, 10-08.
    assert CAL.add_working_days(date(2019, 10, 14), -5) == date(2019, 10, 8)
    # Across Spring Festival 2020 (01-24…02-02 off; 01-19 worked).
    assert CAL.working_days_between(date(2020, 1, 17), date(2020, 2, 3)) == 6  # …01-23, 02-03
