"""The residents' site (mobile first): find a center, see what it offers and posts, apply for an
item, follow one's applications, rate them, book rooms and sign up for activities.

Public pages show only what a center publishes (in-use centers, their notices, rooms, items,
activities), never staff data. A resident's own rows come from `mine(user)`; anything else is a
404. Every write goes through the owning app's service function."""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.notifications import unread_count
from lianxin.core.services import field_errors

from . import queries
from .forms import (
    BookingForm,
    CheckInForm,
    FindForm,
    NearForm,
    NoteForm,
    RatingForm,
    new_key,
    valid_key,
)

T = "portal/"


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def resident_required(view):
    """Residents only: strangers log in first, staff go to their own pages."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_resident:
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapper


def _code(value: str) -> str:
    value = (value or "").strip()
    return value.ljust(12, "0") if value.isdigit() and len(value) <= 12 else ""


# -- find my center -------------------------------------------------------------------------------


def home(request):
    """Find my center: by text, by district and street, or nearest to the phone's position."""
    find = FindForm(request.GET or None)
    district = _code(request.GET.get("district", ""))
    street = _code(request.GET.get("street", ""))
    if street and not street.startswith(district[:6]):
        street = ""
    q = (request.GET.get("q") or "").strip()[:60]
    results, nearest, near_form, mode = None, None, NearForm(), ""
    if "lat" in request.GET or "lon" in request.GET:
        mode = "near"
        near_form = NearForm(request.GET)
        if near_form.is_valid():
            lat, lon = near_form.cleaned_data["lat"], near_form.cleaned_data["lon"]
            nearest = queries.nearest(lat, lon)
    elif q or district or street:
        mode = "find"
        results = list(queries.search(q, district, street)[:51])
    context = {
        "find": find,
        "q": q,
        "district": district,
        "street": street,
        "districts": queries.districts(),
        "streets": queries.streets_of(district) if district else [],
        "results": results,
        "nearest": nearest,
        "near_form": near_form,
        "mode": mode,
        "more": results is not None and len(results) > 50,
    }
    if results is not None:
        context["results"] = results[:50]
    if _is_htmx(request) and request.GET.get("partial") == "results":
        return render(request, T + "_results.html", context)
    return render(request, T + "home.html", context)


def streets(request):
    """The HTMX cascade: the street options of the chosen district."""
    district = _code(request.GET.get("district", ""))
    return render(
        request,
        T + "_streets.html",
        {"streets": queries.streets_of(district) if district else [], "street": ""},
    )


def _public_center(pk: int):
    return get_object_or_404(queries.public_centers(), pk=pk)


def center_page(request, pk: int):
    center = _public_center(pk)
    today = timezone.localdate()
    hours = queries.opening_hours(center, today)
    notices = queries.shown_notices(queries.notices_at(center, today), hours)
    rooms = list(queries.bookable_rooms(center))
    return render(
        request,
        T + "center.html",
        {
            "center": center,
            "today": today,
            "hours": hours,
            "notices": notices,
            "on_duty": queries.on_duty(notices),
            "rooms": rooms,
            "items": _items(center, today),
            "activities": queries.upcoming_activities(center)[:10],
        },
    )


def _items(center, day):
    from lianxin.services.models import TRANSFERRED_MODES

    out = []
    for item, _level, mode in queries.items_here(center, day):
        item.here_mode = mode
        item.transferred = mode in TRANSFERRED_MODES
        out.append(item)
    return out


# -- items and applying --------------------------------------------------------------------------


def _active_item(code: str):
    from lianxin.services.models import ServiceItem

    return get_object_or_404(ServiceItem.objects.filter(active=True), code=code)


def item_page(request, code: str):
    """What to bring: eligibility, materials, time limit in force today, fee, mode, basis."""
    item = _active_item(code)
    today = timezone.localdate()
    center = None
    center_id = request.GET.get("center", "")
    if center_id.isdigit():
        center = queries.public_centers().filter(pk=int(center_id)).first()
    offering = None
    if center is not None:
        offering = _offering(center, item, today)
    limit = item.time_limit_on(today)
    return render(
        request,
        T + "item.html",
        {
            "item": item,
            "center": center,
            "offering": offering,
            "time_limit": limit,
            "materials": item.materials.all(),
            "fields": item.fields.all(),
        },
    )


def _offering(center, item, day):
    """(level, mode) of the item at the center, or None when the services app can't say."""
    try:
        from lianxin.services.queries import offering
    except ImportError:
        return None
    return offering(center, item, day)


def _window_url(center, item) -> str:
    """Staff receive applications at the window's form (the services app), pre-filled."""
    return (
        reverse("services_application_new")
        + "?"
        + urlencode({"center": center.pk, "item": item.pk})
    )


def _put_errors(form, exc: ValidationError) -> None:
    """The service's errors beside the fields they name (an item field's code, a material's id,
    or the form's own names); the rest above the form."""
    codes = getattr(form, "form_fields", {})
    for key, msgs in field_errors(exc).items():
        name = key
        if key not in form.fields:
            if key in codes:
                name = codes[key]
            elif f"m_{key}" in form.fields:
                name = f"m_{key}"
            elif key.startswith("form_data.") and key[10:] in codes:
                name = codes[key[10:]]
            else:
                name = None
        for msg in msgs:
            if name and name in form.errors:
                form.errors[name].append(msg)
            elif name:
                form.add_error(name, msg)
            else:
                form.add_error(None, msg)


def _style(form) -> None:
    """Tabler classes on a form built elsewhere (the item's typed form)."""
    for name, field in form.fields.items():
        widget = field.widget
        kind = type(widget).__name__
        if kind in ("CheckboxSelectMultiple", "RadioSelect", "CheckboxInput"):
            widget.attrs["class"] = "form-check-input"
        elif kind == "Select":
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"
        if name in form.errors:
            widget.attrs["class"] += " is-invalid"
            widget.attrs["aria-invalid"] = "true"
    if "phone" in form.fields:
        form.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})
    if "applicant_name" in form.fields:
        form.fields["applicant_name"].widget.attrs["autocomplete"] = "name"


def apply(request, pk: int, code: str):
    center = _public_center(pk)
    item = _active_item(code)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_resident:
        return redirect(_window_url(center, item))
    from lianxin.services import services as svc
    from lianxin.services.itemform import application_form

    user = request.user
    key = new_key()
    if request.method == "POST":
        key = valid_key(request.POST.get("idempotency_key"))
        form = application_form(item, data=request.POST, files=request.FILES)
        if form.is_valid():
            files = {
                m.pk: [form.cleaned_data[name]]
                for name, m in form.material_fields.items()
                if form.cleaned_data.get(name)
            }
            try:
                application, created = svc.submit_application(
                    user,
                    item=item,
                    center=center,
                    applicant_name=form.cleaned_data["applicant_name"],
                    id_number=form.cleaned_data["id_number"],
                    phone=form.cleaned_data["phone"],
                    form_data=form.cleaned_form_data(),
                    description=form.cleaned_data.get("description", ""),
                    files=files,
                    channel="online",
                    idempotency_key=key,
                    applicant=user,
                )
            except ValidationError as exc:
                _put_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("您不能在此中心申请该事项。"))
            else:
                if created:
                    messages.success(
                        request,
                        _("申请已提交，办件编号 %(n)s。") % {"n": application.number},
                    )
                return redirect("portal_application", number=application.number)
    else:
        form = application_form(
            item,
            initial={
                "applicant_name": getattr(user, "display_name", "") or "",
                "phone": getattr(user, "phone", "") or "",
            },
        )
    _style(form)
    return render(
        request,
        T + "apply.html",
        {
            "center": center,
            "item": item,
            "form": form,
            "item_fields": [form[name] for name in form.form_fields.values()],
            "material_fields": [form[name] for name in form.material_fields],
            "key": key,
            "time_limit": item.time_limit_on(timezone.localdate()),
            "offering": _offering(center, item, timezone.localdate()),
        },
    )


# -- my applications ----------------------------------------------------------------------------


def _mine(user):
    from lianxin.services.models import Application

    return Application.objects.mine(user).select_related("item", "center")


@resident_required
def my_applications(request):
    from lianxin.core.permissions import paginate

    page = paginate(request, _mine(request.user).order_by("-submitted_at", "-id"), per_page=20)
    return render(
        request,
        T + "my_applications.html",
        {"page": page, "unread": unread_count(request.user), "tab": "applications"},
    )


def _my_application(request, number: str):
    """One of the resident's own applications, by its number (SQ…) or, for links that carry
    the row id, by that; anyone else's is a 404."""
    if number.isdigit():
        return get_object_or_404(_mine(request.user), pk=int(number))
    return get_object_or_404(_mine(request.user), number=number)


@resident_required
def application_page(request, number: str, rating_form=None, note_form=None):
    from lianxin.services import workflow
    from lianxin.services.models import StandardAnswer, Status

    app = _my_application(request, number)
    answers = list(StandardAnswer.objects.filter(active=True))
    can_rate = app.status == Status.CONCLUDED and workflow.allowed(
        app, Status.RATED, workflow.RESIDENT
    )
    rating = getattr(app, "rating", None) if hasattr(app, "rating") else None
    return render(
        request,
        T + "application.html",
        {
            "app": app,
            "steps": app.steps.select_related(None).order_by("at", "id"),
            "can_withdraw": workflow.allowed(app, Status.WITHDRAWN, workflow.RESIDENT),
            "can_resubmit": workflow.allowed(app, Status.SUBMITTED, workflow.RESIDENT),
            "can_rate": can_rate,
            "rating": rating,
            "rating_form": rating_form or RatingForm(answers=answers),
            "note_form": note_form or NoteForm(),
            "materials": app.item.materials.all(),
            "attachments": app.attachments.select_related("material"),
        },
    )


def _transition(request, number: str, to_status: str, done: str):
    from lianxin.services import services as svc

    app = _my_application(request, number)
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if to_status == "submitted":
            # Materials sent with the re-submission, one file per material at most.
            for m in app.item.materials.all():
                upload = request.FILES.get(f"m_{m.pk}")
                if upload:
                    svc.upload_attachment(request.user, app, m, upload)
        svc.transition(request.user, app, to_status, note=note)
    except ValidationError as exc:
        for msgs in field_errors(exc).values():
            messages.error(request, " ".join(msgs))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您不能进行此操作。"))
    else:
        messages.success(request, done)
    return redirect("portal_application", number=number)


@resident_required
@require_POST
def application_withdraw(request, number: str):
    return _transition(request, number, "withdrawn", _("申请已撤回。"))


@resident_required
@require_POST
def application_resubmit(request, number: str):
    return _transition(request, number, "submitted", _("已重新提交，请等待受理。"))


@resident_required
@require_POST
def application_rate(request, number: str):
    from lianxin.services import services as svc
    from lianxin.services.models import StandardAnswer

    app = _my_application(request, number)
    answers = list(StandardAnswer.objects.filter(active=True))
    form = RatingForm(request.POST, answers=answers)
    if form.is_valid():
        try:
            svc.rate(
                request.user,
                app,
                score=form.cleaned_data["score"],
                answer_ids=form.answer_ids(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            for key, msgs in field_errors(exc).items():
                target = key if key in form.fields else None
                for msg in msgs:
                    form.add_error(target, msg)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("您不能评价该办件。"))
        else:
            messages.success(request, _("感谢您的评价。"))
            return redirect("portal_application", number=number)
    return application_page(request, number, rating_form=form)


# -- rooms and activities -----------------------------------------------------------------------


def _day_param(request, default: date | None) -> date | None:
    try:
        return date.fromisoformat(request.GET.get("day") or request.POST.get("day") or "")
    except ValueError:
        return default


LOOK_AHEAD_DAYS = 14


def _first_bookable_day(room, today: date) -> date:
    """The first day from today on which the room has a free slot (closed days and today's past
    slots skipped), within two weeks; today if there is none."""
    from lianxin.venues import queries as vq

    for n in range(LOOK_AHEAD_DAYS):
        day = today + timedelta(days=n)
        if any(free for _a, _b, free in vq.free_slots(room, day)):
            return day
    return today


def book_room(request, pk: int, room_id: int):
    """The room's free half-hour slots on a day, and the booking form (login to book)."""
    from lianxin.venues import queries as vq
    from lianxin.venues import services as vs

    center = _public_center(pk)
    room = get_object_or_404(queries.bookable_rooms(center), pk=room_id)
    today = timezone.localdate()
    day = _day_param(request, None) or _first_bookable_day(room, today)
    form = BookingForm(request.POST or None, initial={"day": day})
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_resident:
            return redirect("venues_booking_new")
        if form.is_valid():
            try:
                vs.book_room(
                    request.user,
                    room,
                    day=form.cleaned_data["day"],
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                    purpose=form.cleaned_data["purpose"],
                    party_size=form.cleaned_data["party_size"],
                )
            except ValidationError as exc:
                for key, msgs in field_errors(exc).items():
                    for msg in msgs:
                        form.add_error(key if key in form.fields else None, msg)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("预约成功。"))
                return redirect("portal_my_bookings")
    slots = vq.free_slots(room, day)
    free = [(a, b) for a, b, ok in slots if ok]
    return render(
        request,
        T + "book.html",
        {
            "center": center,
            "room": room,
            "day": day,
            "prev_day": day - timedelta(days=1) if day > today else None,
            "next_day": day + timedelta(days=1),
            "slots": slots,
            "starts": [a for a, _b in free],
            "ends": [b for _a, b in free],
            "form": form,
        },
    )


def activities(request, pk: int):
    center = _public_center(pk)
    mine = {}
    if request.user.is_authenticated and request.user.is_resident:
        from lianxin.venues.models import SignUp

        mine = {
            s.activity_id: s
            for s in SignUp.objects.mine(request.user)
            .filter(activity__center=center)
            .exclude(status="cancelled")
        }
    rows = queries.upcoming_activities(center)
    for a in rows:
        a.my_signup = mine.get(a.pk)
    return render(
        request,
        T + "activities.html",
        {"center": center, "activities": rows, "checkin": CheckInForm()},
    )


def _public_activity(pk: int):
    from lianxin.venues.models import Activity

    return get_object_or_404(
        Activity.objects.filter(center__in=queries.public_centers()).select_related("center"),
        pk=pk,
    )


def _venue_call(request, fn, done: str) -> None:
    try:
        fn()
    except ValidationError as exc:
        for msgs in field_errors(exc).values():
            messages.error(request, " ".join(msgs))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)


@resident_required
@require_POST
def activity_sign_up(request, pk: int):
    from lianxin.venues import services as vs

    activity = _public_activity(pk)
    _venue_call(request, lambda: vs.sign_up(request.user, activity), _("报名已提交。"))
    return redirect("portal_activities", pk=activity.center_id)


@resident_required
@require_POST
def activity_check_in(request, pk: int):
    from lianxin.venues import services as vs

    activity = _public_activity(pk)
    code = (request.POST.get("code") or "").strip()[:20]
    _venue_call(request, lambda: vs.check_in(request.user, activity, code), _("签到成功。"))
    if request.POST.get("back") == "me":
        return redirect("portal_my_bookings")
    return redirect("portal_activities", pk=activity.center_id)


@resident_required
def my_bookings(request):
    from lianxin.venues import queries as vq

    now = timezone.now()
    bookings = list(vq.my_bookings(request.user)[:100])
    for b in bookings:
        b.cancellable = b.status == "booked" and b.starts_at > now
    signups = list(vq.my_signups(request.user)[:100])
    for s in signups:
        s.cancellable = s.status in ("confirmed", "waitlisted") and s.activity.starts_at > now
        s.can_check_in = s.status == "confirmed" and s.activity.ends_at > now
    return render(
        request,
        T + "my_bookings.html",
        {"bookings": bookings, "signups": signups, "tab": "bookings"},
    )


@resident_required
@require_POST
def booking_cancel(request, pk: int):
    from lianxin.venues import services as vs
    from lianxin.venues.models import Booking

    booking = get_object_or_404(Booking.objects.mine(request.user), pk=pk)
    _venue_call(request, lambda: vs.cancel_booking(request.user, booking), _("预约已取消。"))
    return redirect("portal_my_bookings")


@resident_required
@require_POST
def sign_up_cancel(request, pk: int):
    from lianxin.venues import services as vs
    from lianxin.venues.models import SignUp

    signup = get_object_or_404(SignUp.objects.mine(request.user), pk=pk)
    _venue_call(request, lambda: vs.cancel_sign_up(request.user, signup), _("报名已取消。"))
    return redirect("portal_my_bookings")


# -- my notifications ----------------------------------------------------------------------------


@resident_required
def my_notifications(request):
    """The resident's own notifications in the portal's layout, newest first."""
    from lianxin.core.models import Notification
    from lianxin.core.permissions import paginate

    qs = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    return render(
        request,
        T + "notifications.html",
        {
            "page": paginate(request, qs, per_page=20),
            "unread": unread_count(request.user),
            "tab": "notifications",
        },
    )


@resident_required
@require_POST
def my_notification_read(request, pk: int):
    """Mark one of the resident's notifications read; with `open`, go on to its page."""
    from django.utils.http import url_has_allowed_host_and_scheme

    from lianxin.core.models import Notification
    from lianxin.core.notifications import mark_read

    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    mark_read(request.user, note.pk)
    if request.POST.get("open") and note.url:
        if url_has_allowed_host_and_scheme(
            note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(note.url)
    return redirect("portal_notifications")


@resident_required
@require_POST
def my_notifications_read_all(request):
    from lianxin.core.notifications import mark_read

    n = mark_read(request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": n})
    return redirect("portal_notifications")
