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
from lianxin.core.db import write_rows
from lianxin.core.models import AuditLog
from lianxin.core.scoping import CHANGE, INSPECT, ensure_visible
from lianxin.core.services import ConflictError, require_visible, update_fields
from lianxin.core.text import pinyin_initials
from lianxin.regions.models import Kind

from .models import (
    Center,
    CenterStatus,
    CenterStatusPeriod,
    Checklist,
    ChecklistItem,
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
    if valid_from > timezone.localdate():
        # Center.status is the status now: a future period would show as today's.
        raise ValidationError({"valid_from": _("生效日期不能晚于今天。")})
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


def _area_finding(
    actor, center: Center, on: date, rule: RuleSet | None, activity_area, *, source, note
) -> LevelRecord:
    """The (unsaved) 面积达标 record of `center` on `on` under `rule`; `activity_area()` gives the
    resident-activity floor area, asked only when the share matters."""
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
        activity = activity_area()
        if activity is not None and area and activity / area < rule.activity_share_min:
            compliant = False
            reasons.append(
                _("居民活动用房占比 %(p)s%% 低于 %(m)s%%")
                % {"p": round(activity * 100 / area), "m": round(rule.activity_share_min * 100)}
            )
    return LevelRecord(
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


def _record_area(
    actor, center: Center, on: date, *, source: str = Source.COMPUTED, note: str = ""
) -> LevelRecord:
    """面积达标 on `on`, by the rule set in force that day; the record keeps the numbers used."""
    rule = RuleSet.objects.in_force(on)
    record = _area_finding(
        actor, center, on, rule, lambda: _activity_area(center), source=source, note=note
    )
    record.save()
    audit.record(
        actor,
        "assess_area",
        center,
        changes={"area_compliant": [None, record.compliant]},
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
    record_renovations(actor, [(center, accepted_on, compliant)], source=source, note=note)
    return LevelRecord.objects.filter(center=center, level=Level.RENOVATION).latest("id")


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
    passes and the center is in use that day.

    Who may inspect: anyone whose scope covers the center for INSPECT — every writing role, and
    the read-only inspector (督查) role. An inspection records findings (a score, photos,
    follow-ups, the 规范使用 level); it edits nothing in the registry, and inspecting is the
    inspector role's job, so CHANGE (which that role never has) would be the wrong test."""
    require_visible(actor, center, INSPECT)
    items = {i.code: i for i in checklist.items.all()}
    errors: dict[str, list[str]] = {}
    if not Checklist.objects.on(inspected_on).filter(pk=checklist.pk).exists():
        errors["checklist"] = [
            _("检查清单“%(name)s”在 %(day)s 未生效。")
            % {"name": checklist.name, "day": inspected_on}
        ]
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
    photo_codes = [code for code, _f in photos if code and code not in items]
    if photo_codes:
        errors.setdefault("photos", []).append(
            _("未知的检查项：%(c)s") % {"c": ", ".join(photo_codes)}
        )
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
        try:
            check_image(upload, field="photos")
        except ValidationError as exc:  # reported with the other errors, not instead of them
            errors.setdefault("photos", []).extend(exc.message_dict["photos"])
    for code, due in (follow_ups or {}).items():
        if results.get(code, ("",))[0] != ItemResult.FAIL:
            errors.setdefault("follow_ups", []).append(
                _("只有不合格项可以发起整改：%(c)s") % {"c": code}
            )
        elif due is not None and due < inspected_on:
            errors.setdefault("follow_ups", []).append(
                _("整改期限不能早于检查日期：%(item)s")
                % {"item": items[code].text if code in items else code}
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


MAX_PHOTO_BYTES = 10 * 1024 * 1024
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}


def check_image(upload, *, field: str) -> None:
    """Evidence photos: JPEG, PNG or WebP, at most 10 MB — decoded by Pillow, so that a file
    that only starts like an image (renamed, truncated) is refused, whatever its name."""
    from PIL import Image, UnidentifiedImageError

    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({field: [_("“%(name)s”超过 10 MB。") % {"name": upload.name}]})
    try:
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()  # verify() checks the structure; load() finds truncated pixel data
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        kind = None
    finally:
        upload.seek(0)
    if kind not in IMAGE_FORMATS:
        raise ValidationError(
            {
                field: [
                    _("“%(name)s”不是 JPEG、PNG 或 WebP 图片，或图片已损坏。")
                    % {"name": upload.name}
                ]
            }
        )


RULE_SET_FIELDS = [
    "code",
    "name",
    "basis",
    "valid_from",
    "valid_to",
    "village_min_area",
    "community_min_area",
    "community_area_per_100_households",
    "activity_share_min",
    "comply_by",
    "note",
]
AREA_THRESHOLDS = ["village_min_area", "community_min_area", "community_area_per_100_households"]


def can_edit_standards(user) -> bool:
    """Rule sets and checklists are the city's: only its administrators (and system
    administrators) edit them; every staff member reads them."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or (user.is_staff_member and user.has_role("city_admin")))
    )


def _require_standards_admin(actor) -> None:
    if not can_edit_standards(actor):
        raise PermissionDenied(_("只有市级管理员可以修改建设标准。"))


def _rule_set_errors(obj: RuleSet) -> dict[str, list[str]]:
    """The model's own checks plus the rules of a usable rule set, all reported at once."""
    try:
        obj.full_clean()
        errors: dict[str, list[str]] = {}
    except ValidationError as exc:
        errors = exc.message_dict
    for name in [*AREA_THRESHOLDS, "activity_share_min"]:
        value = getattr(obj, name)
        if isinstance(value, Decimal) and value <= 0:
            errors.setdefault(name, []).append(_("须大于 0。"))
    share = obj.activity_share_min
    if isinstance(share, Decimal) and share > 1:
        errors.setdefault("activity_share_min", []).append(_("占比不能超过 1（即 100%）。"))
    if not errors and all(getattr(obj, n) is None for n in AREA_THRESHOLDS):
        errors["village_min_area"] = [_("请至少填写一项面积标准。")]
    if (
        isinstance(obj.valid_from, date)
        and isinstance(obj.valid_to, date)
        and obj.valid_to <= obj.valid_from
    ):
        errors.setdefault("valid_to", []).append(_("失效日期须晚于生效日期。"))
    return errors


def save_rule_set(
    actor, rule_set: RuleSet | None, data: dict, *, expected_version: int | None = None
) -> RuleSet:
    """Create or edit a rule set (city administrators). The area level is then assessed for every
    center in the actor's scope on the day the change takes effect; earlier records stay as they
    were (a rule-set change never rewrites past results)."""
    _require_standards_admin(actor)
    unknown = set(data) - set(RULE_SET_FIELDS)
    if unknown:
        raise ValidationError({k: _("该字段不可修改。") for k in unknown})
    with transaction.atomic():
        if rule_set:
            stored = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
            if expected_version is not None and stored.version != expected_version:
                raise ConflictError()
            rule_set.version = stored.version
        before = audit.snapshot(rule_set) if rule_set else {}
        obj = rule_set or RuleSet()
        for name, value in data.items():
            setattr(obj, name, value)
        errors = _rule_set_errors(obj)
        if errors:
            raise ValidationError(errors)
        if rule_set:
            obj.version += 1
        obj.save()
        audit.record(
            actor,
            "update" if rule_set else "create",
            obj,
            changes=audit.diff(before, audit.snapshot(obj)),
        )
        on = reassessment_day(obj, edited=rule_set is not None)
        if on:
            _reassess_area(actor, obj, on)
    return obj


def reassessment_day(rule_set: RuleSet, *, edited: bool) -> date | None:
    """The day `save_rule_set` re-assesses the area level from: a new rule set's start date; for
    an edited one today (or its start, if later), so that nothing before today is re-judged.
    None when the rule set is not the one in force that day (nothing to re-assess)."""
    on = max(rule_set.valid_from, timezone.localdate()) if edited else rule_set.valid_from
    return on if RuleSet.objects.in_force(on) == rule_set else None


def _reassess_area(actor, rule: RuleSet, on: date) -> None:
    """面积达标 of every village and community center in the actor's scope on `on`, in bulk: the
    same records `_record_area` writes, and one audit row for the lot (one query per center,
    and an audit row each, took 20 s for Tianjin's 5,916 centers — too long for a request)."""
    centers = (
        Center.objects.visible_to(actor)
        .filter(kind__in=[Kind.VILLAGE, Kind.COMMUNITY])
        .annotate(rooms_area=Sum("rooms__area"))
        .order_by("pk")
    )
    batch, assessed, compliant = [], 0, 0
    for center in centers.iterator(chunk_size=2000):
        rooms = center.rooms_area
        record = _area_finding(
            actor,
            center,
            on,
            rule,
            lambda rooms=rooms: Decimal(rooms) if rooms is not None else None,
            source=Source.COMPUTED,
            note=rule.code,
        )
        batch.append(record)
        assessed, compliant = assessed + 1, compliant + record.compliant
        if len(batch) >= 2000:
            LevelRecord.objects.bulk_create(batch)
            batch = []
    LevelRecord.objects.bulk_create(batch)
    audit.record(
        actor,
        "assess_area",
        rule,
        changes={"centers": [None, assessed], "area_compliant": [None, compliant]},
        note=f"{on} {rule.code}",
    )


# -- checklists ----------------------------------------------------------------------------------

ITEM_FIELDS = ["code", "group", "text", "evidence_required", "required", "weight", "sort"]


def _item_errors(item: ChecklistItem) -> dict[str, list[str]]:
    try:
        item.full_clean(exclude=["checklist"], validate_constraints=False)
        errors: dict[str, list[str]] = {}
    except ValidationError as exc:
        errors = exc.message_dict
    if isinstance(item.weight, Decimal) and item.weight <= 0:
        errors.setdefault("weight", []).append(_("权重须大于 0。"))
    taken = (
        ChecklistItem.objects.filter(checklist_id=item.checklist_id, code=item.code)
        .exclude(pk=item.pk)
        .exists()
    )
    if item.code and taken:
        errors.setdefault("code", []).append(
            _("代码“%(code)s”已被本清单的其他检查项使用。") % {"code": item.code}
        )
    return errors


def create_checklist_item(actor, checklist: Checklist, data: dict) -> ChecklistItem:
    """A new item on a checklist; it counts in inspections recorded from now on."""
    _require_standards_admin(actor)
    with transaction.atomic():
        item = ChecklistItem(
            checklist=checklist, **{k: v for k, v in data.items() if k in ITEM_FIELDS}
        )
        errors = _item_errors(item)
        if errors:
            raise ValidationError(errors)
        item.save()
        audit.record(
            actor,
            "create",
            item,
            changes=audit.diff({}, audit.snapshot(item)),
            note=checklist.code,
        )
    return item


def update_checklist_item(actor, item: ChecklistItem, data: dict) -> ChecklistItem:
    """Edit an item. Its code is fixed (past results refer to the item); a new weight or pass
    rule applies to inspections recorded from now on — stored scores are never recomputed."""
    _require_standards_admin(actor)
    fields = [k for k in data if k in ITEM_FIELDS and k != "code"]
    with transaction.atomic():
        before = audit.snapshot(item, fields)
        for name in fields:
            setattr(item, name, data[name])
        errors = _item_errors(item)
        if errors:
            raise ValidationError(errors)
        changes = audit.diff(before, audit.snapshot(item, fields))
        if changes:
            item.save(update_fields=fields)
            audit.record(actor, "update", item, changes=changes, note=item.checklist.code)
    return item


def delete_checklist_item(actor, item: ChecklistItem) -> None:
    """Remove an item that no inspection has used yet (a used item is part of past results)."""
    _require_standards_admin(actor)
    with transaction.atomic():
        used = InspectionItem.objects.filter(item=item).count()
        if used:
            raise ValidationError(
                _(
                    "该检查项已用于 %(n)s 次检查，不能删除（历史检查结果引用它）；可修改其内容或权重。"
                )
                % {"n": used}
            )
        audit.record(
            actor,
            "delete",
            item,
            changes=audit.diff(audit.snapshot(item), {}),
            note=item.checklist.code,
        )
        item.delete()


# -- many centers at once (the ledger import) ----------------------------------------------------
#
# The same rules as update_center, set_center_status and record_renovation — the actor's CHANGE
# scope checked before and after, the model validated, versions compared, an audit row per
# change, the area level re-assessed when the area or households change — done set-based: a few
# queries per 2,000 centers instead of a dozen per center (6,000 rows took a minute one by one).
# A refusal names its center (`exc.center`), so that the caller can say which row; the caller's
# transaction then rolls everything back.

BATCH = 2000


def _chunks(items: list, size: int = BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _refuse(exc: Exception, center: Center) -> Exception:
    exc.center = center
    return exc


def _require_all_editable(actor, centers: list[Center]) -> None:
    ids = [c.pk for c in centers]
    seen: set[int] = set()
    for chunk in _chunks(ids):
        seen |= set(
            Center.objects.visible_to(actor, CHANGE)
            .filter(pk__in=chunk)
            .values_list("pk", flat=True)
        )
    for center in centers:
        if center.pk not in seen:
            raise _refuse(
                PermissionDenied(_("该记录不在您的数据范围内，或您没有编辑权限。")), center
            )


def _region_names(centers: list[Center]) -> dict[str, str]:
    """Names of every unit on the centers' paths (for the searchable text), in one query a batch."""
    from lianxin.regions.models import Region

    codes = sorted({code for c in centers for code in c.region_path.split("/") if code})
    names: dict[str, str] = {}
    for chunk in _chunks(codes):
        names |= dict(Region.objects.filter(code__in=chunk).values_list("code", "name"))
    return names


def update_centers(actor, changes: list[tuple[Center, dict, int | None]]) -> list[Center]:
    """update_center for many centers: (center, data, expected version) each; returns the centers
    that changed. All or nothing."""
    if not changes:
        return []
    for center, data, _version in changes:
        unknown = set(data) - set(CENTER_EDITABLE)
        if unknown:
            raise _refuse(ValidationError({k: _("该字段不可修改。") for k in unknown}), center)
    centers = [c for c, _d, _v in changes]
    named = [c for c, d, _v in changes if "name" in d]
    names = _region_names(named) if named else {}
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        _require_all_editable(actor, centers)
        versions: dict[int, int] = {}
        for chunk in _chunks([c.pk for c in centers]):
            versions |= dict(
                Center.objects.select_for_update().filter(pk__in=chunk).values_list("pk", "version")
            )
        updated, entries, reassess = [], [], []
        fields = {"version", "updated_at"}
        for center, data, expected in changes:
            current = center.version if expected is None else expected
            if versions.get(center.pk) != current:
                raise _refuse(ConflictError(), center)
            logged = [*data, "search_text"] if "name" in data else list(data)
            before = audit.snapshot(center, logged)
            before_area = (center.floor_area, center.households)
            for name, value in data.items():
                setattr(center, name, value)
            if "name" in data:
                chain = [names.get(c, "") for c in center.region_path.split("/") if c]
                # The unit itself, then its ancestors below the province, nearest first.
                center.search_text = search_text(data["name"], [chain[-1], *reversed(chain[1:-1])])
            try:
                center.full_clean(exclude=["region", "search_text"], validate_unique=False)
            except ValidationError as exc:
                raise _refuse(exc, center) from None
            diff = audit.diff(before, audit.snapshot(center, logged))
            if not diff:
                continue
            fields |= set(data) | ({"search_text"} if "name" in data else set())
            center.version, center.updated_at = current + 1, now
            updated.append(center)
            entries.append(audit.entry(actor, "update", center, changes=diff))
            if (center.floor_area, center.households) != before_area and center.kind in (
                Kind.VILLAGE,
                Kind.COMMUNITY,
            ):
                reassess.append(center)
        write_rows(Center, updated, sorted(fields))
        _require_all_editable(actor, updated)  # still inside the actor's scope after the write
        AuditLog.objects.bulk_create(entries, batch_size=1000)
        _record_areas(actor, reassess, today)
    return updated


def _record_areas(actor, centers: list[Center], on: date) -> None:
    """_record_area for many centers: the rule set read once, the rooms' areas in one query a
    batch, the level records and their audit rows inserted in bulk."""
    if not centers:
        return
    rule = RuleSet.objects.in_force(on)
    rooms: dict[int, Decimal] = {}
    for chunk in _chunks([c.pk for c in centers]):
        rooms |= dict(
            Room.objects.filter(center_id__in=chunk)
            .values("center_id")
            .annotate(total=Sum("area"))
            .values_list("center_id", "total")
        )
    records, entries = [], []
    for center in centers:
        total = rooms.get(center.pk)
        record = _area_finding(
            actor,
            center,
            on,
            rule,
            lambda total=total: Decimal(total) if total is not None else None,
            source=Source.COMPUTED,
            note="",
        )
        records.append(record)
        entries.append(
            audit.entry(
                actor,
                "assess_area",
                center,
                changes={"area_compliant": [None, record.compliant]},
                note=f"{on} {rule.code if rule else '-'}",
            )
        )
    LevelRecord.objects.bulk_create(records, batch_size=1000)
    AuditLog.objects.bulk_create(entries, batch_size=1000)


def set_centers_status(actor, items: list[tuple[Center, str, date]], note: str = "") -> None:
    """set_center_status for many centers: (center, status, valid_from) each. All or nothing."""
    if not items:
        return
    for center, status, _day in items:
        if status not in CenterStatus.values:
            raise _refuse(
                ValidationError({"status": _("未知的状态：%(s)s") % {"s": status}}), center
            )
    with transaction.atomic():
        _require_all_editable(actor, [c for c, _s, _d in items])
        current: dict[int, CenterStatusPeriod] = {}
        for chunk in _chunks([c.pk for c, _s, _d in items]):
            for period in (
                CenterStatusPeriod.objects.select_for_update()
                .filter(center_id__in=chunk, valid_to__isnull=True)
                .order_by("valid_from")
            ):
                current[period.center_id] = period  # the latest open one
        closed, opened, entries = [], [], []
        for center, status, valid_from in items:
            period = current.get(center.pk)
            if period and valid_from <= period.valid_from:
                raise _refuse(
                    ValidationError(
                        {
                            "valid_from": _("生效日期须晚于当前状态的开始日期 %(d)s。")
                            % {"d": period.valid_from}
                        }
                    ),
                    center,
                )
            if period:
                period.valid_to = valid_from
                closed.append(period)
            opened.append(
                CenterStatusPeriod(center=center, status=status, valid_from=valid_from, note=note)
            )
            entries.append(
                audit.entry(
                    actor,
                    "status",
                    center,
                    changes={"status": [center.status, status]},
                    note=f"{valid_from} {note}".strip(),
                )
            )
            center.status, center.version = status, center.version + 1
        write_rows(CenterStatusPeriod, closed, ["valid_to"])
        CenterStatusPeriod.objects.bulk_create(opened, batch_size=1000)
        write_rows(Center, [c for c, _s, _d in items], ["status", "version"])
        AuditLog.objects.bulk_create(entries, batch_size=1000)


def record_renovations(
    actor,
    items: list[tuple[Center, date, bool]],
    *,
    source: str = Source.CAMPAIGN,
    note: str = "",
) -> None:
    """record_renovation for many centers: (center, accepted_on, compliant) each."""
    if not items:
        return
    with transaction.atomic():
        _require_all_editable(actor, [c for c, _d, _ok in items])
        LevelRecord.objects.bulk_create(
            [
                LevelRecord(
                    center=center,
                    region_path=center.region_path,
                    level=Level.RENOVATION,
                    compliant=compliant,
                    effective_on=on,
                    source=source,
                    note=note[:200],
                    recorded_by=actor,
                )
                for center, on, compliant in items
            ],
            batch_size=1000,
        )
        AuditLog.objects.bulk_create(
            [
                audit.entry(
                    actor,
                    "record_renovation",
                    center,
                    changes={"renovation_compliant": [None, compliant]},
                    note=str(on),
                )
                for center, on, compliant in items
            ],
            batch_size=1000,
        )
