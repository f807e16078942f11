"""Writes to the division tree: kind corrections and status changes with effective dates."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import audit
from lianxin.core.services import require_visible

from .models import LEVEL_KINDS, Kind, Region, RegionStatus, Status


def _check_kind(region: Region, kind: str) -> None:
    if kind not in Kind.values:
        raise ValidationError({"kind": _("未知的类型：%(k)s") % {"k": kind}})
    allowed = LEVEL_KINDS[region.level]
    if kind not in allowed:
        raise ValidationError(
            {
                "kind": _("%(level)s单位的类型只能是：%(kinds)s")
                % {
                    "level": region.get_level_display(),
                    "kinds": "、".join(str(Kind(k).label) for k in allowed),
                }
            }
        )


def correct_kind(actor, region: Region, kind: str, note: str = "") -> Region:
    """An administrator's correction of a unit's kind; kept across re-imports."""
    _check_kind(region, kind)
    require_visible(actor, region)
    with transaction.atomic():
        before = region.kind
        Region.objects.filter(pk=region.pk).update(kind=kind, kind_corrected=True)
        region.statuses.filter(valid_to__isnull=True).update(kind=kind)
        region.kind, region.kind_corrected = kind, True
        audit.record(actor, "correct_kind", region, changes={"kind": [before, kind]}, note=note)
    return region


def change_status(
    actor, region: Region, status: str, valid_from: date, *, kind: str | None = None, note: str = ""
) -> RegionStatus:
    """Close the open period on `valid_from` and open a new one (e.g. 拆迁 from 2019-05-01, or
    村改居: status converted with kind community)."""
    if status not in Status.values:
        raise ValidationError({"status": _("未知的状态：%(s)s") % {"s": status}})
    if kind:
        _check_kind(region, kind)
    if valid_from > timezone.localdate():
        # The unit's current status changes with the period: a future one would show today.
        raise ValidationError({"valid_from": _("生效日期不能晚于今天。")})
    require_visible(actor, region)
    with transaction.atomic():
        current = region.statuses.filter(valid_to__isnull=True).order_by("-valid_from").first()
        if current and current.valid_from and valid_from <= current.valid_from:
            raise ValidationError(
                {
                    "valid_from": _("生效日期须晚于当前状态的开始日期 %(d)s。")
                    % {"d": current.valid_from}
                }
            )
        new_kind = kind or region.kind
        if current:
            current.valid_to = valid_from
            current.save(update_fields=["valid_to"])
        period = RegionStatus.objects.create(
            region=region, status=status, kind=new_kind, valid_from=valid_from, note=note
        )
        before = {"status": region.status, "kind": region.kind}
        Region.objects.filter(pk=region.pk).update(status=status, kind=new_kind)
        region.status, region.kind = status, new_kind
        audit.record(
            actor,
            "status",
            region,
            changes=audit.diff(before, {"status": status, "kind": new_kind}),
            note=f"{valid_from} {note}".strip(),
        )
    return period
