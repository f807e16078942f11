"""The catalogue's staff pages (服务事项清单): the list with search, filters, sorting and export;
an item with its time-limit history, materials, form fields and devolution per district; its
create and edit; time-limit versions; materials and fields edited inline (HTMX). Thin views: reads
through `items_for` / `visible_to`, writes through `services`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import CHANGE
from lianxin.core.services import ConflictError
from lianxin.core.tabular import xlsx_response
from lianxin.regions.models import Region

from . import services
from .forms import FieldForm, ItemForm, MaterialForm, TimeLimitForm, add_service_errors
from .models import (
    Devolution,
    FormField,
    ItemType,
    Material,
    ServiceItem,
    ServiceLevel,
)
from .views_common import (
    clip,
    code12,
    errors_of,
    flash,
    flash_form,
    is_htmx,
    items_for,
    publishing_units,
)

T = "services/catalogue/"

SORTS = {
    "code": "code",
    "name": "name",
    "category": "category",
    "department": "department",
    "level": "level",
    "updated": "updated_at",
}
MODES = {"online": Q(online=True), "in_person": Q(in_person=True)}


@dataclass
class ItemFilter:
    q: str = ""
    category: str = ""
    department: str = ""
    level: str = ""
    item_type: str = ""
    mode: str = ""  # online / in_person
    active: str = "1"  # "1", "0", "" all
    sort: str = "code"

    FIELDS = ("q", "category", "department", "level", "item_type", "mode", "active", "sort")

    @classmethod
    def from_params(cls, params) -> ItemFilter:
        flt = cls(**{k: clip(params, k) for k in cls.FIELDS if k in params})
        if flt.level not in ServiceLevel.values:
            flt.level = ""
        if flt.item_type not in ItemType.values:
            flt.item_type = ""
        if flt.mode not in MODES:
            flt.mode = ""
        if flt.active not in ("1", "0", ""):
            flt.active = "1"
        if flt.sort.lstrip("-") not in SORTS:
            flt.sort = "code"
        return flt

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            text = self.q
            qs = qs.filter(
                Q(name__icontains=text)
                | Q(code__icontains=text)
                | Q(name_en__icontains=text)
                | Q(search_text__icontains=text.lower())
            )
        if self.category:
            qs = qs.filter(category=self.category)
        if self.department:
            qs = qs.filter(department=self.department)
        if self.level:
            qs = qs.filter(level=self.level)
        if self.item_type:
            qs = qs.filter(item_type=self.item_type)
        if self.mode:
            qs = qs.filter(MODES[self.mode])
        if self.active:
            qs = qs.filter(active=self.active == "1")
        key = self.sort.lstrip("-")
        direction = "-" if self.sort.startswith("-") else ""
        return qs.order_by(direction + SORTS[key], "code", "pk")

    def querystring(self, **override) -> str:
        values = {k: getattr(self, k) for k in self.FIELDS} | override
        # "active" goes even when empty ("all"), or the default (active only) would come back.
        return urlencode({k: v for k, v in values.items() if v or k == "active"})


def visible_items(user, params) -> tuple[ItemFilter, QuerySet]:
    flt = ItemFilter.from_params(params)
    return flt, flt.apply(items_for(user).select_related("certificate_kind"))


def _time_limits_now(items) -> dict[int, int]:
    """The working days in force today, per item, in one query."""
    from .models import TimeLimit

    today = timezone.localdate()
    rows = (
        TimeLimit.objects.filter(item__in=[i.pk for i in items])
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .order_by("item_id", "valid_from")
        .values_list("item_id", "working_days")
    )
    return dict(rows)


@staff_required
def item_list(request):
    flt, qs = visible_items(request.user, request.GET)
    page = paginate(request, qs.annotate(n_materials=Count("materials")))
    limits = _time_limits_now(page.object_list)
    for item in page.object_list:
        item.limit_now = limits.get(item.pk)
    base = items_for(request.user)
    context = {
        "page": page,
        "flt": flt,
        "categories": base.order_by("category").values_list("category", flat=True).distinct(),
        "departments": base.order_by("department").values_list("department", flat=True).distinct(),
        "levels": ServiceLevel.choices,
        "item_types": ItemType.choices,
        "can_add": bool(publishing_units(request.user)),
    }
    if is_htmx(request):
        return render(request, T + "_table.html", context)
    return render(request, T + "list.html", context)


@staff_required
def item_export(request):
    flt, qs = visible_items(request.user, request.GET)
    items = list(qs.select_related("region").annotate(n_materials=Count("materials")))
    limits = _time_limits_now(items)
    headers = [
        _("事项编码"),
        _("事项名称"),
        _("类别"),
        _("主管部门"),
        _("事项层级"),
        _("事项类型"),
        _("证明类别"),
        _("承诺时限（工作日）"),
        _("收费（元）"),
        _("可网上申请"),
        _("须到现场"),
        _("申请材料数"),
        _("设定依据"),
        _("发布单位"),
        _("启用"),
    ]
    yes, no = _("是"), _("否")
    rows = (
        [
            i.code,
            i.name,
            i.category,
            i.department,
            i.get_level_display(),
            i.get_item_type_display(),
            i.certificate_kind.name if i.certificate_kind_id else "",
            limits.get(i.pk, ""),
            f"{i.fee:.2f}",
            yes if i.online else no,
            yes if i.in_person else no,
            i.n_materials,
            i.legal_basis,
            i.region.name,
            yes if i.active else no,
        ]
        for i in items
    )
    return xlsx_response(_("服务事项清单.xlsx"), _("服务事项"), headers, rows)


def _visible_item(request, pk: int) -> ServiceItem:
    return get_object_or_404(
        items_for(request.user).select_related("region", "certificate_kind"), pk=pk
    )


def _can_edit(user, item: ServiceItem) -> bool:
    return items_for(user, CHANGE).filter(pk=item.pk).exists()


def _require_edit(user, item: ServiceItem) -> None:
    if not _can_edit(user, item):
        raise PermissionDenied(_("该事项不在您的管理范围内，或您没有编辑权限。"))


def _detail_context(request, item: ServiceItem) -> dict:
    today = timezone.localdate()
    devolutions = (
        Devolution.objects.visible_to(request.user)
        .filter(item=item)
        .select_related("district")
        .order_by("district__code", "-valid_from")
    )
    for d in devolutions:
        d.in_force = (d.valid_from is None or d.valid_from <= today) and (
            d.valid_to is None or d.valid_to > today
        )
    return {
        "item": item,
        "time_limits": item.time_limits.order_by("-valid_from"),
        "limit_now": item.time_limit_on(today),
        "materials": item.materials.all(),
        "fields": item.fields.all(),
        "devolutions": devolutions,
        "can_edit": _can_edit(request.user, item),
        "limit_form": TimeLimitForm(initial={"valid_from": today}),
        "today": today,
    }


@staff_required
def item_detail(request, pk: int):
    item = _visible_item(request, pk)
    return render(request, T + "detail.html", _detail_context(request, item))


@staff_required
def item_new(request):
    units = publishing_units(request.user)
    # "?region=<code>" opens the form for one unit: a unit out of sight is not shown to exist.
    code = code12(clip(request.GET, "region", 12))
    chosen = get_object_or_404(Region.objects.visible_to(request.user), code=code) if code else None
    if not units or (chosen is not None and chosen not in units):
        raise PermissionDenied(_("您没有为该单位发布服务事项的权限。"))
    initial = {"region": chosen.code if chosen else units[0].code}
    form = ItemForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.save_item(request.user, None, form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, errors_of(exc))
        else:
            return redirect("services_item_detail", item.pk)
    return render(request, T + "form.html", {"form": form, "item": None})


@staff_required
def item_edit(request, pk: int):
    item = _visible_item(request, pk)
    _require_edit(request.user, item)
    initial = {
        f: getattr(item, f)
        for f in ItemForm.base_fields
        if f not in ("region", "certificate_kind") and hasattr(item, f)
    } | {"certificate_kind": item.certificate_kind_id}
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_item(request.user, item, form.data_for_service())
        except ValidationError as exc:
            add_service_errors(form, errors_of(exc))
        except ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("services_item_detail", item.pk)
    return render(request, T + "form.html", {"form": form, "item": item})


@staff_required
@require_POST
def time_limit_add(request, pk: int):
    item = _visible_item(request, pk)
    _require_edit(request.user, item)
    form = TimeLimitForm(request.POST)
    if form.is_valid():
        try:
            services.set_time_limit(request.user, item, **form.cleaned_data)
        except ValidationError as exc:
            flash(request, exc, {k: f.label for k, f in form.fields.items()})
    else:
        flash_form(request, form)
    return redirect("services_item_detail", item.pk)


# -- materials and form fields, inline -----------------------------------------------------------

PARTS = {
    "material": {
        "model": Material,
        "form": MaterialForm,
        "save": "save_material",
        "delete": "delete_material",
        "list": "_materials.html",
        "related": "materials",
    },
    "field": {
        "model": FormField,
        "form": FieldForm,
        "save": "save_field",
        "delete": "delete_field",
        "list": "_fields.html",
        "related": "fields",
    },
}


def _part_card(request, item, kind: str):
    part = PARTS[kind]
    context = {
        "item": item,
        part["related"]: getattr(item, part["related"]).all(),
        "can_edit": _can_edit(request.user, item),
    }
    return render(request, T + part["list"], context)


def _initial(kind: str, row) -> dict:
    form_class = PARTS[kind]["form"]
    initial = {f: getattr(row, f) for f in form_class.base_fields if hasattr(row, f)}
    if kind == "field":
        initial["values"] = FieldForm.values_text(row.values)
    return initial


def _part_edit(request, pk: int, kind: str, row_pk: int | None):
    item = _visible_item(request, pk)
    _require_edit(request.user, item)
    part = PARTS[kind]
    row = get_object_or_404(part["model"], item=item, pk=row_pk) if row_pk else None
    form = part["form"](request.POST or None, initial=_initial(kind, row) if row else None)
    if request.method == "POST" and form.is_valid():
        try:
            getattr(services, part["save"])(request.user, item, row, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, errors_of(exc))
        else:
            if is_htmx(request):
                # The form swaps itself on error; on success the whole card is redrawn.
                response = _part_card(request, item, kind)
                response["HX-Retarget"] = "#materials" if kind == "material" else "#fields"
                response["HX-Reswap"] = "innerHTML"
                return response
            return redirect("services_item_detail", item.pk)
    context = {"item": item, "form": form, "row": row, "kind": kind}
    if is_htmx(request):
        return render(request, T + "_part_form.html", context)
    return render(request, T + "part_form.html", context)


def _part_delete(request, pk: int, kind: str, row_pk: int):
    item = _visible_item(request, pk)
    _require_edit(request.user, item)
    part = PARTS[kind]
    row = get_object_or_404(part["model"], item=item, pk=row_pk)
    try:
        getattr(services, part["delete"])(request.user, row)
    except ValidationError as exc:
        flash(request, exc)
    if is_htmx(request):
        return _part_card(request, item, kind)
    return redirect("services_item_detail", item.pk)


@staff_required
def material_edit(request, pk: int, material_pk: int | None = None):
    return _part_edit(request, pk, "material", material_pk)


@staff_required
@require_POST
def material_delete(request, pk: int, material_pk: int):
    return _part_delete(request, pk, "material", material_pk)


@staff_required
def field_edit(request, pk: int, field_pk: int | None = None):
    return _part_edit(request, pk, "field", field_pk)


@staff_required
@require_POST
def field_delete(request, pk: int, field_pk: int):
    return _part_delete(request, pk, "field", field_pk)


@staff_required
def part_card(request, pk: int, kind: str):
    """The materials or fields card alone (the inline form's "cancel")."""
    if kind not in PARTS:
        from django.http import Http404

        raise Http404
    return _part_card(request, _visible_item(request, pk), kind)
