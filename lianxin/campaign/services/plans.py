"""Campaigns, commitments, plans (一村一策), their backward schedules (倒排工期), progress reports,
the green/amber/red health and escalation of overdue milestones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.accounts.models import RoleAssignment
from lianxin.centers.models import Center, CenterStatus, Level, LevelRecord, RuleSet
from lianxin.centers.services import check_image
from lianxin.core import audit
from lianxin.core.db import write_rows
from lianxin.core.models import AuditLog, NotificationLevel
from lianxin.core.notifications import notify
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import require_visible, update_fields
from lianxin.core.workdays import WorkingCalendar, calendar
from lianxin.regions.models import Region

from ..health import overdue_level, plan_health
from ..models import (
    Campaign,
    Commitment,
    LeaderAssignment,
    Milestone,
    MilestoneTemplate,
    Plan,
    ProgressPhoto,
    ProgressReport,
    WorksType,
)

PLAN_EDITABLE = [
    "works_type",
    "target_area",
    "budget",
    "premises",
    "starts_on",
    "deadline",
    "leader_id",
    "notes",
]
MAX_DURATION = 500
MAX_PHOTOS = 9
# A deadline may run this long past the campaign's target date (and never past the calendar).
LATEST_AFTER_TARGET = timedelta(days=3 * 366)
# Moving a plan's dates or durations re-lays the schedule the street is measured against: only
# the district (or the city) may do it.
SCHEDULE_FIELDS = {"deadline", "starts_on", "works_type"}
SCHEDULERS = ("district_admin", "city_admin")
BATCH = 1000


def _require_city_admin(actor) -> None:
    if not (actor.is_superuser or (actor.is_staff_member and actor.has_role("city_admin"))):
        raise PermissionDenied(_("只有市级管理员可以设置攻坚任务。"))


def save_campaign(actor, campaign: Campaign | None, data: dict) -> Campaign:
    _require_city_admin(actor)
    with transaction.atomic():
        obj = campaign or Campaign()
        before = audit.snapshot(obj, list(data)) if campaign else {}
        for k, v in data.items():
            setattr(obj, k, v)
        obj.full_clean()
        if obj.target_date <= obj.starts_on:
            raise ValidationError({"target_date": [_("目标日期须晚于开始日期。")]})
        obj.save()
        audit.record(
            actor,
            "update" if campaign else "create",
            obj,
            changes=audit.diff(before, audit.snapshot(obj, list(data))),
        )
    return obj


def save_commitment(actor, campaign: Campaign, district: Region, data: dict) -> Commitment:
    """A district secretary's commitment; the district's administrators (or the city) set it."""
    obj = Commitment.objects.filter(campaign=campaign, district=district).first()
    if obj is not None:
        return update_fields(actor, obj, data)
    obj = Commitment(campaign=campaign, district=district, region_path=district.path, **data)
    if not scope_for(actor, CHANGE).covers_path(district.path):
        raise PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。"))
    with transaction.atomic():
        obj.full_clean()
        obj.save()
        audit.record(actor, "create", obj, changes=audit.diff({}, audit.snapshot(obj)))
    return obj


# -- schedules ---------------------------------------------------------------------------------


def _dates_errors(campaign: Campaign, deadline: date, starts_on: date | None) -> dict:
    """Deadlines and start dates inside the campaign's years (a typo like 9999 or 1900 would lay
    a schedule over centuries)."""
    earliest = campaign.starts_on
    latest = min(campaign.target_date + LATEST_AFTER_TARGET, WorkingCalendar.LAST)
    errors = {}
    for name, value in (("deadline", deadline), ("starts_on", starts_on)):
        if value is not None and not earliest <= value <= latest:
            errors[name] = [
                _("日期须在 %(a)s 至 %(b)s 之间（本次攻坚的期间）。") % {"a": earliest, "b": latest}
            ]
    return errors


def _require_scheduler(actor) -> None:
    if not actor.has_role(*SCHEDULERS):
        raise PermissionDenied(_("完成期限、开工日期、工程类型和工期只能由区级或市级管理员调整。"))


def _schedule(plan: Plan, milestones: list[Milestone], cal: WorkingCalendar) -> list[Milestone]:
    """Lay the milestones back from the plan's deadline; returns those whose dates moved.
    Refuses dates outside the campaign's years, a deadline before the start and durations that
    do not fit after the start."""
    errors = _dates_errors(plan.campaign, plan.deadline, plan.starts_on)
    if errors:
        raise ValidationError(errors)
    if plan.starts_on and plan.deadline < plan.starts_on:
        raise ValidationError({"deadline": [_("完成期限不能早于开工日期。")]})
    ordered = sorted(milestones, key=lambda m: (m.sort, m.code))
    spans = cal.schedule_backward(plan.deadline, [m.duration_days for m in ordered])
    if plan.starts_on and spans and spans[0][0] < plan.starts_on:
        need = sum(m.duration_days for m in ordered)
        have = cal.working_days_between(plan.starts_on, plan.deadline)
        raise ValidationError(
            {
                "deadline": [
                    _(
                        "工期合计 %(need)s 个工作日，开工日 %(start)s 至完成期限 %(end)s 只有 "
                        "%(have)s 个工作日，请推迟完成期限或缩短工期。"
                    )
                    % {"need": need, "start": plan.starts_on, "end": plan.deadline, "have": have}
                ]
            }
        )
    moved = []
    for m, (start, due) in zip(ordered, spans, strict=True):
        if (m.starts_on, m.due_on) != (start, due):
            m.starts_on, m.due_on = start, due
            moved.append(m)
    return moved


def _milestones_from_templates(plan: Plan, templates: list[MilestoneTemplate]) -> list[Milestone]:
    return [
        Milestone(
            plan=plan,
            region_path=plan.region_path,
            code=t.code,
            name=t.name,
            name_en=t.name_en,
            sort=t.sort,
            duration_days=t.duration_days,
            starts_on=plan.deadline,
            due_on=plan.deadline,
        )
        for t in templates
    ]


def _templates() -> dict[str, list[MilestoneTemplate]]:
    out: dict[str, list[MilestoneTemplate]] = {w: [] for w in WorksType.values}
    for t in MilestoneTemplate.objects.filter(active=True).order_by("sort", "id"):
        out[t.works_type].append(t)
    return out


def recompute_schedules(plans=None, cal: WorkingCalendar | None = None) -> int:
    """Recompute the dates of every milestone (after a calendar change), in bulk; plans whose
    durations no longer fit keep their dates moved anyway (a calendar change is not refused —
    their early milestones show as late). Returns the number of milestones that moved."""
    cal = cal or calendar()
    qs = plans if plans is not None else Plan.objects.all()
    moved: list[Milestone] = []
    ids = list(qs.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = (
            Plan.objects.filter(pk__in=ids[start : start + BATCH])
            .only("pk", "deadline", "starts_on")
            .prefetch_related(
                Prefetch(
                    "milestones",
                    queryset=Milestone.objects.only(
                        "pk", "plan_id", "sort", "code", "duration_days", "starts_on", "due_on"
                    ),
                )
            )
        )
        for plan in chunk:
            ordered = sorted(plan.milestones.all(), key=lambda m: (m.sort, m.code))
            spans = cal.schedule_backward(plan.deadline, [m.duration_days for m in ordered])
            for m, (s, d) in zip(ordered, spans, strict=True):
                if (m.starts_on, m.due_on) != (s, d):
                    m.starts_on, m.due_on = s, d
                    moved.append(m)
    write_rows(Milestone, moved, ["starts_on", "due_on"])
    return len(moved)


# -- plans ---------------------------------------------------------------------------------------


def _leader_for(path: str, assignments: list[LeaderAssignment]):
    """The most specific leader assigned to the site, its street or its district."""
    best = None
    for a in assignments:
        if path.startswith(a.region_path) and (
            best is None or len(a.region_path) > len(best.region_path)
        ):
            best = a
    return best.leader_id if best else None


def _defaults(center: Center, area_ok: bool, rule: RuleSet | None) -> dict:
    if area_ok:
        works = WorksType.RENOVATE
    elif not center.floor_area:
        works = WorksType.BUILD
    else:
        works = WorksType.EXPAND
    required = rule.required_area(center.kind, center.households) if rule else None
    return {"works_type": works, "target_area": required}


def bulk_create_plans(
    actor,
    campaign: Campaign,
    *,
    within: Region | None = None,
    deadline: date | None = None,
    today: date | None = None,
) -> list[Plan]:
    """一村一策 for every site in the actor's scope (and under `within`) that the campaign covers,
    that is not yet both area- and renovation-compliant and has no plan: works type from the
    area finding, target area from the rule set in force, the deadline of the district's
    commitment (else the campaign's), the most specific assigned leader, milestones scheduled
    backward. Returns the new plans."""
    today = today or timezone.localdate()
    cal = calendar()
    compliant = LevelRecord.objects.on(today).filter(compliant=True)
    area_ok = set(compliant.filter(level=Level.AREA).values_list("center_id", flat=True))
    renovated = set(compliant.filter(level=Level.RENOVATION).values_list("center_id", flat=True))
    centers = (
        Center.objects.visible_to(actor, CHANGE)
        .filter(region_path__startswith=campaign.region.path)
        .exclude(status=CenterStatus.CLOSED_DEMOLITION)
        .exclude(plans__campaign=campaign)
    )
    if campaign.kinds:
        centers = centers.filter(kind__in=campaign.kinds)
    if within is not None:
        centers = centers.filter(region_path__startswith=within.path)
    targets = [c for c in centers if not (c.pk in area_ok and c.pk in renovated)]
    if deadline is not None and deadline <= today:
        raise ValidationError({"deadline": [_("完成期限须晚于今天。")]})
    if deadline is not None and _dates_errors(campaign, deadline, None):
        raise ValidationError(_dates_errors(campaign, deadline, None))
    rule = RuleSet.objects.in_force(today)
    committed = {
        c.district.code: c.target_date for c in campaign.commitments.select_related("district")
    }
    assignments = list(LeaderAssignment.objects.on(today).filter(leader__active=True))
    templates = _templates()
    plans, milestones = [], []
    for center in targets:
        plan = Plan(
            campaign=campaign,
            center=center,
            region_path=center.region_path,
            district_code=center.district_code,
            street_code=center.street_code,
            deadline=deadline or committed.get(center.district_code) or campaign.target_date,
            leader_id=_leader_for(center.region_path, assignments),
            created_by=actor,
            **_defaults(center, center.pk in area_ok, rule),
        )
        plans.append(plan)
    with transaction.atomic():
        Plan.objects.bulk_create(plans, batch_size=BATCH)
        for plan in plans:
            ms = _milestones_from_templates(plan, templates[plan.works_type])
            _schedule(plan, ms, cal)
            milestones += ms
        Milestone.objects.bulk_create(milestones, batch_size=BATCH)
        _refresh(plans, today, cal)
        AuditLog.objects.bulk_create(
            [
                audit.entry(
                    actor,
                    "create",
                    p,
                    changes={
                        "works_type": [None, p.works_type],
                        "deadline": [None, str(p.deadline)],
                    },
                    note=_("批量生成一村一策"),
                )
                for p in plans
            ],
            batch_size=BATCH,
        )
    return plans


def create_plan(actor, campaign: Campaign, center: Center, data: dict) -> Plan:
    require_visible(actor, center, CHANGE)
    unknown = set(data) - set(PLAN_EDITABLE)
    if unknown:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    if Plan.objects.filter(campaign=campaign, center=center).exists():
        raise ValidationError(_("该中心在本次攻坚中已有一村一策。"))
    plan = Plan(
        campaign=campaign,
        center=center,
        region_path=center.region_path,
        district_code=center.district_code,
        street_code=center.street_code,
        created_by=actor,
        **data,
    )
    with transaction.atomic():
        plan.full_clean(exclude=["health"])
        plan.save()
        ms = _milestones_from_templates(plan, _templates()[plan.works_type])
        _schedule(plan, ms, calendar())
        Milestone.objects.bulk_create(ms)
        _refresh([plan])
        audit.record(actor, "create", plan, changes=audit.diff({}, audit.snapshot(plan, data)))
    return plan


def _require_open(plan: Plan) -> None:
    if plan.signed_off_on is not None:
        raise ValidationError(_("该中心已销号，如需修改请先由区级管理员重新打开。"))


def update_plan(actor, plan: Plan, data: dict, *, expected_version: int | None = None) -> Plan:
    """Edit a plan; a new deadline or works type re-lays the schedule (or is refused whole)."""
    unknown = set(data) - set(PLAN_EDITABLE)
    if unknown:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    require_visible(actor, plan, CHANGE)
    _require_open(plan)
    moving = {k for k in SCHEDULE_FIELDS if k in data and data[k] != getattr(plan, k)}
    if moving:
        _require_scheduler(actor)
    old_type = plan.works_type
    with transaction.atomic():
        update_fields(
            actor, plan, data, expected_version=expected_version, exclude_clean=["health"]
        )
        ms = list(plan.milestones.all())
        if plan.works_type != old_type:
            if any(m.progress or m.done for m in ms):
                raise ValidationError(
                    {"works_type": [_("已有节点填报了进度，不能再更改工程类型。")]}
                )
            plan.milestones.all().delete()
            ms = _milestones_from_templates(plan, _templates()[plan.works_type])
            _schedule(plan, ms, calendar())
            Milestone.objects.bulk_create(ms)
        else:
            moved = _schedule(plan, ms, calendar())
            write_rows(Milestone, moved, ["starts_on", "due_on"])
        _refresh([plan])
    return plan


def set_milestone_duration(actor, milestone: Milestone, days: int) -> Milestone:
    """Change one milestone's duration; the milestones before it move, the deadline holds."""
    plan = milestone.plan
    require_visible(actor, plan, CHANGE)
    _require_scheduler(actor)
    _require_open(plan)
    if not isinstance(days, int) or not 0 <= days <= MAX_DURATION:
        raise ValidationError(
            {"duration_days": [_("工期须为 0 至 %(n)s 个工作日。") % {"n": MAX_DURATION}]}
        )
    with transaction.atomic():
        before = milestone.duration_days
        ms = list(plan.milestones.select_for_update())
        for m in ms:
            if m.pk == milestone.pk:
                m.duration_days = days
        moved = _schedule(plan, ms, calendar())
        Milestone.objects.filter(pk=milestone.pk).update(duration_days=days)
        write_rows(Milestone, moved, ["starts_on", "due_on"])
        Plan.objects.filter(pk=plan.pk).update(version=plan.version + 1)
        plan.version += 1
        _refresh([plan])
        audit.record(
            actor,
            "update",
            milestone,
            changes={"duration_days": [before, days]},
            note=str(plan),
        )
    milestone.refresh_from_db()
    return milestone


# -- progress and health -----------------------------------------------------------------------


def report_progress(
    actor,
    milestone: Milestone,
    progress: int,
    *,
    reported_on: date | None = None,
    note: str = "",
    photos: Iterable = (),
) -> ProgressReport:
    plan = milestone.plan
    require_visible(actor, plan, CHANGE)
    _require_open(plan)
    today = timezone.localdate()
    reported_on = reported_on or today
    errors: dict[str, list[str]] = {}
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        errors["progress"] = [_("进度须为 0 至 100 之间的整数。")]
    if reported_on > today:
        errors["reported_on"] = [_("填报日期不能晚于今天。")]
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("每次最多上传 %(n)s 张照片。") % {"n": MAX_PHOTOS}]
    if errors:
        raise ValidationError(errors)
    for upload in photos:
        check_image(upload, field="photos")
    with transaction.atomic():
        fields = ["progress", "completed_on"]
        before = audit.snapshot(milestone, fields)
        report = ProgressReport.objects.create(
            milestone=milestone,
            plan=plan,
            region_path=plan.region_path,
            progress=progress,
            reported_on=reported_on,
            note=note[:300],
            reported_by=actor,
        )
        for upload in photos:
            ProgressPhoto(report=report, region_path=plan.region_path, image=upload).save()
        milestone.progress = progress
        if progress == 100:
            milestone.completed_on = milestone.completed_on or reported_on
        else:
            milestone.completed_on = None
        milestone.save(update_fields=["progress", "completed_on"])
        _refresh([plan])
        audit.record(
            actor,
            "report_progress",
            milestone,
            changes=audit.diff(before, audit.snapshot(milestone, fields)),
            note=f"{plan} {progress}% {note}"[:300],
        )
    return report


def _refresh(plans: list[Plan], today: date | None = None, cal=None) -> int:
    today = today or timezone.localdate()
    cal = cal or calendar()
    ids = [p.pk for p in plans]
    by_plan: dict[int, list[Milestone]] = {i: [] for i in ids}
    for m in Milestone.objects.filter(plan_id__in=ids).only(
        "plan_id", "starts_on", "due_on", "duration_days", "progress", "completed_on"
    ):
        by_plan[m.plan_id].append(m)
    changed = []
    for p in plans:
        colour = plan_health(p, by_plan[p.pk], today, cal)
        if colour != p.health:
            p.health = colour
            changed.append(p)
    write_rows(Plan, changed, ["health"])
    return len(changed)


def refresh_health(plans=None, today: date | None = None) -> int:
    """Recolour plans (all, by default) as of `today`; returns how many changed colour."""
    qs = (plans if plans is not None else Plan.objects.all()).only("pk", "health", "signed_off_on")
    ids = list(qs.values_list("pk", flat=True))
    cal, changed = calendar(), 0
    for start in range(0, len(ids), BATCH):
        chunk = list(
            Plan.objects.filter(pk__in=ids[start : start + BATCH]).only(
                "pk", "health", "signed_off_on"
            )
        )
        changed += _refresh(chunk, today, cal)
    return changed


def _district_admins(codes: set[str]) -> dict[str, list]:
    out: dict[str, list] = {c: [] for c in codes}
    for a in RoleAssignment.objects.filter(
        role__code="district_admin", region__code__in=codes
    ).select_related("user", "region"):
        out[a.region.code].append(a.user)
    return out


def escalate(today: date | None = None) -> dict[str, int]:
    """Each morning: recolour every plan, then tell the assigned leader of every milestone that
    has become overdue, and the leader and the district's administrators when it is 3× overdue.
    Each notice goes once per level. Returns counts of notices by level."""
    today = today or timezone.localdate()
    cal = calendar()
    refresh_health(today=today)
    late = (
        Milestone.objects.filter(
            completed_on__isnull=True, due_on__lt=today, plan__signed_off_on__isnull=True
        )
        .filter(escalation__lt=2)
        .select_related("plan__center", "plan__leader__user")
    )
    sent = {"overdue": 0, "overdue_3x": 0}
    raised: list[Milestone] = []
    todo = []
    for m in late:
        level = overdue_level(m, today, cal)
        if level > m.escalation:
            todo.append((m, level))
    admins = _district_admins({m.plan.district_code for m, lv in todo if lv == 2})
    with transaction.atomic():
        for m, level in todo:
            plan = m.plan
            leader_user = plan.leader.user if plan.leader and plan.leader.user_id else None
            recipients = [leader_user]
            if level == 2:
                recipients += admins.get(plan.district_code, [])
            days = cal.working_days_between(m.due_on, today)
            title = (
                _("【严重逾期】%(site)s “%(m)s”已逾期 %(d)s 个工作日（超过工期 3 倍）")
                if level == 2
                else _("【逾期】%(site)s “%(m)s”已逾期 %(d)s 个工作日")
            ) % {"site": plan.center.name, "m": m.name, "d": days}
            notify(
                recipients,
                title,
                _("计划完成 %(due)s，当前进度 %(p)s%%。") % {"due": m.due_on, "p": m.progress},
                url=reverse("plan_detail", args=[plan.pk]),
                level=NotificationLevel.DANGER if level == 2 else NotificationLevel.WARNING,
                target=m,
            )
            m.escalation = level
            raised.append(m)
            sent["overdue_3x" if level == 2 else "overdue"] += 1
        write_rows(Milestone, raised, ["escalation"])
    return sent
