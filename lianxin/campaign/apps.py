from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "lianxin.campaign"
    label = "campaign"
    verbose_name = _("改造提升攻坚")
