"""The premises ledgers (三本账): housing stock (库存房源) and supporting premises (配套用房).

A row belongs to the region that holds it (a district, or a street inside it) and carries that
region's path, so `visible_to(user)` scopes it like every other ledger. Availability changes only
through `resources.services.premises` (free → reserved by an accepted proposal → assigned when the
center moves in; a released reservation makes it free again), each change dated and audited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import OrgScopedQuerySet


class PremisesKind(models.TextChoices):
    HOUSING_STOCK = "housing_stock", _("库存房源")
    SUPPORTING = "supporting", _("配套用房")


class Condition(models.TextChoices):
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差（需改造）")


class Availability(models.TextChoices):
    FREE = "free", _("空闲")
    RESERVED = "reserved", _("已预留")
    ASSIGNED = "assigned", _("已配置")


class Premises(models.Model):
    kind = models.CharField(_("类别"), max_length=16, choices=PremisesKind.choices)
    code = models.CharField(_("编号"), max_length=40)
    name = models.CharField(_("名称"), max_length=120)
    address = models.CharField(_("地址"), max_length=200)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    district_code = models.CharField(_("区代码"), max_length=12, db_index=True, blank=True)
    street_code = models.CharField(_("街镇代码"), max_length=12, db_index=True, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    floor_area = models.DecimalField(_("建筑面积（㎡）"), max_digits=9, decimal_places=2)
    owner = models.CharField(_("产权单位"), max_length=120, blank=True)
    condition = models.CharField(
        _("房屋状况"), max_length=8, choices=Condition.choices, default=Condition.GOOD
    )
    divisible = models.BooleanField(
        _("可分割"), default=False, help_text=_("可分给多个中心使用（每个中心分得所缺面积）")
    )
    availability = models.CharField(
        _("使用状态"),
        max_length=10,
        choices=Availability.choices,
        default=Availability.FREE,
        db_index=True,
    )
    available_from = models.DateField(_("可用日期"), null=True, blank=True)
    reserved_on = models.DateField(_("预留日期"), null=True, blank=True)
    assigned_on = models.DateField(_("配置日期"), null=True, blank=True)
    # The plan an accepted proposal reserved it for (the plan's premises field says so too).
    plan = models.ForeignKey(
        "campaign.Plan",
        verbose_name=_("配置给"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="premises_rows",
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("房源")
        verbose_name_plural = _("房源")
        ordering = ["district_code", "kind", "code"]
        constraints = [
            # The ledger's key: one code per district (the Excel import matches on it).
            models.UniqueConstraint(fields=["district_code", "code"], name="unique_premises_code"),
            models.CheckConstraint(condition=Q(floor_area__gt=0), name="premises_area_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"
