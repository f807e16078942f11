"""定期例会: a unit's meeting with its agenda, attendees, decisions and action items (each with an
owner and a deadline), tracked to closure. Open items of earlier meetings of the same unit are
carried into the next meeting's agenda (see queries_supervision.carried_agenda)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import audit
from lianxin.core.models import AuditLog
from lianxin.core.notifications import notify
from lianxin.core.scoping import CHANGE
from lianxin.core.services import require_visible, update_fields
from lianxin.regions.models import Level, Region

from ..models import ActionItem, ActionStatus, Meeting
from .leaders import refuse_outside
from .supervision import campaign_for, check_items

MAX_ITEMS = 50
MEETING_FIELDS = ("title", "held_on", "agenda", "attendees", "decisions")
# Meetings are convened by the city, a district or a street (town).
CONVENING_LEVELS = (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP)
TEXT_LIMIT = 10_000


def _check_meeting(data: dict, today: date, *, partial: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "title" in data or not partial:
        title = (data.get("title") or "").strip()
        if not title:
            errors["title"] = [_("请填写会议名称。")]
        elif len(title) > 120:
            errors["title"] = [_("会议名称不能超过 120 个字。")]
    if "held_on" in data or not partial:
        held_on = data.get("held_on")
        if held_on is None:
            errors["held_on"] = [_("请填写会议日期。")]
        elif held_on > today:
            errors["held_on"] = [_("会议日期不能晚于今天（会后记录会议）。")]
    labels = {"agenda": _("议程"), "attendees": _("参会人员"), "decisions": _("会议决定")}
    for name, label in labels.items():
        if len(data.get(name) or "") > TEXT_LIMIT:
            errors[name] = [_("%(f)s不能超过 %(n)s 个字。") % {"f": label, "n": TEXT_LIMIT}]
    return errors


def _notify_owners(meeting: Meeting, items: list[ActionItem]) -> None:
    url = reverse("meeting_detail", args=[meeting.pk])
    for item in items:
        notify(
            [item.owner],
            _("会议事项：“%(t)s”，期限 %(d)s") % {"t": item.text, "d": item.due_on},
            str(meeting),
            url=url,
            target=item,
        )


def _create_items(actor, meeting: Meeting, rows: list[dict]) -> list[ActionItem]:
    items = [
        ActionItem.objects.create(
            meeting=meeting,
            region_path=meeting.region_path,
            text=row["text"],
            owner=row["owner"],
            owner_name=row["owner_name"],
            due_on=row["due_on"],
        )
        for row in rows
    ]
    AuditLog.objects.bulk_create(
        [
            audit.entry(
                actor,
                "create",
                item,
                changes={
                    "text": [None, item.text],
                    "owner": [None, item.owner_name],
                    "due_on": [None, item.due_on.isoformat()],
                },
                note=str(meeting),
            )
            for item in items
        ]
    )
    _notify_owners(meeting, items)
    return items


def record_meeting(
    actor,
    region: Region,
    *,
    title: str,
    held_on: date | None,
    agenda: str = "",
    attendees: str = "",
    decisions: str = "",
    action_items: Iterable[dict] = (),
    today: date | None = None,
) -> Meeting:
    """Record a meeting of `region` with its action items ({"text", "owner" (a user) or
    "owner_name", "due_on"}): all of it, or nothing."""
    refuse_outside(actor, region.path)
    today = today or timezone.localdate()
    data = {
        "title": title,
        "held_on": held_on,
        "agenda": agenda,
        "attendees": attendees,
        "decisions": decisions,
    }
    errors = _check_meeting(data, today, partial=False)
    if region.level not in CONVENING_LEVELS:
        errors["region"] = [_("召集单位须为市、区或街镇。")]
    rows, row_errors = check_items(
        list(action_items),
        key="action_items",
        text_field="text",
        text_label=_("事项"),
        start=held_on,
        start_label=_("会议日期"),
        path=region.path,
        limit=MAX_ITEMS,
    )
    errors |= row_errors
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        meeting = Meeting.objects.create(
            campaign=campaign_for(region.path, held_on),
            region=region,
            region_path=region.path,
            title=title.strip(),
            held_on=held_on,
            agenda=(agenda or "").strip(),
            attendees=(attendees or "").strip(),
            decisions=(decisions or "").strip(),
            created_by=actor,
        )
        audit.record(
            actor,
            "create",
            meeting,
            changes=audit.diff({}, audit.snapshot(meeting, ["title", "held_on", "region_id"])),
            note=_("会议事项 %(n)s 条") % {"n": len(rows)},
        )
        _create_items(actor, meeting, rows)
    return meeting


def update_meeting(
    actor, meeting: Meeting, data: dict, *, expected_version: int | None = None
) -> Meeting:
    """Edit the minutes; a second person saving over an older version is told, not obeyed."""
    require_visible(actor, meeting, CHANGE)
    unknown = set(data) - set(MEETING_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    errors = _check_meeting(data, timezone.localdate(), partial=True)
    held_on = data.get("held_on")
    if held_on and "held_on" not in errors:
        first_due = meeting.action_items.aggregate(d=Min("due_on"))["d"]
        if first_due and held_on > first_due:
            errors["held_on"] = [
                _("会议日期不能晚于会议事项的最早期限 %(d)s。") % {"d": first_due.isoformat()}
            ]
    if errors:
        raise ValidationError(errors)
    clean = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    return update_fields(actor, meeting, clean, expected_version=expected_version)


def add_action_item(actor, meeting: Meeting, item: dict) -> ActionItem:
    """One more action item of a meeting already recorded."""
    require_visible(actor, meeting, CHANGE)
    rows, errors = check_items(
        [item],
        key="action_items",
        text_field="text",
        text_label=_("事项"),
        start=meeting.held_on,
        start_label=_("会议日期"),
        path=meeting.region_path,
        limit=1,
    )
    if errors:
        # One item: its fields by their own names.
        raise ValidationError({k.rsplit(".", 1)[-1]: v for k, v in errors.items()})
    with transaction.atomic():
        (created,) = _create_items(actor, meeting, rows)
    return created


def close_action_item(
    actor, item: ActionItem, done_on: date | None, note: str = "", *, today: date | None = None
) -> ActionItem:
    """Mark an item done on `done_on`; from then on it is no longer carried into meetings."""
    require_visible(actor, item, CHANGE)
    today = today or timezone.localdate()
    note = (note or "").strip()
    held_on = item.meeting.held_on
    errors: dict[str, list[str]] = {}
    if done_on is None:
        errors["done_on"] = [_("请填写完成日期。")]
    elif done_on > today:
        errors["done_on"] = [_("完成日期不能晚于今天。")]
    elif done_on < held_on:
        errors["done_on"] = [_("完成日期不能早于会议日期 %(d)s。") % {"d": held_on.isoformat()}]
    if len(note) > 300:
        errors["done_note"] = [_("完成情况不能超过 300 个字。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        updated = ActionItem.objects.filter(pk=item.pk, status=ActionStatus.OPEN).update(
            status=ActionStatus.DONE, done_on=done_on, done_note=note
        )
        if not updated:
            raise ValidationError({"status": [_("该会议事项已完成。")]})
        item.refresh_from_db()
        audit.record(
            actor,
            "close_action_item",
            item,
            changes={
                "status": [ActionStatus.OPEN, ActionStatus.DONE],
                "done_on": [None, done_on.isoformat()],
            },
            note=note,
        )
    return item
