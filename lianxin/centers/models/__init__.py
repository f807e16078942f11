from .registry import Center, CenterStatus, CenterStatusPeriod, Room, RoomType
from .standards import (
    Checklist,
    ChecklistItem,
    FollowUp,
    Inspection,
    InspectionItem,
    InspectionPhoto,
    Level,
    LevelRecord,
    RuleSet,
)

__all__ = [
    "Center",
    "CenterStatus",
    "CenterStatusPeriod",
    "Room",
    "RoomType",
    "Checklist",
    "ChecklistItem",
    "FollowUp",
    "Inspection",
    "InspectionItem",
    "InspectionPhoto",
    "Level",
    "LevelRecord",
    "RuleSet",
]
