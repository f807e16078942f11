"""Staff pages of rooms and activities. Thin views: reads through `visible_to(user)` (a row
outside the scope is a 404), writes through `services` (a row seen but not writable is a 403)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.centers.models import Center, Room
from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import ConflictError, field_errors
from lianxin.core.tabular import xlsx_response
from lianxin.regions.models import Level, Region
from lianxin.regions.queries import root_regions

from . import queries as q
from . import services
from .forms import ActivityForm, BookingForm, HoursForm
from .hours import schedules, week_on
from .models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Booking,
    BookingStatus,
    SignUp,
    SignUpStatus,
)

T = "venues/"


def _flash(request, exc: ValidationError) -> None:
    for msgs in field_errors(exc).values():
        messages.error(request, " ".join(msgs))


def _can_change(user, path: str) -> bool:
    return scope_for(user, CHANGE).covers_path(path)


def _require_change(user, path: str) -> None:
    if not _can_change(user, path):
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))


def _htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


def _id(request, name: str) -> int:
    value = (request.GET.get(name) or "").strip()
    if not value.isdigit():
        raise Http404
    return int(value)


# -- bookings ------------------------------------------------------------------------------------


@staff_required
def booking_list(request):
    flt, qs = q.visible_bookings(request.user, request.GET)
    rooms = (
        Room.objects.visible_to(request.user).filter(center_id=int(flt.center), bookable=True)
        if flt.center
        else Room.objects.none()
    )
    context = {
        "page": paginate(request, qs),
        "flt": flt,
        "centers": q.venue_centers(request.user),
        "rooms": rooms,
        "statuses": BookingStatus.choices,
        "now": timezone.now(),
        "tab": "bookings",
    }
    if _htmx(request):
        return render(request, T + "_booking_table.html", context)
    return render(request, T + "booking_list.html", context)


EXPORT_HEADERS = [
    gettext_lazy("区划代码"),
    gettext_lazy("党群服务中心"),
    gettext_lazy("功能室"),
    gettext_lazy("日期"),
    gettext_lazy("开始"),
    gettext_lazy("结束"),
    gettext_lazy("用途"),
    gettext_lazy("人数"),
    gettext_lazy("预约居民"),
    gettext_lazy("手机号"),
    gettext_lazy("状态"),
    gettext_lazy("预约时间"),
]


@staff_required
def booking_export(request):
    flt, qs = q.visible_bookings(request.user, request.GET)
    tz = timezone.get_current_timezone()

    def rows():
        for b in qs.iterator(chunk_size=2000):
            resident = b.resident
            yield [
                b.center.region.code,
                b.center.name,
                b.room_name,
                b.day.isoformat(),
                b.starts_at.astimezone(tz).strftime("%H:%M"),
                b.ends_at.astimezone(tz).strftime("%H:%M"),
                b.purpose,
                b.party_size,
                str(resident) if resident else "",
                resident.phone_masked if resident else "",  # masked: PIPL
                b.get_status_display(),
                b.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            ]

    today = timezone.localdate().isoformat()
    return xlsx_response(
        f"功能室预约-{today}.xlsx", _("功能室预约"), [str(h) for h in EXPORT_HEADERS], rows()
    )


@staff_required
def booking_new(request):
    if "room" not in request.GET:
        # Pick the room first (bookable rooms the user may book for residents).
        text = (request.GET.get("q") or "").strip()[:60]
        found = Room.objects.visible_to(request.user, CHANGE).filter(bookable=True)
        if text:
            found = found.filter(
                Q(name__icontains=text)
                | Q(center__name__icontains=text)
                | Q(center__search_text__icontains=text.lower())
            )
        return render(
            request,
            T + "room_picker.html",
            {
                "rooms": found.select_related("center").order_by("center__region__code", "name")[
                    :30
                ],
                "q": text,
                "tab": "bookings",
            },
        )
    room = get_object_or_404(
        Room.objects.visible_to(request.user).select_related("center"), pk=_id(request, "room")
    )
    _require_change(request.user, room.region_path)
    # ?day= picks the day whose free slots are shown beside the form.
    shown = q._day(request.GET, "day") or timezone.localdate() + timedelta(1)
    form = BookingForm(request.POST or None, initial={"day": shown})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            booking = services.book_room(
                request.user,
                room,
                day=d["day"],
                start=d["start"],
                end=d["end"],
                purpose=d["purpose"],
                party_size=d["party_size"],
                on_behalf_of=form.resident,
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("已预约：%(b)s") % {"b": booking})
            return redirect("venues_bookings")
    form.style()
    day = getattr(form, "cleaned_data", {}).get("day") or shown
    return render(
        request,
        T + "booking_form.html",
        {
            "form": form,
            "room": room,
            "day": day,
            "slots": q.free_slots(room, day),
            "tab": "bookings",
        },
    )


def _booking(request, pk: int) -> Booking:
    return get_object_or_404(Booking.objects.visible_to(request.user), pk=pk)


@staff_required
@require_POST
def booking_cancel(request, pk: int):
    booking = _booking(request, pk)
    try:
        services.cancel_booking(request.user, booking, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("预约已取消。"))
    return redirect("venues_bookings")


@staff_required
@require_POST
def booking_status(request, pk: int):
    booking = _booking(request, pk)
    status = request.POST.get("status", "")
    if status not in (BookingStatus.USED, BookingStatus.NO_SHOW):
        raise Http404
    try:
        services.set_booking_status(request.user, booking, status)
    except (ValidationError, ConflictError) as exc:
        if isinstance(exc, ValidationError):
            _flash(request, exc)
        else:
            messages.error(request, str(exc))
    else:
        messages.success(request, _("已登记。"))
    return redirect("venues_bookings")


# -- activities ----------------------------------------------------------------------------------


@staff_required
def activity_list(request):
    flt, qs = q.visible_activities(request.user, request.GET)
    context = {
        "page": paginate(request, qs),
        "flt": flt,
        "kinds": ActivityKind.choices,
        "statuses": ActivityStatus.choices,
        "can_add": not scope_for(request.user, CHANGE).is_empty(),
        "tab": "activities",
    }
    if _htmx(request):
        return render(request, T + "_activity_table.html", context)
    return render(request, T + "activity_list.html", context)


def _activity(request, pk: int) -> Activity:
    return get_object_or_404(
        Activity.objects.visible_to(request.user).select_related("center", "room"), pk=pk
    )


@staff_required
def activity_new(request):
    if "center" not in request.GET:
        # Pick the center first (a city has thousands: search them).
        text = (request.GET.get("q") or "").strip()[:60]
        found = Center.objects.visible_to(request.user, CHANGE)
        if text:
            found = found.filter(search_text__icontains=text.lower()) | found.filter(
                name__icontains=text
            )
        return render(
            request,
            T + "center_picker.html",
            {"centers": found.order_by("region__code")[:30], "q": text, "tab": "activities"},
        )
    center = get_object_or_404(Center.objects.visible_to(request.user), pk=_id(request, "center"))
    _require_change(request.user, center.region_path)
    form = ActivityForm(request.POST or None, center=center, initial={"kind": "other"})
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.save_activity(
                request.user, None, form.service_data(), center=center
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(
                request, _("活动已发布，签到码 %(c)s。") % {"c": activity.checkin_code}
            )
            return redirect("venues_activity_detail", pk=activity.pk)
    form.style()
    return render(
        request,
        T + "activity_form.html",
        {"form": form, "center": center, "activity": None, "tab": "activities"},
    )


@staff_required
def activity_edit(request, pk: int):
    activity = _activity(request, pk)
    _require_change(request.user, activity.region_path)
    initial = {f: getattr(activity, f) for f in services.ACTIVITY_FIELDS} | {
        "version": activity.version
    }
    form = ActivityForm(request.POST or None, center=activity.center, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_activity(
                request.user,
                activity,
                form.service_data(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        except ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("venues_activity_detail", pk=pk)
    form.style()
    return render(
        request,
        T + "activity_form.html",
        {"form": form, "center": activity.center, "activity": activity, "tab": "activities"},
    )


@staff_required
def activity_detail(request, pk: int):
    """The activity and its check-in list (attendance)."""
    activity = _activity(request, pk)
    signups = (
        SignUp.objects.visible_to(request.user)
        .filter(activity=activity)
        .select_related("resident")
        .order_by("created_at", "id")
    )
    counts = q.with_places(Activity.objects.filter(pk=pk)).values(
        "n_held", "n_waiting", "n_attended"
    )[0]
    return render(
        request,
        T + "activity_detail.html",
        {
            "activity": activity,
            "signups": signups,
            "counts": counts,
            "can_edit": _can_change(request.user, activity.region_path),
            "Status": SignUpStatus,
            "now": timezone.now(),
            "tab": "activities",
        },
    )


@staff_required
@require_POST
def activity_cancel(request, pk: int):
    activity = _activity(request, pk)
    try:
        services.cancel_activity(request.user, activity, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("活动已取消，已通知报名居民。"))
    return redirect("venues_activity_detail", pk=pk)


@staff_required
@require_POST
def activity_finish(request, pk: int):
    activity = _activity(request, pk)
    try:
        services.finish_activity(request.user, activity)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("活动已标记为已结束。"))
    return redirect("venues_activity_detail", pk=pk)


@staff_required
@require_POST
def attendance(request, pk: int, signup_id: int):
    activity = _activity(request, pk)
    signup = get_object_or_404(
        SignUp.objects.visible_to(request.user).select_related("activity"),
        pk=signup_id,
        activity=activity,
    )
    try:
        services.mark_attendance(request.user, signup, request.POST.get("attended") != "0")
    except (ValidationError, ConflictError) as exc:
        if isinstance(exc, ValidationError):
            _flash(request, exc)
        else:
            messages.error(request, str(exc))
    if _htmx(request):
        signup.refresh_from_db()
        return render(
            request,
            T + "_signup_row.html",
            {"s": signup, "activity": activity, "can_edit": True, "Status": SignUpStatus},
        )
    return redirect("venues_activity_detail", pk=pk)


# -- opening hours -------------------------------------------------------------------------------


@staff_required
def hours_edit(request, center_id: int):
    center = get_object_or_404(Center.objects.visible_to(request.user), pk=center_id)
    can_edit = _can_change(request.user, center.region_path)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))
    today = timezone.localdate()
    versions = schedules([center.pk]).get(center.pk)
    form = HoursForm(request.POST or None, week=week_on(versions, today))
    if request.method == "POST" and form.is_valid():
        intervals = form.intervals()
        if form.is_valid():
            try:
                services.save_hours(
                    request.user, center, form.cleaned_data["valid_from"], intervals
                )
            except ValidationError as exc:
                for field, msgs in field_errors(exc).items():
                    form.add_error(field if field in form.fields else None, msgs)
            else:
                messages.success(request, _("开放时间已保存。"))
                return redirect("venues_hours", center_id=center.pk)
    form.style()
    return render(
        request,
        T + "hours_form.html",
        {
            "form": form,
            "center": center,
            "versions": versions or [],
            "default": not versions,
            "can_edit": can_edit,
            "day_fields": [form[f"d{i}"] for i in range(7)],
            "tab": "hours",
        },
    )


# -- statistics ----------------------------------------------------------------------------------


def stats_params(user, params):
    """(region or None, since, until, group) from a request's parameters; a region outside the
    user's scope is a 404."""
    code = (params.get("region") or "").strip()
    region = None
    if code:
        if not (code.isdigit() and len(code) <= 12):
            raise Http404
        region = get_object_or_404(Region.objects.visible_to(user), code=code.ljust(12, "0"))
    else:
        roots = list(root_regions(user)[:2])
        region = roots[0] if len(roots) == 1 else None
    today = timezone.localdate()
    since, until = q._day(params, "from"), q._day(params, "to")
    until = until or today
    since = since or until - timedelta(days=29)
    if since > until:
        since, until = until, since
    if (until - since).days > 366 * 3:
        since = until - timedelta(days=366 * 3)
    group = params.get("group") or q.default_group(region)
    if group not in q.GROUPS:
        group = q.default_group(region)
    return region, since, until, group


@staff_required
def stats(request):
    region, since, until, group = stats_params(request.user, request.GET)
    rows, total = q.usage_stats(request.user, region=region, since=since, until=until, group=group)
    districts = Region.objects.visible_to(request.user).filter(level=Level.COUNTY).order_by("code")
    return render(
        request,
        T + "stats.html",
        {
            "page": paginate(request, rows),
            "total": total,
            "region": region,
            "since": since,
            "until": until,
            "group": group,
            "districts": districts,
            "query": _stats_query(region, since, until, group),
            "presets": _stats_presets(region, since, until, group),
            "tab": "stats",
        },
    )


def _stats_presets(region, since, until, group) -> list[tuple[str, str, bool]]:
    """(label, query, current) for the common periods: the default 30 days can read 0 for a
    center whose bookings are older, so the longer periods are one tap away."""
    today = timezone.localdate()
    periods = [
        (_("近 30 天"), today - timedelta(days=29)),
        (_("近 90 天"), today - timedelta(days=89)),
        (_("今年"), today.replace(month=1, day=1)),
        (_("近一年"), today - timedelta(days=364)),
    ]
    return [
        (label, _stats_query(region, start, today, group), since == start and until == today)
        for label, start in periods
    ]


def _stats_query(region, since, until, group) -> str:
    from urllib.parse import urlencode

    return urlencode(
        {
            "region": region.code if region else "",
            "from": since.isoformat(),
            "to": until.isoformat(),
            "group": group,
        }
    )
