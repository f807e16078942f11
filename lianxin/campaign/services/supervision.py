"""实地督导 · 暗访: a visit, announced or not, and its findings, each of which becomes a
rectification item (整改) with an owner and a deadline; the item is closed with evidence (a photo
or a written account of what was put right). Overdue items are escalated once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.centers.models import Center
from lianxin.centers.services import check_image
from lianxin.core import audit
from lianxin.core.models import AuditLog, NotificationLevel
from lianxin.core.notifications import notify
from lianxin.core.scoping import CHANGE, VIEW, scope_for
from lianxin.core.services import require_visible
from lianxin.regions.models import Level, Region

from ..models import (
    Campaign,
    Leader,
    Rectification,
    RectificationPhoto,
    RectificationStatus,
    Visit,
    VisitKind,
)
from .leaders import refuse_outside

MAX_FINDINGS = 50
MAX_PHOTOS = 9
# What is visited: a street (town) or a site (a village or a community).
VISITED_LEVELS = (Level.TOWNSHIP, Level.VILLAGE)


# -- people who answer for an item (shared with meetings) ----------------------------------------


def check_owner(owner, owner_name: str, path: str) -> tuple[object, str, list[str]]:
    """(owner, name, errors): an item is owned by a staff account that can see it, or by a
    person named in words (who has no account)."""
    name = (owner_name or "").strip()
    errors: list[str] = []
    if owner is not None:
        scope = scope_for(owner, VIEW)
        if not (owner.is_active and owner.is_staff_member):
            errors.append(_("责任人账号须为在用的工作人员账号。"))
        elif not (scope.covers_path(path) or scope.own_records):
            errors.append(
                _("账号“%(u)s”看不到该单位的数据，不能作为责任人；请改填姓名。")
                % {"u": owner.get_username()}
            )
        name = name or str(owner)
    elif not name:
        errors.append(_("请填写责任人。"))
    if len(name) > 60:
        errors.append(_("责任人姓名不能超过 60 个字。"))
    return owner, name[:60], errors


def check_items(
    items: Sequence[dict],
    *,
    key: str,
    text_field: str,
    text_label: str,
    start: date | None,
    start_label: str,
    path: str,
    limit: int,
) -> tuple[list[dict], dict[str, list[str]]]:
    """Rows of (text, owner, owner_name, due_on), each checked; errors keyed
    "<key>.<row>.<field>" (rows counted from 0)."""
    errors: dict[str, list[str]] = {}
    if len(items) > limit:
        errors[key] = [_("一次最多 %(n)s 条。") % {"n": limit}]
        return [], errors
    clean = []
    for i, item in enumerate(items):
        where = f"{key}.{i}."
        text = (item.get(text_field) or "").strip()
        if not text:
            errors[where + text_field] = [_("请填写%(f)s。") % {"f": text_label}]
        elif len(text) > 300:
            errors[where + text_field] = [_("%(f)s不能超过 300 个字。") % {"f": text_label}]
        owner, owner_name, owner_errors = check_owner(
            item.get("owner"), item.get("owner_name", ""), path
        )
        if owner_errors:
            errors[where + "owner"] = owner_errors
        due = item.get("due_on")
        if due is None:
            errors[where + "due_on"] = [_("请填写期限。")]
        elif start is not None and due < start:
            errors[where + "due_on"] = [
                _("期限不能早于%(what)s %(d)s。") % {"what": start_label, "d": start.isoformat()}
            ]
        clean.append({text_field: text, "owner": owner, "owner_name": owner_name, "due_on": due})
    return clean, errors


def campaign_for(path: str, day: date) -> Campaign | None:
    """The campaign under way on `day` over the unit (the latest started, if several)."""
    for c in Campaign.objects.select_related("region").order_by("-starts_on", "-id"):
        if path.startswith(c.region.path) and c.starts_on <= day:
            return c
    return None


# -- visits --------------------------------------------------------------------------------------


def record_visit(
    actor,
    region: Region,
    *,
    kind: str,
    visited_on: date | None,
    leader: Leader | None = None,
    team: str = "",
    organizer: Region | None = None,
    summary: str = "",
    center: Center | None = None,
    findings: Iterable[dict] = (),
    today: date | None = None,
) -> Visit:
    """Record a visit to a street or a site and turn each finding ({"finding", "owner" (a user)
    or "owner_name", "due_on"}) into a rectification item: all of it, or nothing."""
    refuse_outside(actor, region.path)
    today = today or timezone.localdate()
    findings = list(findings)
    team = (team or "").strip()
    errors: dict[str, list[str]] = {}
    if region.level not in VISITED_LEVELS:
        errors["region"] = [_("督导对象须为街镇或村（社区）。")]
    if kind not in VisitKind.values:
        errors["kind"] = [_("请选择督导方式（实地督导、暗访或调研走访）。")]
    if visited_on is None:
        errors["visited_on"] = [_("请填写督导日期。")]
    elif visited_on > today:
        errors["visited_on"] = [_("督导日期不能晚于今天。")]
    if leader is not None and not Leader.objects.visible_to(actor).filter(pk=leader.pk).exists():
        errors["leader"] = [_("该带队领导不在您的数据范围内。")]
    if leader is None and not team:
        errors["team"] = [_("请选择带队领导或填写督导组。")]
    if len(team) > 80:
        errors["team"] = [_("督导组不能超过 80 个字。")]
    if len(summary or "") > 4000:
        errors["summary"] = [_("督导情况不能超过 4000 个字。")]
    if organizer is None:
        organizer = _default_organizer(actor, region, leader)
    elif not region.path.startswith(organizer.path):
        errors["organizer"] = [_("组织单位须为被督导单位或其上级单位。")]
    elif not scope_for(actor, CHANGE).covers_path(organizer.path):
        # A district records its own visits; the city department's go in under the city.
        errors["organizer"] = [_("只能以本单位或下级单位的名义记录督导。")]
    if center is None and region.level == Level.VILLAGE:
        center = Center.objects.filter(region=region).first()
    elif center is not None and center.region_id != region.pk:
        errors["center"] = [_("党群服务中心不属于被督导单位。")]
    rows, row_errors = check_items(
        findings,
        key="findings",
        text_field="finding",
        text_label=_("发现问题"),
        start=visited_on,
        start_label=_("督导日期"),
        path=region.path,
        limit=MAX_FINDINGS,
    )
    errors |= row_errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        visit = Visit.objects.create(
            campaign=campaign_for(region.path, visited_on),
            region=region,
            region_path=region.path,
            center=center,
            kind=kind,
            visited_on=visited_on,
            leader=leader,
            team=team,
            organizer=organizer,
            summary=(summary or "").strip(),
            created_by=actor,
        )
        items = [
            Rectification.objects.create(
                visit=visit,
                region_path=region.path,
                finding=row["finding"],
                owner=row["owner"],
                owner_name=row["owner_name"],
                due_on=row["due_on"],
            )
            for row in rows
        ]
        fields = ["kind", "visited_on", "region_id", "leader_id", "team", "organizer_id"]
        audit.record(
            actor,
            "create",
            visit,
            changes=audit.diff({}, audit.snapshot(visit, fields)),
            note=_("发现问题 %(n)s 条") % {"n": len(items)},
        )
        AuditLog.objects.bulk_create(
            [
                audit.entry(
                    actor,
                    "create",
                    r,
                    changes={
                        "finding": [None, r.finding],
                        "owner": [None, r.owner_name],
                        "due_on": [None, r.due_on.isoformat()],
                    },
                    note=str(visit),
                )
                for r in items
            ]
        )
        url = reverse("visit_detail", args=[visit.pk])
        place = center.name if center else region.name
        for r in items:
            notify(
                [r.owner],
                _("整改事项：%(place)s “%(f)s”，期限 %(d)s")
                % {"place": place, "f": r.finding, "d": r.due_on},
                str(visit),
                url=url,
                level=NotificationLevel.WARNING,
                target=r,
            )
    return visit


def _default_organizer(actor, region: Region, leader: Leader | None) -> Region | None:
    """The leader's unit, else the recorder's own unit, when it is above the visited unit."""
    for unit in (leader.region if leader else None, getattr(actor, "org_unit", None)):
        if unit is not None and region.path.startswith(unit.path):
            return unit
    return None


# -- rectification items -------------------------------------------------------------------------


def _photos_allowed(rectification: Rectification, uploads: list) -> None:
    have = rectification.photos.count()
    if have + len(uploads) > MAX_PHOTOS:
        raise ValidationError(
            {
                "photos": [
                    _("每项整改最多 %(n)s 张照片（已有 %(h)s 张）。") % {"n": MAX_PHOTOS, "h": have}
                ]
            }
        )
    for upload in uploads:
        check_image(upload, field="photos")


def _save_photos(rectification: Rectification, uploads: list) -> list[RectificationPhoto]:
    saved = []
    for upload in uploads:
        photo = RectificationPhoto(
            rectification=rectification, region_path=rectification.region_path
        )
        photo.image = upload
        photo.save()
        saved.append(photo)
    return saved


def add_rectification_photo(actor, rectification: Rectification, upload) -> RectificationPhoto:
    """An evidence photo for an open item (JPEG, PNG or WebP, at most 10 MB)."""
    require_visible(actor, rectification, CHANGE)
    if rectification.status != RectificationStatus.OPEN:
        raise ValidationError({"photos": [_("该整改事项已关闭，不能再添加照片。")]})
    _photos_allowed(rectification, [upload])
    with transaction.atomic():
        (photo,) = _save_photos(rectification, [upload])
        audit.record(
            actor,
            "rectification_photo",
            rectification,
            changes={"photos": [None, photo.image.name]},
        )
    return photo


def close_rectification(
    actor,
    rectification: Rectification,
    closed_on: date | None,
    note: str = "",
    *,
    photos: Iterable = (),
    today: date | None = None,
) -> Rectification:
    """Close an item on the day it was put right, with evidence: photos (these, or ones added
    before) or a written account. Nothing is saved unless all of it is right."""
    require_visible(actor, rectification, CHANGE)
    today = today or timezone.localdate()
    note = (note or "").strip()
    uploads = list(photos)
    visited_on = rectification.visit.visited_on
    errors: dict[str, list[str]] = {}
    if closed_on is None:
        errors["closed_on"] = [_("请填写整改完成日期。")]
    elif closed_on > today:
        errors["closed_on"] = [_("整改完成日期不能晚于今天。")]
    elif closed_on < visited_on:
        errors["closed_on"] = [
            _("整改完成日期不能早于督导日期 %(d)s。") % {"d": visited_on.isoformat()}
        ]
    if len(note) > 300:
        errors["closed_note"] = [_("整改情况不能超过 300 个字。")]
    if not (note or uploads or rectification.photos.exists()):
        errors["closed_note"] = [_("请说明整改情况或上传整改佐证照片。")]
    if errors:
        raise ValidationError(errors)
    _photos_allowed(rectification, uploads)
    with transaction.atomic():
        updated = Rectification.objects.filter(
            pk=rectification.pk, status=RectificationStatus.OPEN
        ).update(
            status=RectificationStatus.CLOSED,
            closed_on=closed_on,
            closed_note=note,
            closed_by=actor,
        )
        if not updated:
            raise ValidationError({"status": [_("该整改事项已关闭。")]})
        _save_photos(rectification, uploads)
        rectification.refresh_from_db()
        audit.record(
            actor,
            "close_rectification",
            rectification,
            changes={
                "status": [RectificationStatus.OPEN, RectificationStatus.CLOSED],
                "closed_on": [None, closed_on.isoformat()],
            }
            | ({"photos": [None, len(uploads)]} if uploads else {}),
            note=note,
        )
        visit = rectification.visit
        recipients = [visit.created_by]
        if visit.leader_id and visit.leader.user_id:
            recipients.append(visit.leader.user)
        notify(
            [u for u in recipients if u is not None and u.pk != actor.pk],
            _("整改已完成：“%(f)s”") % {"f": rectification.finding},
            note,
            url=reverse("visit_detail", args=[visit.pk]),
            target=rectification,
        )
    return rectification


def escalate_rectifications(today: date | None = None) -> int:
    """Each morning: tell the owner, the visit's leader and its recorder, once, about every item
    past its deadline and still open. Returns how many items were escalated."""
    today = today or timezone.localdate()
    late = list(
        Rectification.objects.filter(
            status=RectificationStatus.OPEN, due_on__lt=today, escalation=0
        ).select_related("owner", "visit__created_by", "visit__leader__user", "visit__center")
    )
    with transaction.atomic():
        for r in late:
            visit = r.visit
            leader_user = visit.leader.user if visit.leader_id else None
            place = visit.center.name if visit.center_id else str(visit.region)
            notify(
                [r.owner, leader_user, visit.created_by],
                _("【整改逾期】%(place)s “%(f)s”已超过期限 %(d)s")
                % {"place": place, "f": r.finding, "d": r.due_on},
                _("责任人：%(o)s") % {"o": r.owner_name or "—"},
                url=reverse("visit_detail", args=[visit.pk]),
                level=NotificationLevel.WARNING,
                target=r,
            )
        Rectification.objects.filter(pk__in=[r.pk for r in late]).update(escalation=1)
    return len(late)
