"""Every write to centers and rooms goes through one function here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import audit
from lianxin.core.scoping import ensure_visible
from lianxin.core.services import require_visible, update_fields
from lianxin.core.text import pinyin_initials
from lianxin.regions.models import Kind

from .models import (
    Center,
    CenterStatus,
    CenterStatusPeriod,
    Checklist,
    FollowUp,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    Level,
    LevelRecord,
    Room,
    RuleSet,
)
from .models.standards import FollowUpStatus, ItemResult, Source

CENTER_EDITABLE = [
    "name",
    "address",
    "latitude",
    "longitude",
    "floor_area",
    "households",
    "opening_hours",
    "phone",
]
ROOM_EDITABLE = ["room_type_id", "name", "area", "capacity", "bookable"]


def search_text(name: str, region_names: list[str]) -> str:
    """Names of the center and its region chain, with their pinyin initials, so that 'hxq'
    finds every 河西区 center and '友谊路' finds that street's."""
    words = [name, *region_names]
    return " ".join(words + [pinyin_initials(w) for w in words])


def update_center(actor, center: Center, data: dict, *, expected_version: int | None = None):
    unknown = set(data) - set(CENTER_EDITABLE)
    if unknown:
        raise ValidationError({k: _("该字段不可修改。") for k in unknown})
    if "name" in data:
        names = [r.name for r in reversed(center.region.ancestors()[1:])]
        data = data | {"search_text": search_text(data["name"], [center.region.name, *names])}
    with transaction.atomic():
        before = (center.floor_area, center.households)
        update_fields(
            actor, center, data, expected_version=expected_version, exclude_clean=["search_text"]
        )
        if (center.floor_area, center.households) != before and center.kind in (
            Kind.VILLAGE,
            Kind.COMMUNITY,
        ):
            _record_area(actor, center, timezone.localdate())
    return center


def set_center_status(actor, center: Center, status: str, valid_from: date, note: str = ""):
    """Close the open status period and open a new one from `valid_from`."""
    if status not in CenterStatus.values:
        raise ValidationError({"status": _("未知的状态：%(s)s") % {"s": status}})
    require_visible(actor, center)
    with transaction.atomic():
        current = center.history.filter(valid_to__isnull=True).order_by("-valid_from").first()
        if current and valid_from <= current.valid_from:
            raise ValidationError(
                {
                    "valid_from": _("生效日期须晚于当前状态的开始日期 %(d)s。")
                    % {"d": current.valid_from}
                }
            )
        if current:
            current.valid_to = valid_from
            current.save(update_fields=["valid_to"])
        CenterStatusPeriod.objects.create(
            center=center, status=status, valid_from=valid_from, note=note
        )
        before = center.status
        Center.objects.filter(pk=center.pk).update(status=status, version=center.version + 1)
        center.status, center.version = status, center.version + 1
        audit.record(
            actor,
            "status",
            center,
            changes={"status": [before, status]},
            note=f"{valid_from} {note}".strip(),
        )
    return center


def create_room(actor, center: Center, data: dict) -> Room:
    require_visible(actor, center)
    with transaction.atomic():
        room = Room(
            center=center,
            region_path=center.region_path,
            **{k: v for k, v in data.items() if k in ROOM_EDITABLE},
        )
        room.full_clean()
        room.save()
        ensure_visible(actor, room)
        audit.record(actor, "create", room, changes=audit.diff({}, audit.snapshot(room)))
    return room


def update_room(actor, room: Room, data: dict) -> Room:
    return update_fields(actor, room, {k: v for k, v in data.items() if k in ROOM_EDITABLE})


def delete_room(actor, room: Room) -> None:
    require_visible(actor, room)
    with transaction.atomic():
        audit.record(actor, "delete", room, changes=audit.diff(audit.snapshot(room), {}))
        room.delete()


# -- standards and the three levels --------------------------------------------------------------


def _activity_area(center: Center) -> Decimal | None:
    total = center.rooms.aggregate(total=Sum("area"))["total"]
    return Decimal(total) if total is not None else None


def _record_area(
    actor, center: Center, on: date, *, source: str = Source.COMPUTED, note: str = ""
) -> LevelRecord:
    """面积达标 on `on`, by the rule set in force that day; the record keeps the numbers used."""
    rule = RuleSet.objects.in_force(on)
    required = rule.required_area(center.kind, center.households) if rule else None
    area = center.floor_area
    compliant = required is not None and area is not None and area >= required
    reasons = []
    if rule is None:
        reasons.append(_("当日没有生效的建设标准"))
    elif required is None:
        reasons.append(
            _("缺少服务户数，无法按每百户标准判定")
            if center.kind == Kind.COMMUNITY
            else _("该标准对此类中心无面积要求")
        )
    if compliant and rule.activity_share_min is not None:
        activity = _activity_area(center)
        if activity is not None and area and activity / area < rule.activity_share_min:
            compliant = False
            reasons.append(
                _("居民活动用房占比 %(p)s%% 低于 %(m)s%%")
                % {"p": round(activity * 100 / area), "m": round(rule.activity_share_min * 100)}
            )
    record = LevelRecord.objects.create(
        center=center,
        region_path=center.region_path,
        level=Level.AREA,
        compliant=compliant,
        effective_on=on,
        rule_set=rule,
        floor_area=area,
        households=center.households,
        required_area=required,
        source=source,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        note=("；".join(str(r) for r in reasons) or note)[:200],
    )
    audit.record(
        actor,
        "assess_area",
        center,
        changes={"area_compliant": [None, compliant]},
        note=f"{on} {rule.code if rule else '-'}",
    )
    return record


def assess_area(actor, center: Center, on: date | None = None) -> LevelRecord:
    require_visible(actor, center)
    with transaction.atomic():
        return _record_area(actor, center, on or timezone.localdate())


def record_renovation(
    actor,
    center: Center,
    accepted_on: date,
    *,
    compliant: bool = True,
    source: str = Source.CAMPAIGN,
    note: str = "",
) -> LevelRecord:
    """改造达标: a renovation accepted (or, compliant=False, found wanting) on `accepted_on`."""
    require_visible(actor, center)
    with transaction.atomic():
        record = LevelRecord.objects.create(
            center=center,
            region_path=center.region_path,
            level=Level.RENOVATION,
            compliant=compliant,
            effective_on=accepted_on,
            source=source,
            note=note[:200],
            recorded_by=actor,
        )
        audit.record(
            actor,
            "record_renovation",
            center,
            changes={"renovation_compliant": [None, compliant]},
            note=str(accepted_on),
        )
    return record


def _status_on(center: Center, day: date) -> str | None:
    period = center.history.filter(CenterStatusPeriod.on(day)).first()
    return period.status if period else None


def record_inspection(
    actor,
    center: Center,
    checklist: Checklist,
    inspected_on: date,
    results: dict[str, tuple[str, str]],
    *,
    signature: str,
    note: str = "",
    photos=(),
    follow_ups: dict[str, date | None] | None = None,
) -> Inspection:
    """An inspection item by item: results maps item code → (pass/fail/na, note); photos are
    (item code or None, uploaded file); follow_ups maps failed item codes → due date.
    规范使用 holds when the weighted score reaches the checklist's pass mark, every required item
    passes and the center is in use that day."""
    require_visible(actor, center)
    items = {i.code: i for i in checklist.items.all()}
    errors: dict[str, list[str]] = {}
    missing = [c for c in items if c not in results]
    if missing:
        errors["results"] = [
            _("以下检查项未填写：%(items)s") % {"items": "、".join(items[c].text for c in missing)}
        ]
    unknown = [c for c in results if c not in items]
    if unknown:
        errors.setdefault("results", []).append(
            _("未知的检查项：%(c)s") % {"c": ", ".join(unknown)}
        )
    bad = [c for c, (r, _n) in results.items() if r not in ItemResult.values]
    if bad:
        errors.setdefault("results", []).append(
            _("结果须为合格、不合格或不适用：%(c)s") % {"c": ", ".join(bad)}
        )
    if not (signature or "").strip():
        errors["signature"] = [_("请签名（填写检查人姓名）。")]
    if inspected_on > timezone.localdate():
        errors["inspected_on"] = [_("检查日期不能晚于今天。")]
    with_photo = {code for code, _f in photos if code}
    for code, item in items.items():
        if (
            item.evidence_required
            and results.get(code, ("",))[0] == ItemResult.PASS
            and code not in with_photo
        ):
            errors.setdefault("photos", []).append(
                _("“%(item)s”需上传佐证照片。") % {"item": item.text}
            )
    for _code, upload in photos:
        check_image(upload, field="photos")
    for code in follow_ups or {}:
        if results.get(code, ("",))[0] != ItemResult.FAIL:
            errors.setdefault("follow_ups", []).append(
                _("只有不合格项可以发起整改：%(c)s") % {"c": code}
            )
    if errors:
        raise ValidationError(errors)
    scored = [(items[c], r) for c, (r, _n) in results.items() if r != ItemResult.NA]
    total = sum((i.weight for i, _r in scored), Decimal(0))
    got = sum((i.weight for i, r in scored if r == ItemResult.PASS), Decimal(0))
    score = (got * 100 / total).quantize(Decimal("0.1")) if total else Decimal(0)
    required_ok = all(r == ItemResult.PASS for i, r in scored if i.required)
    in_use = _status_on(center, inspected_on) == CenterStatus.IN_USE
    passed = score >= checklist.pass_score and required_ok
    with transaction.atomic():
        inspection = Inspection.objects.create(
            center=center,
            region_path=center.region_path,
            checklist=checklist,
            inspected_on=inspected_on,
            inspector=actor,
            score=score,
            passed=passed,
            signature=signature.strip()[:60],
            note=note,
        )
        saved = {}
        for code, (result, item_note) in results.items():
            saved[code] = InspectionItem.objects.create(
                inspection=inspection, item=items[code], result=result, note=item_note[:200]
            )
        for code, upload in photos:
            InspectionPhoto.objects.create(
                inspection=inspection,
                item=items.get(code),
                region_path=center.region_path,
                image=upload,
            )
        for code, due in (follow_ups or {}).items():
            FollowUp.objects.create(
                center=center,
                region_path=center.region_path,
                inspection_item=saved[code],
                due_on=due,
                description=(saved[code].note or items[code].text)[:300],
            )
        LevelRecord.objects.create(
            center=center,
            region_path=center.region_path,
            level=Level.USE,
            compliant=passed and in_use,
            effective_on=inspected_on,
            score=score,
            source=Source.INSPECTION,
            inspection=inspection,
            recorded_by=actor,
            note="" if in_use or not passed else _("中心当日未在使用"),
        )
        audit.record(
            actor,
            "inspect",
            center,
            changes={"score": [None, str(score)], "passed": [None, passed]},
            note=f"{inspected_on} {checklist.code}",
        )
    return inspection


def close_follow_up(actor, follow_up: FollowUp, closed_on: date, note: str) -> FollowUp:
    if not (note or "").strip():
        raise ValidationError({"closed_note": [_("请说明整改情况。")]})
    require_visible(actor, follow_up)
    with transaction.atomic():
        updated = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUpStatus.OPEN).update(
            status=FollowUpStatus.CLOSED, closed_on=closed_on, closed_note=note.strip()[:300]
        )
        if not updated:
            raise ValidationError({"status": [_("该整改事项已关闭。")]})
        follow_up.refresh_from_db()
        audit.record(
            actor,
            "close_follow_up",
            follow_up,
            changes={"status": [FollowUpStatus.OPEN, FollowUpStatus.CLOSED]},
        )
    return follow_up


IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def check_image(upload, *, field: str) -> None:
    """Evidence photos: JPEG, PNG or WebP, at most 10 MB (checked by content, not by name)."""
    head = upload.read(12)
    upload.seek(0)
    is_webp = head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    if not (head.startswith(IMAGE_SIGNATURES[:2]) or is_webp):
        raise ValidationError(
            {field: [_("“%(name)s”不是 JPEG、PNG 或 WebP 图片。") % {"name": upload.name}]}
        )
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({field: [_("“%(name)s”超过 10 MB。") % {"name": upload.name}]})


def save_rule_set(actor, rule_set: RuleSet | None, data: dict) -> RuleSet:
    """Create or edit a rule set (city administrators). The area level is then assessed for every
    center in the actor's scope on the day the change takes effect; earlier records stay as they
    were (a rule-set change never rewrites past results)."""
    if not (actor.is_superuser or actor.has_role("city_admin")):
        raise PermissionDenied(_("只有市级管理员可以修改建设标准。"))
    with transaction.atomic():
        before = audit.snapshot(rule_set) if rule_set else {}
        obj = rule_set or RuleSet()
        for name, value in data.items():
            setattr(obj, name, value)
        obj.full_clean()
        if obj.valid_to and obj.valid_to <= obj.valid_from:
            raise ValidationError({"valid_to": [_("失效日期须晚于生效日期。")]})
        if rule_set:
            obj.version += 1
        obj.save()
        audit.record(
            actor,
            "update" if rule_set else "create",
            obj,
            changes=audit.diff(before, audit.snapshot(obj)),
        )
        on = max(obj.valid_from, timezone.localdate()) if rule_set else obj.valid_from
        if RuleSet.objects.in_force(on) == obj:
            for center in (
                Center.objects.visible_to(actor)
                .filter(kind__in=[Kind.VILLAGE, Kind.COMMUNITY])
                .iterator(chunk_size=500)
            ):
                _record_area(actor, center, on, note=obj.code)
    return obj
