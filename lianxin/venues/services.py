"""Every write of rooms and activities goes through one function here: who may do it, the checks
(each refusal a ValidationError naming the field), one transaction, the audit row, notifications.

Who acts:
- a resident acts for themself (their rows are theirs by owner, they have no staff scope);
- staff act inside their writing scope (`visible_to(user, CHANGE)` of the center), and may book or
  sign up on a resident's behalf (`on_behalf_of`, a resident account).

The state machines are the tables BOOKING_TRANSITIONS, ACTIVITY_TRANSITIONS and
SIGNUP_TRANSITIONS; a change not in them is refused.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.centers.models import CenterStatus, Room
from lianxin.core import audit
from lianxin.core.notifications import notify
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import ConflictError

from .hours import at, hours_on, local_zone, slot_starts
from .models import (
    HOLDING,
    SLOT_MINUTES,
    Activity,
    ActivityKind,
    ActivityStatus,
    Booking,
    BookingSlot,
    BookingStatus,
    OpeningHours,
    SignUp,
    SignUpStatus,
    Weekday,
)

# How far ahead a room can be booked.
BOOK_AHEAD_DAYS = 60
# Check-in opens this long before an activity starts (and closes when it ends).
CHECKIN_EARLY = timedelta(minutes=30)

BOOKING_TRANSITIONS = {
    BookingStatus.BOOKED: {BookingStatus.CANCELLED, BookingStatus.USED, BookingStatus.NO_SHOW},
}
ACTIVITY_TRANSITIONS = {
    ActivityStatus.PUBLISHED: {ActivityStatus.CANCELLED, ActivityStatus.FINISHED},
}
SIGNUP_TRANSITIONS = {
    SignUpStatus.CONFIRMED: {SignUpStatus.CANCELLED, SignUpStatus.ATTENDED},
    SignUpStatus.WAITLISTED: {SignUpStatus.CANCELLED, SignUpStatus.CONFIRMED},
    SignUpStatus.ATTENDED: {SignUpStatus.CONFIRMED},  # staff undo a mistaken mark
}


def _my_bookings_url(section: str) -> str:
    """Where a resident's notification leads: their bookings page, at its bookings or sign-ups."""
    return reverse("portal_my_bookings") + "#" + section


def _check_transition(table, current, new, field="status") -> None:
    if new not in table.get(current, set()):
        raise ValidationError({field: [_("当前状态不能进行此操作。")]})


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _is_resident(user) -> bool:
    return bool(getattr(user, "is_resident", False))


def _require_login(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied(_("请先登录。"))


def _require_staff_scope(actor, path: str) -> None:
    if _is_resident(actor) or not scope_for(actor, CHANGE).covers_path(path):
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))


def _who(actor, path: str, on_behalf_of):
    """(the resident the row is for, the staff member acting for them or None)."""
    _require_login(actor)
    if _is_resident(actor):
        if on_behalf_of is not None and on_behalf_of.pk != actor.pk:
            raise PermissionDenied(_("居民只能为自己预约或报名。"))
        return actor, None
    _require_staff_scope(actor, path)
    if on_behalf_of is None or not _is_resident(on_behalf_of) or not on_behalf_of.is_active:
        raise ValidationError({"on_behalf_of": [_("请指定为哪位居民办理（居民账号）。")]})
    return on_behalf_of, actor


def _hm(intervals) -> str:
    return "、".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in intervals) or _("不开放")


def _on_grid(t: time) -> bool:
    return t.minute % SLOT_MINUTES == 0 and t.second == 0 and t.microsecond == 0


# -- bookings ------------------------------------------------------------------------------------


def book_room(
    actor,
    room: Room,
    *,
    day: date,
    start: time,
    end: time,
    purpose: str,
    party_size: int,
    on_behalf_of=None,
    now: datetime | None = None,
) -> Booking:
    """Book `room` on `day` from `start` to `end` (local times on the half-hour grid).

    A resident books for themself; staff in the center's writing scope book for the resident
    `on_behalf_of`. Refused with a ValidationError naming the field: room not bookable or center
    not open (room), end not after start (end), off the half-hour grid or outside the day's
    opening hours (start), in the past or too far ahead (day), over the room's capacity
    (party_size), no purpose (purpose), a slot already taken (start: "该时段已被预约")."""
    resident, staff = _who(actor, room.region_path, on_behalf_of)
    now = _now(now)
    purpose = (purpose or "").strip()
    errors: dict[str, list[str]] = {}
    center = room.center
    if not room.bookable:
        errors["room"] = [_("该功能室不开放预约。")]
    elif center.status != CenterStatus.IN_USE:
        errors["room"] = [_("该中心暂未投入使用，不能预约。")]
    if not purpose:
        errors["purpose"] = [_("请填写用途。")]
    elif len(purpose) > 200:
        errors["purpose"] = [_("用途不能超过 200 个字。")]
    if party_size is None or party_size < 1:
        errors["party_size"] = [_("人数须至少为 1 人。")]
    elif room.capacity and party_size > room.capacity:
        errors["party_size"] = [_("人数超过功能室容纳人数（%(n)s 人）。") % {"n": room.capacity}]
    if end <= start:
        errors["end"] = [_("结束时间须晚于开始时间。")]
    elif not (_on_grid(start) and _on_grid(end)):
        errors["start"] = [_("预约以半小时为单位，请选择整点或半点。")]
    starts_at, ends_at = at(day, start), at(day, end)
    today = now.astimezone(local_zone()).date()
    if starts_at <= now:
        errors["day"] = [_("不能预约已经过去的时段。")]
    elif day > today + timedelta(days=BOOK_AHEAD_DAYS):
        errors["day"] = [_("最多可提前 %(n)s 天预约。") % {"n": BOOK_AHEAD_DAYS}]
    if "end" not in errors and "start" not in errors:
        intervals = hours_on(center, day)
        if not any(a <= start and end <= b for a, b in intervals):
            errors["start"] = [
                _("所选时段不在开放时间内（当日开放时间：%(h)s）。") % {"h": _hm(intervals)}
            ]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                room=room,
                room_name=room.name,
                center=center,
                region_path=room.region_path,
                resident=resident,
                booked_by=staff,
                day=day,
                starts_at=starts_at,
                ends_at=ends_at,
                purpose=purpose,
                party_size=party_size,
            )
            # The database's guarantee: a slot taken meanwhile fails this insert.
            BookingSlot.objects.bulk_create(
                [
                    BookingSlot(room=room, starts_at=s, booking=booking)
                    for s in slot_starts(starts_at, ends_at)
                ]
            )
            audit.record(
                actor,
                "create",
                booking,
                changes=audit.diff(
                    {},
                    audit.snapshot(
                        booking,
                        ["room_id", "resident_id", "starts_at", "ends_at", "purpose", "party_size"],
                    ),
                ),
            )
            notify(
                [resident],
                _("功能室预约成功：%(r)s %(d)s %(a)s–%(b)s")
                % {
                    "r": room.name,
                    "d": day.isoformat(),
                    "a": f"{start:%H:%M}",
                    "b": f"{end:%H:%M}",
                },
                center.name,
                url=_my_bookings_url("bookings"),
                target=booking,
            )
    except IntegrityError:
        raise ValidationError({"start": [_("该时段已被预约，请选择其他时段。")]}) from None
    return booking


def cancel_booking(actor, booking: Booking, *, reason: str = "", now: datetime | None = None):
    """Cancel a booking and free its slots. A resident cancels their own before it starts; staff
    in the center's writing scope cancel any of the center's until it ends (the resident is
    told)."""
    _require_login(actor)
    now = _now(now)
    if _is_resident(actor):
        if booking.resident_id != actor.pk:
            raise PermissionDenied(_("只能取消本人的预约。"))
        if booking.starts_at <= now:
            raise ValidationError({"status": [_("预约已开始，不能取消。")]})
    else:
        _require_staff_scope(actor, booking.region_path)
        if booking.ends_at <= now:
            raise ValidationError({"status": [_("预约已结束，不能取消。")]})
    with transaction.atomic():
        # Re-read under lock: two cancels at once do one thing.
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        _check_transition(BOOKING_TRANSITIONS, locked.status, BookingStatus.CANCELLED)
        Booking.objects.filter(pk=locked.pk).update(
            status=BookingStatus.CANCELLED,
            cancelled_at=now,
            cancelled_by=actor,
            version=locked.version + 1,
        )
        BookingSlot.objects.filter(booking=locked).delete()
        audit.record(
            actor,
            "cancel",
            locked,
            changes={"status": [locked.status, BookingStatus.CANCELLED]},
            note=(reason or "")[:300],
        )
        if not _is_resident(actor) and locked.resident_id:
            notify(
                [locked.resident],
                _("您的功能室预约已被取消：%(b)s") % {"b": str(locked)},
                reason,
                url=_my_bookings_url("bookings"),
                target=locked,
            )
    booking.refresh_from_db()
    return booking


def set_booking_status(actor, booking: Booking, status: str, *, now: datetime | None = None):
    """Staff record how a booking went: used (the party came, 已使用) or no-show (未到场), once
    it has started (used: from half an hour before)."""
    _require_login(actor)
    _require_staff_scope(actor, booking.region_path)
    now = _now(now)
    if status == BookingStatus.CANCELLED:
        return cancel_booking(actor, booking, now=now)
    _check_transition(BOOKING_TRANSITIONS, booking.status, status)
    earliest = booking.starts_at - (CHECKIN_EARLY if status == BookingStatus.USED else timedelta())
    if now < earliest:
        raise ValidationError({"status": [_("预约尚未开始，不能登记使用情况。")]})
    with transaction.atomic():
        updated = Booking.objects.filter(pk=booking.pk, status=booking.status).update(
            status=status, version=booking.version + 1
        )
        if not updated:
            raise ConflictError()
        audit.record(actor, "update", booking, changes={"status": [booking.status, status]})
    booking.refresh_from_db()
    return booking


# -- opening hours -------------------------------------------------------------------------------


def save_hours(
    actor, center, valid_from: date, intervals, *, today: date | None = None
) -> list[OpeningHours]:
    """Set the center's weekly schedule from `valid_from` on: `intervals` is [(weekday, opens,
    closes)], several a day allowed (a weekday without any = closed). A schedule starting the
    same day as an existing one replaces it; the past is never rewritten."""
    _require_login(actor)
    _require_staff_scope(actor, center.region_path)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if valid_from is None:
        errors["valid_from"] = [_("请填写生效日期。")]
    elif valid_from < today:
        errors["valid_from"] = [_("生效日期不能早于今天。")]
    rows = sorted(intervals)
    for i, (weekday, opens, closes) in enumerate(rows):
        label = Weekday(weekday).label
        if opens is None or closes is None or closes <= opens:
            errors.setdefault("hours", []).append(
                _("%(d)s：结束时间须晚于开始时间。") % {"d": label}
            )
        elif i and rows[i - 1][0] == weekday and rows[i - 1][2] and opens < rows[i - 1][2]:
            errors.setdefault("hours", []).append(_("%(d)s：时段有重叠。") % {"d": label})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        old = OpeningHours.objects.filter(center=center, valid_from=valid_from)
        before = [f"{r.weekday} {r.opens:%H:%M}-{r.closes:%H:%M}" for r in old]
        old.delete()
        made = OpeningHours.objects.bulk_create(
            [
                OpeningHours(
                    center=center,
                    region_path=center.region_path,
                    weekday=wd,
                    opens=o,
                    closes=c,
                    valid_from=valid_from,
                )
                for wd, o, c in rows
            ]
        )
        after = [f"{wd} {o:%H:%M}-{c:%H:%M}" for wd, o, c in rows]
        audit.record(
            actor,
            "update",
            center,
            changes={"opening_hours": [before or None, after]},
            note=_("开放时间，自 %(d)s 起") % {"d": valid_from.isoformat()},
        )
    return made


# -- activities ----------------------------------------------------------------------------------

ACTIVITY_FIELDS = (
    "kind",
    "title",
    "description",
    "room",
    "starts_at",
    "ends_at",
    "capacity",
    "signup_opens_at",
    "signup_closes_at",
)


def new_checkin_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _check_activity(center, data: dict, now: datetime, *, creating: bool, held: int):
    errors: dict[str, list[str]] = {}
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("请填写活动名称。")]
    elif len(title) > 120:
        errors["title"] = [_("活动名称不能超过 120 个字。")]
    if data.get("kind") not in ActivityKind.values:
        errors["kind"] = [_("请选择活动类别。")]
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if starts_at is None:
        errors["starts_at"] = [_("请填写开始时间。")]
    if ends_at is None:
        errors["ends_at"] = [_("请填写结束时间。")]
    if starts_at and ends_at:
        if ends_at <= starts_at:
            errors["ends_at"] = [_("结束时间须晚于开始时间。")]
        elif ends_at - starts_at > timedelta(days=7):
            errors["ends_at"] = [_("一次活动不能超过 7 天。")]
        if creating and starts_at <= now:
            errors["starts_at"] = [_("开始时间不能早于现在。")]
    capacity = data.get("capacity")
    if capacity is None or capacity < 1:
        errors["capacity"] = [_("名额须至少为 1。")]
    elif capacity < held:
        errors["capacity"] = [_("名额不能少于已报名人数（%(n)s 人）。") % {"n": held}]
    room = data.get("room")
    if room is not None:
        if room.center_id != center.pk:
            errors["room"] = [_("功能室不属于本中心。")]
        elif room.capacity and capacity and capacity > room.capacity:
            errors["capacity"] = [_("名额超过功能室容纳人数（%(n)s 人）。") % {"n": room.capacity}]
    opens, closes = data.get("signup_opens_at"), data.get("signup_closes_at")
    if opens and closes and closes <= opens:
        errors["signup_closes_at"] = [_("报名截止须晚于报名开始。")]
    if closes and ends_at and closes > ends_at:
        errors["signup_closes_at"] = [_("报名截止不能晚于活动结束。")]
    if errors:
        raise ValidationError(errors)


def _hold_room(activity: Activity) -> None:
    """(Re)place the activity's slots in its room; a clash with a booking or another activity
    fails the insert (IntegrityError)."""
    BookingSlot.objects.filter(activity=activity).delete()
    if activity.room_id and activity.status == ActivityStatus.PUBLISHED:
        BookingSlot.objects.bulk_create(
            [
                BookingSlot(room_id=activity.room_id, starts_at=s, activity=activity)
                for s in slot_starts(activity.starts_at, activity.ends_at)
            ]
        )


def save_activity(
    actor,
    activity: Activity | None,
    data: dict,
    *,
    center=None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Activity:
    """Publish a new activity of `center` (activity None) or edit one. `data` holds
    ACTIVITY_FIELDS (`room` a Room of the center or None; times aware datetimes). A room is held
    for the activity's time (a clash: "room"); lowering the capacity below the places taken is
    refused; raising it promotes the waitlist."""
    _require_login(actor)
    now = _now(now)
    center = activity.center if activity else center
    _require_staff_scope(actor, center.region_path)
    unknown = set(data) - set(ACTIVITY_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    try:
        with transaction.atomic():
            if activity is None:
                _check_activity(center, clean, now, creating=True, held=0)
                activity = Activity.objects.create(
                    center=center,
                    region_path=center.region_path,
                    checkin_code=new_checkin_code(),
                    created_by=actor,
                    **clean,
                )
                _hold_room(activity)
                audit.record(
                    actor,
                    "create",
                    activity,
                    changes=audit.diff({}, audit.snapshot(activity, _snap_fields(clean))),
                )
                return activity
            locked = Activity.objects.select_for_update().get(pk=activity.pk)
            if locked.status != ActivityStatus.PUBLISHED:
                raise ValidationError({"status": [_("活动已取消或已结束，不能修改。")]})
            if expected_version is not None and expected_version != locked.version:
                raise ConflictError()
            held = locked.signups.filter(status__in=HOLDING).count()
            merged = {f: getattr(locked, f) for f in ACTIVITY_FIELDS} | clean
            _check_activity(center, merged, now, creating=False, held=held)
            names = _snap_fields(clean)
            before = audit.snapshot(locked, names)
            for k, v in clean.items():
                setattr(locked, k, v)
            changes = audit.diff(before, audit.snapshot(locked, names))
            if not changes:
                return locked
            locked.version += 1
            locked.save()
            _hold_room(locked)
            audit.record(actor, "update", locked, changes=changes)
            _promote(actor, locked)
            return locked
    except IntegrityError:
        raise ValidationError({"room": [_("该功能室在此时段已被预约或占用。")]}) from None


def _snap_fields(data: dict) -> list[str]:
    return [f"{k}_id" if k == "room" else k for k in data]


def cancel_activity(actor, activity: Activity, *, reason: str = "") -> Activity:
    """Cancel an activity: its room is freed and everyone signed up or waiting is told."""
    return _close_activity(actor, activity, ActivityStatus.CANCELLED, reason)


def finish_activity(actor, activity: Activity) -> Activity:
    """Mark an activity held (已结束); its attendance is final from then on."""
    if activity.starts_at > timezone.now():
        raise ValidationError({"status": [_("活动尚未开始，不能标记为已结束。")]})
    return _close_activity(actor, activity, ActivityStatus.FINISHED, "")


def _close_activity(actor, activity, status, reason) -> Activity:
    _require_login(actor)
    _require_staff_scope(actor, activity.region_path)
    with transaction.atomic():
        locked = Activity.objects.select_for_update().get(pk=activity.pk)
        _check_transition(ACTIVITY_TRANSITIONS, locked.status, status)
        Activity.objects.filter(pk=locked.pk).update(status=status, version=locked.version + 1)
        if status == ActivityStatus.CANCELLED:
            BookingSlot.objects.filter(activity=locked).delete()
        audit.record(
            actor, "update", locked, changes={"status": [locked.status, status]}, note=reason[:300]
        )
        if status == ActivityStatus.CANCELLED:
            people = [
                s.resident
                for s in locked.signups.filter(
                    status__in=[*HOLDING, SignUpStatus.WAITLISTED]
                ).select_related("resident")
            ]
            notify(
                people,
                _("活动已取消：%(t)s") % {"t": locked.title},
                reason,
                url=_my_bookings_url("signups"),
                target=locked,
            )
    activity.refresh_from_db()
    return activity


# -- sign-up, waitlist, check-in ----------------------------------------------------------------


def _signup_window(activity: Activity, now: datetime) -> None:
    if activity.status != ActivityStatus.PUBLISHED:
        raise ValidationError({"activity": [_("活动已取消或已结束。")]})
    if activity.signup_opens_at and now < activity.signup_opens_at:
        raise ValidationError({"activity": [_("报名尚未开始。")]})
    closes = activity.signup_closes_at or activity.starts_at
    if now >= closes:
        raise ValidationError({"activity": [_("报名已截止。")]})


def sign_up(actor, activity: Activity, *, on_behalf_of=None, now: datetime | None = None) -> SignUp:
    """Sign a resident up for an activity: a place if one is free, else the waitlist (the
    returned SignUp's `position`). One live sign-up per resident and activity, held by the
    database; the capacity holds under concurrency (the activity row is locked while counting).
    Staff in scope may sign up a resident `on_behalf_of`."""
    resident, staff = _who(actor, activity.region_path, on_behalf_of)
    now = _now(now)
    try:
        with transaction.atomic():
            locked = Activity.objects.select_for_update().get(pk=activity.pk)
            _signup_window(locked, now)
            if (
                locked.signups.filter(resident=resident)
                .exclude(status=SignUpStatus.CANCELLED)
                .exists()
            ):
                raise ValidationError({"activity": [_("已报名该活动，无需重复报名。")]})
            held = locked.signups.filter(status__in=HOLDING).count()
            status = SignUpStatus.CONFIRMED if held < locked.capacity else SignUpStatus.WAITLISTED
            signup = SignUp.objects.create(
                activity=locked,
                region_path=locked.region_path,
                resident=resident,
                signed_up_by=staff,
                status=status,
                confirmed_at=now if status == SignUpStatus.CONFIRMED else None,
            )
            audit.record(actor, "create", signup, changes={"status": [None, status]})
            if status == SignUpStatus.CONFIRMED:
                title = _("报名成功：%(t)s") % {"t": locked.title}
            else:
                title = _("已进入候补：%(t)s（第 %(n)s 位）") % {
                    "t": locked.title,
                    "n": signup.position,
                }
            notify(
                [resident],
                title,
                locked.center.name,
                url=_my_bookings_url("signups"),
                target=signup,
            )
    except IntegrityError:
        raise ValidationError({"activity": [_("已报名该活动，无需重复报名。")]}) from None
    return signup


def cancel_sign_up(actor, signup: SignUp, *, now: datetime | None = None) -> SignUp:
    """Withdraw a sign-up before the activity starts (the resident, or staff in scope). A place
    given back goes to the first on the waitlist, who is told."""
    _require_login(actor)
    now = _now(now)
    if _is_resident(actor):
        if signup.resident_id != actor.pk:
            raise PermissionDenied(_("只能取消本人的报名。"))
    else:
        _require_staff_scope(actor, signup.region_path)
    with transaction.atomic():
        activity = Activity.objects.select_for_update().get(pk=signup.activity_id)
        locked = SignUp.objects.get(pk=signup.pk)
        if activity.starts_at <= now:
            raise ValidationError({"status": [_("活动已开始，不能取消报名。")]})
        _check_transition(SIGNUP_TRANSITIONS, locked.status, SignUpStatus.CANCELLED)
        SignUp.objects.filter(pk=locked.pk).update(status=SignUpStatus.CANCELLED, cancelled_at=now)
        audit.record(
            actor, "cancel", locked, changes={"status": [locked.status, SignUpStatus.CANCELLED]}
        )
        _promote(actor, activity, now=now)
    signup.refresh_from_db()
    return signup


def _promote(actor, activity: Activity, *, now: datetime | None = None) -> list[SignUp]:
    """Give free places to the waitlist in order (the activity row is locked by the caller)."""
    now = _now(now)
    free = activity.capacity - activity.signups.filter(status__in=HOLDING).count()
    if free <= 0 or activity.status != ActivityStatus.PUBLISHED:
        return []
    promoted = list(
        activity.signups.filter(status=SignUpStatus.WAITLISTED)
        .select_related("resident")
        .order_by("created_at", "id")[:free]
    )
    for s in promoted:
        SignUp.objects.filter(pk=s.pk).update(status=SignUpStatus.CONFIRMED, confirmed_at=now)
        audit.record(
            actor,
            "promote",
            s,
            changes={"status": [SignUpStatus.WAITLISTED, SignUpStatus.CONFIRMED]},
        )
        s.status = SignUpStatus.CONFIRMED
    if promoted:
        notify(
            [s.resident for s in promoted],
            _("候补成功，您已获得活动名额：%(t)s") % {"t": activity.title},
            activity.center.name,
            url=_my_bookings_url("signups"),
            target=activity,
        )
    return promoted


CHECKIN_MAX_FAILURES = 5


def check_in(actor, activity: Activity, code: str, *, now: datetime | None = None) -> SignUp:
    """A resident checks in with the activity's 6-digit code (from half an hour before the start
    to the end): their place becomes attended. Checking in twice is harmless."""
    _require_login(actor)
    if not _is_resident(actor):
        raise PermissionDenied(_("签到码由居民本人使用；工作人员请在签到表中登记。"))
    now = _now(now)
    signup = (
        SignUp.objects.filter(activity=activity, resident=actor)
        .exclude(status=SignUpStatus.CANCELLED)
        .first()
    )
    if signup is None:
        raise ValidationError({"code": [_("您没有报名该活动。")]})
    if signup.status == SignUpStatus.ATTENDED:
        return signup
    if signup.status == SignUpStatus.WAITLISTED:
        raise ValidationError({"code": [_("您在候补名单中，尚未获得名额。")]})
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError({"code": [_("活动已取消。")]})
    if not (activity.starts_at - CHECKIN_EARLY <= now <= activity.ends_at):
        raise ValidationError({"code": [_("不在签到时间内（活动开始前 30 分钟至活动结束）。")]})
    if signup.checkin_failures >= CHECKIN_MAX_FAILURES:
        raise ValidationError({"code": [_("签到码错误次数过多，请向工作人员出示报名信息签到。")]})
    if not secrets.compare_digest((code or "").strip(), activity.checkin_code):
        SignUp.objects.filter(pk=signup.pk).update(checkin_failures=F("checkin_failures") + 1)
        raise ValidationError({"code": [_("签到码不正确。")]})
    return _attend(actor, signup, True, now)


def mark_attendance(actor, signup: SignUp, attended: bool = True, *, now=None) -> SignUp:
    """Staff record (or undo) a resident's attendance on the activity's check-in list, from half
    an hour before the start."""
    _require_login(actor)
    _require_staff_scope(actor, signup.region_path)
    now = _now(now)
    activity = signup.activity
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError({"status": [_("活动已取消。")]})
    if now < activity.starts_at - CHECKIN_EARLY:
        raise ValidationError({"status": [_("活动尚未开始，不能登记签到。")]})
    return _attend(actor, signup, attended, now)


def _attend(actor, signup: SignUp, attended: bool, now) -> SignUp:
    new = SignUpStatus.ATTENDED if attended else SignUpStatus.CONFIRMED
    if signup.status == new:
        return signup
    _check_transition(SIGNUP_TRANSITIONS, signup.status, new)
    with transaction.atomic():
        updated = SignUp.objects.filter(pk=signup.pk, status=signup.status).update(
            status=new, attended_at=now if attended else None
        )
        if not updated:
            raise ConflictError()
        audit.record(actor, "check_in", signup, changes={"status": [signup.status, new]})
    signup.refresh_from_db()
    return signup
