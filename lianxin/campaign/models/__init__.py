from .bulletins import Bulletin
from .leaders import Leader, LeaderAssignment
from .meetings import ActionItem, ActionStatus, Meeting
from .plans import (
    Campaign,
    Commitment,
    Health,
    Milestone,
    MilestoneTemplate,
    Plan,
    ProgressPhoto,
    ProgressReport,
    WorksType,
)
from .signoff import SignOff, SignOffPhoto, SignOffStatus
from .supervision import Rectification, RectificationPhoto, RectificationStatus, Visit, VisitKind

__all__ = [
    "ActionItem",
    "ActionStatus",
    "Bulletin",
    "Campaign",
    "Commitment",
    "Health",
    "Leader",
    "LeaderAssignment",
    "Meeting",
    "Milestone",
    "MilestoneTemplate",
    "Plan",
    "ProgressPhoto",
    "ProgressReport",
    "Rectification",
    "RectificationPhoto",
    "RectificationStatus",
    "SignOff",
    "SignOffPhoto",
    "SignOffStatus",
    "Visit",
    "VisitKind",
    "WorksType",
]
