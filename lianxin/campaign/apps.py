from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class _Recompute:
    """The after-commit callback that enqueues the recompute (one per transaction)."""

    def __init__(self):
        self.done = False

    def __call__(self):
        from .tasks import recompute_schedules_task

        self.done = True
        recompute_schedules_task.enqueue()


def calendar_changed(sender, using="default", **kwargs):
    """An administrator corrected the working-day calendar: once the change commits, lay every
    backward schedule again (in the background) — once per transaction, however many days
    changed in it."""
    from django.db import connections, transaction

    pending = connections[using].run_on_commit
    if not any(isinstance(func, _Recompute) and not func.done for _s, func, *_r in pending):
        transaction.on_commit(_Recompute(), using=using)


class CampaignConfig(AppConfig):
    name = "lianxin.campaign"
    label = "campaign"
    verbose_name = _("改造提升攻坚")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from lianxin.core.models import CalendarDay

        post_save.connect(calendar_changed, sender=CalendarDay, dispatch_uid="campaign_calendar")
        post_delete.connect(
            calendar_changed, sender=CalendarDay, dispatch_uid="campaign_calendar_delete"
        )
