"""工作通报: a bulletin generated from live data for a period and a region, issued once and then
kept unchanged (its figures and its .docx, with the file's SHA-256)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import AddressedDownQuerySet


def bulletin_path(instance, filename):
    return f"campaign/bulletins/{instance.issued_on:%Y}/{filename}"


class Bulletin(models.Model):
    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("攻坚任务"),
        on_delete=models.PROTECT,
        related_name="bulletins",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("通报范围"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    period_start = models.DateField(_("通报期起"))
    period_end = models.DateField(_("通报期止"))
    year = models.PositiveSmallIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("期号"))
    number = models.CharField(_("发文字号"), max_length=60)
    title = models.CharField(_("标题"), max_length=200)
    issuer = models.CharField(_("发文机关"), max_length=80)
    issued_on = models.DateField(_("成文日期"))
    # The figures exactly as issued, so the archive never moves with the live data.
    data = models.JSONField(_("通报数据"), default=dict)
    document = models.FileField(_("公文文件"), upload_to=bulletin_path)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    # A city bulletin is read by every district and street below the city.
    objects = AddressedDownQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("工作通报")
        verbose_name_plural = _("工作通报")
        ordering = ["-issued_on", "-serial"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "serial"], name="one_serial_a_year")
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValidationError(_("已签发的通报不能修改。"))
        super().save(*args, **kwargs)
