"""Every write of the campaign goes through one function here: permission, transaction,
validation, audit, and notifications after commit. Split by subject; import from here."""

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

__all__ = [
    "add_signoff_photo",
    "bulk_create_plans",
    "create_plan",
    "escalate",
    "recompute_schedules",
    "refresh_health",
    "reopen_signoff",
    "report_progress",
    "return_signoff",
    "save_campaign",
    "save_commitment",
    "set_milestone_duration",
    "submit_signoff",
    "update_plan",
    "verify_signoff",
]
