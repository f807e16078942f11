from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "lianxin.resources"
    label = "resources"
    verbose_name = _("资源保障")

    def ready(self):
        from lianxin.core.calendar_changes import after_calendar_change

        from .tasks_approvals import recompute_opinion_dues_task

        after_calendar_change(recompute_opinion_dues_task, "resources")
