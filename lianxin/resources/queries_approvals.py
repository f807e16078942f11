"""The read side of joint review: the case list with its filters (pages, export, API), a case
with its opinions and timeline, a reviewer's queue (待我出具), the plans one may apply for and
the panel on a plan's page. Every read goes through `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.campaign.models import Milestone, Plan
from lianxin.campaign.queries import overdue_cutoff
from lianxin.core.models import AuditLog
from lianxin.core.scoping import path_and_ancestors
from lianxin.core.workdays import calendar
from lianxin.regions.models import Level as RegionLevel
from lianxin.regions.models import Region

from . import permissions
from .approvals_status import OPEN, late_given_days, opinion_overdue_level
from .models import (
    ApprovalCase,
    ApprovalStatus,
    Decision,
    Department,
    DepartmentMember,
    Opinion,
    OpinionAttachment,
)
from .services.approvals import APPROVAL_MILESTONE, applicable

SORTS = {
    "submitted": "submitted_on",
    "title": "title",
    "center": "plan__center__name",
    "status": "status",
    "due": "next_due",
    "overdue": "n_overdue",
    "concluded": "concluded_on",
}


def pending_overdue(cutoff: date, prefix: str = "") -> Q:
    """Opinions (or, with a prefix, a case's opinions) still pending past their due day by a
    working day or more (as `approvals_status.overdue_level` counts) on a case under review."""
    return Q(**{f"{prefix}decision": Decision.PENDING, f"{prefix}due_on__lt": cutoff})


def departments() -> QuerySet:
    return Department.objects.filter(active=True).order_by("sort", "id")


@dataclass
class ApprovalFilter:
    q: str = ""
    status: str = ""
    district: str = ""
    department: str = ""
    overdue: str = ""  # "1": with an opinion past its due day
    letter: str = ""  # "1": with a letter in lieu of a permit
    sort: str = "-submitted"

    FIELDS = ("q", "status", "district", "department", "overdue", "letter")

    @classmethod
    def from_params(cls, params) -> ApprovalFilter:
        values = {k: (params.get(k) or "").strip()[:60] for k in (*cls.FIELDS, "sort")}
        flt = cls(**values)
        flt.sort = flt.sort if flt.sort.lstrip("-") in SORTS else "-submitted"
        if flt.status not in ApprovalStatus.values and flt.status != "open":
            flt.status = ""
        if not flt.district.isdigit():
            flt.district = ""
        if flt.overdue != "1":
            flt.overdue = ""
        if flt.letter != "1":
            flt.letter = ""
        return flt

    def apply(self, qs: QuerySet, today: date) -> QuerySet:
        cutoff = overdue_cutoff(today)
        if self.q:
            text = self.q.lower()
            qs = qs.filter(
                Q(title__icontains=self.q)
                | Q(plan__center__search_text__icontains=text)
                | Q(plan__center__region__code__startswith=text)
            )
        if self.status == "open":
            qs = qs.filter(status__in=OPEN)
        elif self.status:
            qs = qs.filter(status=self.status)
        if self.district:
            qs = qs.filter(plan__district_code=self.district.ljust(12, "0"))
        if self.department:
            qs = qs.filter(
                Exists(
                    Opinion.objects.filter(case=OuterRef("pk"), department__code=self.department)
                )
            )
        late = Opinion.objects.filter(
            pending_overdue(cutoff), case=OuterRef("pk"), case__status=ApprovalStatus.REVIEWING
        )
        if self.overdue:
            qs = qs.filter(Exists(late))
        if self.letter:
            qs = qs.filter(Exists(Opinion.objects.filter(case=OuterRef("pk"), letter_in_lieu=True)))
        qs = qs.annotate(
            n_opinions=Count("opinions", distinct=True),
            n_given=Count(
                "opinions", filter=~Q(opinions__decision=Decision.PENDING), distinct=True
            ),
            n_overdue=Count(
                "opinions",
                filter=pending_overdue(cutoff, "opinions__") & Q(status=ApprovalStatus.REVIEWING),
                distinct=True,
            ),
            n_letters=Count("opinions", filter=Q(opinions__letter_in_lieu=True), distinct=True),
            next_due=Min("opinions__due_on", filter=Q(opinions__decision=Decision.PENDING)),
        )
        key = self.sort.lstrip("-")
        direction = "-" if self.sort.startswith("-") else ""
        return qs.order_by(direction + SORTS[key], "-pk")

    def querystring(self, **override) -> str:
        values = {k: getattr(self, k) for k in (*self.FIELDS, "sort")} | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_cases(user, params, today: date) -> tuple[ApprovalFilter, QuerySet]:
    flt = ApprovalFilter.from_params(params)
    qs = ApprovalCase.objects.visible_to(user).select_related(
        "plan__center__region", "submitted_by"
    )
    return flt, flt.apply(qs, today)


def mark_late_given(cases) -> list[ApprovalCase]:
    """Set `n_late_given` on each of `cases` (a page): how many of its opinions were given a
    working day or more after their due day (`approvals_status.late_given_days`). One query."""
    cases = list(cases)
    cal = calendar()
    late: dict[int, int] = {}
    for case_id, due_on, decided_on in Opinion.objects.filter(
        case_id__in=[c.pk for c in cases], decided_on__gt=F("due_on")
    ).values_list("case_id", "due_on", "decided_on"):
        if late_given_days(decided_on, due_on, cal):
            late[case_id] = late.get(case_id, 0) + 1
    for c in cases:
        c.n_late_given = late.get(c.pk, 0)
    return cases


def districts(user) -> list[Region]:
    return list(Region.objects.visible_to(user).filter(level=RegionLevel.COUNTY).order_by("code"))


def export_rows(qs: QuerySet):
    """One row per department opinion of the listed cases (a case without opinions: one row)."""
    cases = list(qs)
    names = Region.objects.names({c.plan.district_code for c in cases})
    by_case: dict[int, list[Opinion]] = {c.pk: [] for c in cases}
    for o in (
        Opinion.objects.filter(case_id__in=list(by_case))
        .select_related("department", "decided_by")
        .order_by("case_id", "department__sort", "id")
    ):
        by_case[o.case_id].append(o)
    for c in cases:
        head = [
            c.pk,
            c.title,
            c.plan.center.region.code,
            c.plan.center.name,
            names.get(c.plan.district_code, ""),
            c.get_status_display(),
            c.round,
            c.submitted_on.isoformat(),
            c.concluded_on.isoformat() if c.concluded_on else "",
        ]
        for o in by_case[c.pk] or [None]:
            if o is None:
                yield head + [""] * 9
                continue
            yield head + [
                str(o.department),
                o.get_decision_display(),
                o.requested_on.isoformat(),
                o.due_on.isoformat(),
                o.decided_on.isoformat() if o.decided_on else "",
                _("是") if o.letter_in_lieu else "",
                o.letter_no,
                o.permit_replaced,
                o.conditions or o.comment,
            ]


EXPORT_HEADERS = [
    gettext_lazy("编号"),
    gettext_lazy("事项"),
    gettext_lazy("区划代码"),
    gettext_lazy("党群服务中心"),
    gettext_lazy("区"),
    gettext_lazy("状态"),
    gettext_lazy("轮次"),
    gettext_lazy("申报日期"),
    gettext_lazy("办结日期"),
    gettext_lazy("联审部门"),
    gettext_lazy("意见"),
    gettext_lazy("送审日期"),
    gettext_lazy("办理期限"),
    gettext_lazy("出具日期"),
    gettext_lazy("以函代证"),
    gettext_lazy("函件文号"),
    gettext_lazy("所代证件"),
    gettext_lazy("意见说明 / 附加条件"),
]


# -- a case ---------------------------------------------------------------------------------------


def opinion_rows(user, case: ApprovalCase, today: date) -> list[dict]:
    """The case's opinions as shown: overdue marked, attachments, whether `user` may give it."""
    cal = calendar()
    member_of = set(
        DepartmentMember.objects.filter(
            user=user, region_path__in=path_and_ancestors(case.region_path)
        ).values_list("department_id", flat=True)
    )
    attachments: dict[int, list] = {}
    for a in OpinionAttachment.objects.visible_to(user).filter(opinion__case=case):
        attachments.setdefault(a.opinion_id, []).append(a)
    rows = []
    for o in case.opinions.select_related("department", "decided_by").order_by(
        "department__sort", "id"
    ):
        level = opinion_overdue_level(o, today, cal) if case.status == "reviewing" else 0
        rows.append(
            {
                "o": o,
                "overdue": level,
                "late_days": cal.working_days_between(o.due_on, today) if level else 0,
                "late_given": late_given_days(o.decided_on, o.due_on, cal),
                "attachments": attachments.get(o.pk, []),
                "can_give": case.status in OPEN
                and o.decision == Decision.PENDING
                and o.department_id in member_of,
            }
        )
    return rows


ACTION_LABELS = {
    "approval_submit": gettext_lazy("申报联合审批"),
    "approval_opinion": gettext_lazy("出具意见"),
    "approval_status": gettext_lazy("状态变更"),
    "approval_resubmit": gettext_lazy("重新报送"),
    "approval_withdraw": gettext_lazy("撤回"),
    "approval_escalate": gettext_lazy("逾期预警"),
}


# Entries written by the rules rather than by a person's step: shown as the system's.
SYSTEM_ACTIONS = {"approval_status", "approval_escalate"}
END_PUNCTUATION = "。；;，,.、 \n"


def join_sentences(parts) -> str:
    """Texts written as sentences joined by one "；" (a trailing "。" or "；" of each dropped, so
    "…1:12。" and "原则同意…" make "…1:12；原则同意…")."""
    cleaned = [str(p).strip().rstrip(END_PUNCTUATION) for p in parts]
    return "；".join(p for p in cleaned if p)


def timeline(case: ApprovalCase) -> list[dict]:
    """What happened to the case, oldest first, from the audit log of the case and its opinions."""
    opinions = {str(o.pk): o for o in case.opinions.select_related("department")}
    entries = AuditLog.objects.filter(
        Q(target_type="resources.approvalcase", target_id=str(case.pk))
        | Q(target_type="resources.opinion", target_id__in=list(opinions))
    ).filter(action__startswith="approval_")
    out = []
    for e in entries.select_related("actor").order_by("at", "id"):
        changes = e.changes or {}
        who = (e.actor.display_name or e.actor.username) if e.actor else _("系统")
        if e.action in SYSTEM_ACTIONS:
            # The status follows from the opinions by rule, not by anyone's hand; whoever gave
            # the last opinion is credited on that opinion's own entry.
            who = _("系统")
        text = str(ACTION_LABELS.get(e.action, e.action))
        detail = e.note
        if e.action == "approval_opinion":
            o = opinions.get(e.target_id)
            decision = (changes.get("decision") or [None, ""])[1]
            label = Decision(decision).label if decision in Decision.values else decision
            text = f"{o.department if o else ''} · {label}"
            comment = (changes.get("comment") or [None, ""])[1]
            conditions = (changes.get("conditions") or [None, ""])[1]
            letter = (changes.get("letter_no") or [None, ""])[1]
            parts = [p for p in (conditions, comment) if p]
            if letter:
                parts.append(_("以函代证：%(no)s") % {"no": letter})
            detail = join_sentences(parts)
        elif e.action == "approval_status":
            status = (changes.get("status") or [None, ""])[1]
            text = ApprovalStatus(status).label if status in ApprovalStatus.values else status
            detail = ""
        elif e.action == "approval_escalate":
            o = opinions.get(e.target_id)
            level = (changes.get("escalation") or [None, 0])[1]
            text = f"{o.department if o else ''} · " + (_("严重逾期") if level == 2 else _("逾期"))
            detail = ""
        elif e.action == "approval_resubmit":
            rnd = (changes.get("round") or [None, ""])[1]
            text = _("重新报送（第 %(n)s 轮）") % {"n": rnd}
        out.append({"at": e.at, "who": who, "action": e.action, "text": text, "detail": detail})
    return out


def can_apply(user, plan: Plan) -> bool:
    return permissions.may(user, permissions.APPROVAL_APPLICANTS, plan.region_path)


# -- a reviewer's queue ----------------------------------------------------------------------------


def my_queue(user) -> QuerySet:
    """Opinions pending for the departments `user` serves, in the regions they serve, on open
    cases they may see — soonest due first."""
    memberships = list(
        DepartmentMember.objects.filter(user=user).values_list("department_id", "region_path")
    )
    if not memberships:
        return Opinion.objects.none()
    q = Q()
    for dept, path in memberships:
        q |= Q(department_id=dept, region_path__startswith=path)
    return (
        Opinion.objects.visible_to(user)
        .filter(q, decision=Decision.PENDING, case__status__in=OPEN)
        .select_related("case__plan__center__region", "department")
        .order_by("due_on", "case__submitted_on", "pk")
    )


def queue_rows(user, today: date) -> list[dict]:
    cal = calendar()
    rows = []
    for o in my_queue(user):
        level = opinion_overdue_level(o, today, cal) if o.case.status == "reviewing" else 0
        rows.append(
            {
                "o": o,
                "overdue": level,
                "late_days": cal.working_days_between(o.due_on, today) if level else 0,
                "left": cal.working_days_between(today, o.due_on) if not level else 0,
            }
        )
    return rows


def memberships(user) -> list[DepartmentMember]:
    return list(DepartmentMember.objects.filter(user=user).select_related("department", "region"))


# -- plans one may apply for -------------------------------------------------------------------------


def applicable_plans(user, q: str = "") -> QuerySet:
    """Plans in the applicant's scope that may be applied for (`services.approvals.applicable`:
    not signed off, no open case, no case that passed), the ones whose 联合审批 milestone is
    still waiting first, then by deadline."""
    scope = permissions.role_scope(user, permissions.APPROVAL_APPLICANTS)
    cond = scope.q(Plan, user)
    if cond is None:
        return Plan.objects.none()
    waiting = Milestone.objects.filter(
        plan=OuterRef("pk"), code=APPROVAL_MILESTONE, completed_on__isnull=True
    )
    qs = (
        applicable(Plan.objects.visible_to(user).filter(cond))
        .annotate(approval_waiting=Exists(waiting))
        .select_related("center__region", "campaign")
    )
    text = (q or "").strip()[:60].lower()
    if text:
        qs = qs.filter(
            Q(center__search_text__icontains=text) | Q(center__region__code__startswith=text)
        )
    return qs.order_by("-approval_waiting", "deadline", "center__region__code", "pk")


# -- the panel on a plan's page --------------------------------------------------------------------


def plan_approval(user, plan: Plan) -> dict:
    """For `resources/_plan_approval.html` on the plan's page: the plan's cases (latest first)
    with their opinions, and whether `user` may apply now (`services.approvals.applicable`,
    asked alongside the milestone so the page makes no extra query)."""
    cases = list(
        ApprovalCase.objects.visible_to(user)
        .filter(plan=plan)
        .prefetch_related("opinions__department")
        .order_by("-submitted_on", "-pk")
    )
    open_to_apply = Exists(applicable(Plan.objects.filter(pk=OuterRef("plan_id"))))
    milestone = (
        plan.milestones.filter(code=APPROVAL_MILESTONE)
        .annotate(open_to_apply=open_to_apply)
        .first()
    )
    may = can_apply(user, plan)
    if may:
        may = (
            milestone.open_to_apply
            if milestone is not None
            else applicable(Plan.objects.filter(pk=plan.pk)).exists()
        )
    return {
        "plan": plan,
        "cases": cases,
        "latest": cases[0] if cases else None,
        "milestone": milestone,
        "can_apply": may,
    }
