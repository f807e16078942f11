"""The campaign's background tasks (Django's tasks API through django-tasks; `manage.py
db_worker` runs them, tests run them at once).

- `daily_check`: each morning, recolour every plan and escalate overdue milestones (in-app
  notices, e-mailed after commit). Cron runs it with `manage.py campaign_daily`.
- `recompute_schedules_task`: after an administrator corrects the working-day calendar
  (core.CalendarDay, saved or deleted in the admin), every backward schedule is laid again and
  the plans recoloured. Enqueued after the calendar change commits (see `apps.py`).
"""

from __future__ import annotations

from datetime import date

from django_tasks import task


@task()
def daily_check(today: str | None = None) -> dict[str, int]:
    """Recolour the plans and send the overdue notices as of `today` (ISO date; default: the
    local date): milestones overdue and 3× overdue, and rectification items past their
    deadline. Returns {"overdue": n, "overdue_3x": n, "rectifications": n}."""
    from . import services

    day = date.fromisoformat(today) if today else None
    counts = services.escalate(today=day)
    counts["rectifications"] = services.escalate_rectifications(today=day)
    return counts


@task()
def recompute_schedules_task() -> dict[str, int]:
    """Lay every schedule again over the calendar in force, then recolour the plans."""
    from . import services

    moved = services.recompute_schedules()
    recoloured = services.refresh_health()
    return {"moved": moved, "recoloured": recoloured}
