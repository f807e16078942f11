"""The services demo on a slice of the real Tianjin tree (河西, 东丽, 西青, 红桥 at a third of the
volume): the catalogue and devolution, a year of applications that the status table, the
calendar and the check digit all agree with, rooms without double booking, the demo resident's
lived-in portal, and a rerun that gives the same rows. Built once for the module inside a
transaction rolled back at the end."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from lianxin.core import crypto
from lianxin.services import catalogue_data as data
from lianxin.services import deadlines, queries, workflow
from lianxin.services.demo import RESIDENT_PHONE, ServicesDemo, clear, local_day
from lianxin.services.models import (
    Application,
    Devolution,
    HandlingMode,
    ItemType,
    Rating,
    ServiceItem,
    ServiceLevel,
    Status,
    Step,
)

pytestmark = pytest.mark.django_db

SEED = 20200423
SLICE = [data.HEXI, data.DONGLI, data.XIQING, data.HONGQIAO]
SCALE = 0.3


def _snapshot() -> dict:
    apps = Application.objects.filter(is_demo=True).order_by("number")
    return {
        "apps": list(
            apps.values_list(
                "number",
                "item__code",
                "center_id",
                "channel",
                "status",
                "submitted_at",
                "deadline",
                "on_time",
                "overdue",
                "id_number_digest",
                "applicant_name",
            )
        ),
        "steps": Step.objects.filter(application__is_demo=True).count(),
        "ratings": list(
            Rating.objects.filter(application__is_demo=True)
            .order_by("application__number")
            .values_list("application__number", "score", "reopened")
        ),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, _media_dir):
    from lianxin.accounts import services as accounts
    from lianxin.centers.demo import DemoBuilder
    from lianxin.regions.models import Region
    from lianxin.services import demo as services_demo

    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=_media_dir),
        transaction.atomic(),
    ):
        DemoBuilder(seed=SEED).run()
        # The accounts seed_demo makes: the 河西 center's window and the demo resident.
        unit = Region.objects.get(code="120103001001")
        center = accounts.create_staff(
            None,
            username="center",
            password="x-unused-1!",
            display_name="九江路社区",
            org_unit=unit,
        )
        accounts.assign_role(None, center, "center_staff", unit)
        accounts.create_resident(None, phone=RESIDENT_PHONE, password="x-unused-1!")
        services_demo.accounts("x-unused-1!")
        counts = ServicesDemo(SEED, districts=SLICE, volume_scale=SCALE).run()
        first = _snapshot()
        # seed_demo --force: the same seed on the same day rebuilds the same rows.
        again = ServicesDemo(SEED, districts=SLICE, volume_scale=SCALE).run()
        if connection.vendor == "postgresql":
            connection.check_constraints()
        yield {"counts": counts, "again": again, "first": first}
        transaction.set_rollback(True)


def test_rerun_is_reproducible(demo):
    assert demo["counts"] == demo["again"]
    assert _snapshot() == demo["first"]
    assert len(demo["first"]["apps"]) == demo["counts"]["applications"] > 3000


def test_dongli_devolves_23_items_to_its_communities(demo):
    rows = Devolution.objects.filter(district__code=data.DONGLI, level=ServiceLevel.COMMUNITY)
    assert rows.count() == 23 == rows.values("item").distinct().count()
    modes = Counter(rows.values_list("handling_mode", flat=True))
    assert modes[HandlingMode.CONCLUDED_HERE] > 23 / 2
    assert modes[HandlingMode.PROXY] and modes[HandlingMode.ASSIST]
    hukou = rows.get(item__name__startswith="户籍")
    assert hukou.handling_mode == HandlingMode.RECEIVED_HERE
    for item in ServiceItem.objects.filter(is_demo=True):
        assert "演示数据" in item.description and item.fee == 0
        assert 2 <= item.materials.count() <= 5 or item.code == "DEMO-SQ-22"
        assert 1 <= item.fields.count() <= 3
        assert 1 <= item.time_limit_on(timezone.localdate()).working_days <= 20
    assert Devolution.objects.filter(district__code=data.XIQING).count() < 23
    assert "一站式办结" in Devolution.objects.filter(district__code=data.XIQING).first().note
    assert Devolution.objects.filter(district__code=data.HEXI).exists()
    datatypes = set(
        ServiceItem.objects.filter(is_demo=True).values_list("fields__datatype", flat=True)
    )
    assert len(datatypes) == 6


def test_the_certificate_item_is_one_a_community_may_issue(demo):
    item = ServiceItem.objects.get(is_demo=True, item_type=ItemType.CERTIFICATE)
    assert item.certificate_kind.community_may_issue
    assert Devolution.objects.filter(item=item, level=ServiceLevel.COMMUNITY).exists()


def test_every_demo_id_number_passes_the_check_digit(demo):
    rows = set(
        Application.objects.filter(is_demo=True).values_list(
            "id_number_encrypted", "id_number_digest", "district_code", "phone_encrypted"
        )
    )
    assert rows
    for token, digest, district, phone in rows:
        number = crypto.decrypt(token)
        assert crypto.valid_id_number(number), number
        assert crypto.digest(number) == digest
        assert number[:6] == district[:6]
        assert crypto.PHONE_RE.fullmatch(crypto.decrypt(phone))


def test_deadlines_time_limits_and_routing_agree_with_the_calendar(demo):
    today = timezone.localdate()
    apps = list(Application.objects.filter(is_demo=True).select_related("item", "center__region"))
    for i, app in enumerate(apps):
        received = local_day(app.submitted_at)
        assert received <= today
        if i % 25 == 0:  # the service's own functions (a query each) on a sample
            assert app.deadline == deadlines.deadline(received, app.time_limit_days)
            assert app.grave_deadline == deadlines.grave_deadline(received, app.time_limit_days)
            assert app.time_limit_days == app.item.time_limit_on(received).working_days
            assert (app.handling_level, app.handling_mode) == queries.offering(
                app.center, app.item, received
            )
        if app.status in (Status.CONCLUDED, Status.RATED):
            assert app.on_time == (local_day(app.concluded_at) <= app.deadline)
        elif app.status not in (Status.REJECTED, Status.WITHDRAWN, Status.RETURNED):
            if app.status != Status.REOPENED:
                assert app.on_time is None
            assert app.overdue == deadlines.overdue_level(today, app.deadline, app.grave_deadline)
    # A shortened time limit: older cases keep the limit they were submitted under.
    item = ServiceItem.objects.get(code="DEMO-SQ-02")
    assert set(Application.objects.filter(item=item).values_list("time_limit_days", flat=True)) == {
        5,
        3,
    }


def test_every_timeline_follows_the_status_table(demo):
    steps = defaultdict(list)
    for app_id, frm, to, at in Step.objects.filter(application__is_demo=True).values_list(
        "application_id", "from_status", "to_status", "at"
    ):
        steps[app_id].append((at, frm, to))
    apps = Application.objects.filter(is_demo=True).values_list(
        "pk", "status", "submitted_at", "handling_mode"
    )
    for pk, status, submitted, mode in apps:
        chain = sorted(steps[pk])
        assert chain[0] == (submitted, "", Status.SUBMITTED)
        for (_a, _f, before), (_b, frm, to) in zip(chain, chain[1:], strict=False):
            assert frm == before and (frm, to) in workflow.TRANSITIONS, (pk, frm, to)
        assert chain[-1][2] == status
        if Status.TRANSFERRED in {c[2] for c in chain}:
            assert mode in (HandlingMode.RECEIVED_HERE, HandlingMode.PROXY)


def test_a_realistic_status_mix(demo):
    apps = Application.objects.filter(is_demo=True)
    n = apps.count()
    status = Counter(apps.values_list("status", flat=True))
    done = status[Status.CONCLUDED] + status[Status.RATED]
    assert done > 0.8 * n and status[Status.RATED] > status[Status.CONCLUDED]
    for s in (Status.RETURNED, Status.REJECTED, Status.WITHDRAWN, Status.IN_PROGRESS):
        assert status[s], s
    assert apps.open().filter(overdue=1).exists()
    assert apps.filter(overdue=3).exists()
    concluded = apps.filter(on_time__isnull=False)
    assert concluded.filter(on_time=True).count() > 0.85 * concluded.count()
    assert set(apps.values_list("channel", flat=True)) == {"online", "window", "open311"}
    scores = Counter(
        Rating.objects.filter(application__is_demo=True).values_list("score", flat=True)
    )
    assert scores[5] + scores[4] > 0.8 * sum(scores.values()) and scores[1] + scores[2]
    assert not Rating.objects.filter(score__lte=2, reopened=False).exists()
    assert not Rating.objects.filter(score__gte=3, reopened=True).exists()
    assert Rating.objects.filter(answers__isnull=False).exists()
    # The demo 河西 window has a live queue.
    assert apps.open().filter(center__region__code="120103001001").exists()


def test_rooms_are_never_double_booked(demo):
    from lianxin.venues.hours import slot_starts
    from lianxin.venues.models import Activity, Booking, BookingSlot, BookingStatus

    held = defaultdict(list)
    for b in Booking.objects.filter(center__is_demo=True):
        slots = list(BookingSlot.objects.filter(booking=b).values_list("starts_at", flat=True))
        if b.status == BookingStatus.CANCELLED:
            assert not slots
        else:
            assert sorted(slots) == slot_starts(b.starts_at, b.ends_at)
            held[b.room_id].append((b.starts_at, b.ends_at))
    for a in Activity.objects.filter(center__is_demo=True, room__isnull=False):
        held[a.room_id].append((a.starts_at, a.ends_at))
    assert held
    for spans in held.values():
        spans.sort()
        for (_s1, e1), (s2, _e2) in zip(spans, spans[1:], strict=False):
            assert e1 <= s2
    # Hongqiao's elderly day care and children's homes hold their programmes.
    kinds = set(
        Activity.objects.filter(center__district_code=data.HONGQIAO).values_list(
            "kind", "room__room_type__code"
        )
    )
    assert ("elderly", "elderly_daycare") in kinds and ("children", "children_home") in kinds


def test_the_demo_resident_finds_a_lived_in_portal(demo):
    from lianxin.accounts.models import User
    from lianxin.venues.models import Booking, SignUp

    user = User.objects.get(phone_digest=crypto.digest(RESIDENT_PHONE))
    mine = Application.objects.mine(user)
    assert {Status.CONCLUDED, Status.IN_PROGRESS, Status.RETURNED} <= set(
        mine.values_list("status", flat=True)
    )
    assert set(mine.values_list("center__region__code", flat=True)) == {"120103001001"}
    assert Booking.objects.mine(user).filter(starts_at__gt=timezone.now()).exists()
    assert SignUp.objects.mine(user).exists()


def test_notices_and_hours_for_the_centers_shown(demo):
    from lianxin.portal.models import Notice
    from lianxin.venues.models import OpeningHours

    day = timezone.localdate()
    xiqing = Notice.objects.filter(center__district_code=data.XIQING)
    assert xiqing.filter(body__contains="一站式办结").exists()
    on_duty = Notice.objects.filter(is_demo=True, kind="on_duty").in_force(day)
    assert (
        on_duty.exists()
        and not Notice.objects.filter(is_demo=True, kind="on_duty", valid_to__lte=day).exists()
    )
    assert OpeningHours.objects.filter(center__district_code=data.HONGQIAO).exists()
    assert day - timedelta(days=600) < min(
        OpeningHours.objects.values_list("valid_from", flat=True)
    )


def test_clear_removes_the_services_demo(demo):
    from lianxin.venues.models import Activity, BookingSlot

    clear()
    assert not ServiceItem.objects.filter(is_demo=True).exists()
    assert not Application.objects.exists() and not Step.objects.exists()
    assert not Activity.objects.exists() and not BookingSlot.objects.exists()
