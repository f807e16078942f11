"""Devolution pages (权下放): per district, the catalogue against the level and handling mode in
force there, with the forms that devolve an item or end a devolution. A district administrator
sees their own district; the city picks a district (or sees the summary of all). Writes go
through `services.devolve` / `services.end_devolution`; the refusal of a certificate that
communities may not issue comes back beside the field it names."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.periods import covering
from lianxin.core.permissions import staff_required
from lianxin.core.scoping import CHANGE, VIEW, ancestor_paths, path_and_ancestors, scope_for
from lianxin.core.tabular import xlsx_response
from lianxin.regions.models import Level, Region

from . import services
from .forms import DevolveForm, EndDevolutionForm, add_service_errors
from .models import Devolution, ServiceItem, ServiceLevel
from .views_common import clip, code12, districts_for, errors_of, flash, flash_form, is_htmx

T = "services/devolution/"


def readable_districts(user) -> list[Region]:
    """The districts whose devolution a user may read: those in their scope, or — for street and
    center staff, whose scope is below a district — the district above them (what was devolved
    to them), read-only."""
    districts = districts_for(user)
    if districts:
        return districts
    above = ancestor_paths(scope_for(user, VIEW))
    if not above:
        return []
    return list(Region.objects.filter(path__in=above, level=Level.COUNTY).order_by("code"))


def _district(request, code: str) -> Region:
    code = code12(code)
    if not code:
        raise Http404
    for district in readable_districts(request.user):
        if district.code == code:
            return district
    raise Http404


def _items_of(district: Region):
    """The items a district's windows receive: the city's catalogue and the district's own."""
    return ServiceItem.objects.filter(region_path__in=path_and_ancestors(district.path))


def _can_devolve(user, district: Region) -> bool:
    return scope_for(user, CHANGE).covers_path(district.path)


def _rows(district: Region, params, day):
    q = clip(params, "q")
    level = clip(params, "level", 12)
    items = _items_of(district).filter(active=True).order_by("category", "code")
    if q:
        items = items.filter(
            Q(name__icontains=q) | Q(code__icontains=q) | Q(search_text__icontains=q.lower())
        )
    current = {
        d.item_id: d
        for d in Devolution.objects.filter(district=district)
        .filter(covering(day, open_start=True))
        .order_by("valid_from")
    }
    rows = []
    for item in items.select_related("certificate_kind"):
        dev = current.get(item.pk)
        if level == "none" and dev:
            continue
        if level in ServiceLevel.values and (not dev or dev.level != level):
            continue
        rows.append({"item": item, "devolution": dev})
    return rows


@staff_required
def devolution_matrix(request):
    today = timezone.localdate()
    districts = readable_districts(request.user)
    code = clip(request.GET, "district", 12)
    if not code and len(districts) == 1:
        code = districts[0].code
    context = {
        "districts": districts,
        "district": None,
        "q": clip(request.GET, "q"),
        "level": clip(request.GET, "level", 12),
        "levels": ServiceLevel.choices,
        "today": today,
        "tab": "devolution",
    }
    if code:
        district = _district(request, code)
        context |= {
            "district": district,
            "rows": _rows(district, request.GET, today),
            "can_devolve": _can_devolve(request.user, district),
            "upcoming": Devolution.objects.filter(district=district, valid_from__gt=today)
            .select_related("item")
            .order_by("valid_from"),
        }
    else:
        # The summary per district: how many items each devolved, and to which level.
        counts = (
            Devolution.objects.visible_to(request.user)
            .filter(covering(today, open_start=True))
            .values("district__code")
            .annotate(
                community=Count("pk", filter=Q(level=ServiceLevel.COMMUNITY)),
                street=Count("pk", filter=Q(level=ServiceLevel.STREET)),
            )
        )
        by_code = {c["district__code"]: c for c in counts}
        context["summary"] = [(d, by_code.get(d.code, {})) for d in districts]
    template = T + ("_matrix.html" if is_htmx(request) else "matrix.html")
    return render(request, template, context)


@staff_required
def devolution_export(request):
    today = timezone.localdate()
    qs = Devolution.objects.filter(district__in=readable_districts(request.user)).select_related(
        "district", "item"
    )
    code = code12(clip(request.GET, "district", 12))
    if code:
        qs = qs.filter(district__code=code)
    if clip(request.GET, "all", 1) != "1":
        qs = qs.filter(covering(today, open_start=True))
    headers = [
        _("区"),
        _("事项编码"),
        _("事项名称"),
        _("受理层级"),
        _("办理方式"),
        _("生效日期"),
        _("失效日期"),
        _("说明"),
    ]
    rows = (
        [
            d.district.name,
            d.item.code,
            d.item.name,
            d.get_level_display(),
            d.get_handling_mode_display(),
            d.valid_from.isoformat() if d.valid_from else "",
            d.valid_to.isoformat() if d.valid_to else "",
            d.note,
        ]
        for d in qs.order_by("district__code", "item__code", "valid_from")
    )
    return xlsx_response(_("事项下放.xlsx"), _("事项下放"), headers, rows)


@staff_required
def devolve(request, code: str, item_pk: int):
    district = _district(request, code)
    item = get_object_or_404(_items_of(district), pk=item_pk)
    if not _can_devolve(request.user, district):
        raise PermissionDenied(_("该区不在您的数据范围内，或您没有编辑权限。"))
    today = timezone.localdate()
    current = Devolution.objects.filter(district=district, item=item).filter(
        covering(today, open_start=True)
    )
    current = current.order_by("-valid_from").first()
    initial = {"valid_from": today}
    if current:
        initial |= {"level": current.level, "handling_mode": current.handling_mode}
    form = DevolveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.devolve(request.user, district, item, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, errors_of(exc))
        else:
            url = f"{_matrix_url(district)}#item-{item.pk}"
            if is_htmx(request):
                response = render(request, T + "_done.html", {"url": url})
                response["HX-Redirect"] = url
                return response
            return redirect(url)
    context = {"district": district, "item": item, "form": form, "current": current}
    template = T + ("_devolve_form.html" if is_htmx(request) else "devolve.html")
    return render(request, template, context)


def _matrix_url(district: Region) -> str:
    from django.urls import reverse

    return f"{reverse('services_devolution')}?district={district.code}"


@staff_required
@require_POST
def devolution_end(request, pk: int):
    dev = get_object_or_404(
        Devolution.objects.visible_to(request.user).select_related("district"), pk=pk
    )
    if not Devolution.objects.visible_to(request.user, CHANGE).filter(pk=dev.pk).exists():
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))
    form = EndDevolutionForm(request.POST)
    if form.is_valid():
        try:
            services.end_devolution(request.user, dev, valid_to=form.cleaned_data["valid_to"])
        except ValidationError as exc:
            flash(request, exc, {"valid_to": form.fields["valid_to"].label})
    else:
        flash_form(request, form)
    return redirect(f"{_matrix_url(dev.district)}#item-{dev.item_id}")
