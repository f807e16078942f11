"""Writes of the premises ledgers and of matching: create and edit a premises, its availability
(free → reserved → assigned, or released back to free: one transitions table), a matching run
and the decision on each proposal. Each function checks the role in scope (resources'
permissions), runs in one transaction and writes the audit log."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import audit, geo
from lianxin.core.services import ConflictError, update_fields
from lianxin.regions.models import Level, Region

from .. import matching
from ..models import Availability, MatchRun, Premises, Proposal, ProposalStatus
from ..permissions import MATCHERS, PREMISES_WRITERS, require

EDITABLE = [
    "kind",
    "code",
    "name",
    "address",
    "latitude",
    "longitude",
    "floor_area",
    "owner",
    "condition",
    "divisible",
    "available_from",
    "note",
]
DEFAULT_DISTANCE_M = 1500
MAX_DISTANCE_M = 20_000

# The availability state machine: (from, to) → the action's name in the audit log.
TRANSITIONS = {
    (Availability.FREE, Availability.RESERVED): "reserve",
    (Availability.RESERVED, Availability.FREE): "release",
    (Availability.RESERVED, Availability.ASSIGNED): "assign",
}


# -- regions ---------------------------------------------------------------------------------


def region_codes(region: Region) -> tuple[str, str]:
    """(district code, street code) of a district or a street."""
    if region.level == Level.COUNTY:
        return region.code, ""
    if region.level == Level.TOWNSHIP:
        return region.code[:6] + "000000", region.code
    raise ValidationError({"region": [_("房源须登记在区或街道（乡镇）。")]})


def _place(region: Region | None) -> dict:
    if region is None:
        raise ValidationError({"region": [_("请选择所属单位。")]})
    district, street = region_codes(region)
    return {
        "region": region,
        "region_path": region.path,
        "district_code": district,
        "street_code": street,
    }


def _check(obj: Premises) -> None:
    """What the model cannot say alone: area > 0, coordinates inside the district, the code
    unique in the district."""
    errors: dict[str, list[str]] = {}
    if obj.floor_area is not None and obj.floor_area <= 0:
        errors["floor_area"] = [_("建筑面积须大于 0。")]
    if (obj.latitude is None) != (obj.longitude is None):
        errors["latitude"] = [_("经纬度须同时填写。")]
    elif obj.latitude is not None and obj.district_code:
        if not geo.in_district(obj.district_code, float(obj.longitude), float(obj.latitude)):
            errors["latitude"] = [
                _("坐标（%(lon)s, %(lat)s）不在本区范围内。")
                % {"lon": obj.longitude, "lat": obj.latitude}
            ]
    if obj.code:
        clash = Premises.objects.filter(district_code=obj.district_code, code=obj.code)
        if obj.pk:
            clash = clash.exclude(pk=obj.pk)
        if clash.exists():
            errors["code"] = [_("本区已有编号为“%(code)s”的房源。") % {"code": obj.code}]
    if errors:
        raise ValidationError(errors)


def create_premises(actor, data: dict, *, is_demo: bool = False) -> Premises:
    data = dict(data)
    place = _place(data.pop("region", None))
    if not Region.objects.visible_to(actor).filter(pk=place["region"].pk).exists():
        raise Http404
    require(actor, PREMISES_WRITERS, place["region_path"])
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("不能设置字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    obj = Premises(**data, **place, created_by=actor if getattr(actor, "pk", None) else None)
    obj.is_demo = is_demo
    obj.full_clean(validate_unique=False, validate_constraints=False)
    _check(obj)
    with transaction.atomic():
        obj.save()
        audit.record(actor, "create", obj, changes=audit.diff({}, audit.snapshot(obj, EDITABLE)))
    return obj


def update_premises(
    actor, obj: Premises, data: dict, *, expected_version: int | None = None
) -> Premises:
    """Edit a premises (its availability changes only by the transitions below). A new region
    must be inside the editor's scope too."""
    data = dict(data)
    if not Premises.objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise Http404
    require(actor, PREMISES_WRITERS, obj.region_path)
    if "region" in data:
        place = _place(data.pop("region"))
        require(actor, PREMISES_WRITERS, place["region_path"])
        if place["district_code"] != obj.district_code:
            raise ValidationError({"region": [_("房源不能移到其他区，请在该区重新登记。")]})
        data |= {k: v for k, v in place.items() if k != "region"} | {
            "region_id": place["region"].pk
        }
    unknown = (
        set(data) - set(EDITABLE) - {"region_id", "region_path", "district_code", "street_code"}
    )
    if unknown:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    probe = Premises(**{f.attname: getattr(obj, f.attname) for f in Premises._meta.concrete_fields})
    for k, v in data.items():
        setattr(probe, k, v)
    _check(probe)
    with transaction.atomic():
        update_fields(actor, obj, data, expected_version=expected_version)
        require(actor, PREMISES_WRITERS, obj.region_path)
    return obj


def _transition(actor, obj: Premises, to: str, values: dict, note: str = "") -> Premises:
    if not Premises.objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise Http404
    require(actor, PREMISES_WRITERS, obj.region_path)
    with transaction.atomic():
        locked = Premises.objects.select_for_update().get(pk=obj.pk)
        action = TRANSITIONS.get((locked.availability, to))
        if action is None:
            raise ValidationError(
                {
                    "availability": [
                        _("房源当前为“%(now)s”，不能改为“%(to)s”。")
                        % {
                            "now": locked.get_availability_display(),
                            "to": Availability(to).label,
                        }
                    ]
                }
            )
        fields = ["availability", *values]
        before = audit.snapshot(locked, fields)
        locked.availability = to
        for k, v in values.items():
            setattr(locked, k, v)
        locked.version += 1
        locked.save(update_fields=[*fields, "version", "updated_at"])
        audit.record(
            actor,
            action,
            locked,
            changes=audit.diff(before, audit.snapshot(locked, fields)),
            note=note,
        )
    obj.refresh_from_db()
    return obj


def release(actor, obj: Premises, reason: str = "") -> Premises:
    """A reservation given up: the premises is free again (and may be matched again)."""
    return _transition(
        actor, obj, Availability.FREE, {"reserved_on": None, "plan": None}, note=reason[:300]
    )


def mark_assigned(actor, obj: Premises, on: date | None = None) -> Premises:
    """The center has moved in."""
    on = on or timezone.localdate()
    if obj.reserved_on and on < obj.reserved_on:
        raise ValidationError({"assigned_on": [_("配置日期不能早于预留日期。")]})
    return _transition(actor, obj, Availability.ASSIGNED, {"assigned_on": on})


# -- matching ---------------------------------------------------------------------------------


def accepted_areas(center_ids=None) -> dict:
    """{center id: (m² added, [premises codes])} of the accepted proposals whose premises is still
    held for the center (reserved, or assigned: the center has moved in). A premises released
    and then taken by a later accepted proposal counts for that one only (a divisible premises:
    for the centers sharing it in that run)."""
    live = Proposal.objects.filter(
        status=ProposalStatus.ACCEPTED,
        premises__availability__in=[Availability.RESERVED, Availability.ASSIGNED],
    )
    if center_ids is not None:
        ids = center_ids if isinstance(center_ids, QuerySet) else list(center_ids)
        live = live.filter(premises_id__in=live.filter(center_id__in=ids).values("premises_id"))
        wanted = None if isinstance(ids, QuerySet) else set(ids)
    else:
        wanted = None
    rows = list(
        live.order_by("decided_at", "pk").values_list(
            "center_id", "premises_id", "run_id", "area_added", "premises__code"
        )
    )
    latest_run = {premises_id: run_id for _c, premises_id, run_id, _a, _code in rows}
    out: dict = {}
    for center_id, premises_id, run_id, added, code in rows:
        if run_id != latest_run[premises_id] or (wanted is not None and center_id not in wanted):
            continue
        area, codes = out.get(center_id, (Decimal("0.00"), []))
        if code not in codes:
            codes.append(code)
        out[center_id] = (area + added, codes)
    return out


def short_centers(user, region: Region, on: date):
    """(centers short of area in `region` visible to `user`, their needs, the rule set): the
    standard in force on `on` against the floor area, as the sign-off criteria judge it. A
    center holding premises from an accepted proposal (reserved or assigned) counts them in its
    area: it is left out when they make it compliant, else matched again for what it still
    lacks."""
    from lianxin.centers.models import Center, RuleSet

    rule = RuleSet.objects.in_force(on)
    if rule is None:
        return [], [], None
    qs = (
        Center.objects.visible_to(user)
        .filter(region_path__startswith=region.path, kind__in=["village", "community"])
        .only(
            "id",
            "name",
            "region_path",
            "kind",
            "households",
            "floor_area",
            "latitude",
            "longitude",
            "district_code",
            "street_code",
            "region_id",
        )
        .order_by("region_path")
    )
    held = accepted_areas(qs.values("pk"))
    centers, needs = [], []
    for c in qs:
        required = rule.required_area(c.kind, c.households)
        if required is None:
            continue
        area = c.floor_area
        if c.pk in held:
            area = (area or Decimal("0.00")) + held[c.pk][0]
        if area is not None and area >= required:
            continue
        centers.append(c)
        needs.append(
            matching.Need(
                c.pk,
                float(c.latitude) if c.latitude is not None else None,
                float(c.longitude) if c.longitude is not None else None,
                required,
                area,
            )
        )
    return centers, needs, rule


def free_premises(user, region: Region):
    return list(
        Premises.objects.visible_to(user)
        .filter(region_path__startswith=region.path, availability=Availability.FREE)
        .order_by("id")
    )


def open_plans(center_ids) -> dict:
    """The open plan (not signed off) of each center, the latest campaign's first."""
    from lianxin.campaign.models import Plan

    out: dict = {}
    rows = Plan.objects.filter(center_id__in=list(center_ids), signed_off_on__isnull=True).order_by(
        "center_id", "-campaign__starts_on", "-campaign_id"
    )
    for plan in rows:
        out.setdefault(plan.center_id, plan)
    return out


def run_matching(
    actor,
    region: Region,
    *,
    max_distance_m: int = DEFAULT_DISTANCE_M,
    on: date | None = None,
    is_demo: bool = False,
) -> tuple[MatchRun, matching.Result]:
    """Match the free premises to the centers short of area in `region` (only what the actor
    sees), store the run and its proposals, and supersede the proposals still open from
    earlier runs in the same scope. Pairs rejected before are not proposed again."""
    on = on or timezone.localdate()
    if not Region.objects.visible_to(actor).filter(pk=region.pk).exists():
        raise Http404
    require(actor, MATCHERS, region.path)
    if not 100 <= int(max_distance_m) <= MAX_DISTANCE_M:
        raise ValidationError({"max_distance_m": [_("最大距离须在 100 到 20000 米之间。")]})
    started = time.perf_counter()
    centers, needs, rule = short_centers(actor, region, on)
    if rule is None:
        raise ValidationError({"on": [_("当日没有可用的面积标准。")]})
    offers_rows = free_premises(actor, region)
    offers = [
        matching.Offer(p.pk, float(p.latitude), float(p.longitude), p.floor_area, p.divisible)
        for p in offers_rows
    ]
    rejected = set(
        Proposal.objects.filter(
            status=ProposalStatus.REJECTED, center_id__in=[c.pk for c in centers]
        ).values_list("center_id", "premises_id")
    )
    result = matching.match(needs, offers, max_distance_m, exclude=rejected)
    elapsed = int((time.perf_counter() - started) * 1000)
    by_center = {c.pk: c for c in centers}
    plans = open_plans([p.center for p in result.proposals])
    with transaction.atomic():
        superseded = Proposal.objects.filter(
            status=ProposalStatus.PROPOSED, region_path__startswith=region.path
        ).update(status=ProposalStatus.SUPERSEDED)
        run = MatchRun.objects.create(
            region=region,
            region_path=region.path,
            max_distance_m=int(max_distance_m),
            on=on,
            solver=result.solver[:60],
            centers_short=len(needs),
            premises_free=len(offers),
            missing_area=result.missing_area,
            covered_area=result.covered_area,
            duration_ms=elapsed,
            created_by=actor if getattr(actor, "pk", None) else None,
            is_demo=is_demo,
        )
        Proposal.objects.bulk_create(
            [
                Proposal(
                    run=run,
                    center_id=p.center,
                    premises_id=p.premises,
                    plan=plans.get(p.center),
                    region_path=by_center[p.center].region_path,
                    distance_m=p.distance_m,
                    required_area=p.required,
                    area_before=p.before,
                    area_added=p.added,
                    area_after=p.after,
                    compliant_after=p.compliant_after,
                )
                for p in result.proposals
            ]
        )
        audit.record(
            actor,
            "run_matching",
            run,
            changes={
                "centers_short": [None, run.centers_short],
                "premises_free": [None, run.premises_free],
                "proposals": [None, len(result.proposals)],
                "covered_area": [None, str(run.covered_area)],
                "superseded": [None, superseded],
            },
        )
    run.result = result
    run.short_centers = centers
    return run, result


def _visible_proposal(actor, proposal: Proposal) -> Proposal:
    found = (
        Proposal.objects.visible_to(actor)
        .select_related("premises", "center", "run")
        .filter(pk=proposal.pk)
        .first()
    )
    if found is None:
        raise Http404
    require(actor, MATCHERS, found.region_path)
    return found


def _area_text(value) -> str:
    """320.00 → "320", 320.50 → "320.50"."""
    return str(int(value)) if value == int(value) else f"{value:.2f}"


def premises_text(premises: Premises) -> str:
    text = _("%(kind)s %(code)s %(address)s %(area)s㎡") % {
        "kind": premises.get_kind_display(),
        "code": premises.code,
        "address": premises.address,
        "area": _area_text(premises.floor_area),
    }
    return text[:200]


def accept_proposal(actor, proposal: Proposal, on: date | None = None) -> Proposal:
    """Take a proposal: the premises is reserved (for the center's open plan), the plan's
    premises text (and its target area, when empty) updated, the other open proposals of the
    same non-divisible premises superseded. A premises no longer free is refused."""
    from lianxin.campaign import services as campaign

    on = on or timezone.localdate()
    proposal = _visible_proposal(actor, proposal)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != ProposalStatus.PROPOSED:
            raise ValidationError(
                {
                    "status": [
                        _("该方案已是“%(s)s”，不能再采纳。") % {"s": proposal.get_status_display()}
                    ]
                }
            )
        premises = Premises.objects.select_for_update().get(pk=proposal.premises_id)
        shared = (
            premises.divisible
            and premises.availability == Availability.RESERVED
            and Proposal.objects.filter(
                run_id=proposal.run_id,
                premises_id=premises.pk,
                status=ProposalStatus.ACCEPTED,
            ).exists()
        )
        if premises.availability != Availability.FREE and not shared:
            raise ValidationError(
                {
                    "premises": [
                        _(
                            "房源 %(code)s 已不是空闲状态（现为“%(s)s”），不能采纳该方案，请重新匹配。"
                        )
                        % {"code": premises.code, "s": premises.get_availability_display()}
                    ]
                }
            )
        plan = open_plans([proposal.center_id]).get(proposal.center_id)
        if not shared:
            before = audit.snapshot(premises, ["availability", "reserved_on", "plan"])
            premises.availability = Availability.RESERVED
            premises.reserved_on = on
            premises.plan = plan
            premises.version += 1
            premises.save(
                update_fields=["availability", "reserved_on", "plan", "version", "updated_at"]
            )
            audit.record(
                actor,
                "reserve",
                premises,
                changes=audit.diff(
                    before, audit.snapshot(premises, ["availability", "reserved_on", "plan"])
                ),
                note=str(proposal.center)[:300],
            )
        if plan is not None:
            text = premises_text(premises)
            held = accepted_areas([proposal.center_id]).get(proposal.center_id)
            if held and plan.premises and text not in plan.premises:
                # a second premises for a center still short: the plan names both
                text = f"{plan.premises}；{text}"[:200]
            data = {"premises": text}
            # empty, or set by the previous acceptance (the area this proposal starts from)
            if plan.target_area is None or (held and plan.target_area == proposal.area_before):
                data["target_area"] = proposal.area_after
            try:
                campaign.update_plan(actor, plan, data)
            except ConflictError:
                raise
        status_before = proposal.status
        proposal.status = ProposalStatus.ACCEPTED
        proposal.decided_by = actor if getattr(actor, "pk", None) else None
        proposal.decided_at = timezone.now()
        proposal.plan = plan
        proposal.save(update_fields=["status", "decided_by", "decided_at", "plan"])
        others = 0
        if not premises.divisible:
            others = (
                Proposal.objects.filter(premises=premises, status=ProposalStatus.PROPOSED)
                .exclude(pk=proposal.pk)
                .update(status=ProposalStatus.SUPERSEDED)
            )
        audit.record(
            actor,
            "accept",
            proposal,
            changes={"status": [status_before, proposal.status], "superseded": [None, others]},
        )
    return proposal


def reject_proposal(actor, proposal: Proposal, reason: str) -> Proposal:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写否决理由。")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("否决理由不能超过 300 个字。")]})
    proposal = _visible_proposal(actor, proposal)
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != ProposalStatus.PROPOSED:
            raise ValidationError(
                {
                    "status": [
                        _("该方案已是“%(s)s”，不能再否决。") % {"s": proposal.get_status_display()}
                    ]
                }
            )
        before = proposal.status
        proposal.status = ProposalStatus.REJECTED
        proposal.reason = reason
        proposal.decided_by = actor if getattr(actor, "pk", None) else None
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        audit.record(
            actor,
            "reject",
            proposal,
            changes={"status": [before, proposal.status], "reason": [None, reason]},
        )
    return proposal


def default_region(user) -> Region | None:
    """Where the user runs matching by default: the district (or the city) where they may."""
    from ..permissions import role_scope

    scope = role_scope(user, MATCHERS)
    if scope.is_empty():
        return None
    if scope.everything:
        return Region.objects.filter(level=Level.PROVINCE).order_by("code").first()
    regions = Region.objects.visible_to(user).filter(level__lte=Level.COUNTY)
    paths = sorted(scope.subtree | scope.exact, key=len)
    for path in paths:
        code = [p for p in path.split("/") if p][-1]
        found = regions.filter(code=code).first()
        if found:
            return found
    return None
