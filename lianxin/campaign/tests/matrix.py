"""The campaign's rows in the permission matrix: `populate` gives each side (河西 "mine",
南开 "theirs") a plan with its milestones, a progress report, a sign-off with a photo, a leader
assigned to the site, a visit with a rectification, a meeting with an action item and an issued
bulletin; the subject modules add their endpoints and writes."""

from __future__ import annotations

from .matrix_api import ENDPOINTS as _a_endpoints
from .matrix_api import WRITES as _a_writes
from .matrix_bulletins import ENDPOINTS as _b_endpoints
from .matrix_bulletins import WRITES as _b_writes
from .matrix_plans import ENDPOINTS as _p_endpoints
from .matrix_plans import WRITES as _p_writes
from .matrix_supervision import ENDPOINTS as _s_endpoints
from .matrix_supervision import WRITES as _s_writes

ENDPOINTS = _p_endpoints + _a_endpoints + _s_endpoints + _b_endpoints
WRITES = _p_writes + _a_writes + _s_writes + _b_writes


def populate(ctx) -> None:
    from . import factories as f

    for side in ("mine", "theirs"):
        village = getattr(ctx, side).region
        prefix = "河西" if side == "mine" else "南开"
        plan = f.plan(village, notes=f"{prefix}矩阵计划")
        rows = {
            "plan": plan,
            "milestone": plan.milestones.first(),
            "report": f._report(village),
            "signoff": f._signoff(village),
            "signoff_photo": f._signoff_photo(village),
            "leader": f.leader(village.parent, name=f"{prefix}矩阵领导"),
            "visit": f.visit(village, summary=f"{prefix}矩阵督导"),
            "meeting": f._meeting(village),
            "bulletin": f._bulletin(village),
        }
        rows["rectification"] = rows["visit"].rectifications.create(
            region_path=village.path, finding=f"{prefix}矩阵整改项", due_on=plan.deadline
        )
        rows["action_item"] = rows["meeting"].action_items.create(
            region_path=village.path, text=f"{prefix}矩阵会议事项", due_on=plan.deadline
        )
        ctx.extra[side] = rows
    # Then each subject module's own rows (sites in particular states, photos with markers).
    from . import matrix_api, matrix_bulletins, matrix_plans, matrix_supervision

    for module in (matrix_plans, matrix_api, matrix_supervision, matrix_bulletins):
        if hasattr(module, "populate"):
            module.populate(ctx)


def fingerprint():
    from lianxin.campaign.models import (
        ActionItem,
        Bulletin,
        Leader,
        Meeting,
        Milestone,
        Plan,
        ProgressReport,
        Rectification,
        SignOff,
        SignOffPhoto,
        Visit,
    )

    return (
        sorted(Plan.objects.values_list("pk", "version", "deadline", "notes")),
        sorted(Milestone.objects.values_list("pk", "duration_days", "progress", "due_on")),
        ProgressReport.objects.count(),
        sorted(SignOff.objects.values_list("pk", "status")),
        SignOffPhoto.objects.count(),
        Leader.objects.count(),
        Visit.objects.count(),
        sorted(Rectification.objects.values_list("pk", "status")),
        Meeting.objects.count(),
        sorted(ActionItem.objects.values_list("pk", "status")),
        Bulletin.objects.count(),
    )
