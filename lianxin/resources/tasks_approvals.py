"""Joint review's morning run (Django's tasks API through django-tasks; `manage.py db_worker`
runs it, tests run it at once). Cron runs it with `manage.py approvals_daily`."""

from __future__ import annotations

from datetime import date

from django_tasks import task


@task()
def approvals_daily(today: str | None = None) -> dict[str, int]:
    """Raise the opinions overdue and 3× overdue as of `today` (ISO date; default: the local
    date), once per level. Returns {"overdue": n, "overdue_3x": n}."""
    from .services import approvals

    return approvals.escalate(today=date.fromisoformat(today) if today else None)
