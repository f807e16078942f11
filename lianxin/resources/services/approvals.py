"""Joint review (联合审查审批 · 以函代证): one function per write.

- `submit`: a district, street or the city applies for a plan; every chosen department is asked
  in parallel, each with its own time limit in working days; its members are told. Which plans
  may be applied for is one rule, `applicable` (also used by the picker and the plan's panel).
- `give_opinion`: a member of the department, inside the region they serve, gives its opinion
  (final for the round); the case's status follows from the opinions (`approvals_status.overall`).
  An approval completes the plan's 联合审批 milestone; a return or rejection tells the applicant.
- `resubmit`: a returned case comes back as a new round; the departments that asked for changes
  are asked again with fresh deadlines, the approvals already given stand.
- `withdraw`: the applicant withdraws an open case.
- `escalate`: each morning, opinions overdue and 3× overdue are raised once per level, to the
  department's members and the district's administrators.

Every write checks its permission (a row outside the actor's view scope is a 404, a role that
may not take the step a 403), runs in one transaction, is audited and notifies inside it (the
e-mails go out after commit).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import RoleAssignment
from lianxin.campaign.models import Milestone, Plan, ProgressReport
from lianxin.core import audit
from lianxin.core.db import write_rows
from lianxin.core.models import NotificationLevel
from lianxin.core.notifications import notify
from lianxin.core.scoping import path_and_ancestors
from lianxin.core.workdays import WorkingCalendar, calendar

from .. import permissions
from ..approvals_status import APPROVED, OPEN, is_approved, opinion_overdue_level, overall
from ..models import (
    ApprovalCase,
    ApprovalStatus,
    Decision,
    Department,
    DepartmentMember,
    Opinion,
    OpinionAttachment,
)

APPROVAL_MILESTONE = "approval"
GIVEN = (Decision.APPROVE, Decision.CONDITIONS, Decision.RETURN, Decision.REJECT)
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# What an opinion may carry: the letter or document as PDF, OFD or Office file, or a photo/scan.
ATTACHMENT_TYPES = {
    ".pdf": (b"%PDF",),
    ".ofd": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG",),
}


# -- helpers --------------------------------------------------------------------------------------


def members_for(departments, path: str):
    """The members of `departments` whose region covers `path`."""
    return DepartmentMember.objects.filter(
        department__in=departments, region_path__in=path_and_ancestors(path), user__is_active=True
    ).select_related("user", "department")


def is_member(user, department, path: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return DepartmentMember.objects.filter(
        user=user, department=department, region_path__in=path_and_ancestors(path)
    ).exists()


def _visible(model, actor, pk: int):
    """The row if the actor may see it, else 404 (never tell it exists)."""
    row = model.objects.visible_to(actor).filter(pk=pk).first()
    if row is None:
        raise Http404(_("未找到，或不在您的数据范围内。"))
    return row


def _require_applicant(actor, path: str) -> None:
    permissions.require(actor, permissions.APPROVAL_APPLICANTS, path)


def _url(case: ApprovalCase) -> str:
    return reverse("approval_detail", args=[case.pk])


def _due(cal: WorkingCalendar, day: date, department: Department) -> date:
    return cal.add_working_days(day, max(department.time_limit_days, 1))


def _district_admins(plan: Plan) -> list:
    return [
        a.user
        for a in RoleAssignment.objects.filter(
            role__code="district_admin", region__code=plan.district_code
        ).select_related("user")
    ]


def _save_case(case: ApprovalCase, fields: list[str]) -> None:
    case.version += 1
    case.updated_at = timezone.now()
    case.save(update_fields=[*fields, "version", "updated_at"])


def check_attachment(upload) -> None:
    name = getattr(upload, "name", "") or ""
    ext = os.path.splitext(name)[1].lower()
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"attachments": [_("“%(name)s”超过 20 MB。") % {"name": name}]})
    head = upload.read(8)
    upload.seek(0)
    signatures = ATTACHMENT_TYPES.get(ext)
    if not signatures or not any(head.startswith(s) for s in signatures):
        raise ValidationError(
            {
                "attachments": [
                    _("“%(name)s”不是 PDF、OFD、Word、Excel 文件或 JPEG、PNG 图片，或文件已损坏。")
                    % {"name": name}
                ]
            }
        )


# -- which plans may be applied for ----------------------------------------------------------------


def applicable(plans: QuerySet) -> QuerySet:
    """The one rule of who may be applied for (the picker, the plan's panel and `submit` all use
    it): a plan not signed off, without an open case (under review or returned) and without a
    case that passed (approved, with or without conditions). A rejected or withdrawn case may be
    followed by a new one."""
    blocking = ApprovalCase.objects.filter(plan=OuterRef("pk"), status__in=(*OPEN, *APPROVED))
    return plans.filter(signed_off_on__isnull=True).exclude(Exists(blocking))


def application_blocker(plan: Plan) -> str | None:
    """None when `plan` may be applied for (`applicable`), else why not, in words."""
    if applicable(Plan.objects.filter(pk=plan.pk)).exists():
        return None
    if Plan.objects.filter(pk=plan.pk, signed_off_on__isnull=False).exists():
        return _("该中心已销号，不能再申报联合审批。")
    cases = ApprovalCase.objects.filter(plan=plan)
    if cases.filter(status__in=OPEN).exists():
        return _("该建设方案已有办理中的联合审批。")
    if cases.filter(status__in=APPROVED).exists():
        return _("该建设方案的联合审批已通过，不能重复申报。")
    return _("该建设方案不能申报联合审批。")


# -- submit ---------------------------------------------------------------------------------------


def _departments(departments) -> list[Department]:
    if departments is None:
        chosen = list(Department.objects.filter(active=True))
    else:
        chosen, seen = [], set()
        for d in departments:
            dept = d if isinstance(d, Department) else Department.objects.filter(code=d).first()
            if dept is None:
                raise ValidationError({"departments": [_("未知的联审部门：%(d)s") % {"d": d}]})
            if not dept.active:
                raise ValidationError(
                    {"departments": [_("“%(d)s”已停用，不能送审。") % {"d": dept}]}
                )
            if dept.pk not in seen:
                seen.add(dept.pk)
                chosen.append(dept)
    if not chosen:
        raise ValidationError({"departments": [_("请至少选择一个联审部门。")]})
    return sorted(chosen, key=lambda d: (d.sort, d.pk))


def submit(
    actor,
    plan: Plan,
    departments: Iterable | None = None,
    title: str = "",
    description: str = "",
    *,
    today: date | None = None,
) -> ApprovalCase:
    """Apply for joint review of `plan`: one opinion asked of each chosen active department
    (all active ones by default), due after its time limit in working days."""
    plan = _visible(Plan, actor, plan.pk)
    _require_applicant(actor, plan.region_path)
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    title = (title or "").strip() or _("%(site)s建设方案联合审查") % {"site": plan.center.name}
    if len(title) > 160:
        errors["title"] = [_("事项名称不能超过 160 个字。")]
    blocker = application_blocker(plan)
    if blocker:
        errors["plan"] = [blocker]
    try:
        chosen = _departments(departments)
    except ValidationError as exc:
        errors |= exc.message_dict
    if errors:
        raise ValidationError(errors)
    cal = calendar()
    try:
        with transaction.atomic():
            case = ApprovalCase.objects.create(
                plan=plan,
                region_path=plan.region_path,
                title=title,
                description=(description or "").strip(),
                submitted_on=today,
                submitted_by=actor,
            )
            Opinion.objects.bulk_create(
                [
                    Opinion(
                        case=case,
                        department=d,
                        region_path=plan.region_path,
                        round=1,
                        requested_on=today,
                        due_on=_due(cal, today, d),
                    )
                    for d in chosen
                ]
            )
            audit.record(
                actor,
                "approval_submit",
                case,
                changes={
                    "status": [None, case.status],
                    "departments": [None, [d.code for d in chosen]],
                },
                note=str(plan),
            )
            notify(
                [m.user for m in members_for(chosen, plan.region_path)],
                _("【联合审批】%(title)s 待出具意见") % {"title": case.title},
                _("%(site)s 申报联合审批，请在办理期限内出具部门意见。")
                % {"site": plan.center.name},
                url=_url(case),
                target=case,
            )
    except IntegrityError:  # another submission of the same plan won the race
        raise ValidationError({"plan": [_("该建设方案已有办理中的联合审批。")]}) from None
    return case


# -- opinions -------------------------------------------------------------------------------------


def _opinion_errors(
    opinion: Opinion,
    decision: str,
    comment: str,
    conditions: str,
    letter_in_lieu: bool,
    letter_no: str,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if decision not in GIVEN:
        errors["decision"] = [_("请选择意见：同意、附条件同意、退回修改或不同意。")]
        return errors
    if decision == Decision.CONDITIONS and not conditions:
        errors["conditions"] = [_("附条件同意须写明附加条件。")]
    if decision in (Decision.RETURN, Decision.REJECT) and not comment:
        errors["comment"] = [_("退回修改或不同意须写明理由。")]
    if letter_in_lieu:
        if not opinion.department.may_issue_letter:
            errors["letter_in_lieu"] = [_("%(d)s不能以函代证。") % {"d": opinion.department}]
        elif decision not in (Decision.APPROVE, Decision.CONDITIONS):
            errors["letter_in_lieu"] = [_("只有同意或附条件同意时才能以函代证。")]
        elif not letter_no:
            errors["letter_no"] = [_("以函代证须填写函件文号。")]
    return errors


def give_opinion(
    actor,
    opinion: Opinion,
    decision: str,
    comment: str = "",
    conditions: str = "",
    letter_in_lieu: bool = False,
    letter_no: str = "",
    permit_replaced: str = "",
    attachments: Iterable = (),
    *,
    today: date | None = None,
) -> Opinion:
    """A department's opinion on a case, given by one of its members whose region covers the
    case; final for the round. The case's status follows."""
    opinion = _visible(Opinion, actor, opinion.pk)
    case = opinion.case
    department = opinion.department
    if not is_member(actor, department, case.region_path):
        raise PermissionDenied(
            _("只有%(d)s负责该地区的联审人员可以出具此意见。") % {"d": department}
        )
    today = today or timezone.localdate()
    comment, conditions = (comment or "").strip(), (conditions or "").strip()
    letter_no, permit_replaced = (letter_no or "").strip(), (permit_replaced or "").strip()
    letter_in_lieu = bool(letter_in_lieu)
    errors = _opinion_errors(opinion, decision, comment, conditions, letter_in_lieu, letter_no)
    if len(letter_no) > 80:
        errors["letter_no"] = [_("函件文号不能超过 80 个字。")]
    if len(permit_replaced) > 80:
        errors["permit_replaced"] = [_("所代证件不能超过 80 个字。")]
    attachments = list(attachments)
    if len(attachments) > MAX_ATTACHMENTS:
        errors["attachments"] = [_("每份意见最多 %(n)s 个附件。") % {"n": MAX_ATTACHMENTS}]
    if errors:
        raise ValidationError(errors)
    for upload in attachments:
        check_attachment(upload)
    with transaction.atomic():
        case = ApprovalCase.objects.select_for_update().get(pk=case.pk)
        if case.status not in OPEN:
            raise ValidationError(
                _("该联合审批已%(s)s，不能再出具意见。") % {"s": case.get_status_display()}
            )
        fields = [
            "decision",
            "comment",
            "conditions",
            "letter_in_lieu",
            "letter_no",
            "permit_replaced",
            "decided_on",
            "decided_by_id",
        ]
        current = Opinion.objects.select_for_update().get(pk=opinion.pk)
        before = audit.snapshot(current, fields)
        values = {
            "decision": decision,
            "comment": comment,
            "conditions": conditions if decision == Decision.CONDITIONS else "",
            "letter_in_lieu": letter_in_lieu,
            "letter_no": letter_no if letter_in_lieu else "",
            "permit_replaced": (permit_replaced or department.permit_name)
            if letter_in_lieu
            else "",
            "decided_on": today,
            "decided_by": actor,
        }
        # Final for the round: the update only takes while the opinion is still pending (a
        # colleague's opinion given meanwhile wins).
        taken = Opinion.objects.filter(pk=opinion.pk, decision=Decision.PENDING).update(**values)
        if not taken:
            raise ValidationError(_("%(d)s本轮意见已出具，不能修改。") % {"d": department})
        current.refresh_from_db()
        for upload in attachments:
            OpinionAttachment(
                opinion=current,
                region_path=current.region_path,
                file=upload,
                original_name=os.path.basename(upload.name)[:200],
                uploaded_by=actor,
            ).save()
        changes = audit.diff(before, audit.snapshot(current, fields))
        if attachments:
            changes["attachments"] = [None, [os.path.basename(u.name) for u in attachments]]
        audit.record(actor, "approval_opinion", current, changes=changes, note=case.title)
        _follow(actor, case, today)
    return current


def _follow(actor, case: ApprovalCase, today: date) -> None:
    """Recompute the case's status from its opinions and act on a change."""
    decisions = list(case.opinions.values_list("decision", flat=True))
    status = overall(decisions)
    if status == case.status:
        return
    tracked = ["status", "concluded_on"]
    before = audit.snapshot(case, tracked)
    case.status = status
    fields = ["status"]
    if is_approved(status) or status == ApprovalStatus.REJECTED:
        case.concluded_on = today
        fields.append("concluded_on")
    _save_case(case, fields)
    audit.record(
        actor,
        "approval_status",
        case,
        changes=audit.diff(before, audit.snapshot(case, tracked)),
    )
    plan = case.plan
    if is_approved(status):
        _complete_milestone(actor, case, today)
        title = _("【联合审批】%(title)s 已通过") % {"title": case.title}
        level = NotificationLevel.INFO
    elif status == ApprovalStatus.REJECTED:
        title = _("【联合审批】%(title)s 不予通过") % {"title": case.title}
        level = NotificationLevel.DANGER
    elif status == ApprovalStatus.RETURNED:
        title = _("【联合审批】%(title)s 被退回修改") % {"title": case.title}
        level = NotificationLevel.WARNING
    else:
        return
    notify(
        [case.submitted_by],
        title,
        _("%(site)s：%(status)s。")
        % {"site": plan.center.name, "status": case.get_status_display()},
        url=_url(case),
        level=level,
        target=case,
    )


def _complete_milestone(actor, case: ApprovalCase, today: date) -> Milestone | None:
    """The plan's 联合审批 milestone is done the day the case is approved (reported at 100 % as
    the campaign's progress reports are, audited, the plan recoloured)."""
    from lianxin.campaign.services import refresh_health

    plan = Plan.objects.select_for_update().get(pk=case.plan_id)
    if plan.signed_off_on is not None:
        return None
    milestone = plan.milestones.filter(code=APPROVAL_MILESTONE).first()
    if milestone is None or milestone.completed_on is not None:
        return milestone
    fields = ["progress", "completed_on"]
    before = audit.snapshot(milestone, fields)
    note = _("联合审批通过：%(title)s") % {"title": case.title}
    ProgressReport.objects.create(
        milestone=milestone,
        plan=plan,
        region_path=plan.region_path,
        progress=100,
        reported_on=today,
        note=note[:300],
        reported_by=actor,
    )
    milestone.progress, milestone.completed_on = 100, today
    milestone.save(update_fields=fields)
    refresh_health(Plan.objects.filter(pk=plan.pk))
    audit.record(
        actor,
        "report_progress",
        milestone,
        changes=audit.diff(before, audit.snapshot(milestone, fields)),
        note=f"{plan} 100% {note}"[:300],
    )
    return milestone


# -- resubmit and withdraw ------------------------------------------------------------------------


def _locked_case(actor, case: ApprovalCase) -> ApprovalCase:
    case = _visible(ApprovalCase, actor, case.pk)
    _require_applicant(actor, case.region_path)
    return ApprovalCase.objects.select_for_update().select_related("plan__center").get(pk=case.pk)


def resubmit(actor, case: ApprovalCase, note: str = "", *, today: date | None = None):
    """A returned case, changed as asked, comes back as round n+1: the departments that returned
    it are asked again with fresh deadlines; the approvals already given stand."""
    today = today or timezone.localdate()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("请说明按意见作了哪些修改。")]})
    if len(note) > 300:
        raise ValidationError({"note": [_("说明不能超过 300 个字。")]})
    cal = calendar()
    with transaction.atomic():
        case = _locked_case(actor, case)
        if case.status != ApprovalStatus.RETURNED:
            raise ValidationError(
                _("只有退回修改的联合审批可以重新报送（当前：%(s)s）。")
                % {"s": case.get_status_display()}
            )
        before = {"status": case.status, "round": case.round}
        case.round += 1
        returned = list(
            case.opinions.select_for_update()
            .filter(decision=Decision.RETURN)
            .select_related("department")
        )
        for o in returned:
            o.decision = Decision.PENDING
            o.round = case.round
            o.requested_on = today
            o.due_on = _due(cal, today, o.department)
            o.comment = o.conditions = ""
            o.decided_on, o.decided_by, o.escalation = None, None, 0
            o.save(
                update_fields=[
                    "decision",
                    "round",
                    "requested_on",
                    "due_on",
                    "comment",
                    "conditions",
                    "decided_on",
                    "decided_by",
                    "escalation",
                ]
            )
        case.status = overall(case.opinions.values_list("decision", flat=True))
        _save_case(case, ["status", "round"])
        audit.record(
            actor,
            "approval_resubmit",
            case,
            changes={
                "status": [before["status"], case.status],
                "round": [before["round"], case.round],
                "departments": [None, [o.department.code for o in returned]],
            },
            note=note,
        )
        notify(
            [m.user for m in members_for([o.department for o in returned], case.region_path)],
            _("【联合审批】%(title)s 已重新报送（第 %(n)s 轮）")
            % {"title": case.title, "n": case.round},
            note,
            url=_url(case),
            target=case,
        )
    return case


def withdraw(actor, case: ApprovalCase, note: str = "", *, today: date | None = None):
    today = today or timezone.localdate()
    with transaction.atomic():
        case = _locked_case(actor, case)
        if case.status not in OPEN:
            raise ValidationError(
                _("该联合审批已%(s)s，不能撤回。") % {"s": case.get_status_display()}
            )
        before = case.status
        case.status, case.concluded_on = ApprovalStatus.WITHDRAWN, today
        _save_case(case, ["status", "concluded_on"])
        audit.record(
            actor,
            "approval_withdraw",
            case,
            changes={"status": [before, case.status], "concluded_on": [None, today.isoformat()]},
            note=(note or "")[:300],
        )
        pending = list(case.opinions.filter(decision=Decision.PENDING).select_related("department"))
        notify(
            [m.user for m in members_for([o.department for o in pending], case.region_path)],
            _("【联合审批】%(title)s 已撤回") % {"title": case.title},
            (note or "")[:300],
            url=_url(case),
            target=case,
        )
    return case


def recompute_opinion_dues(cal: WorkingCalendar | None = None) -> int:
    """Lay the deadline of every pending opinion again over the calendar in force (after an
    administrator corrected it), in bulk. Returns the number of opinions whose deadline moved."""
    cal = cal or calendar()
    moved = []
    pending = Opinion.objects.filter(decision=Decision.PENDING).select_related("department")
    for o in pending.only("pk", "requested_on", "due_on", "department__time_limit_days"):
        due = _due(cal, o.requested_on, o.department)
        if due != o.due_on:
            o.due_on = due
            moved.append(o)
    write_rows(Opinion, moved, ["due_on"])
    return len(moved)


# -- escalation -----------------------------------------------------------------------------------


def escalate(today: date | None = None) -> dict[str, int]:
    """Each morning: every opinion still pending on a case under review that has become overdue
    (level 1) or 3× overdue (level 2) is raised, once per level, to its department's members
    covering the case and the district's administrators. Idempotent for a day."""
    today = today or timezone.localdate()
    cal = calendar()
    late = (
        Opinion.objects.filter(
            decision=Decision.PENDING,
            case__status=ApprovalStatus.REVIEWING,
            due_on__lt=today,
            escalation__lt=2,
        )
        .select_related("case__plan__center", "department")
        .order_by("due_on", "pk")
    )
    todo = []
    for o in late:
        level = opinion_overdue_level(o, today, cal)
        if level > o.escalation:
            todo.append((o, level))
    sent = {"overdue": 0, "overdue_3x": 0}
    admins: dict[str, list] = {}
    with transaction.atomic():
        for o, level in todo:
            # Raised only if no other run raised it meanwhile (the conditional update).
            if not Opinion.objects.filter(pk=o.pk, escalation__lt=level).update(escalation=level):
                continue
            case, plan = o.case, o.case.plan
            if plan.district_code not in admins:
                admins[plan.district_code] = _district_admins(plan)
            recipients = [m.user for m in members_for([o.department], case.region_path)]
            recipients += admins[plan.district_code]
            days = cal.working_days_between(o.due_on, today)
            title = (
                _("【联审严重逾期】%(d)s对“%(title)s”的意见已逾期 %(n)s 个工作日（超过时限 3 倍）")
                if level == 2
                else _("【联审逾期】%(d)s对“%(title)s”的意见已逾期 %(n)s 个工作日")
            ) % {"d": o.department, "title": case.title, "n": days}
            notify(
                recipients,
                title,
                _("送审 %(req)s，办理期限 %(due)s。") % {"req": o.requested_on, "due": o.due_on},
                url=_url(case),
                level=NotificationLevel.DANGER if level == 2 else NotificationLevel.WARNING,
                target=o,
            )
            audit.record(
                None,
                "approval_escalate",
                o,
                changes={"escalation": [o.escalation, level]},
                note=case.title,
            )
            sent["overdue_3x" if level == 2 else "overdue"] += 1
    return sent
