"""Joint review pages (联合审查审批 · 以函代证): the case list and its export, a reviewer's queue
(待我出具), applying for a plan, a case with its opinions and timeline, giving an opinion,
resubmitting or withdrawing a case, an opinion's attachment. Thin views: every read goes through
`visible_to`, every write through one function in `services.approvals`."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lianxin.campaign.models import Plan
from lianxin.core.permissions import paginate, staff_required
from lianxin.core.services import field_errors
from lianxin.core.tabular import xlsx_response

from . import queries_approvals as q
from .approvals_status import APPROVED, OPEN
from .forms_approvals import OpinionForm, ResubmitForm, SubmitForm, WithdrawForm
from .models import ApprovalCase, ApprovalStatus, Decision, Opinion, OpinionAttachment
from .services import approvals as services

T = "resources/"


def _is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


def _flash(request, exc: ValidationError) -> None:
    for msgs in field_errors(exc).values():
        for msg in msgs:
            messages.error(request, msg)


def _visible_case(request, pk: int) -> ApprovalCase:
    return get_object_or_404(
        ApprovalCase.objects.visible_to(request.user).select_related(
            "plan__center__region", "plan__campaign", "submitted_by"
        ),
        pk=pk,
    )


# -- list, export, queue --------------------------------------------------------------------------


@staff_required
def approval_list(request):
    today = timezone.localdate()
    flt, qs = q.visible_cases(request.user, request.GET, today)
    page = paginate(request, qs)
    page.object_list = q.mark_late_given(page.object_list)
    context = {
        "page": page,
        "flt": flt,
        "today": today,
        "statuses": ApprovalStatus.choices,
        "districts": q.districts(request.user),
        "departments": q.departments(),
        "queue_count": q.my_queue(request.user).count(),
        "can_apply": q.applicable_plans(request.user).exists(),
    }
    template = T + "approvals_table.html" if _is_htmx(request) else T + "approvals_list.html"
    return render(request, template, context)


@staff_required
def approval_export(request):
    """ "导出 Excel": exactly what is listed (same filters, same scope), one row per opinion."""
    today = timezone.localdate()
    _flt, qs = q.visible_cases(request.user, request.GET, today)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(
        _("联合审批-%(stamp)s.xlsx") % {"stamp": stamp},
        _("联合审批"),
        [str(h) for h in q.EXPORT_HEADERS],
        q.export_rows(qs),
        note=_("导出时间：%(stamp)s") % {"stamp": stamp},
    )


@staff_required
def approval_queue(request):
    today = timezone.localdate()
    return render(
        request,
        T + "approvals_queue.html",
        {
            "rows": q.queue_rows(request.user, today),
            "memberships": q.memberships(request.user),
            "today": today,
        },
    )


# -- applying -------------------------------------------------------------------------------------


@staff_required
def approval_new(request):
    """From a plan (?plan=<id>): the departments to ask, the matter and what is applied for.
    Without a plan: the plans in scope waiting for approval, to pick one."""
    user = request.user
    plan_id = (request.POST.get("plan") or request.GET.get("plan") or "").strip()
    if not plan_id:
        plans = q.applicable_plans(user, request.GET.get("q", ""))
        return render(
            request,
            T + "approvals_pick.html",
            {
                "page": paginate(request, plans, 20),
                "q_text": request.GET.get("q", ""),
                "qs": urlencode({"q": request.GET["q"]}) if request.GET.get("q") else "",
            },
        )
    if not plan_id.isdigit():
        raise Http404
    plan = get_object_or_404(
        Plan.objects.visible_to(user).select_related("center__region", "campaign"), pk=plan_id
    )
    if not q.can_apply(user, plan):
        raise PermissionDenied(_("您没有申报联合审批的权限。"))
    form = SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.submit(
                user,
                plan,
                form.cleaned_data["departments"],
                form.cleaned_data["title"],
                form.cleaned_data["description"],
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("已送各联审部门并联审查。"))
            return redirect("approval_detail", pk=case.pk)
    blocker = services.application_blocker(plan)
    existing = (
        ApprovalCase.objects.visible_to(user)
        .filter(plan=plan, status__in=(*OPEN, *APPROVED))
        .order_by("-submitted_on", "-pk")
        .first()
        if blocker
        else None
    )
    return render(
        request,
        T + "approvals_new.html",
        {
            "plan": plan,
            "form": form,
            "blocker": blocker,
            "existing": existing,
            "today": timezone.localdate(),
        },
    )


# -- a case ---------------------------------------------------------------------------------------


def _detail_context(request, case: ApprovalCase, **extra) -> dict:
    today = timezone.localdate()
    user = request.user
    rows = q.opinion_rows(user, case, today)
    may_apply = q.can_apply(user, case.plan)
    return {
        "case": case,
        "rows": rows,
        "today": today,
        "timeline": q.timeline(case),
        "letters": [r for r in rows if r["o"].letter_in_lieu],
        "conditions": [r for r in rows if r["o"].conditions],
        "milestone": case.plan.milestones.filter(code=services.APPROVAL_MILESTONE).first(),
        "can_resubmit": may_apply and case.status == ApprovalStatus.RETURNED,
        "can_withdraw": may_apply and case.status in OPEN,
        "resubmit_form": extra.get("resubmit_form") or ResubmitForm(),
        "withdraw_form": WithdrawForm(),
        "decided": sum(1 for r in rows if r["o"].decision != Decision.PENDING),
    }


@staff_required
def approval_detail(request, pk: int):
    case = _visible_case(request, pk)
    return render(request, T + "approvals_detail.html", _detail_context(request, case))


@staff_required
@require_POST
def approval_resubmit(request, pk: int):
    case = _visible_case(request, pk)
    form = ResubmitForm(request.POST)
    if form.is_valid():
        try:
            services.resubmit(request.user, case, form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("已重新报送，退回修改的部门将重新出具意见。"))
            return redirect("approval_detail", pk=pk)
    for errs in form.errors.values():
        for e in errs:
            messages.error(request, e)
    return redirect("approval_detail", pk=pk)


@staff_required
@require_POST
def approval_withdraw(request, pk: int):
    case = _visible_case(request, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.withdraw(request.user, case, form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("联合审批已撤回。"))
    return redirect("approval_detail", pk=pk)


# -- an opinion -----------------------------------------------------------------------------------


@staff_required
def opinion_give(request, pk: int):
    user = request.user
    opinion = get_object_or_404(
        Opinion.objects.visible_to(user).select_related(
            "department", "case__plan__center__region", "case__plan__campaign"
        ),
        pk=pk,
    )
    case = opinion.case
    if not services.is_member(user, opinion.department, case.region_path):
        raise PermissionDenied(
            _("只有%(d)s负责该地区的联审人员可以出具此意见。") % {"d": opinion.department}
        )
    if opinion.decision != Decision.PENDING or case.status not in OPEN:
        messages.info(request, _("该意见已出具或联合审批已办结。"))
        return redirect("approval_detail", pk=case.pk)
    form = OpinionForm(request.POST or None, request.FILES or None, department=opinion.department)
    if request.method == "POST" and form.is_valid():
        try:
            services.give_opinion(user, opinion, **form.service_kwargs())
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("意见已出具。"))
            return redirect(reverse("approval_detail", args=[case.pk]) + "#opinions")
    today = timezone.localdate()
    return render(
        request,
        T + "approvals_opinion.html",
        {
            "opinion": opinion,
            "case": case,
            "form": form,
            "today": today,
            "rows": q.opinion_rows(user, case, today),
        },
    )


@staff_required
def opinion_attachment(request, pk: int):
    attachment = get_object_or_404(OpinionAttachment.objects.visible_to(request.user), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
