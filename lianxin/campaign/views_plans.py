"""The plans pages (一村一策 · 倒排工期 · 逐个销号): the campaign overview, the plan list and its
export, bulk creation, a plan with its schedule and sign-off panel, its edit, a milestone's
duration and progress report, the sign-off steps and evidence photos. Thin views: every read goes
through `visible_to`, every write through one function in `services`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.core.files import photo_response
from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import ConflictError, field_errors
from lianxin.core.tabular import xlsx_response
from lianxin.core.workdays import calendar
from lianxin.regions.models import Level as RegionLevel
from lianxin.regions.models import Region
from lianxin.regions.queries import root_regions
from lianxin.resources.queries_approvals import plan_approval
from lianxin.resources.queries_funds import plan_funds

from . import criteria, services, workflow
from .forms_plans import (
    BulkCreateForm,
    DurationForm,
    PlanForm,
    ProgressForm,
    SignOffActionForm,
    SignOffPhotoForm,
)
from .health import expected_progress, milestone_health, overdue_level
from .models import (
    Health,
    Milestone,
    Plan,
    ProgressPhoto,
    ProgressReport,
    SignOff,
    SignOffPhoto,
    SignOffStatus,
    WorksType,
)
from .queries import (
    bulk_candidates,
    campaigns,
    overview,
    pick_campaign,
    plan_export_rows,
    visible_plans,
)
from .services.plans import SCHEDULE_FIELDS, SCHEDULERS
from .services.signoff import EDITABLE_STATUSES

T = "campaign/"
RECENT_REPORTS = 10


def _visible_plan(request, pk: int) -> Plan:
    return get_object_or_404(
        Plan.objects.visible_to(request.user).select_related(
            "center__region", "leader", "campaign"
        ),
        pk=pk,
    )


def _can_edit(user, plan: Plan) -> bool:
    return Plan.objects.visible_to(user, CHANGE).filter(pk=plan.pk).exists()


def _require_edit(user, plan: Plan) -> None:
    if not _can_edit(user, plan):
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))


def _flash(request, exc: ValidationError) -> None:
    for msgs in field_errors(exc).values():
        for msg in msgs:
            messages.error(request, msg)


def _is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


# -- overview and list ---------------------------------------------------------------------------


@staff_required
def campaign_overview(request):
    today = timezone.localdate()
    choices = list(campaigns())
    campaign = pick_campaign(request.GET.get("campaign"), choices)
    context = {
        "campaign": campaign,
        "campaigns": choices,
        "today": today,
        "can_bulk": not scope_for(request.user, CHANGE).is_empty(),
    }
    if campaign is not None:
        context |= overview(request.user, campaign, today)
    return render(request, T + "overview.html", context)


def _filter_regions(user, flt):
    districts = list(Region.objects.visible_to(user).filter(level=RegionLevel.COUNTY))
    parent = flt.district or (districts[0].code if len(districts) == 1 else "")
    streets = (
        Region.objects.visible_to(user).filter(
            level=RegionLevel.TOWNSHIP, parent__code=parent.ljust(12, "0")
        )
        if parent
        else Region.objects.none()
    )
    return districts, list(streets)


@staff_required
def plan_list(request):
    today = timezone.localdate()
    flt, qs = visible_plans(request.user, request.GET, today)
    page = paginate(request, qs)
    districts, streets = _filter_regions(request.user, flt)
    template = T + "plans/_table.html" if _is_htmx(request) else T + "plans/list.html"
    return render(
        request,
        template,
        {
            "page": page,
            "flt": flt,
            "campaigns": campaigns(),
            "districts": districts,
            "streets": streets,
            "works_types": WorksType.choices,
            "healths": Health.choices,
            "today": today,
            "can_bulk": not scope_for(request.user, CHANGE).is_empty(),
        },
    )


EXPORT_HEADERS = [
    gettext_lazy("区划代码"),
    gettext_lazy("党群服务中心"),
    gettext_lazy("区"),
    gettext_lazy("街镇"),
    gettext_lazy("工程类型"),
    gettext_lazy("目标面积（㎡）"),
    gettext_lazy("预算（元）"),
    gettext_lazy("房源"),
    gettext_lazy("开工日期"),
    gettext_lazy("完成期限"),
    gettext_lazy("包保领导"),
    gettext_lazy("进度状态"),
    gettext_lazy("平均进度（%）"),
    gettext_lazy("逾期节点数"),
    gettext_lazy("销号日期"),
    gettext_lazy("备注"),
]


@staff_required
def plan_export(request):
    """ "导出 Excel" on the plan list: exactly what is listed (same filters, same scope)."""
    today = timezone.localdate()
    flt, qs = visible_plans(request.user, request.GET, today)
    headers = [str(h) for h in EXPORT_HEADERS]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = _("一村一策-%(stamp)s.xlsx") % {"stamp": stamp}
    note = (
        _("攻坚任务：%(name)s；导出时间：%(stamp)s") % {"name": flt.chosen.name, "stamp": stamp}
        if flt.chosen
        else ""
    )
    return xlsx_response(name, _("一村一策"), headers, plan_export_rows(qs, today), note=note)


# -- bulk creation -------------------------------------------------------------------------------


def _bulk_units(user):
    """The units one level below the top of the user's writable scope (districts for the city,
    streets for a district, sites' units for a street)."""
    roots = list(root_regions(user))
    return Region.objects.visible_to(user, CHANGE).filter(parent__in=roots).order_by("code")


def _within(user, code: str) -> Region | None:
    code = (code or "").strip()
    if not code:
        return None
    if not code.isdigit() or len(code) > 12:
        raise Http404
    unit = Region.objects.visible_to(user).filter(code=code.ljust(12, "0")).first()
    if unit is None:
        raise Http404
    if not Region.objects.visible_to(user, CHANGE).filter(pk=unit.pk).exists():
        raise PermissionDenied(_("该单位不在您可编辑的数据范围内。"))
    return unit


@staff_required
def plan_bulk_create(request):
    """Plans for every non-compliant site in scope, in one step: GET shows how many sites would
    get a plan, POST makes them."""
    user = request.user
    if scope_for(user, CHANGE).is_empty():
        raise PermissionDenied(_("您没有编辑权限，不能生成一村一策。"))
    today = timezone.localdate()
    data = request.POST if request.method == "POST" else request.GET
    within = _within(user, data.get("within", ""))
    latest = pick_campaign(None)
    units = list(_bulk_units(user))
    if within is not None and within not in units:
        units.append(within)
    form = BulkCreateForm(
        data if "campaign" in data else None,
        campaigns=campaigns(),
        units=units,
        today=today,
        initial={"campaign": latest.pk if latest else None},
    )
    campaign = latest
    if form.is_bound and form.is_valid():
        campaign = form.cleaned_data["campaign"]
        if request.method == "POST":
            try:
                made = services.bulk_create_plans(
                    user, campaign, within=within, deadline=form.cleaned_data["deadline"]
                )
            except ValidationError as exc:
                form.add_service_errors(field_errors(exc))
            else:
                if made:
                    messages.success(
                        request,
                        _("已为 %(n)s 个党群服务中心生成一村一策，工期已按完成期限倒排。")
                        % {"n": len(made)},
                    )
                else:
                    messages.info(request, _("没有需要生成一村一策的党群服务中心。"))
                return redirect(reverse("plan_list") + f"?campaign={campaign.pk}")
    elif form.is_bound and "campaign" in form.errors:
        campaign = None
    preview = None
    if campaign is not None:
        existing = Plan.objects.visible_to(user).filter(campaign=campaign)
        if within is not None:
            existing = existing.filter(region_path__startswith=within.path)
        preview = {
            "sites": bulk_candidates(user, campaign, within, today).count(),
            "existing": existing.count(),
        }
    return render(
        request,
        T + "plans/bulk.html",
        {"form": form, "campaign": campaign, "within": within, "preview": preview},
    )


# -- a plan --------------------------------------------------------------------------------------


def _schedule_rows(plan: Plan, today, cal):
    rows = []
    for m in plan.milestones.order_by("sort", "id"):
        overdue = overdue_level(m, today, cal) > 0
        rows.append(
            {
                "m": m,
                "colour": Health.GREEN if m.done else milestone_health(m, today, cal),
                "overdue": overdue,
                "late_days": cal.working_days_between(m.due_on, today) if overdue else 0,
                "expected": expected_progress(m, today, cal),
                "started": m.starts_on <= today,
            }
        )
    return rows


def _schedule_context(request, plan: Plan, can_edit: bool, error: str = "") -> dict:
    today = timezone.localdate()
    cal = calendar()
    rows = _schedule_rows(plan, today, cal)
    return {
        "plan": plan,
        "rows": rows,
        "today": today,
        "can_edit": can_edit,
        # The street reports progress; only the district moves the schedule.
        "can_report": can_edit and plan.signed_off_on is None,
        "can_schedule": can_edit
        and plan.signed_off_on is None
        and request.user.has_role(*SCHEDULERS),
        "unpublished": sorted(
            {
                d.year
                for row in rows
                for d in (row["m"].starts_on, row["m"].due_on)
                if not cal.is_published(d)
            }
        ),
        "schedule_error": error,
    }


def _signoff_context(request, plan: Plan, can_edit: bool, photo_form=None) -> dict:
    user = request.user
    signoff = (
        SignOff.objects.filter(plan=plan).select_related("submitted_by", "verified_by").first()
    )
    status = signoff.status if signoff else SignOffStatus.DRAFT
    results = criteria.evaluate(plan)
    actions = []
    own_submission = bool(signoff and signoff.submitted_by_id == user.pk)
    if can_edit:
        for action in workflow.allowed(status):
            if not workflow.may(user, action):
                continue
            if action == workflow.VERIFY and own_submission:
                continue
            actions.append({"code": action, "label": workflow.ACTION_LABELS[action]})
    photos = list(SignOffPhoto.objects.visible_to(user).filter(signoff=signoff)) if signoff else []
    return {
        "signoff": signoff,
        "status": status,
        "status_label": SignOffStatus(status).label,
        "criteria": results,
        "all_pass": all(c.passed for c in results),
        "actions": actions,
        "needs_reason": {workflow.RETURN, workflow.REOPEN},
        "own_submission": own_submission
        and status == SignOffStatus.SUBMITTED
        and workflow.may(user, workflow.VERIFY),
        "signoff_photos": photos,
        "photos_editable": can_edit and status in EDITABLE_STATUSES,
        "photo_form": photo_form or SignOffPhotoForm(),
    }


def _detail_context(request, plan: Plan, photo_form=None) -> dict:
    can_edit = _can_edit(request.user, plan)
    today = timezone.localdate()
    reports = list(
        ProgressReport.objects.visible_to(request.user)
        .filter(plan=plan)
        .select_related("milestone", "reported_by")
        .prefetch_related("photos")[:RECENT_REPORTS]
    )
    return {
        **_schedule_context(request, plan, can_edit),
        **_signoff_context(request, plan, can_edit, photo_form),
        "reports": reports,
        "deadline_passed": plan.signed_off_on is None and plan.deadline < today,
        # What resources holds for the site: its joint approval and its money (资金专账).
        "plan_approval": plan_approval(request.user, plan),
        "plan_funds": plan_funds(request.user, plan),
    }


@staff_required
def plan_detail(request, pk: int):
    plan = _visible_plan(request, pk)
    return render(request, T + "plans/detail.html", _detail_context(request, plan))


@staff_required
def plan_edit(request, pk: int):
    plan = _visible_plan(request, pk)
    _require_edit(request.user, plan)
    form = PlanForm(request.POST or None, instance=plan)
    if not request.user.has_role(*SCHEDULERS):
        # The street keeps the budget, premises and notes up to date; the dates it is measured
        # against are the district's (shown, not editable).
        for name in SCHEDULE_FIELDS & set(form.fields):
            form.fields[name].disabled = True
            form.fields[name].help_text = _("由区级管理员调整。")
    latest = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_plan(
                request.user,
                Plan.objects.get(pk=pk),
                form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        except ConflictError as exc:
            form.add_error(None, str(exc))
            latest = Plan.objects.select_related("leader").get(pk=pk)
        else:
            messages.success(request, _("一村一策已保存。"))
            return redirect("plan_detail", pk=pk)
    return render(
        request,
        T + "plans/edit.html",
        {"plan": plan, "form": form, "latest": latest, "changed": _changed(form, latest)},
    )


def _changed(form, latest: Plan | None) -> list[dict]:
    """After a conflict: the fields where the saved row now differs from what was typed."""
    if latest is None or not hasattr(form, "cleaned_data"):
        return []
    out = []
    for name in PlanForm.Meta.fields:
        typed = form.cleaned_data.get(name)
        saved = getattr(latest, name)
        if (typed or None) != (saved or None):
            field = Plan._meta.get_field(name)
            shown = dict(field.choices).get(saved, saved) if field.choices else saved
            out.append({"label": field.verbose_name, "saved": shown})
    return out


# -- schedule and progress -----------------------------------------------------------------------


def _visible_milestone(request, pk: int) -> Milestone:
    milestone = get_object_or_404(Milestone.objects.visible_to(request.user), pk=pk)
    milestone.plan = _visible_plan(request, milestone.plan_id)
    return milestone


@staff_required
@require_POST
def milestone_duration(request, pk: int):
    """Change one milestone's duration: the milestones before it move back, the deadline holds.
    With HTMX the re-laid schedule table comes back (an error shown inside it)."""
    milestone = _visible_milestone(request, pk)
    plan = milestone.plan
    _require_edit(request.user, plan)
    form = DurationForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.set_milestone_duration(
                request.user, milestone, form.cleaned_data["duration_days"]
            )
        except ValidationError as exc:
            error = " ".join(m for msgs in field_errors(exc).values() for m in msgs)
    else:
        error = " ".join(form.errors.get("duration_days", []))
    if _is_htmx(request):
        plan = _visible_plan(request, plan.pk)
        context = _schedule_context(request, plan, True, error)
        return render(request, T + "plans/_schedule.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("“%(m)s”的工期已改为 %(n)s 个工作日，之前的节点已重新倒排。")
            % {"m": milestone.label, "n": form.cleaned_data["duration_days"]},
        )
    return redirect(reverse("plan_detail", args=[plan.pk]) + "#schedule")


@staff_required
def milestone_progress(request, pk: int):
    """Report a milestone's progress from a phone, with photos: nothing is saved unless all of
    it is right."""
    milestone = _visible_milestone(request, pk)
    plan = milestone.plan
    _require_edit(request.user, plan)
    today = timezone.localdate()
    form = ProgressForm(
        request.POST or None,
        request.FILES or None,
        today=today,
        initial={"progress": milestone.progress, "reported_on": today},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.report_progress(
                request.user,
                Milestone.objects.select_related("plan").get(pk=pk),
                d["progress"],
                reported_on=d["reported_on"],
                note=d["note"],
                photos=d["photos"],
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(
                request,
                _("已填报“%(m)s”进度 %(p)s%%。") % {"m": milestone.label, "p": d["progress"]},
            )
            return redirect(reverse("plan_detail", args=[plan.pk]) + "#schedule")
    return render(
        request,
        T + "plans/progress.html",
        {
            "plan": plan,
            "milestone": milestone,
            "milestones": plan.milestones.order_by("sort", "id"),
            "form": form,
            "today": today,
            "photos_dropped": request.method == "POST" and bool(request.FILES),
        },
    )


# -- sign-off ------------------------------------------------------------------------------------


@staff_required
@require_POST
def signoff_action(request, pk: int):
    plan = _visible_plan(request, pk)
    _require_edit(request.user, plan)
    form = SignOffActionForm(request.POST)
    back = redirect(reverse("plan_detail", args=[pk]) + "#signoff")
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return back
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    steps = {
        workflow.SUBMIT: lambda: services.submit_signoff(
            request.user, plan, note=form.cleaned_data["note"]
        ),
        workflow.VERIFY: lambda: services.verify_signoff(request.user, plan),
        workflow.RETURN: lambda: services.return_signoff(request.user, plan, reason),
        workflow.REOPEN: lambda: services.reopen_signoff(request.user, plan, reason),
    }
    try:
        steps[action]()
    except ValidationError as exc:
        messages.error(
            request,
            _("未能%(a)s，未作任何更改：") % {"a": workflow.ACTION_LABELS[action]},
        )
        _flash(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有权限执行该操作。"))
    else:
        done = {
            workflow.SUBMIT: _("已提交销号，等待区级核验。"),
            workflow.VERIFY: _("已核验销号：该中心改造验收通过。"),
            workflow.RETURN: _("已退回销号申请。"),
            workflow.REOPEN: _("已重新打开销号，该中心重新纳入攻坚。"),
        }
        messages.success(request, done[action])
    return back


@staff_required
@require_POST
def signoff_photo(request, pk: int):
    plan = _visible_plan(request, pk)
    _require_edit(request.user, plan)
    form = SignOffPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_signoff_photo(
                request.user, plan, form.cleaned_data["kind"], form.cleaned_data["image"]
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("佐证照片已上传。"))
            return redirect(reverse("plan_detail", args=[pk]) + "#signoff")
    context = _detail_context(request, plan, photo_form=form)
    return render(request, T + "plans/detail.html", context, status=422)


# Served through this view, never from MEDIA_URL: a photo is readable only by users whose scope
# covers its site.
PHOTO_MODELS = {"progress": ProgressPhoto, "signoff": SignOffPhoto}


@staff_required
def campaign_photo(request, kind: str, pk: int):
    model = PHOTO_MODELS.get(kind)
    if model is None:
        raise Http404
    return photo_response(model.objects.visible_to(request.user), pk)
