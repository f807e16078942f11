"""The services demo on a slice of the real Tianjin tree (河西, 东丽, 西青, 红桥 at a third of the
volume): the catalogue and devolution, a year of applications that the status table, the
calendar and the check digit all agree with, rooms without double booking, the demo resident's
lived-in portal, and a rerun that gives the same rows. Built once for the module inside a
transaction rolled back at the end."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import time, timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Substr
from django.test import override_settings
from django.utils import timezone

from lianxin.core import crypto
from lianxin.services import catalogue_data as data
from lianxin.services import deadlines, queries, workflow
from lianxin.services.demo import (
    RESIDENT_PHONE,
    SERVICE_INFO_CONCLUDED,
    SERVICE_INFO_PASSED_ON,
    SHANGHAI,
    ServicesDemo,
    as_of,
    clear,
    local_day,
)
from lianxin.services.models import (
    TRANSFERRED_MODES,
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
# The four districts shown in depth, and 和平区 where rooms are only booked now and then.
HEPING = "120101000000"
SLICE = [data.HEXI, data.DONGLI, data.XIQING, data.HONGQIAO, HEPING]
HOME = "120103001001"  # 九江路社区, the `center` demo account's
SCALE = 0.3


def _snapshot() -> dict:
    from lianxin.venues.models import Activity, Booking, SignUp

    # The numbers end in the row id, which a rebuild does not reuse: compared without it.
    apps = Application.objects.filter(is_demo=True).order_by("submitted_at", "id")
    return {
        "apps": list(
            apps.annotate(day=Substr("number", 1, 10)).values_list(
                "day",
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
            .order_by("application__submitted_at", "application_id")
            .values_list("application__submitted_at", "score", "reopened")
        ),
        "activities": list(
            Activity.objects.filter(center__is_demo=True)
            .order_by("center_id", "starts_at", "title")
            .values_list("center_id", "title", "starts_at", "capacity", "status")
        ),
        "signups": sorted(
            Counter(
                SignUp.objects.filter(activity__center__is_demo=True).values_list(
                    "activity__starts_at", "status"
                )
            ).items()
        ),
        "bookings": list(
            Booking.objects.filter(center__is_demo=True)
            .order_by("room_id", "starts_at", "status")
            .values_list("room_id", "starts_at", "ends_at", "status", "purpose")
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
        unit = Region.objects.get(code=HOME)
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
    assert apps.open().filter(center__region__code=HOME).exists()


def _now():
    """The demo's `now` (nothing is laid out after it)."""
    return as_of(timezone.localdate())


def test_numbers_follow_the_live_format(demo):
    from lianxin.services.services import _number

    rows = Application.objects.filter(is_demo=True).values_list("pk", "number", "submitted_at")
    assert rows
    for pk, number, submitted in rows:
        assert number == _number(local_day(submitted), pk) and len(number) == 18, number


def test_staff_act_on_working_days_in_office_hours(demo):
    from lianxin.accounts.models import AccountKind
    from lianxin.core.workdays import calendar

    cal = calendar()
    staff = Step.objects.filter(application__is_demo=True, actor__kind=AccountKind.STAFF)
    seen = Counter()
    for at, to in staff.values_list("at", "to_status"):
        local = at.astimezone(SHANGHAI)
        assert cal.is_working_day(local.date()), (to, local)
        assert time(8, 30) <= local.time() <= time(17, 30), (to, local)
        seen[to] += 1
    # Every kind of staff step is there to be checked: window submits, accept, start,
    # transfer, conclude, return, reject, and a resubmission brought to the window.
    for status in (
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.TRANSFERRED,
        Status.CONCLUDED,
        Status.RETURNED,
        Status.REJECTED,
    ):
        assert seen[status], status
    # Residents submit online and rate whenever they like.
    evening = [
        at.astimezone(SHANGHAI).hour
        for at in Step.objects.filter(
            application__is_demo=True, actor__kind=AccountKind.RESIDENT
        ).values_list("at", flat=True)
    ]
    assert any(h >= 18 for h in evening)


def test_no_text_promises_what_does_not_exist(demo):
    from lianxin.portal.models import Notice

    promises = ("下载", "电子", "短信", "回执", "二维码", "扫码", "津心办", "暂停预约", "另行公告")
    texts = set(Application.objects.filter(is_demo=True).values_list("result", flat=True))
    texts |= set(Step.objects.filter(application__is_demo=True).values_list("note", flat=True))
    texts |= set(Notice.objects.filter(is_demo=True).values_list("body", flat=True))
    texts |= {s["result"] for s in data.DEVOLVED + data.STREET_ITEMS}
    for item in ServiceItem.objects.filter(is_demo=True).prefetch_related("materials", "fields"):
        texts |= {item.description, item.eligibility}
        texts |= {m.check_points for m in item.materials.all()}
        texts |= {f.description for f in item.fields.all()}
    assert len(texts) > 100
    for text in texts:
        assert not any(p in text for p in promises), text


def test_each_center_posts_its_real_routing(demo):
    from lianxin.portal.models import Notice

    day = timezone.localdate()
    notices = list(
        Notice.objects.filter(is_demo=True, kind="service_info", center__isnull=False)
        .select_related("center__region")
        .order_by("center__region__code")
    )
    assert len(notices) > 300
    sample = [n for i, n in enumerate(notices) if i % 7 == 0 or n.center.region.code == HOME]
    districts = set()
    for notice in sample:
        listed = _listed(notice.body)
        offered = queries.items_at(notice.center, day)
        assert listed[SERVICE_INFO_CONCLUDED] == {
            i.name for i, _l, mode in offered if mode not in TRANSFERRED_MODES
        }, notice.center
        assert listed[SERVICE_INFO_PASSED_ON] == {
            i.name for i, _l, mode in offered if mode in TRANSFERRED_MODES
        }, notice.center
        districts.add(notice.center.district_code)
    assert districts == {data.HEXI, data.DONGLI, data.XIQING, data.HONGQIAO}
    # The walk's example: 九江路 passes the disability certificate on to the street.
    home = _listed(next(n for n in notices if n.center.region.code == HOME).body)
    assert "残疾人证办理（新办、换领）" in home[SERVICE_INFO_PASSED_ON]
    assert "生育登记" in home[SERVICE_INFO_CONCLUDED]


def _listed(body: str) -> dict[str, set[str]]:
    """The two numbered lists of a service-information notice, by heading."""
    listed, current = {}, None
    for line in body.splitlines():
        if line in (SERVICE_INFO_CONCLUDED, SERVICE_INFO_PASSED_ON):
            current = listed.setdefault(line, set())
        elif not line.strip():
            current = None
        elif current is not None and line != "暂无":
            number, name = line.split(". ", 1)
            assert number.isdigit(), line
            current.add(name)
    assert set(listed) == {SERVICE_INFO_CONCLUDED, SERVICE_INFO_PASSED_ON}, body
    return listed


def test_rooms_are_never_double_booked(demo):
    from lianxin.venues.hours import slot_starts
    from lianxin.venues.models import Activity, Booking, BookingSlot, BookingStatus

    slots = defaultdict(list)
    for booking_id, at in BookingSlot.objects.filter(booking__isnull=False).values_list(
        "booking_id", "starts_at"
    ):
        slots[booking_id].append(at)
    held = defaultdict(list)
    for b in Booking.objects.filter(center__is_demo=True):
        if b.status == BookingStatus.CANCELLED:
            assert not slots[b.pk]
        else:
            assert sorted(slots[b.pk]) == slot_starts(b.starts_at, b.ends_at)
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


def test_the_coming_four_weeks_have_activities_to_join(demo):
    from lianxin.venues.models import Activity, ActivityStatus, SignUp, SignUpStatus
    from lianxin.venues.queries import with_places

    now, today = _now(), timezone.localdate()
    demo_activities = Activity.objects.filter(center__is_demo=True)
    upcoming = list(with_places(demo_activities.filter(ends_at__gt=now)))
    assert len(upcoming) > 500
    days = {a.starts_at.astimezone(SHANGHAI).date() for a in upcoming}
    assert today in days and max(days) >= today + timedelta(days=21)
    for a in upcoming:
        assert a.status == ActivityStatus.PUBLISHED
        assert a.created_at < now and a.signup_opens_at < now, a
        assert a.n_held <= a.capacity and a.n_attended == 0
        assert not a.n_waiting or a.n_held == a.capacity  # a waitlist only when full
    open_now = [a for a in upcoming if a.signup_closes_at > now]
    assert sum(1 for a in open_now if 1 <= a.capacity - a.n_held <= 2) >= 5  # nearly full
    assert sum(1 for a in upcoming if a.n_waiting) >= 2  # full, residents waiting
    assert sum(1 for a in upcoming if a.starts_at.astimezone(SHANGHAI).date() == today) >= 3
    # Nothing to come has been attended or finished.
    future = SignUp.objects.filter(activity__starts_at__gt=now)
    assert not future.filter(Q(status=SignUpStatus.ATTENDED) | Q(attended_at__isnull=False))
    assert not demo_activities.filter(ends_at__gt=now, status=ActivityStatus.FINISHED).exists()
    assert not demo_activities.filter(ends_at__lte=now, status=ActivityStatus.PUBLISHED).exists()
    # 红桥区: day care every Tuesday and the children's home every Saturday, on and on.
    care = defaultdict(list)
    for center_id, kind, starts in demo_activities.filter(
        center__district_code=data.HONGQIAO, starts_at__gt=now - timedelta(weeks=3)
    ).values_list("center_id", "kind", "starts_at"):
        care[(center_id, kind)].append(starts.astimezone(SHANGHAI).date())
    hongqiao = {k: sorted(v) for k, v in care.items() if k[1] in ("elderly", "children")}
    assert len(hongqiao) > 50
    for dates in hongqiao.values():
        assert len(dates) >= 7 and {d.weekday() for d in dates} in ({1}, {5})
        assert all(b - a == timedelta(weeks=1) for a, b in zip(dates, dates[1:], strict=False))
        assert dates[-1] >= today + timedelta(days=21)


def test_the_demo_resident_finds_a_lived_in_portal(demo):
    from lianxin.accounts.models import User
    from lianxin.venues import services as venues
    from lianxin.venues.models import Activity, Booking, SignUp, SignUpStatus

    user = User.objects.get(phone_digest=crypto.digest(RESIDENT_PHONE))
    mine = Application.objects.mine(user)
    assert {Status.CONCLUDED, Status.IN_PROGRESS, Status.RETURNED} <= set(
        mine.values_list("status", flat=True)
    )
    assert set(mine.values_list("center__region__code", flat=True)) == {HOME}
    assert Booking.objects.mine(user).filter(starts_at__gt=timezone.now()).exists()
    now = _now()
    coming = SignUp.objects.mine(user).filter(activity__starts_at__gt=now)
    places = list(coming.filter(status=SignUpStatus.CONFIRMED).order_by("activity__starts_at"))
    assert {p.activity.center.region.code for p in places} == {HOME}
    # Today's, and one still to come whenever the demo is looked at.
    days = [local_day(p.activity.starts_at) for p in places]
    assert days[0] == timezone.localdate() and days[-1] > timezone.localdate()
    place = places[0]
    (waiting,) = coming.filter(status=SignUpStatus.WAITLISTED)
    assert waiting.activity.center.region.code != HOME
    assert waiting.position == waiting.activity.signups.filter(status="waitlisted").count()
    # What the resident can do with them, through the venues services (rolled back).
    with transaction.atomic():
        a = place.activity
        venues.check_in(user, a, a.checkin_code, now=a.starts_at - timedelta(minutes=10))
        place.refresh_from_db()
        assert place.status == SignUpStatus.ATTENDED
        other = next(
            a
            for a in Activity.objects.filter(
                center=a.center, starts_at__gt=now, signup_closes_at__gt=now
            ).order_by("starts_at")
            if not a.signups.filter(resident=user).exists()
        )
        assert venues.sign_up(user, other, now=now).activity == other
        # The full one: the next resident joins the waitlist behind the demo resident.
        full = waiting.activity
        someone = (
            User.objects.filter(kind="resident", is_active=True)
            .exclude(pk=user.pk)
            .exclude(venue_signups__activity=full)
            .first()
        )
        late = venues.sign_up(someone, full, now=min(now, full.signup_closes_at))
        assert late.status == SignUpStatus.WAITLISTED and late.position == waiting.position + 1
        transaction.set_rollback(True)


def test_every_center_with_rooms_is_booked_lately_and_ahead(demo):
    from lianxin.centers.models import Center, CenterStatus
    from lianxin.venues.models import Booking, BookingStatus

    now, today = _now(), timezone.localdate()
    centers = set(
        Center.objects.filter(
            is_demo=True,
            status=CenterStatus.IN_USE,
            district_code__in=SLICE,
            kind__in=["village", "community"],
            rooms__bookable=True,
        ).values_list("pk", flat=True)
    )
    assert len(centers) > 600
    live = Booking.objects.filter(center__is_demo=True).exclude(status=BookingStatus.CANCELLED)
    recent = set(
        live.filter(day__gte=today - timedelta(days=29), day__lte=today).values_list(
            "center_id", flat=True
        )
    )
    ahead = set(live.filter(starts_at__gt=now).values_list("center_id", flat=True))
    assert centers <= recent and centers <= ahead
    demo_bookings = Booking.objects.filter(center__is_demo=True)
    assert not demo_bookings.filter(ends_at__gt=now).exclude(
        status__in=[BookingStatus.BOOKED, BookingStatus.CANCELLED]
    )
    assert not demo_bookings.filter(ends_at__lte=now, status=BookingStatus.BOOKED).exists()
    assert not demo_bookings.filter(Q(created_at__gt=now) | Q(cancelled_at__gt=now)).exists()


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
