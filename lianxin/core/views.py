from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from lianxin.centers.models import Center, CenterStatus
from lianxin.regions.models import Kind

from . import geo
from .models import ACTION_LABELS, AuditLog, Notification
from .notifications import mark_read
from .permissions import admin_required, paginate, staff_required


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if request.user.is_resident:
        return redirect("resident_home")
    return dashboard(request)


@staff_required
def dashboard(request):
    from lianxin.regions.queries import root_regions

    totals = Center.objects.visible_to(request.user).aggregate(
        total=Count("id"),
        villages=Count("id", filter=Q(kind=Kind.VILLAGE)),
        communities=Count("id", filter=Q(kind=Kind.COMMUNITY)),
        townships=Count(
            "id", filter=Q(kind__in=[Kind.STREET, Kind.TOWN, Kind.TOWNSHIP, Kind.ZONE])
        ),
        in_use=Count("id", filter=Q(status=CenterStatus.IN_USE)),
        renovating=Count("id", filter=Q(status=CenterStatus.RENOVATING)),
        closed=Count("id", filter=Q(status=CenterStatus.CLOSED_DEMOLITION)),
    )
    from lianxin.dashboard.services_stats import home_card

    return render(
        request,
        "core/home.html",
        {
            "totals": totals,
            "roots": root_regions(request.user),
            "services": home_card(request.user),
        },
    )


@admin_required
def audit_log(request):
    qs = AuditLog.objects.visible_to(request.user).select_related("actor")
    f = {
        k: (request.GET.get(k) or "").strip()
        for k in ("actor", "action", "target", "since", "until")
    }
    if f["actor"]:
        qs = qs.filter(actor_repr__icontains=f["actor"])
    if f["action"]:
        qs = qs.filter(action=f["action"])
    if f["target"]:
        qs = qs.filter(Q(target_repr__icontains=f["target"]) | Q(target_type=f["target"]))
    if f["since"]:
        qs = qs.filter(at__date__gte=f["since"])
    if f["until"]:
        qs = qs.filter(at__date__lte=f["until"])
    actions = AuditLog.objects.visible_to(request.user).values_list("action", flat=True).distinct()
    return render(
        request,
        "core/audit.html",
        {
            "page": paginate(request, qs),
            "f": f,
            "actions": [(a, ACTION_LABELS.get(a, a)) for a in sorted(set(actions))],
            "qs": urlencode({k: v for k, v in f.items() if v}),
        },
    )


@cache_control(max_age=86400, public=True)
def boundaries(request, province: str):
    """County boundaries of one province, served by the app for ECharts (no tiles, no CDN)."""
    if not (province.isdigit() and len(province) == 2):
        raise Http404
    data = geo.province_geojson(province)
    if not data["features"]:
        raise Http404
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


# -- the user's own notifications ---------------------------------------------------------------


@login_required
def notifications(request):
    """The user's own notifications, newest first (?show=unread for the unread ones)."""
    qs = Notification.objects.filter(recipient=request.user)
    unread = qs.filter(read_at__isnull=True).count()
    show = "unread" if request.GET.get("show") == "unread" else ""
    if show:
        qs = qs.filter(read_at__isnull=True)
    return render(
        request,
        "core/notifications.html",
        {
            "page": paginate(request, qs, per_page=30),
            "show": show,
            "unread": unread,
            "qs": urlencode({"show": show}) if show else "",
        },
    )


def _back_to_list(request):
    url = reverse("notifications")
    return redirect(url + ("?show=unread" if request.POST.get("show") == "unread" else ""))


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one notification read; with `open`, go on to the page it is about."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    mark_read(request.user, note.pk)
    if request.POST.get("open") and note.url:
        if url_has_allowed_host_and_scheme(
            note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(note.url)
    return _back_to_list(request)


@login_required
@require_POST
def notifications_read_all(request):
    n = mark_read(request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": n})
    return _back_to_list(request)
