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
