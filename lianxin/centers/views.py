from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import CHANGE
from lianxin.core.services import ConflictError
from lianxin.regions.models import Kind, Level, Region
from lianxin.regions.queries import visible_ancestors

from . import services
from .forms import CenterForm, CenterStatusForm, RoomForm
from .models import Center, CenterStatus, Room
from .queries import visible_centers


@staff_required
def center_list(request):
    flt, qs = visible_centers(request.user, request.GET)
    page = paginate(request, qs)
    districts = Region.objects.visible_to(request.user).filter(level=Level.COUNTY)
    streets = (
        Region.objects.visible_to(request.user).filter(
            level=Level.TOWNSHIP, parent__code=flt.district.ljust(12, "0")
        )
        if flt.district
        else Region.objects.none()
    )
    template = "centers/_table.html" if request.headers.get("HX-Request") else "centers/list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "flt": flt,
            "districts": districts,
            "streets": streets,
            "kinds": [
                (k, Kind(k).label)
                for k in (
                    Kind.COMMUNITY,
                    Kind.VILLAGE,
                    Kind.STREET,
                    Kind.TOWN,
                    Kind.TOWNSHIP,
                    Kind.ZONE,
                )
            ],
            "statuses": CenterStatus.choices,
        },
    )


@staff_required
def center_detail(request, pk: int):
    center = get_object_or_404(
        Center.objects.visible_to(request.user).select_related("region"), pk=pk
    )
    can_edit = Center.objects.visible_to(request.user, CHANGE).filter(pk=pk).exists()
    ancestors, visible_paths = visible_ancestors(request.user, center.region)
    return render(
        request,
        "centers/detail.html",
        {
            "center": center,
            "ancestors": ancestors,
            "visible_paths": visible_paths,
            "rooms": center.rooms.select_related("room_type"),
            "history": center.history.order_by("valid_from"),
            "can_edit": can_edit,
            "status_form": CenterStatusForm(),
        },
    )


@staff_required
def center_edit(request, pk: int):
    center = get_object_or_404(Center.objects.visible_to(request.user, CHANGE), pk=pk)
    form = CenterForm(request.POST or None, instance=center, initial={"version": center.version})
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in CenterForm.Meta.fields}
        try:
            services.update_center(
                request.user,
                Center.objects.get(pk=pk),
                data,
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("center_detail", pk=pk)
    # The form writes rejected input onto `center`; the page is titled with the saved name.
    return render(
        request,
        "centers/edit.html",
        {"center": center, "form": form, "saved_name": form.initial.get("name")},
    )


def _form_errors_to_messages(request, form):
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        messages.error(
            request,
            _("%(label)s：%(errors)s") % {"label": label, "errors": " ".join(errors)}
            if label
            else " ".join(errors),
        )


@staff_required
@require_POST
def center_status(request, pk: int):
    center = get_object_or_404(Center.objects.visible_to(request.user), pk=pk)
    form = CenterStatusForm(request.POST)
    if not form.is_valid():
        _form_errors_to_messages(request, form)
        return redirect("center_detail", pk=pk)
    try:
        d = form.cleaned_data
        services.set_center_status(request.user, center, d["status"], d["valid_from"], d["note"])
    except ValidationError as exc:
        for msgs in exc.message_dict.values():
            messages.error(request, " ".join(msgs))
    else:
        messages.success(request, _("状态已更新。"))
    return redirect("center_detail", pk=pk)


@staff_required
def room_form(request, pk: int, room_id: int | None = None):
    """Add a room to a center, or edit one."""
    center = get_object_or_404(Center.objects.visible_to(request.user, CHANGE), pk=pk)
    room = (
        get_object_or_404(Room.objects.visible_to(request.user, CHANGE), pk=room_id, center=center)
        if room_id
        else None
    )
    form = RoomForm(request.POST or None, instance=room)
    if request.method == "POST" and form.is_valid():
        data = {
            "room_type_id": form.cleaned_data["room_type"].pk,
            **{f: form.cleaned_data[f] for f in ("name", "area", "capacity", "bookable")},
        }
        try:
            if room:
                services.update_room(request.user, Room.objects.get(pk=room.pk), data)
            else:
                services.create_room(request.user, center, data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("功能室已保存。"))
            return redirect("center_detail", pk=pk)
    return render(request, "centers/room_form.html", {"center": center, "room": room, "form": form})


@staff_required
@require_POST
def room_delete(request, pk: int, room_id: int):
    room = get_object_or_404(
        Room.objects.visible_to(request.user, CHANGE), pk=room_id, center_id=pk
    )
    services.delete_room(request.user, room)
    messages.success(request, _("功能室已删除。"))
    return redirect("center_detail", pk=pk)
