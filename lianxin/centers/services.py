"""Every write to centers and rooms goes through one function here."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lianxin.core import audit
from lianxin.core.scoping import ensure_visible
from lianxin.core.services import require_visible, update_fields
from lianxin.core.text import pinyin_initials

from .models import Center, CenterStatus, CenterStatusPeriod, Room

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
    return update_fields(
        actor, center, data, expected_version=expected_version, exclude_clean=["search_text"]
    )


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
