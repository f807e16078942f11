"""The services app's background work (Django's tasks API through django-tasks; `manage.py
db_worker` runs it, tests run it at once).

- `daily_escalation`: each morning, mark open applications past their deadline as overdue (1×)
  or past three times their time limit (3×) and notify the window, the street and the district.
  Cron runs it with `manage.py services_daily`.
"""

from __future__ import annotations

from datetime import date

from django_tasks import task


@task()
def daily_escalation(today: str | None = None) -> dict[str, int]:
    """Escalate as of `today` (ISO date; default: the local date). Returns
    {"overdue": n, "overdue_3x": n} — the cases raised this run."""
    from . import services

    return services.escalate_overdue(today=date.fromisoformat(today) if today else None)
