from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "lianxin.campaign"
    label = "campaign"
    verbose_name = _("改造提升攻坚")

    def ready(self):
        from lianxin.core.calendar_changes import after_calendar_change

        from .tasks import recompute_schedules_task

        after_calendar_change(recompute_schedules_task, "campaign")
