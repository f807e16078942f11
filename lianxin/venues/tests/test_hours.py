"""Opening hours: the default week, structured rows with several intervals a day, schedules that
change from a date (the past keeps its hours), and the staff's edits."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.venues import services
from lianxin.venues.hours import DEFAULT_WEEK, grid, hours_on, open_slot_count, schedules
from lianxin.venues.models import OpeningHours

pytestmark = pytest.mark.django_db

MONDAY = date(2025, 3, 3)


def _row(center, weekday, opens, closes, valid_from=date(2025, 1, 1)):
    return OpeningHours.objects.create(
        center=center,
        region_path=center.region_path,
        weekday=weekday,
        opens=opens,
        closes=closes,
        valid_from=valid_from,
    )


def test_a_center_without_rows_has_the_default_week(make_center, region):
    center = make_center(region(HEXI_VILLAGE))
    assert hours_on(center, MONDAY) == [(time(8, 30), time(17, 30))]
    assert hours_on(center, MONDAY + timedelta(days=5)) == [(time(9), time(12))]
    assert hours_on(center, MONDAY + timedelta(days=6)) == []  # Sunday
    assert DEFAULT_WEEK[0] == [(time(8, 30), time(17, 30))]


def test_structured_rows_several_a_day_and_changes_from_a_date(make_center, region):
    center = make_center(region(HEXI_VILLAGE))
    _row(center, 0, time(14), time(17))
    _row(center, 0, time(8, 30), time(12))
    _row(center, 2, time(9), time(11))
    assert hours_on(center, MONDAY) == [(time(8, 30), time(12)), (time(14), time(17))]
    assert hours_on(center, MONDAY + timedelta(days=1)) == []  # Tuesday: not in the schedule
    # Before the first schedule: the default.
    assert hours_on(center, date(2024, 12, 30)) == [(time(8, 30), time(17, 30))]
    # A new schedule from April replaces the whole week from then on.
    _row(center, 0, time(9), time(16), valid_from=date(2025, 4, 1))
    assert hours_on(center, date(2025, 3, 31)) == [(time(8, 30), time(12)), (time(14), time(17))]
    assert hours_on(center, date(2025, 4, 7)) == [(time(9), time(16))]
    assert hours_on(center, date(2025, 4, 9)) == []


def test_the_half_hour_grid():
    assert grid([(time(8, 45), time(10, 0))]) == [(time(9), time(9, 30)), (time(9, 30), time(10))]
    assert grid([(time(9), time(9, 20))]) == []


def test_open_slots_counted_per_weekday_match_counting_day_by_day(make_center, region):
    center = make_center(region(HEXI_VILLAGE))
    _row(center, 0, time(9), time(12), valid_from=date(2025, 2, 10))
    _row(center, 3, time(14), time(16), valid_from=date(2025, 2, 10))
    _row(center, 5, time(9), time(10), valid_from=date(2025, 3, 20))
    versions = schedules([center.pk])[center.pk]
    since, until = date(2025, 1, 29), date(2025, 4, 13)
    by_day = sum(
        len(grid(hours_on(center, since + timedelta(days=i))))
        for i in range((until - since).days + 1)
    )
    assert open_slot_count(versions, since, until) == by_day
    assert open_slot_count(None, MONDAY, MONDAY + timedelta(days=6)) == 5 * 18 + 6


def test_staff_set_the_hours_from_a_date(make_center, region, center_staff):
    center = make_center(region(HEXI_VILLAGE))
    today = date(2025, 3, 1)
    audits = AuditLog.objects.count()
    services.save_hours(
        center_staff,
        center,
        today,
        [(0, time(9), time(12)), (0, time(13), time(17)), (5, time(9), time(11))],
        today=today,
    )
    assert hours_on(center, MONDAY) == [(time(9), time(12)), (time(13), time(17))]
    assert AuditLog.objects.count() == audits + 1
    # Saved again for the same day: replaced, not added to.
    services.save_hours(center_staff, center, today, [(1, time(9), time(12))], today=today)
    assert OpeningHours.objects.filter(center=center).count() == 1


@pytest.mark.parametrize(
    "valid_from,intervals,field",
    [
        (date(2025, 2, 1), [(0, time(9), time(12))], "valid_from"),  # the past is kept
        (date(2025, 3, 1), [(0, time(12), time(9))], "hours"),
        (date(2025, 3, 1), [(0, time(9), time(12)), (0, time(11), time(14))], "hours"),
    ],
    ids=["past", "reversed", "overlap"],
)
def test_bad_hours_are_refused(make_center, region, hexi, valid_from, intervals, field):
    center = make_center(region(HEXI_VILLAGE))
    with pytest.raises(ValidationError) as exc:
        services.save_hours(hexi, center, valid_from, intervals, today=date(2025, 3, 1))
    assert field in exc.value.message_dict


@pytest.mark.parametrize("who", ["nankai", "inspector", "resident"])
def test_only_writers_in_scope_set_hours(request, make_center, region, who):
    center = make_center(region(HEXI_VILLAGE))
    with pytest.raises(PermissionDenied):
        services.save_hours(
            request.getfixturevalue(who), center, date(2030, 1, 1), [(0, time(9), time(12))]
        )
