"""联系包保: leaders (with their positions and their own unit) and the units they answer for —
a district, a street or one site — from a date until the assignment ends."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from lianxin.core import audit
from lianxin.core.notifications import notify
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import require_visible, update_fields
from lianxin.regions.models import Level, Region

from ..models import Leader, LeaderAssignment

LEADER_FIELDS = ("name", "position", "region", "user", "active")
# A leader belongs to the city, a district or a street (the unit that sees and edits them).
LEADER_LEVELS = (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP)
# A leader answers for a district, a street (town) or one site (a village or a community).
ASSIGNABLE_LEVELS = (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)


def refuse_outside(actor, path: str) -> None:
    """A new row under `path` needs a writing role whose scope covers it."""
    if not scope_for(actor, CHANGE).covers_path(path):
        raise PermissionDenied(_("该单位不在您的数据范围内，或您没有编辑权限。"))


def _check_leader(data: dict, leader: Leader | None) -> dict:
    """The leader's fields, cleaned; raises one ValidationError naming every wrong field."""
    unknown = set(data) - set(LEADER_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    errors: dict[str, list[str]] = {}
    out = dict(data)
    for name, label, limit in (("name", _("姓名"), 60), ("position", _("职务"), 100)):
        if name in data or leader is None:
            value = (data.get(name) or "").strip()
            if not value:
                errors[name] = [_("请填写%(f)s。") % {"f": label}]
            elif len(value) > limit:
                errors[name] = [_("%(f)s不能超过 %(n)s 个字。") % {"f": label, "n": limit}]
            out[name] = value
    if "region" in data or leader is None:
        region = data.get("region")
        if region is None:
            errors["region"] = [_("请选择所在单位。")]
        elif region.level not in LEADER_LEVELS:
            errors["region"] = [_("所在单位须为市、区或街镇。")]
    user = data.get("user")
    if user is not None:
        if not (user.is_active and user.is_staff_member):
            errors["user"] = [_("登录账号须为在用的工作人员账号。")]
        else:
            taken = Leader.objects.filter(user=user)
            if leader is not None:
                taken = taken.exclude(pk=leader.pk)
            other = taken.first()
            if other is not None:
                errors["user"] = [
                    _("账号“%(u)s”已关联包保领导“%(l)s”。")
                    % {"u": user.get_username(), "l": other.name}
                ]
    if errors:
        raise ValidationError(errors)
    return out


def save_leader(actor, leader: Leader | None, data: dict) -> Leader:
    """Create a leader (leader=None) in a unit of the actor's scope, or edit one; moving a leader
    to a unit outside the actor's scope is refused."""
    if leader is None:
        region = data.get("region")
        if region is not None:
            refuse_outside(actor, region.path)
        elif scope_for(actor, CHANGE).is_empty():
            raise PermissionDenied(_("您没有编辑权限。"))
        clean = _check_leader(data, None)
        obj = Leader(
            name=clean["name"],
            position=clean["position"],
            region=clean["region"],
            region_path=clean["region"].path,
            user=clean.get("user"),
            active=clean.get("active", True),
        )
        with transaction.atomic():
            obj.full_clean()
            obj.save()
            audit.record(actor, "create", obj, changes=audit.diff({}, audit.snapshot(obj)))
        return obj
    require_visible(actor, leader, CHANGE)
    clean = _check_leader(data, leader)
    values = {k: v for k, v in clean.items() if k in ("name", "position", "active")}
    if "region" in clean:
        values["region_id"] = clean["region"].pk
        values["region_path"] = clean["region"].path
    if "user" in clean:
        values["user_id"] = clean["user"].pk if clean["user"] else None
    return update_fields(actor, leader, values)


def assign_leader(
    actor, leader: Leader, region: Region, since: date | None, *, note: str = ""
) -> LeaderAssignment:
    """The leader answers for `region` (a district, a street or a site) from `since`."""
    require_visible(actor, leader, CHANGE)
    refuse_outside(actor, region.path)
    errors: dict[str, list[str]] = {}
    if region.level not in ASSIGNABLE_LEVELS:
        errors["region"] = [_("包保单位须为区、街镇或村（社区）。")]
    if since is None:
        errors["since"] = [_("请填写开始日期。")]
    if not leader.active:
        errors["leader"] = [_("该领导已不在岗，不能再安排包保。")]
    if len(note or "") > 200:
        errors["note"] = [_("说明不能超过 200 个字。")]
    if since is not None and "region" not in errors:
        overlapping = (
            LeaderAssignment.objects.filter(leader=leader, region=region)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=since))
            .first()
        )
        if overlapping is not None:
            errors["region"] = [
                _("该领导已包保“%(r)s”（自 %(d)s 起）。")
                % {"r": region.name, "d": overlapping.since.isoformat()}
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        obj = LeaderAssignment.objects.create(
            leader=leader,
            region=region,
            region_path=region.path,
            since=since,
            note=(note or "").strip(),
        )
        audit.record(
            actor,
            "assign_leader",
            obj,
            changes={"region": [None, region.code], "since": [None, since.isoformat()]},
            note=str(leader),
        )
        if leader.user_id:
            notify(
                [leader.user],
                _("您已被确定为“%(r)s”的包保领导（自 %(d)s 起）") % {"r": region.name, "d": since},
                url=reverse("my_sites"),
                target=obj,
            )
    return obj


def end_assignment(actor, assignment: LeaderAssignment, valid_to: date | None) -> LeaderAssignment:
    """End an assignment: from `valid_to` on, the leader no longer answers for the unit."""
    require_visible(actor, assignment, CHANGE)
    if valid_to is None:
        raise ValidationError({"valid_to": [_("请填写结束日期。")]})
    if valid_to <= assignment.since:
        raise ValidationError(
            {"valid_to": [_("结束日期须晚于开始日期 %(d)s。") % {"d": assignment.since}]}
        )
    with transaction.atomic():
        updated = LeaderAssignment.objects.filter(pk=assignment.pk, valid_to__isnull=True).update(
            valid_to=valid_to
        )
        if not updated:
            raise ValidationError({"valid_to": [_("该包保关系已结束。")]})
        assignment.valid_to = valid_to
        audit.record(
            actor,
            "end_assignment",
            assignment,
            changes={"valid_to": [None, valid_to.isoformat()]},
            note=str(assignment.leader),
        )
    return assignment
