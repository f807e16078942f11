"""Staff pages for public notices (公示): the list in scope, publish, edit, withdraw, and a
printable sheet per center for the notice board. Every read through `visible_to`; every write
through `services`. A notice outside the user's scope is a 404; one seen but not writable, a 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.centers.models import Center
from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import ConflictError
from lianxin.regions.models import Level, Region

from . import queries, services
from .forms import NoticeForm
from .models import Notice, NoticeKind

T = "portal/notices/"
MAX_CENTER_OPTIONS = 300


def unit_options(user) -> list[tuple[str, str]]:
    """(code, name) the user may publish for: the top units of their writing scope, the units one
    level below those (down to streets), and their centers' units when there are not too many."""
    scope = scope_for(user, CHANGE)
    if scope.is_empty():
        return []
    if scope.everything:
        tops = list(Region.objects.filter(level=Level.PROVINCE).order_by("code"))
    else:
        paths = set(scope.subtree) | set(scope.exact)
        outer = [p for p in paths if not any(p != o and p.startswith(o) for o in paths)]
        tops = list(Region.objects.filter(path__in=outer).order_by("code"))
    subtree_tops = [t for t in tops if scope.everything or t.path in scope.subtree]
    kids = Region.objects.filter(parent__in=subtree_tops, level__lte=Level.TOWNSHIP).order_by(
        "code"
    )
    out = [(r.code, r.name) for r in [*tops, *kids]]
    centers = (
        Center.objects.visible_to(user, CHANGE).select_related("region").order_by("region__code")
    )
    if centers.count() <= MAX_CENTER_OPTIONS:
        seen = {c for c, _n in out}
        out += [(c.region.code, c.name) for c in centers if c.region.code not in seen]
    return out


def _flash_errors(form, exc: ValidationError) -> None:
    for field, msgs in (exc.message_dict if hasattr(exc, "error_dict") else {}).items():
        form.add_error(field if field in form.fields else None, msgs)
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)


@staff_required
def notice_list(request):
    today = timezone.localdate()
    flt, qs = queries.visible_notices(request.user, request.GET, today)
    page = paginate(request, qs, per_page=30)
    writable = set(
        Notice.objects.visible_to(request.user, CHANGE)
        .filter(pk__in=[n.pk for n in page.object_list])
        .values_list("pk", flat=True)
    )
    for n in page.object_list:
        n.writable = n.pk in writable
        n.current = n.in_force_on(today)
        n.ended = n.valid_to is not None and n.valid_to <= today
    return render(
        request,
        T + "list.html",
        {
            "page": page,
            "flt": flt,
            "kinds": NoticeKind.choices,
            "can_add": not scope_for(request.user, CHANGE).is_empty(),
            "today": today,
        },
    )


@staff_required
def notice_new(request):
    if scope_for(request.user, CHANGE).is_empty():
        raise PermissionDenied(_("您没有发布公示的权限。"))
    initial = {"valid_from": timezone.localdate(), "kind": NoticeKind.SERVICE_INFO}
    unit = (request.GET.get("unit") or "").strip()
    if unit.isdigit() and len(unit) <= 12:
        initial["unit"] = unit.ljust(12, "0")
    form = NoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("unit")
        data.pop("version", None)
        region = Region.objects.filter(code=code).first()
        if region is None:
            form.add_error("unit", _("没有这个区划代码。"))
        else:
            # Outside the user's scope the unit is not shown to exist; seen but not writable: 403.
            if not Region.objects.visible_to(request.user).filter(pk=region.pk).exists():
                raise Http404
            try:
                notice = services.publish_notice(request.user, data | {"region": region})
            except ValidationError as exc:
                _flash_errors(form, exc)
            else:
                messages.success(request, _("公示已发布。"))
                return redirect(_back(notice))
    return render(request, T + "form.html", {"form": form, "units": unit_options(request.user)})


def _back(notice: Notice) -> str:
    from django.urls import reverse

    return reverse("portal_notice_list") + f"?unit={notice.region.code}"


def _writable(request, pk: int) -> Notice:
    notice = get_object_or_404(
        Notice.objects.visible_to(request.user).select_related("region"), pk=pk
    )
    if not Notice.objects.visible_to(request.user, CHANGE).filter(pk=pk).exists():
        raise PermissionDenied(_("该公示不在您的数据范围内，或您没有编辑权限。"))
    return notice


@staff_required
def notice_edit(request, pk: int):
    notice = _writable(request, pk)
    initial = {k: getattr(notice, k) for k in services.EDITABLE} | {
        "unit": notice.region.code,
        "version": notice.version,
    }
    form = NoticeForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.EDITABLE}
        try:
            services.update_notice(
                request.user, notice, data, expected_version=form.cleaned_data.get("version")
            )
        except ConflictError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            _flash_errors(form, exc)
        else:
            messages.success(request, _("公示已保存。"))
            return redirect(_back(notice))
    return render(request, T + "form.html", {"form": form, "notice": notice, "units": []})


@staff_required
@require_POST
def notice_withdraw(request, pk: int):
    notice = _writable(request, pk)
    try:
        services.withdraw_notice(request.user, notice)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("公示“%(t)s”已撤回。") % {"t": notice.title})
    return redirect(_back(notice))


def notice_print(request, pk: int):
    """An A4 sheet for the center's notice board: the notices in force today. Public for in-use
    centers (like the center page); staff also reach the centers in their scope."""
    staff = request.user.is_authenticated and request.user.is_staff_member
    center = None
    if staff:
        center = (
            Center.objects.visible_to(request.user).select_related("region").filter(pk=pk).first()
        )
    if center is None:
        center = get_object_or_404(queries.public_centers(), pk=pk)
    today = timezone.localdate()
    hours = queries.opening_hours(center, today)
    return render(
        request,
        T + "print.html",
        {
            "center": center,
            "notices": queries.shown_notices(queries.notices_at(center, today), hours),
            "hours": hours,
            "today": today,
            "printed_at": timezone.localtime(),
            "staff": staff,
        },
    )
