"""Writes of the residents' site: public notices (公示). Each function checks the actor's writing
scope over the notice's unit, validates, runs in one transaction and writes the audit log."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import audit
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.core.services import ConflictError, require_visible, update_fields
from lianxin.regions.models import Level, Region

from .models import Notice, NoticeKind

EDITABLE = ("kind", "title", "body", "valid_from", "valid_to")
TITLE_MAX = 120
BODY_MAX = 5000


def _check(data: dict, *, partial: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "kind" in data or not partial:
        if data.get("kind") not in NoticeKind.values:
            errors["kind"] = [_("请选择公示类别。")]
    if "title" in data or not partial:
        title = (data.get("title") or "").strip()
        if not title:
            errors["title"] = [_("请填写标题。")]
        elif len(title) > TITLE_MAX:
            errors["title"] = [_("标题不能超过 %(n)s 个字。") % {"n": TITLE_MAX}]
    if "body" in data or not partial:
        body = (data.get("body") or "").strip()
        if not body:
            errors["body"] = [_("请填写公示内容。")]
        elif len(body) > BODY_MAX:
            errors["body"] = [_("公示内容不能超过 %(n)s 个字。") % {"n": BODY_MAX}]
    if ("valid_from" in data or not partial) and not isinstance(data.get("valid_from"), date):
        errors["valid_from"] = [_("请填写生效日期。")]
    valid_from, valid_to = data.get("valid_from"), data.get("valid_to")
    if valid_to is not None and not isinstance(valid_to, date):
        errors["valid_to"] = [_("失效日期格式不正确。")]
    elif isinstance(valid_from, date) and isinstance(valid_to, date) and valid_to <= valid_from:
        errors["valid_to"] = [_("失效日期须晚于生效日期。")]
    return errors


def _require_unit(actor, region: Region) -> None:
    if not scope_for(actor, CHANGE).covers_path(region.path):
        raise PermissionDenied(_("该单位不在您的数据范围内，或您没有编辑权限。"))


def publish_notice(actor, data: dict) -> Notice:
    """Post a notice for `data["region"]` (a center's community or village, or any unit above it)
    with kind, title, body, valid_from and valid_to (None = until withdrawn)."""
    region = data.get("region")
    if not isinstance(region, Region):
        raise ValidationError({"region": _("请选择发布单位。")})
    _require_unit(actor, region)
    errors = _check(data, partial=False)
    if errors:
        raise ValidationError(errors)
    center = None
    if region.level == Level.VILLAGE:
        from lianxin.centers.models import Center

        center = Center.objects.filter(region=region).first()
    with transaction.atomic():
        notice = Notice.objects.create(
            region=region,
            region_path=region.path,
            center=center,
            kind=data["kind"],
            title=data["title"].strip(),
            body=data["body"].strip(),
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            published_by=actor if getattr(actor, "pk", None) else None,
            published_at=timezone.now(),
            is_demo=bool(data.get("is_demo", False)),
        )
        audit.record(actor, "create", notice, changes=audit.diff({}, audit.snapshot(notice)))
    return notice


def update_notice(actor, notice: Notice, data: dict, *, expected_version: int | None = None):
    """Edit a notice's kind, title, body or validity (not its unit: post a new one instead)."""
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ValidationError({k: _("该字段不可修改。") for k in unknown})
    require_visible(actor, notice)
    merged = {k: getattr(notice, k) for k in EDITABLE} | data
    errors = _check(merged, partial=False)
    if errors:
        raise ValidationError({k: v for k, v in errors.items()})
    for key in ("title", "body"):
        if key in data:
            data = data | {key: data[key].strip()}
    return update_fields(actor, notice, data, expected_version=expected_version)


def withdraw_notice(
    actor, notice: Notice, *, today: date | None = None, expected_version: int | None = None
) -> Notice:
    """End the notice's validity today (a notice not yet in force never will be)."""
    require_visible(actor, notice)
    today = today or timezone.localdate()
    if notice.valid_to is not None and notice.valid_to <= today:
        raise ValidationError({"valid_to": _("该公示已失效，无需撤回。")})
    end = max(today, notice.valid_from)
    current = notice.version if expected_version is None else expected_version
    now = timezone.now()
    with transaction.atomic():
        done = Notice.objects.filter(pk=notice.pk, version=current).update(
            valid_to=end,
            withdrawn_at=now,
            withdrawn_by=actor if getattr(actor, "pk", None) else None,
            version=current + 1,
            updated_at=now,
        )
        if not done:
            raise ConflictError()
        before = notice.valid_to
        notice.refresh_from_db()
        audit.record(
            actor,
            "status",
            notice,
            changes={"valid_to": [before.isoformat() if before else None, end.isoformat()]},
            note=_("撤回公示"),
        )
    return notice
