"""Sign-up: a place while there is one, then the waitlist in order; a place given back goes to the
first waiting (who is told); one live sign-up per resident and activity, held by the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lianxin.core.models import Notification
from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.venues import services
from lianxin.venues.models import SignUp, SignUpStatus

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(make_center, region):
    return f.activity(make_center(region(HEXI_VILLAGE)), capacity=2)


@pytest.fixture
def people(resident):
    return [resident] + [f.another_resident(f"1390000{i:04d}", f"居民{i}") for i in range(1, 4)]


def test_full_means_waitlist_and_a_cancel_promotes_the_first(activity, people):
    signups = [services.sign_up(p, activity) for p in people]
    assert [s.status for s in signups] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [s.position for s in signups] == [None, None, 1, 2]
    services.cancel_sign_up(people[0], signups[0])
    for s in signups:
        s.refresh_from_db()
    assert [s.status for s in signups] == ["cancelled", "confirmed", "confirmed", "waitlisted"]
    assert signups[3].position == 1
    assert Notification.objects.filter(recipient=people[2], title__contains="候补成功").exists()
    # A waitlisted sign-up withdrawn gives no place away.
    services.cancel_sign_up(people[3], signups[3])
    assert activity.signups.filter(status=SignUpStatus.CONFIRMED).count() == 2


def test_signing_up_twice_is_refused_and_the_database_holds_it(activity, resident):
    first = services.sign_up(resident, activity)
    with pytest.raises(ValidationError) as exc:
        services.sign_up(resident, activity)
    assert "重复报名" in exc.value.message_dict["activity"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        SignUp.objects.create(
            activity=activity,
            region_path=activity.region_path,
            resident=resident,
            status="waitlisted",
        )
    # After cancelling, signing up again is fine (the old row stays as history).
    services.cancel_sign_up(resident, first)
    again = services.sign_up(resident, activity)
    assert again.pk != first.pk and again.status == SignUpStatus.CONFIRMED


def test_raising_the_capacity_promotes_lowering_below_the_taken_is_refused(
    activity, people, center_staff
):
    signups = [services.sign_up(p, activity) for p in people]
    with pytest.raises(ValidationError) as exc:
        services.save_activity(center_staff, activity, {"capacity": 1})
    assert "已报名人数" in exc.value.message_dict["capacity"][0]
    services.save_activity(center_staff, activity, {"capacity": 3})
    signups[2].refresh_from_db()
    signups[3].refresh_from_db()
    assert (signups[2].status, signups[3].status) == ("confirmed", "waitlisted")


def test_the_sign_up_window(make_center, region, resident):
    now = timezone.now()
    center = make_center(region(HEXI_VILLAGE))
    not_yet = f.activity(center, signup_opens_at=now + timedelta(days=1))
    closed = f.activity(center, signup_closes_at=now - timedelta(minutes=1))
    begun = f.activity(center, starts_at=now - timedelta(minutes=5))
    cancelled = f.activity(center, status="cancelled")
    for a, text in [(not_yet, "尚未开始"), (closed, "截止"), (begun, "截止"), (cancelled, "取消")]:
        with pytest.raises(ValidationError) as exc:
            services.sign_up(resident, a)
        assert text in exc.value.message_dict["activity"][0]


def test_staff_sign_up_on_a_residents_behalf_and_cancel(activity, resident, center_staff, nankai):
    s = services.sign_up(center_staff, activity, on_behalf_of=resident)
    assert s.resident == resident and s.signed_up_by == center_staff
    with pytest.raises(PermissionDenied):
        services.cancel_sign_up(nankai, s)
    other = f.another_resident("13900009999")
    with pytest.raises(PermissionDenied):
        services.cancel_sign_up(other, s)
    services.cancel_sign_up(center_staff, s)


def test_cancelling_the_activity_tells_everyone(activity, people, hexi):
    for p in people[:3]:
        services.sign_up(p, activity)
    services.cancel_activity(hexi, activity, reason="天气原因")
    assert Notification.objects.filter(title__contains="活动已取消").count() == 3
    with pytest.raises(ValidationError):
        services.cancel_activity(hexi, activity)
