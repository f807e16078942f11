"""Joint review's background tasks (Django's tasks API through django-tasks; `manage.py
db_worker` runs them, tests run them at once): the morning run (cron runs it with `manage.py
approvals_daily`) and, after a calendar correction commits, the opinions' deadlines laid again
(see `apps.py`)."""

from __future__ import annotations

from datetime import date

from django_tasks import task


@task()
def approvals_daily(today: str | None = None) -> dict[str, int]:
    """Raise the opinions overdue and 3× overdue as of `today` (ISO date; default: the local
    date), once per level. Returns {"overdue": n, "overdue_3x": n}."""
    from .services import approvals

    return approvals.escalate(today=date.fromisoformat(today) if today else None)


@task()
def recompute_opinion_dues_task() -> dict[str, int]:
    """Lay every pending opinion's deadline again over the calendar in force."""
    from .services import approvals

    return {"moved": approvals.recompute_opinion_dues()}
