"""The premises pages (三本账): the ledgers' list with search, filters, sort, paging and Excel
export; a premises, its form and availability steps; the Excel import with a problem report;
matching — run it, read each proposal's explanation, accept or reject. Thin views: reads through
`queries_premises`, writes through `services.premises`."""

from __future__ import annotations

import tempfile
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from lianxin.centers.ledger_views import report_path, save_report
from lianxin.core.permissions import paginate, staff_required
from lianxin.core.services import ConflictError, field_errors
from lianxin.regions.models import Level, Region

from . import premises_ledger as ledger
from .forms_premises import AssignForm, MatchingForm, PremisesForm, RejectForm
from .matching import NO_CANDIDATE, NO_COORDINATES, NOT_CHOSEN
from .models import Availability, Condition, MatchRun, Premises, PremisesKind, Proposal
from .permissions import MATCHERS, PREMISES_WRITERS, may, role_scope
from .queries_premises import (
    filter_regions,
    premises_history,
    run_proposals,
    visible_premises,
    visible_runs,
)
from .services import premises as services

T = "resources/"
PROBLEMS_SHOWN = 50


def _is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


def _visible(request, pk: int) -> Premises:
    return get_object_or_404(
        Premises.objects.visible_to(request.user).select_related("region", "plan__center"), pk=pk
    )


def _can_write(user) -> bool:
    return not role_scope(user, PREMISES_WRITERS).is_empty()


def _flash(request, exc: ValidationError) -> None:
    for msgs in field_errors(exc).values():
        for msg in msgs:
            messages.error(request, msg)


# -- the ledger list ------------------------------------------------------------------------


@staff_required
def premises_list(request):
    flt, qs = visible_premises(request.user, request.GET)
    page = paginate(request, qs)
    districts, streets = filter_regions(request.user, flt)
    names = Region.objects.names({p.street_code for p in page} | {p.district_code for p in page})
    context = {
        "page": page,
        "flt": flt,
        "districts": districts,
        "streets": streets,
        "kinds": PremisesKind.choices,
        "availabilities": Availability.choices,
        "conditions": Condition.choices,
        "names": names,
        "can_write": _can_write(request.user),
        "can_match": not role_scope(request.user, MATCHERS).is_empty(),
    }
    template = T + "premises_table.html" if _is_htmx(request) else T + "premises_list.html"
    return render(request, template, context)


def _xlsx(tmp, filename: str) -> FileResponse:
    tmp.seek(0)
    response = FileResponse(tmp, content_type=ledger.XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def ledger_file(user, params, *, template: bool = False, prefill: bool = False) -> FileResponse:
    """The ledger of exactly what the list shows (same filters, same scope), or the import
    template (empty, or pre-filled with those rows)."""
    _flt, qs = visible_premises(user, params)
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if template and not prefill:
        ledger.write_workbook(tmp)
        name = _("房源台账导入模板-%(stamp)s.xlsx") % {"stamp": stamp}
    else:
        ledger.write_workbook(tmp, ledger.ledger_rows(qs))
        name = (
            _("房源台账导入模板-%(stamp)s.xlsx") if template else _("房源台账-%(stamp)s.xlsx")
        ) % {"stamp": stamp}
    return _xlsx(tmp, name)


@staff_required
def premises_export(request):
    return ledger_file(request.user, request.GET)


@staff_required
def premises_template(request):
    prefill = request.GET.get("prefill") in ("1", "true", "on")
    return ledger_file(request.user, request.GET, template=True, prefill=prefill)


# -- one premises ---------------------------------------------------------------------------


@staff_required
def premises_detail(request, pk: int):
    obj = _visible(request, pk)
    proposals = (
        Proposal.objects.visible_to(request.user)
        .filter(premises=obj)
        .select_related("center", "run", "decided_by")
        .order_by("-run__created_at", "-pk")[:20]
    )
    history = premises_history(obj)
    can_write = may(request.user, PREMISES_WRITERS, obj.region_path)
    return render(
        request,
        T + "premises_detail.html",
        {
            "obj": obj,
            "proposals": proposals,
            "history": history,
            "can_write": can_write,
            "assign_form": AssignForm(initial={"assigned_on": timezone.localdate()}),
        },
    )


@staff_required
def premises_new(request):
    if not _can_write(request.user):
        raise PermissionDenied(_("您没有登记房源的权限。"))
    form = PremisesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.create_premises(request.user, form.service_data())
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("房源已登记。"))
            return redirect("premises_detail", pk=obj.pk)
    return render(request, T + "premises_form.html", {"form": form, "obj": None})


@staff_required
def premises_edit(request, pk: int):
    obj = _visible(request, pk)
    if not may(request.user, PREMISES_WRITERS, obj.region_path):
        raise PermissionDenied(_("您没有编辑该房源的权限。"))
    form = PremisesForm(request.POST or None, instance=obj, user=request.user)
    latest = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_premises(
                request.user,
                Premises.objects.get(pk=pk),
                form.service_data(),
                expected_version=form.cleaned_data.get("version") or None,
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        except ConflictError as exc:
            form.add_error(None, str(exc))
            latest = Premises.objects.get(pk=pk)
        else:
            messages.success(request, _("房源已保存。"))
            return redirect("premises_detail", pk=pk)
    status = 409 if latest is not None else 200
    return render(
        request,
        T + "premises_form.html",
        {"form": form, "obj": obj, "latest": latest},
        status=status,
    )


@staff_required
@require_POST
def premises_release(request, pk: int):
    obj = _visible(request, pk)
    try:
        services.release(request.user, obj, request.POST.get("reason", ""))
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已取消预留，房源恢复空闲。"))
    return redirect("premises_detail", pk=pk)


@staff_required
@require_POST
def premises_assign(request, pk: int):
    obj = _visible(request, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        for msgs in form.errors.values():
            for msg in msgs:
                messages.error(request, msg)
        return redirect("premises_detail", pk=pk)
    try:
        services.mark_assigned(request.user, obj, form.cleaned_data["assigned_on"])
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已标记为已配置（中心已入驻）。"))
    return redirect("premises_detail", pk=pk)


# -- the import -----------------------------------------------------------------------------


def _ledger_context(request, result=None, token: str = "") -> dict:
    context = {
        "can_import": _can_write(request.user),
        "columns": [
            {
                "label": str(c.label),
                "editable": c.editable,
                "required": c.required,
                # the shared page has no "新增时必填" column: the note says it, as the template's
                # 说明 sheet does
                "note": _("新增时必填。%(note)s") % {"note": c.note} if c.required else str(c.note),
            }
            for c in ledger.COLUMNS
        ],
        "explanations": ledger.explanations(),
        "result": result,
        "report_token": token,
    }
    if result is not None:
        context["problems_shown"] = result.problems[:PROBLEMS_SHOWN]
        context["problems_more"] = max(0, len(result.problems) - PROBLEMS_SHOWN)
    return context


@staff_required
def premises_ledger(request):
    return render(request, T + "premises_ledger.html", _ledger_context(request))


@staff_required
@require_POST
def premises_import(request):
    if not _can_write(request.user):
        raise PermissionDenied(_("您没有编辑房源的权限。"))
    upload = request.FILES.get("file")
    dry_run = request.POST.get("dry_run") in ("1", "on", "true")
    if upload is None:
        messages.error(request, _("请选择要导入的台账文件（.xlsx）。"))
        return redirect("premises_ledger")
    result = ledger.import_premises(
        request.user, upload, filename=upload.name or "", dry_run=dry_run
    )
    if result.problems:
        token = save_report(request.user, result)
        return render(
            request, T + "premises_ledger.html", _ledger_context(request, result, token), status=422
        )
    if dry_run:
        return render(request, T + "premises_ledger.html", _ledger_context(request, result))
    messages.success(
        request,
        _("已导入“%(name)s”：新增 %(created)d 条，更新 %(updated)d 条，%(unchanged)d 行无变化。")
        % {
            "name": result.filename,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return redirect("premises_list")


@staff_required
def premises_report(request, token: str):
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        raise Http404
    path = report_path(request.user, token)
    if not default_storage.exists(path):
        raise Http404
    response = FileResponse(default_storage.open(path, "rb"), content_type=ledger.XLSX)
    name = _("房源台账问题报告-%(stamp)s.xlsx") % {
        "stamp": timezone.localtime().strftime("%Y%m%d-%H%M")
    }
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# -- matching -------------------------------------------------------------------------------


def matchable_regions(user) -> list[Region]:
    """The city, districts and streets the user may run matching on."""
    regions = Region.objects.visible_to(user).filter(
        level__lte=Level.TOWNSHIP, code__startswith="12"
    )
    return [r for r in regions.order_by("level", "code")[:400] if may(user, MATCHERS, r.path)]


REASONS = {
    NO_COORDINATES: _("无法匹配：中心没有坐标"),
    NO_CANDIDATE: _("最大距离内没有空闲房源"),
    NOT_CHOSEN: _("附近房源已分给缺口更大或更近的中心"),
}


@staff_required
def matching(request):
    user = request.user
    can_run = not role_scope(user, MATCHERS).is_empty()
    regions = matchable_regions(user) if can_run else []
    default = services.default_region(user) if can_run else None
    initial = {
        "region": default.code if default else "",
        "max_distance_m": services.DEFAULT_DISTANCE_M,
    }
    form = MatchingForm(request.POST or None, regions=regions, initial=initial)
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied(_("您没有运行房源匹配的权限。"))
        if form.is_valid():
            region = get_object_or_404(
                Region.objects.visible_to(user), code=form.cleaned_data["region"]
            )
            try:
                run, result = services.run_matching(
                    user, region, max_distance_m=form.cleaned_data["max_distance_m"]
                )
            except ValidationError as exc:
                _flash(request, exc)
            else:
                request.session[f"matching-unmatched-{run.pk}"] = {
                    str(k): v for k, v in result.unmatched.items()
                }
                messages.success(
                    request,
                    _("匹配完成：%(n)d 个面积不足的中心，%(p)d 条方案，可补面积 %(a)s ㎡。")
                    % {"n": run.centers_short, "p": len(result.proposals), "a": run.covered_area},
                )
                return redirect("matching_run", pk=run.pk)
    runs = list(visible_runs(user)[:10])
    latest = runs[0] if runs else None
    context = {"form": form, "can_run": can_run, "runs": runs, "latest": latest}
    if latest is not None:
        context |= _run_context(request, latest)
    return render(request, T + "matching_index.html", context)


def _run_context(request, run: MatchRun) -> dict:
    proposals = list(run_proposals(request.user, run))
    can_decide = {p.pk: may(request.user, MATCHERS, p.region_path) for p in proposals}
    for p in proposals:
        p.can_decide = can_decide[p.pk]
        # the area a center counted from premises accepted for it earlier (still short then)
        held = p.area_before - (p.center.floor_area or 0)
        p.accepted_before = held if held > 0 else None
    unmatched = []
    stored = request.session.get(f"matching-unmatched-{run.pk}")
    if stored:
        from lianxin.centers.models import Center, RuleSet

        centers = Center.objects.visible_to(request.user).in_bulk([int(k) for k in stored])
        held = services.accepted_areas(list(centers))
        rule = RuleSet.objects.in_force(run.on) if held else None
        for k, v in stored.items():
            center = centers.get(int(k))
            if center is None:
                continue
            row = {"center": center, "reason": REASONS.get(v, v), "held": ""}
            if center.pk in held and rule is not None:
                area, codes = held[center.pk]
                required = rule.required_area(center.kind, center.households) or 0
                missing = required - (center.floor_area or 0) - area
                if missing > 0:
                    row["held"] = _("已采纳房源 %(codes)s，仍缺 %(n)s ㎡") % {
                        "codes": pgettext("list separator", "、").join(codes),
                        "n": f"{missing:.2f}",
                    }
            unmatched.append(row)
    return {"run": run, "proposals": proposals, "unmatched": unmatched}


@staff_required
def matching_run(request, pk: int):
    run = get_object_or_404(visible_runs(request.user), pk=pk)
    context = {"run": run, "reject_form": RejectForm()}
    context |= _run_context(request, run)
    return render(request, T + "matching_run.html", context)


def _visible_proposal(request, pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("premises", "center", "run"),
        pk=pk,
    )


@staff_required
@require_POST
def proposal_accept(request, pk: int):
    proposal = _visible_proposal(request, pk)
    try:
        services.accept_proposal(request.user, proposal)
    except ValidationError as exc:
        _flash(request, exc)
    except ConflictError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("已采纳：房源 %(code)s 已为 %(center)s 预留。")
            % {"code": proposal.premises.code, "center": proposal.center.name},
        )
    return redirect("matching_run", pk=proposal.run_id)


@staff_required
def proposal_reject(request, pk: int):
    proposal = _visible_proposal(request, pk)
    if not may(request.user, MATCHERS, proposal.region_path):
        raise PermissionDenied(_("您没有决定匹配方案的权限。"))
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reject_proposal(request.user, proposal, form.cleaned_data["reason"])
        except ValidationError as exc:
            for name, msgs in field_errors(exc).items():
                for msg in msgs:
                    form.add_error("reason" if name == "reason" else None, msg)
        else:
            messages.success(request, _("已否决该方案，理由已记录。"))
            return redirect("matching_run", pk=proposal.run_id)
    return render(request, T + "matching_reject.html", {"proposal": proposal, "form": form})
