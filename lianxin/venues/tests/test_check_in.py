"""Check-in: a resident enters the activity's 6-digit code from half an hour before the start to
the end; staff mark attendance on the check-in list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.venues import services
from lianxin.venues.models import SignUpStatus

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(make_center, region):
    return f.activity(make_center(region(HEXI_VILLAGE)), checkin_code="482913")


def test_the_code_is_six_random_digits(make_center, region, hexi):
    codes = {services.new_checkin_code() for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 40
    start = timezone.now() + timedelta(days=1)
    made = services.save_activity(
        hexi,
        None,
        {
            "kind": "children",
            "title": "四点半课堂",
            "starts_at": start,
            "ends_at": start + timedelta(hours=1),
            "capacity": 5,
        },
        center=make_center(region(HEXI_VILLAGE)),
    )
    assert len(made.checkin_code) == 6 and made.checkin_code.isdigit()


def test_check_in_with_the_code(activity, resident):
    signup = f.signup(activity, resident)
    during = activity.starts_at + timedelta(minutes=5)
    with pytest.raises(ValidationError) as exc:
        services.check_in(resident, activity, "000000", now=during)
    assert "签到码不正确" in exc.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as exc:
        services.check_in(resident, activity, "482913", now=activity.starts_at - timedelta(hours=1))
    assert "签到时间" in exc.value.message_dict["code"][0]
    done = services.check_in(resident, activity, " 482913 ", now=during)
    assert done.pk == signup.pk and done.status == SignUpStatus.ATTENDED and done.attended_at
    assert services.check_in(resident, activity, "482913", now=during).status == "attended"


def test_no_check_in_without_a_place(activity, resident):
    during = activity.starts_at
    with pytest.raises(ValidationError) as exc:
        services.check_in(resident, activity, "482913", now=during)
    assert "没有报名" in exc.value.message_dict["code"][0]
    f.signup(activity, resident, status="waitlisted")
    with pytest.raises(ValidationError) as exc:
        services.check_in(resident, activity, "482913", now=during)
    assert "候补" in exc.value.message_dict["code"][0]


def test_staff_mark_attendance_not_with_the_code(activity, resident, center_staff, nankai):
    signup = f.signup(activity, resident)
    with pytest.raises(PermissionDenied):
        services.check_in(center_staff, activity, "482913")
    with pytest.raises(ValidationError):  # days before the activity
        services.mark_attendance(center_staff, signup)
    during = activity.starts_at + timedelta(minutes=1)
    with pytest.raises(PermissionDenied):
        services.mark_attendance(nankai, signup, now=during)
    assert services.mark_attendance(center_staff, signup, now=during).status == "attended"
    assert services.mark_attendance(center_staff, signup, False, now=during).status == "confirmed"


def test_the_code_cannot_be_guessed_by_trying_them_all(activity, resident):
    f.signup(activity, resident)
    during = activity.starts_at + timedelta(minutes=5)
    for wrong in range(services.CHECKIN_MAX_FAILURES):
        with pytest.raises(ValidationError):
            services.check_in(resident, activity, f"{wrong:06d}", now=during)
    # Even the right code is refused now: the resident checks in with the staff instead.
    with pytest.raises(ValidationError) as exc:
        services.check_in(resident, activity, "482913", now=during)
    assert "错误次数过多" in exc.value.message_dict["code"][0]
