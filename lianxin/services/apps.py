from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "lianxin.services"
    label = "services"
    verbose_name = _("便民服务")
