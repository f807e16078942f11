"""What follows a correction of the working-day calendar (core.CalendarDay, saved or deleted in
the admin): each app registers the background task that lays its dates again over the calendar
in force (the campaign's schedules, the joint approvals' opinion deadlines). The task is
enqueued once the change commits, once per transaction however many days changed in it."""

from __future__ import annotations

from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save


class _Enqueue:
    """The after-commit callback that enqueues one task (once per transaction)."""

    def __init__(self, task):
        self.task = task
        self.done = False

    def __call__(self):
        self.done = True
        self.task.enqueue()


def after_calendar_change(task, uid: str) -> None:
    """Enqueue `task` after every committed change of the calendar (call from `ready()`)."""
    from .models import CalendarDay

    def changed(sender, using="default", **kwargs):
        pending = connections[using].run_on_commit
        if not any(
            isinstance(func, _Enqueue) and func.task is task and not func.done
            for _s, func, *_r in pending
        ):
            transaction.on_commit(_Enqueue(task), using=using)

    post_save.connect(changed, sender=CalendarDay, dispatch_uid=f"{uid}_calendar", weak=False)
    post_delete.connect(
        changed, sender=CalendarDay, dispatch_uid=f"{uid}_calendar_delete", weak=False
    )
