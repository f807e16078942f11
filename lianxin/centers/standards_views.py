"""Pages for standards and the three levels: rule sets, checklists, a center's levels as of a date,
inspections recorded on a phone, their photos, and follow-ups. Thin views: every read goes through
`visible_to`, every write through one function in `services.py`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.core.files import photo_response
from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import CHANGE, INSPECT
from lianxin.core.services import ConflictError, field_errors
from lianxin.regions.models import Level as RegionLevel
from lianxin.regions.models import Region

from . import services
from .models import (
    Center,
    Checklist,
    ChecklistItem,
    FollowUp,
    Inspection,
    InspectionPhoto,
    Level,
    LevelRecord,
    RuleSet,
)
from .models.standards import FollowUpStatus, ItemResult, Source
from .queries import levels_of
from .standards_forms import (
    ChecklistItemForm,
    FollowUpCloseForm,
    FollowUpFilterForm,
    InspectionForm,
    RenovationForm,
    RuleSetForm,
)

T = "centers/standards/"


def _flash_errors(request, exc: ValidationError) -> None:
    for msgs in field_errors(exc).values():
        messages.error(request, " ".join(msgs))


def _flash_form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        text = " ".join(errors)
        messages.error(
            request,
            _("%(label)s：%(errors)s") % {"label": label, "errors": text} if label else text,
        )


def _visible_center(request, pk: int) -> Center:
    return get_object_or_404(
        Center.objects.visible_to(request.user).select_related("region"), pk=pk
    )


def _require_standards_admin(request) -> None:
    if not services.can_edit_standards(request.user):
        raise PermissionDenied(_("只有市级管理员可以修改建设标准。"))


# -- rule sets -----------------------------------------------------------------------------------


@staff_required
def rule_sets(request):
    today = timezone.localdate()
    return render(
        request,
        T + "rule_sets.html",
        {
            "rule_sets": RuleSet.objects.order_by("-valid_from", "-id"),
            "in_force": RuleSet.objects.in_force(today),
            "today": today,
            "can_edit": services.can_edit_standards(request.user),
            "tab": "rule_sets",
        },
    )


@staff_required
def rule_set_form(request, pk: int | None = None):
    _require_standards_admin(request)
    rule_set = get_object_or_404(RuleSet, pk=pk) if pk else None
    form = RuleSetForm(request.POST or None, instance=rule_set)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_rule_set(
                request.user,
                RuleSet.objects.get(pk=pk) if pk else None,
                form.service_data(),
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        except ConflictError as exc:
            form.add_error(None, str(exc))
        else:
            day = services.reassessment_day(saved, edited=bool(pk))
            if day:
                text = _("建设标准“%(name)s”已保存；面积达标已自 %(day)s 起按该标准重新评估。")
            else:
                text = _("建设标准“%(name)s”已保存；它不是当时生效的标准，未重新评估。")
            messages.success(request, text % {"name": saved.name, "day": day})
            return redirect("rule_sets")
    return render(
        request,
        T + "rule_set_form.html",
        {"form": form, "rule_set": rule_set, "saved_name": rule_set.name if rule_set else ""},
    )


# -- checklists ----------------------------------------------------------------------------------


@staff_required
def checklists(request):
    today = timezone.localdate()
    return render(
        request,
        T + "checklists.html",
        {
            "checklists": Checklist.objects.annotate(n_items=Count("items")).order_by(
                "-valid_from", "-id"
            ),
            "in_force": Checklist.objects.in_force(today),
            "tab": "checklists",
        },
    )


@staff_required
def checklist_detail(request, pk: int):
    checklist = get_object_or_404(Checklist, pk=pk)
    items = list(checklist.items.annotate(n_used=Count("inspectionitem")))
    return render(
        request,
        T + "checklist_detail.html",
        {
            "checklist": checklist,
            "items": items,
            "total_weight": sum(i.weight for i in items),
            "in_force": Checklist.objects.in_force(timezone.localdate()) == checklist,
            "can_edit": services.can_edit_standards(request.user),
            "tab": "checklists",
        },
    )


@staff_required
def checklist_item_form(request, pk: int, item_id: int | None = None):
    _require_standards_admin(request)
    checklist = get_object_or_404(Checklist, pk=pk)
    item = get_object_or_404(ChecklistItem, pk=item_id, checklist=checklist) if item_id else None
    form = ChecklistItemForm(request.POST or None, instance=item, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in form.fields}
        try:
            if item:
                services.update_checklist_item(
                    request.user, ChecklistItem.objects.get(pk=item.pk), data
                )
            else:
                services.create_checklist_item(request.user, checklist, data)
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("检查项已保存。"))
            return redirect("checklist_detail", pk=checklist.pk)
    return render(
        request,
        T + "checklist_item_form.html",
        {"checklist": checklist, "item": item, "form": form, "tab": "checklists"},
    )


@staff_required
@require_POST
def checklist_item_delete(request, pk: int, item_id: int):
    _require_standards_admin(request)
    item = get_object_or_404(ChecklistItem, pk=item_id, checklist_id=pk)
    try:
        services.delete_checklist_item(request.user, item)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("检查项已删除。"))
    return redirect("checklist_detail", pk=pk)


# -- the three levels of a center ----------------------------------------------------------------


def _day_param(request, name: str = "on") -> tuple[date, bool]:
    """The date asked for (default today) and whether what was sent was understood."""
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return timezone.localdate(), True
    try:
        return date.fromisoformat(raw), True
    except ValueError:
        return timezone.localdate(), False


@staff_required
def center_levels(request, pk: int):
    """The three levels as of a date: an HTMX partial on the center page (a page of its own when
    opened directly)."""
    center = _visible_center(request, pk)
    day, understood = _day_param(request)
    levels = levels_of(center, day)
    names = dict(
        RuleSet.objects.filter(
            code__in=[v.get("rule_set") for v in levels.values() if v.get("rule_set")]
        ).values_list("code", "name")
    )
    sources = dict(Source.choices)
    for key, value in levels.items():
        value["key"] = key
        value["rule_set_name"] = names.get(value.get("rule_set"), "")
        value["source_label"] = sources.get(value.get("source"), "")
        value["undecidable"] = (
            key == Level.AREA and value["compliant"] is False and value.get("required_area") is None
        )
    context = {
        "center": center,
        "day": day,
        "today": timezone.localdate(),
        "day_invalid": not understood,
        "levels": [levels[lv.value] for lv in Level],
        "can_edit": Center.objects.visible_to(request.user, CHANGE).filter(pk=pk).exists(),
        "can_inspect": Center.objects.visible_to(request.user, INSPECT).filter(pk=pk).exists(),
        "n_inspections": Inspection.objects.visible_to(request.user).filter(center=center).count(),
        "n_open": FollowUp.objects.visible_to(request.user)
        .filter(center=center, status=FollowUpStatus.OPEN)
        .count(),
        "renovation_form": RenovationForm(initial={"accepted_on": timezone.localdate()}),
    }
    if request.headers.get("HX-Request"):
        return render(request, T + "_levels.html", context)
    return render(request, T + "levels_page.html", context)


@staff_required
def level_history(request, pk: int):
    center = _visible_center(request, pk)
    records = (
        LevelRecord.objects.visible_to(request.user)
        .filter(center=center)
        .select_related("rule_set", "recorded_by")
        .order_by("-effective_on", "-id")
    )
    level = request.GET.get("level", "")
    if level in Level.values:
        records = records.filter(level=level)
    return render(
        request,
        T + "level_history.html",
        {
            "center": center,
            "page": paginate(request, records),
            "level": level,
            "levels": Level.choices,
        },
    )


@staff_required
@require_POST
def record_renovation(request, pk: int):
    center = _visible_center(request, pk)
    form = RenovationForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        _flash_form_errors(request, form)
        return redirect("center_detail", pk=pk)
    d = form.cleaned_data
    try:
        services.record_renovation(
            request.user,
            center,
            d["accepted_on"],
            compliant=d["compliant"],
            source=Source.INSPECTION,
            note=d["note"],
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("改造验收已记录。"))
    return redirect("center_detail", pk=pk)


@staff_required
@require_POST
def assess_area(request, pk: int):
    center = _visible_center(request, pk)
    record = services.assess_area(request.user, center)
    if record.compliant:
        messages.success(request, _("已按现行标准重新评估：面积达标。"))
    else:
        messages.warning(
            request,
            _("已按现行标准重新评估：面积未达标。%(why)s") % {"why": record.note},
        )
    return redirect("center_detail", pk=pk)


# -- inspections ---------------------------------------------------------------------------------


@staff_required
def inspect(request, pk: int):
    """Record an inspection on a phone: nothing is saved unless everything is right."""
    center = _visible_center(request, pk)
    if not Center.objects.visible_to(request.user, INSPECT).filter(pk=pk).exists():
        raise PermissionDenied(_("您没有检查该中心的权限。"))
    today = timezone.localdate()
    choices = Checklist.objects.order_by("-valid_from", "-id")
    wanted = request.POST.get("checklist") or request.GET.get("checklist") or ""
    checklist = (choices.filter(pk=wanted).first() if wanted.isdigit() else None) or (
        Checklist.objects.in_force(today) or choices.first()
    )
    if checklist is None:
        return render(request, T + "inspect.html", {"center": center, "form": None})
    form = InspectionForm(
        request.POST or None,
        request.FILES or None,
        checklist=checklist,
        checklists=choices,
        today=today,
        initial={"checklist": checklist.pk, "inspected_on": today},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            inspection = services.record_inspection(
                request.user,
                center,
                checklist,
                d["inspected_on"],
                signature=d["signature"],
                note=d["note"],
                **form.service_args(),
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            verdict = _("合格") if inspection.passed else _("不合格")
            messages.success(
                request,
                _("检查已记录：得分 %(score)s，%(verdict)s。")
                % {"score": inspection.score, "verdict": verdict},
            )
            return redirect("inspection_detail", pk=inspection.pk)
    return render(
        request,
        T + "inspect.html",
        {
            "center": center,
            "form": form,
            "checklist": checklist,
            "today": today,
            "photos_dropped": request.method == "POST" and bool(request.FILES),
            "first_error": _first_error(form),
        },
    )


def _first_error(form) -> str:
    """The anchor of the first thing to fix, so that a long form on a phone can jump to it."""
    if not form.errors:
        return ""
    for name in ("checklist", "inspected_on"):
        if name in form.errors:
            return f"id_{name}"
    for item in form.items:
        if any(f"{p}_{item.code}" in form.errors for p in "rnpfd"):
            return f"item-{item.code}"
    return "id_signature" if "signature" in form.errors else ""


@staff_required
def center_inspections(request, pk: int):
    """A center's inspections, newest first, and its follow-ups."""
    center = _visible_center(request, pk)
    inspections = (
        Inspection.objects.visible_to(request.user)
        .filter(center=center)
        .select_related("checklist", "inspector")
    )
    follow_ups = (
        FollowUp.objects.visible_to(request.user)
        .filter(center=center)
        .select_related("inspection_item__item", "inspection_item__inspection")
    )
    closable = set(
        FollowUp.objects.visible_to(request.user, CHANGE)
        .filter(center=center, status=FollowUpStatus.OPEN)
        .values_list("pk", flat=True)
    )
    return render(
        request,
        T + "center_inspections.html",
        {
            "center": center,
            "page": paginate(request, inspections, per_page=20),
            "follow_ups": follow_ups,
            "closable": closable,
            "today": timezone.localdate(),
            "can_inspect": Center.objects.visible_to(request.user, INSPECT).filter(pk=pk).exists(),
        },
    )


@staff_required
def inspection_detail(request, pk: int):
    inspection = get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related(
            "center__region", "checklist", "inspector"
        ),
        pk=pk,
    )
    photos: dict[int | None, list] = {}
    for photo in InspectionPhoto.objects.visible_to(request.user).filter(inspection=inspection):
        photos.setdefault(photo.item_id, []).append(photo)
    follow_ups = {
        f.inspection_item_id: f
        for f in FollowUp.objects.visible_to(request.user).filter(
            inspection_item__inspection=inspection
        )
    }
    results = []
    group = None
    for r in inspection.results.select_related("item"):
        results.append(
            {
                "r": r,
                "heading": r.item.group if r.item.group != group else None,
                "photos": photos.get(r.item_id, []),
                "follow_up": follow_ups.get(r.pk),
            }
        )
        group = r.item.group
    use = (
        LevelRecord.objects.visible_to(request.user)
        .filter(inspection=inspection, level=Level.USE)
        .first()
    )
    counts = {
        v: sum(1 for x in results if x["r"].result == v)
        for v in (ItemResult.PASS, ItemResult.FAIL, ItemResult.NA)
    }
    return render(
        request,
        T + "inspection_detail.html",
        {
            "inspection": inspection,
            "center": inspection.center,
            "results": results,
            "other_photos": photos.get(None, []),
            "use": use,
            "counts": counts,
        },
    )


@staff_required
def inspection_photo(request, pk: int):
    return photo_response(InspectionPhoto.objects.visible_to(request.user), pk)


# -- follow-ups ----------------------------------------------------------------------------------


@staff_required
def follow_ups(request):
    districts = Region.objects.visible_to(request.user).filter(level=RegionLevel.COUNTY)
    params = request.GET.copy()
    params.setdefault("status", FollowUpStatus.OPEN)
    flt = FollowUpFilterForm(params, districts=districts)
    qs = FollowUp.objects.visible_to(request.user).select_related(
        "center", "inspection_item__item", "inspection_item__inspection"
    )
    status = ""
    if flt.is_valid():
        status = flt.cleaned_data["status"]
        if flt.cleaned_data["district"]:
            qs = qs.filter(center__district_code=flt.cleaned_data["district"])
    counts = qs.aggregate(
        open=Count("id", filter=Q(status=FollowUpStatus.OPEN)),
        closed=Count("id", filter=Q(status=FollowUpStatus.CLOSED)),
    )
    if status:
        qs = qs.filter(status=status)
    page = paginate(request, qs.order_by("status", "due_on", "id"))
    closable = set(
        FollowUp.objects.visible_to(request.user, CHANGE)
        .filter(pk__in=[f.pk for f in page], status=FollowUpStatus.OPEN)
        .values_list("pk", flat=True)
    )
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        T + "follow_ups.html",
        {
            "flt": flt,
            "page": page,
            "closable": closable,
            "counts": counts,
            "today": timezone.localdate(),
            "query": query.urlencode(),
            "tab": "follow_ups",
        },
    )


@staff_required
def follow_up_close(request, pk: int):
    follow_up = get_object_or_404(
        FollowUp.objects.visible_to(request.user).select_related(
            "center", "inspection_item__item", "inspection_item__inspection"
        ),
        pk=pk,
    )
    if not FollowUp.objects.visible_to(request.user, CHANGE).filter(pk=pk).exists():
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))
    today = timezone.localdate()
    opened_on = follow_up.inspection_item.inspection.inspected_on
    form = FollowUpCloseForm(
        request.POST or None, today=today, opened_on=opened_on, initial={"closed_on": today}
    )
    if follow_up.status != FollowUpStatus.OPEN:
        form = None
    elif request.method == "POST" and form.is_valid():
        try:
            services.close_follow_up(
                request.user,
                follow_up,
                form.cleaned_data["closed_on"],
                form.cleaned_data["closed_note"],
            )
        except ValidationError as exc:
            for field, msgs in field_errors(exc).items():
                form.add_error(field if field in form.fields else None, msgs)
        else:
            messages.success(request, _("整改事项已关闭。"))
            return redirect("center_inspections", pk=follow_up.center_id)
    return render(
        request,
        T + "follow_up_close.html",
        {"follow_up": follow_up, "form": form, "center": follow_up.center, "today": today},
    )
