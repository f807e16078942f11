"""Deadlines in working days over China's real calendar (holidays and make-up working days),
and the time limit an application keeps from the day it was submitted."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.services import deadlines, services
from lianxin.services.tests import factories as f


@pytest.mark.parametrize(
    "received,days,due",
    [
        # Wednesday before the 2026 National Day week (10-01…10-07 off): the count resumes on
        # Thursday 10-08, Friday 10-09, and the make-up working Saturday 10-10 (调休).
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        # A Friday with a 1-day limit: due on Monday.
        (date(2026, 5, 15), 1, date(2026, 5, 18)),
        # Friday 10-09 with a 1-day limit: the make-up working Saturday 10-10 counts.
        (date(2026, 10, 9), 1, date(2026, 10, 10)),
        # Received on a holiday: counting starts with the next working day.
        (date(2026, 10, 3), 1, date(2026, 10, 8)),
        # Received on the make-up Saturday itself: next working day is Monday 10-12.
        (date(2026, 10, 10), 1, date(2026, 10, 12)),
        # Spring Festival 2026 (02-15…02-23 off; 02-14 Saturday and 02-28 Saturday worked).
        (date(2026, 2, 13), 2, date(2026, 2, 24)),
    ],
)
def test_deadline_over_real_holidays(db, received, days, due):
    assert deadlines.deadline(received, days) == due


def test_grave_deadline_is_three_times_the_limit(db):
    # 3 × 3 = 9 working days after 09-30: 10-08, 09, 10(Sat), 12, 13, 14, 15, 16, 19.
    assert deadlines.grave_deadline(date(2026, 9, 30), 3) == date(2026, 10, 19)


@pytest.mark.parametrize(
    "today,level", [(date(2026, 10, 10), 0), (date(2026, 10, 11), 1), (date(2026, 10, 20), 3)]
)
def test_overdue_level(today, level):
    assert deadlines.overdue_level(today, date(2026, 10, 10), date(2026, 10, 19)) == level


def test_submission_on_the_eve_of_national_day_gets_the_calendar_deadline(region):
    center = f.center_of(region(HEXI_VILLAGE))
    item = f.item(time_limit=3, materials=())
    app = f.application(center, item_obj=item, now=f.at(date(2026, 9, 30), 16))
    assert (app.time_limit_days, app.deadline) == (3, date(2026, 10, 10))
    assert app.grave_deadline == date(2026, 10, 19)
    assert app.number.startswith("SQ20260930")


def test_time_limit_versioning_an_application_keeps_the_limit_of_its_day(region, root):
    center = f.center_of(region(HEXI_VILLAGE))
    item = f.item(time_limit=10, valid_from=date(2026, 1, 1), materials=())
    services.set_time_limit(root, item, working_days=2, valid_from=date(2026, 6, 1), note="提速")
    rows = list(item.time_limits.order_by("valid_from"))
    assert [(r.working_days, r.valid_from, r.valid_to) for r in rows] == [
        (10, date(2026, 1, 1), date(2026, 6, 1)),
        (2, date(2026, 6, 1), None),
    ]
    before = f.application(center, item_obj=item, now=f.at(date(2026, 5, 29)))  # a Friday
    after = f.application(center, item_obj=item, now=f.at(date(2026, 6, 1)))
    assert (before.time_limit_days, before.deadline) == (10, date(2026, 6, 12))
    assert (after.time_limit_days, after.deadline) == (2, date(2026, 6, 3))
    before.refresh_from_db()
    assert before.time_limit_days == 10  # the newer limit did not touch it


def test_a_time_limit_cannot_start_before_the_one_in_force(root):
    item = f.item(time_limit=5, valid_from=date(2026, 6, 1), materials=())
    with pytest.raises(ValidationError) as exc:
        services.set_time_limit(root, item, working_days=3, valid_from=date(2026, 5, 1))
    assert "valid_from" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.set_time_limit(root, item, working_days=0, valid_from=date(2026, 7, 1))
    assert "working_days" in exc.value.message_dict
    assert item.time_limits.count() == 1


def test_no_time_limit_no_application(region):
    item = f.item(time_limit=0, materials=())
    with pytest.raises(ValidationError) as exc:
        f.application(f.center_of(region(HEXI_VILLAGE)), item_obj=item)
    assert "item" in exc.value.message_dict


def test_due_dates_give_both_deadlines_from_one_calendar(db):
    assert deadlines.due_dates(date(2026, 9, 30), 3) == (date(2026, 10, 10), date(2026, 10, 19))
