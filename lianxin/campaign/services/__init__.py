"""Every write of the campaign goes through one function here: permission, transaction,
validation, audit, and notifications after commit. Split by subject; import from here."""

from .bulletins import issue_bulletin
from .leaders import assign_leader, end_assignment, save_leader
from .meetings import add_action_item, close_action_item, record_meeting, update_meeting
from .plans import (
    bulk_create_plans,
    create_plan,
    escalate,
    recompute_schedules,
    refresh_health,
    report_progress,
    save_campaign,
    save_commitment,
    set_milestone_duration,
    update_plan,
)
from .signoff import (
    add_signoff_photo,
    reopen_signoff,
    return_signoff,
    submit_signoff,
    verify_signoff,
)
from .supervision import (
    add_rectification_photo,
    close_rectification,
    escalate_rectifications,
    record_visit,
)

__all__ = [
    "add_action_item",
    "add_rectification_photo",
    "add_signoff_photo",
    "assign_leader",
    "bulk_create_plans",
    "close_action_item",
    "close_rectification",
    "create_plan",
    "end_assignment",
    "escalate",
    "escalate_rectifications",
    "issue_bulletin",
    "recompute_schedules",
    "record_meeting",
    "record_visit",
    "refresh_health",
    "reopen_signoff",
    "report_progress",
    "return_signoff",
    "save_campaign",
    "save_commitment",
    "save_leader",
    "set_milestone_duration",
    "submit_signoff",
    "update_meeting",
    "update_plan",
    "verify_signoff",
]
