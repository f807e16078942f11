"""The rooms and activities API (/api/v1/venues/…): a center's bookable rooms with their free
slots, bookings, activities with sign-up and attendance, usage statistics.

Reads go through visible_to(user): a row outside the user's scope is a 404. Writes go through
venues.services: a read-only role gets 403, bad input 422 with the fields named.

The API's authentication (lianxin.core.api) admits staff only: the resident operations (booking for
oneself, signing up, checking in with the code) are reached here by staff acting on a resident's
behalf (`resident_phone`); `check-in` answers residents only and so waits for resident access to
the API (the portal calls venues.services directly meanwhile).
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from lianxin.accounts.models import AccountKind, User
from lianxin.centers.models import Center, Room
from lianxin.core import crypto

from . import queries as q
from . import services
from .models import Activity, Booking, SignUp

router = Router(tags=["venues"])

MAX_PAGE = 200
# "from" and "q" are the parameters' names (Python needs other names for them).
FROM_PARAM = Query(None, alias="from")
TEXT_PARAM = Query("", alias="q")


def _page(qs, page: int, page_size: int) -> dict:
    page = max(1, page)
    page_size = max(1, min(MAX_PAGE, page_size))
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": list(qs[start : start + page_size]),
    }


def _resident(phone: str | None, field: str = "resident_phone"):
    phone = crypto.normalize_phone(phone or "")
    if not phone:
        raise ValidationError({field: [_("请填写居民手机号。")]})
    user = User.objects.filter(
        phone_digest=crypto.digest(phone), kind=AccountKind.RESIDENT, is_active=True
    ).first()
    if user is None:
        raise ValidationError({field: [_("找不到该手机号的居民账号。")]})
    return user


def _rename(exc: ValidationError) -> ValidationError:
    """The service names the resident `on_behalf_of`; the API's field is `resident_phone`."""
    if hasattr(exc, "error_dict") and "on_behalf_of" in exc.error_dict:
        d = exc.message_dict
        d["resident_phone"] = d.pop("on_behalf_of")
        return ValidationError(d)
    return exc


# -- rooms and free slots ------------------------------------------------------------------------


class SlotOut(Schema):
    start: time
    end: time
    free: bool


class RoomOut(Schema):
    id: int
    name: str
    room_type: str
    capacity: int | None
    opening_hours: list[str]
    slots: list[SlotOut]


@router.get(
    "/centers/{int:center_id}/rooms",
    response=list[RoomOut],
    summary="A center's bookable rooms with their free 30-minute slots on a day",
)
def center_rooms(request, center_id: int, day: date | None = None):
    center = get_object_or_404(Center.objects.visible_to(request.user), pk=center_id)
    day = day or timezone.localdate()
    hours = [f"{a:%H:%M}–{b:%H:%M}" for a, b in q.hours_on(center, day)]
    return [
        {
            "id": r.pk,
            "name": r.name,
            "room_type": str(r.room_type),
            "capacity": r.capacity,
            "opening_hours": hours,
            "slots": [{"start": a, "end": b, "free": f} for a, b, f in q.free_slots(r, day)],
        }
        for r in q.bookable_rooms(center)
    ]


# -- bookings ------------------------------------------------------------------------------------


class BookingOut(Schema):
    id: int
    center_id: int
    center: str
    room_id: int | None
    room: str
    day: date
    starts_at: datetime
    ends_at: datetime
    purpose: str
    party_size: int
    status: str
    resident: str
    resident_phone: str

    @staticmethod
    def resolve_center(obj):
        return obj.center.name

    @staticmethod
    def resolve_room(obj):
        return obj.room_name

    @staticmethod
    def resolve_resident(obj):
        return str(obj.resident) if obj.resident_id else ""

    @staticmethod
    def resolve_resident_phone(obj):
        return obj.resident.phone_masked if obj.resident_id else ""


class BookingPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[BookingOut]


class BookingIn(Schema):
    day: date
    start: time
    end: time
    purpose: str
    party_size: int
    resident_phone: str


class ReasonIn(Schema):
    reason: str = ""


@router.get("/bookings", response=BookingPage, summary="Bookings in the user's scope")
def list_bookings(
    request,
    q_: str = TEXT_PARAM,
    center: int | None = None,
    room: int | None = None,
    status: str = "",
    from_: date | None = FROM_PARAM,
    to: date | None = None,
    sort: str = "",
    page: int = 1,
    page_size: int = 50,
):
    params = {
        "q": q_,
        "center": str(center or ""),
        "room": str(room or ""),
        "status": status,
        "from": from_.isoformat() if from_ else "",
        "to": to.isoformat() if to else "",
        "sort": sort,
    }
    _flt, qs = q.visible_bookings(request.user, params)
    return _page(qs, page, page_size)


def _booking(request, pk: int) -> Booking:
    return get_object_or_404(
        Booking.objects.visible_to(request.user).select_related("center", "resident"), pk=pk
    )


@router.get("/bookings/{int:booking_id}", response=BookingOut)
def get_booking(request, booking_id: int):
    return _booking(request, booking_id)


@router.post(
    "/rooms/{int:room_id}/bookings",
    response={201: BookingOut},
    summary="Book a room for a resident (half-hour grid, within opening hours)",
)
def book(request, room_id: int, payload: BookingIn):
    room = get_object_or_404(
        Room.objects.visible_to(request.user).select_related("center"), pk=room_id
    )
    resident = _resident(payload.resident_phone)
    try:
        booking = services.book_room(
            request.user,
            room,
            day=payload.day,
            start=payload.start,
            end=payload.end,
            purpose=payload.purpose,
            party_size=payload.party_size,
            on_behalf_of=resident,
        )
    except ValidationError as exc:
        raise _rename(exc) from None
    return Status(201, _booking(request, booking.pk))


@router.post("/bookings/{int:booking_id}/cancel", response=BookingOut)
def cancel(request, booking_id: int, payload: ReasonIn):
    booking = _booking(request, booking_id)
    services.cancel_booking(request.user, booking, reason=payload.reason)
    return _booking(request, booking_id)


# -- activities ----------------------------------------------------------------------------------


class ActivityOut(Schema):
    id: int
    center_id: int
    center: str
    kind: str
    title: str
    description: str
    room_id: int | None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signup_opens_at: datetime | None
    signup_closes_at: datetime | None
    status: str
    checkin_code: str
    taken: int
    waiting: int
    attended: int

    @staticmethod
    def resolve_center(obj):
        return obj.center.name

    @staticmethod
    def resolve_taken(obj):
        return getattr(obj, "n_held", 0)

    @staticmethod
    def resolve_waiting(obj):
        return getattr(obj, "n_waiting", 0)

    @staticmethod
    def resolve_attended(obj):
        return getattr(obj, "n_attended", 0)


class ActivityPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ActivityOut]


class ActivityIn(Schema):
    center_id: int
    kind: str
    title: str
    description: str = ""
    room_id: int | None = None
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signup_opens_at: datetime | None = None
    signup_closes_at: datetime | None = None


class SignUpOut(Schema):
    id: int
    activity_id: int
    resident: str
    status: str
    position: int | None
    created_at: datetime
    attended_at: datetime | None

    @staticmethod
    def resolve_resident(obj):
        return str(obj.resident) if obj.resident_id else ""


class SignUpIn(Schema):
    resident_phone: str


class AttendanceIn(Schema):
    attended: bool = True


class CheckInIn(Schema):
    code: str


@router.get("/activities", response=ActivityPage, summary="Activities in the user's scope")
def list_activities(
    request,
    q_: str = TEXT_PARAM,
    center: int | None = None,
    kind: str = "",
    status: str = "",
    from_: date | None = FROM_PARAM,
    to: date | None = None,
    page: int = 1,
    page_size: int = 50,
):
    params = {
        "q": q_,
        "center": str(center or ""),
        "kind": kind,
        "status": status,
        "from": from_.isoformat() if from_ else "",
        "to": to.isoformat() if to else "",
    }
    _flt, qs = q.visible_activities(request.user, params)
    return _page(qs, page, page_size)


def _activity(request, pk: int) -> Activity:
    qs = q.with_places(Activity.objects.visible_to(request.user).select_related("center"))
    return get_object_or_404(qs, pk=pk)


@router.get("/activities/{int:activity_id}", response=ActivityOut)
def get_activity(request, activity_id: int):
    return _activity(request, activity_id)


@router.post("/activities", response={201: ActivityOut}, summary="Publish an activity")
def create_activity(request, payload: ActivityIn):
    data = payload.dict()
    center = get_object_or_404(Center.objects.visible_to(request.user), pk=data.pop("center_id"))
    room_id = data.pop("room_id")
    data["room"] = None
    if room_id is not None:
        data["room"] = Room.objects.filter(pk=room_id, center=center).first()
        if data["room"] is None:
            raise ValidationError({"room_id": [_("功能室不属于本中心。")]})
    activity = services.save_activity(request.user, None, data, center=center)
    return Status(201, _activity(request, activity.pk))


@router.post("/activities/{int:activity_id}/cancel", response=ActivityOut)
def cancel_activity(request, activity_id: int, payload: ReasonIn):
    services.cancel_activity(request.user, _activity(request, activity_id), reason=payload.reason)
    return _activity(request, activity_id)


@router.get("/activities/{int:activity_id}/signups", response=list[SignUpOut])
def list_signups(request, activity_id: int):
    activity = _activity(request, activity_id)
    return list(
        SignUp.objects.visible_to(request.user)
        .filter(activity=activity)
        .select_related("resident")
        .order_by("created_at", "id")
    )


@router.post(
    "/activities/{int:activity_id}/signups",
    response={201: SignUpOut},
    summary="Sign a resident up (a place, or the waitlist when full)",
)
def sign_up(request, activity_id: int, payload: SignUpIn):
    activity = _activity(request, activity_id)
    resident = _resident(payload.resident_phone)
    try:
        signup = services.sign_up(request.user, activity, on_behalf_of=resident)
    except ValidationError as exc:
        raise _rename(exc) from None
    return Status(201, signup)


def _signup(request, pk: int) -> SignUp:
    return get_object_or_404(
        SignUp.objects.visible_to(request.user).select_related("activity", "resident"), pk=pk
    )


@router.post("/signups/{int:signup_id}/cancel", response=SignUpOut)
def cancel_sign_up(request, signup_id: int):
    return services.cancel_sign_up(request.user, _signup(request, signup_id))


@router.post(
    "/signups/{int:signup_id}/attendance",
    response=SignUpOut,
    summary="Staff mark (or undo) a resident's attendance",
)
def mark_attendance(request, signup_id: int, payload: AttendanceIn):
    return services.mark_attendance(request.user, _signup(request, signup_id), payload.attended)


@router.post(
    "/activities/{int:activity_id}/check-in",
    response=SignUpOut,
    summary="A resident checks in with the 6-digit code (residents only)",
)
def check_in(request, activity_id: int, payload: CheckInIn):
    # Residents have no scope, so the activity is found by id, not through visible_to.
    activity = get_object_or_404(Activity, pk=activity_id)
    return services.check_in(request.user, activity, payload.code)


# -- statistics ----------------------------------------------------------------------------------


class UsageOut(Schema):
    code: str
    name: str
    centers: int
    bookings: int
    booked_hours: float
    open_hours: float
    utilisation: float | None
    activities: int
    signups: int
    attended: int
    attendance_rate: float | None


class StatsOut(Schema):
    region: str
    region_name: str
    since: date
    until: date
    group: str
    total: UsageOut
    rows: list[UsageOut]


@router.get(
    "/stats",
    response=StatsOut,
    summary="Usage per center, street or district: bookings, hours, utilisation, attendance",
)
def stats(
    request,
    region: str = "",
    from_: date | None = FROM_PARAM,
    to: date | None = None,
    group: str = "",
):
    from .views import stats_params

    params = {
        "region": region,
        "from": from_.isoformat() if from_ else "",
        "to": to.isoformat() if to else "",
        "group": group,
    }
    reg, since, until, grp = stats_params(request.user, params)
    rows, total = q.usage_stats(request.user, region=reg, since=since, until=until, group=grp)
    return {
        "region": reg.code if reg else "",
        "region_name": reg.name if reg else "",
        "since": since,
        "until": until,
        "group": grp,
        "total": total.as_dict(),
        "rows": [r.as_dict() for r in rows],
    }
