"""Everything that changes over time is stored as periods: from a start day (inclusive) to
`valid_to` (exclusive; empty = still so). This is the one "period covers day" test."""

from datetime import date

from django.db.models import Q


def covering(
    day: date, prefix: str = "", *, start: str = "valid_from", open_start: bool = False
) -> Q:
    """Rows (of relation `prefix`, if given) whose period covers `day`. `open_start`: an empty
    start means "since before the records"."""
    p = f"{prefix}__" if prefix else ""
    began = Q(**{f"{p}{start}__lte": day})
    if open_start:
        began |= Q(**{f"{p}{start}__isnull": True})
    return began & (Q(**{f"{p}valid_to__isnull": True}) | Q(**{f"{p}valid_to__gt": day}))
