"""The resources demo: Nankai's joint approvals (南开区 联合审查审批 · 以函代证).

Built on the campaign demo's plans of 南开区 that have a 联合审批 milestone, and consistent with
them: a case approved (or approved with conditions) concludes on the very day the plan's approval
milestone was completed, its opinions given between the application and that day; nothing here
moves a milestone. Among the signed-off sites: approvals, several with letters in lieu of permits
(the planning bureau's letter for the 建设工程规划许可证, the housing commission's for the
建筑工程施工许可证), approvals with conditions, one returned for changes and resubmitted (round
2), one rejected and one withdrawn before the application that passed. The site still waiting for
its approval has its case under review, the planning opinion long past its time limit (escalated
3×), which is why the plan is red. Departments answer within their time limits, but for the
last answer of a second application (after a rejection, a withdrawal or a return), given late.

Accounts: one reviewer per department of 南开区 (`nankai_gh` planning, `nankai_zj` housing,
`nankai_zzb` organization, `nankai_mz` civil affairs, `nankai_cz` finance), each a
department_reviewer of 南开区 and a member of their department for it. Deterministic for a seed
and a day; every case is `is_demo`; the timeline of each case is written to the audit log.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction

NANKAI = "120104000000"
SHANGHAI = ZoneInfo("Asia/Shanghai")
ACCOUNTS = [
    # username, department, display name
    ("nankai_gh", "planning", "南开区规划和自然资源局"),
    ("nankai_zj", "housing", "南开区住房和城乡建设委员会"),
    ("nankai_zzb", "organization", "南开区委组织部"),
    ("nankai_mz", "civil_affairs", "南开区民政局"),
    ("nankai_cz", "finance", "南开区财政局"),
]
LETTER_PREFIX = {"planning": "南规资函", "housing": "南住建函"}
CONDITIONS = [
    "施工期间做好周边居民出行安全防护，竣工后报送消防验收资料。",
    "外立面统一标识按全市规范制作，活动用房面积不少于总面积的 60%。",
    "资金按进度拨付，结余资金按规定收回。",
]
RETURN_REASON = "建筑退线不满足规划条件，请调整总平面图后重新报送。"
REJECT_REASON = "拟选址位于道路红线范围内，不予通过，请重新选址。"


def _users():
    from lianxin.accounts.models import User

    return {u.username: u for u in User.objects.filter(username__in=[a[0] for a in ACCOUNTS])}


def accounts(password: str) -> list[str]:
    """The five department reviewers of 南开区, made once (each a member of its department)."""
    from lianxin.accounts import services as accounts_svc
    from lianxin.accounts.models import User
    from lianxin.regions.models import Region

    from .models import Department, DepartmentMember

    district = Region.objects.filter(code=NANKAI).first()
    if district is None:
        return []
    made = []
    for username, code, display in ACCOUNTS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = accounts_svc.create_staff(
                None, username=username, password=password, display_name=display, org_unit=district
            )
            accounts_svc.assign_role(None, user, "department_reviewer", district)
            made.append(username)
        DepartmentMember.objects.get_or_create(
            user=user,
            department=Department.objects.get(code=code),
            region=district,
            defaults={"region_path": district.path},
        )
    return made


def present() -> bool:
    from .models import ApprovalCase

    return ApprovalCase.objects.filter(is_demo=True).exists()


def clear() -> None:
    from lianxin.core.models import AuditLog

    from .models import ApprovalCase, Opinion, OpinionAttachment

    cases = ApprovalCase.objects.filter(is_demo=True)
    ids = [str(i) for i in cases.values_list("pk", flat=True)]
    opinion_ids = [
        str(i) for i in Opinion.objects.filter(case__in=cases).values_list("pk", flat=True)
    ]
    AuditLog.objects.filter(target_type="resources.approvalcase", target_id__in=ids).delete()
    AuditLog.objects.filter(target_type="resources.opinion", target_id__in=opinion_ids).delete()
    OpinionAttachment.objects.filter(opinion__case__in=cases).delete()
    cases.delete()


class _Story:
    def __init__(self, seed: int, today: date):
        from lianxin.core.workdays import calendar

        from .models import Department

        self.rng = random.Random(seed * 7 + 6)
        self.today = today
        self.cal = calendar()
        self.depts = {d.code: d for d in Department.objects.filter(active=True)}
        self.users = _users()
        from lianxin.accounts.models import User

        self.applicant = User.objects.filter(username="nankai").first()
        self.cases = []
        self.opinions = []
        self.events = []  # (day, actor, action, target, changes, note)
        self.letters = 0
        self.serial = {code: 0 for code in LETTER_PREFIX}

    def wd(self, day: date, n: int) -> date:
        return self.cal.add_working_days(day, n)

    def letter(self, code: str, day: date) -> str:
        self.serial[code] += 1
        return f"{LETTER_PREFIX[code]}〔{day.year}〕{self.serial[code] + 10}号"

    def case(self, plan, submitted: date, title: str, **fields):
        from .models import ApprovalCase

        c = ApprovalCase(
            plan=plan,
            region_path=plan.region_path,
            title=title,
            description=f"{plan.center.name}{plan.get_works_type_display()}工程：目标面积 "
            f"{plan.target_area or '—'} ㎡，预算 {plan.budget or '—'} 元。（演示数据）",
            submitted_on=submitted,
            submitted_by=self.applicant,
            is_demo=True,
            **fields,
        )
        c.save()
        self.cases.append(c)
        self.events.append(
            (submitted, self.applicant, "approval_submit", c, {"status": [None, "reviewing"]}, "")
        )
        return c

    def opinion(self, case, code, requested: date, decision="pending", decided=None, rnd=1, **kw):
        from .models import Opinion

        dept = self.depts[code]
        o = Opinion(
            case=case,
            department=dept,
            region_path=case.region_path,
            round=rnd,
            requested_on=requested,
            due_on=self.wd(requested, dept.time_limit_days),
            decision=decision,
            decided_on=decided,
            decided_by=self.users.get(ACCOUNTS_BY_CODE[code]) if decided else None,
            **kw,
        )
        if o.letter_in_lieu:
            o.permit_replaced = o.permit_replaced or dept.permit_name
            self.letters += 1
        o.save()
        self.opinions.append(o)
        if decided:
            changes = {"decision": ["pending", decision]}
            for f in ("comment", "conditions", "letter_no"):
                if getattr(o, f):
                    changes[f] = ["", getattr(o, f)]
            self.events.append((decided, o.decided_by, "approval_opinion", o, changes, case.title))
        return o

    def status(self, case, day, before, after):
        self.events.append((day, None, "approval_status", case, {"status": [before, after]}, ""))

    def approved(self, plan, concluded: date, *, letters=(), conditions=False, submitted=None):
        """A case that passed on `concluded` (the milestone's completion day): each department
        answered within its time limit, the last one on that day — unless the application came
        longer ago than any time limit (a second application after a rejection or withdrawal),
        then the last one was late, as happens."""
        submitted = submitted or self.wd(concluded, -self.rng.randint(4, 9))
        submitted = min(submitted, concluded)
        span = self.cal.working_days_between(submitted, concluded)
        c = self.case(
            plan,
            submitted,
            f"{plan.center.name}{plan.get_works_type_display()}方案联合审查",
            status="conditional" if conditions else "approved",
            concluded_on=concluded,
        )
        codes = list(self.depts)
        in_time = [code for code in codes if self.depts[code].time_limit_days >= span]
        last = self.rng.choice(in_time or codes)
        with_conditions = self.rng.choice(codes) if conditions else None
        for code in codes:
            limit = max(min(span, self.depts[code].time_limit_days), 1)
            day = (
                concluded
                if code == last or span <= 0
                else self.wd(submitted, self.rng.randint(1, limit))
            )
            day = min(day, concluded)
            kw = {}
            decision = "approve"
            if code == with_conditions:
                decision, kw["conditions"] = "conditions", self.rng.choice(CONDITIONS)
            if code in letters:
                kw |= {"letter_in_lieu": True, "letter_no": self.letter(code, day)}
                kw["comment"] = "同意以函代证，函件与许可证件具有同等效力。"
            self.opinion(c, code, submitted, decision, day, **kw)
        self.status(c, concluded, "reviewing", c.status)
        return c


ACCOUNTS_BY_CODE = {code: username for username, code, _ in ACCOUNTS}


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=SHANGHAI)


@transaction.atomic
def build(seed: int, today: date) -> dict:
    from lianxin.campaign.models import Milestone, Plan
    from lianxin.core import audit
    from lianxin.core.models import AuditLog

    from .approvals_status import opinion_overdue_level

    clear()
    if not Plan.objects.filter(district_code=NANKAI, is_demo=True).exists():
        return {"approval_cases": 0}
    story = _Story(seed, today)
    rng = story.rng
    approval = {
        m.plan_id: m
        for m in Milestone.objects.filter(
            plan__district_code=NANKAI, plan__is_demo=True, code="approval"
        )
    }
    plans = list(
        Plan.objects.filter(pk__in=list(approval))
        .select_related("center")
        .order_by("center__region__code", "pk")
    )
    done = [p for p in plans if approval[p.pk].completed_on is not None]
    waiting = [p for p in plans if approval[p.pk].completed_on is None and not p.signed_off_on]
    history = [p for p in done if p.signed_off_on]
    current = [p for p in done if not p.signed_off_on]
    picked = sorted(rng.sample(history, min(14, len(history))), key=lambda p: p.center.region.code)
    kinds = (
        ["letters_both", "letter_planning", "letter_housing", "plain", "plain", "letter_planning"]
        + ["conditions", "conditions_letter", "conditions"]
        + ["returned", "rejected", "withdrawn", "plain", "letter_housing"]
    )
    for plan, kind in zip(picked, kinds, strict=False):
        c_on = approval[plan.pk].completed_on
        if kind in ("plain", "letters_both", "letter_planning", "letter_housing"):
            letters = {
                "letters_both": ("planning", "housing"),
                "letter_planning": ("planning",),
                "letter_housing": ("housing",),
            }.get(kind, ())
            story.approved(plan, c_on, letters=letters)
        elif kind.startswith("conditions"):
            story.approved(
                plan, c_on, conditions=True, letters=("housing",) if kind.endswith("letter") else ()
            )
        elif kind == "returned":
            first = story.wd(c_on, -22)
            returned_on = story.wd(first, 6)
            again = story.wd(returned_on, 4)
            c = story.case(
                plan,
                first,
                f"{plan.center.name}{plan.get_works_type_display()}方案联合审查",
                status="approved",
                round=2,
                concluded_on=c_on,
            )
            for code in story.depts:
                if code == "planning":
                    continue
                story.opinion(c, code, first, "approve", story.wd(first, rng.randint(2, 5)))
            planning = story.opinion(
                c,
                "planning",
                again,
                "approve",
                c_on,
                rnd=2,
                comment="同意以函代证。",
                letter_in_lieu=True,
                letter_no=story.letter("planning", c_on),
            )
            story.events.append(
                (
                    returned_on,
                    story.users.get("nankai_gh"),
                    "approval_opinion",
                    planning,
                    {"decision": ["pending", "return"], "comment": ["", RETURN_REASON]},
                    c.title,
                )
            )
            story.status(c, returned_on, "reviewing", "returned")
            story.events.append(
                (
                    again,
                    story.applicant,
                    "approval_resubmit",
                    c,
                    {
                        "status": ["returned", "reviewing"],
                        "round": [1, 2],
                        "departments": [None, ["planning"]],
                    },
                    "已按规划意见调整总平面图，建筑退线满足要求。",
                )
            )
            story.status(c, c_on, "reviewing", "approved")
        elif kind in ("rejected", "withdrawn"):
            first = story.wd(c_on, -30)
            ended = story.wd(first, 7)
            c = story.case(
                plan,
                first,
                f"{plan.center.name}选址方案联合审查",
                status=kind,
                concluded_on=ended,
            )
            for code in story.depts:
                if kind == "rejected" and code == "planning":
                    story.opinion(c, code, first, "reject", ended, comment=REJECT_REASON)
                elif code in ("organization", "finance"):
                    story.opinion(c, code, first, "approve", story.wd(first, 3))
                else:
                    story.opinion(c, code, first)
            if kind == "rejected":
                story.status(c, ended, "reviewing", "rejected")
            else:
                story.events.append(
                    (
                        ended,
                        story.applicant,
                        "approval_withdraw",
                        c,
                        {"status": ["reviewing", "withdrawn"]},
                        "选址调整，撤回重报。",
                    )
                )
            story.approved(plan, c_on, letters=("planning",), submitted=story.wd(ended, 5))
    # The sites under way whose approval is done: their cases passed that day.
    for plan in current:
        story.approved(plan, approval[plan.pk].completed_on, letters=("housing",))
    # The site still waiting: under review, the planning opinion long overdue.
    overdue = 0
    for plan in waiting:
        m = approval[plan.pk]
        submitted = (
            m.starts_on if story.cal.is_working_day(m.starts_on) else story.wd(m.starts_on, 1)
        )
        c = story.case(plan, submitted, f"{plan.center.name}新建方案联合审查")
        for code in story.depts:
            if code == "planning":
                o = story.opinion(c, code, submitted)
                o.escalation = opinion_overdue_level(o, today, story.cal)
                o.save(update_fields=["escalation"])
                overdue += bool(o.escalation)
                continue
            day = story.wd(submitted, rng.randint(2, story.depts[code].time_limit_days))
            kw = {}
            if code == "housing":
                kw = {
                    "letter_in_lieu": True,
                    "letter_no": story.letter("housing", day),
                    "comment": "同意先行以函代证开工。",
                }
            story.opinion(c, code, submitted, "approve", min(day, today), **kw)
    # The timeline in the audit log, dated as it happened.
    rows = []
    for day, actor, action, target, changes, note in story.events:
        rows.append((day, audit.entry(actor, action, target, changes=changes, note=note or "")))
    AuditLog.objects.bulk_create([r for _, r in rows])
    for day, row in rows:
        AuditLog.objects.filter(pk=row.pk).update(at=_at(day))
    from collections import Counter

    statuses = Counter(c.status for c in story.cases)
    return {
        "approval_cases": len(story.cases),
        "approval_opinions": len(story.opinions),
        "approval_letters": story.letters,
        "approval_overdue": overdue,
        "approval_approved": statuses["approved"] + statuses["conditional"],
        "approval_under_review": statuses["reviewing"] + statuses["returned"],
    }
