"""Public notices (公示): what a center, or a unit above it, posts for residents — service
information, rules of use, opening hours, staff on duty — with a validity period.

A notice belongs to a unit (a center's community or village, or any street, district or the city
above it); a street's or district's notice shows on every center below it. In force on a day:
valid_from ≤ day < valid_to (empty = open). Withdrawing ends the validity; nothing is deleted."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.periods import covering
from lianxin.core.scoping import AddressedDownQuerySet, path_and_ancestors


class NoticeKind(models.TextChoices):
    SERVICE_INFO = "service_info", _("服务信息")
    RULES = "rules", _("使用制度")
    HOURS = "hours", _("开放时间")
    ON_DUTY = "on_duty", _("值班人员")
    OTHER = "other", _("其他")


class NoticeQuerySet(AddressedDownQuerySet):
    """Staff read the notices in their scope and those of the units above it (a district's notice
    reaches every center of the district); they change only those in their writing scope."""

    def in_force(self, day: date):
        return self.filter(covering(day))

    def for_path(self, path: str):
        """Notices posted at `path` or at any unit above it."""
        return self.filter(region_path__in=path_and_ancestors(path))

    def shown_at(self, center, day: date):
        return self.for_path(center.region_path).in_force(day)


class Notice(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    # Set when the unit is a center's community or village (the notice is that center's own).
    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField(_("类别"), max_length=20, choices=NoticeKind.choices, db_index=True)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"))
    valid_from = models.DateField(_("生效日期"), db_index=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"))
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = NoticeQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["region_path", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="portal_notice_valid_to_not_before_from",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def last_day(self) -> date | None:
        """The last day in force (valid_to is exclusive); None when open-ended or never shown."""
        if self.valid_to is None or self.valid_to <= self.valid_from:
            return None
        return self.valid_to - timedelta(days=1)

    def in_force_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)
