"""The battle map's legends: colour bands as data, editable by administrators."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Legend(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    # [{"min": 0, "max": 60, "color": "#d63939", "label": "< 60%"}, …], rates in percent.
    bands = models.JSONField(_("色带"))
    is_default = models.BooleanField(_("默认"), default=False)

    class Meta:
        verbose_name = _("图例")
        verbose_name_plural = _("图例")
        ordering = ["-is_default", "code"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if not isinstance(self.bands, list) or not self.bands:
            raise ValidationError({"bands": _("色带须为非空列表。")})
        for i, band in enumerate(self.bands, start=1):
            if not {"min", "max", "color"} <= set(band):
                raise ValidationError(
                    {"bands": _("第 %(i)d 条色带缺少 min、max 或 color。") % {"i": i}}
                )
            if band["min"] >= band["max"]:
                raise ValidationError({"bands": _("第 %(i)d 条色带的 min 须小于 max。") % {"i": i}})
