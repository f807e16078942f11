"""Party-mass service centers (党群服务中心) and their rooms."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.periods import covering
from lianxin.core.scoping import OrgScopedQuerySet
from lianxin.regions.models import Kind


class CenterStatus(models.TextChoices):
    PLANNED = "planned", _("规划中")
    RENOVATING = "renovating", _("改造中")
    IN_USE = "in_use", _("已投入使用")
    CLOSED_DEMOLITION = "closed_demolition", _("因拆迁关闭")


class Center(models.Model):
    region = models.OneToOneField(
        "regions.Region",
        verbose_name=_("所属区划"),
        on_delete=models.PROTECT,
        related_name="center",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    name = models.CharField(_("名称"), max_length=120)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    floor_area = models.DecimalField(
        _("建筑面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    households = models.PositiveIntegerField(_("服务户数"), null=True, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=120, blank=True)
    phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=CenterStatus.choices,
        default=CenterStatus.PLANNED,
        db_index=True,
    )
    # Denormalised from the region for filters and search without joins.
    district_code = models.CharField(_("区代码"), max_length=12, db_index=True, blank=True)
    street_code = models.CharField(_("街镇代码"), max_length=12, db_index=True, blank=True)
    kind = models.CharField(
        _("类型"), max_length=12, choices=Kind.choices, db_index=True, blank=True
    )
    search_text = models.TextField(_("检索文本"), blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("党群服务中心")
        verbose_name_plural = _("党群服务中心")
        ordering = ["region__code"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        from lianxin.core import geo

        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"latitude": _("经纬度须同时填写。")})
        if self.latitude is not None and self.district_code:
            if not geo.in_district(self.district_code, float(self.longitude), float(self.latitude)):
                raise ValidationError(
                    {
                        "latitude": _("坐标（%(lon)s, %(lat)s）不在本区范围内。")
                        % {"lon": self.longitude, "lat": self.latitude}
                    }
                )
        if self.floor_area is not None and self.floor_area <= 0:
            raise ValidationError({"floor_area": _("建筑面积须大于 0。")})


class CenterStatusPeriod(models.Model):
    """The center's status from `valid_from` (inclusive) to `valid_to` (exclusive, empty = now)."""

    center = models.ForeignKey(
        Center, verbose_name=_("党群服务中心"), on_delete=models.CASCADE, related_name="history"
    )
    status = models.CharField(_("状态"), max_length=20, choices=CenterStatus.choices)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("中心状态记录")
        verbose_name_plural = _("中心状态记录")
        ordering = ["center_id", "valid_from"]
        indexes = [models.Index(fields=["center", "valid_from"])]

    def __str__(self):
        return f"{self.center} {self.get_status_display()} {self.valid_from}–{self.valid_to or '…'}"

    @staticmethod
    def on(day) -> Q:
        return covering(day)


class RoomType(models.Model):
    """An editable dictionary of room types."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("功能室类型")
        verbose_name_plural = _("功能室类型")
        ordering = ["sort", "id"]

    def __str__(self):
        from django.utils.translation import get_language

        return (
            self.name_en if (get_language() or "").startswith("en") and self.name_en else self.name
        )


class Room(models.Model):
    center = models.ForeignKey(
        Center, verbose_name=_("党群服务中心"), on_delete=models.CASCADE, related_name="rooms"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    room_type = models.ForeignKey(RoomType, verbose_name=_("类型"), on_delete=models.PROTECT)
    name = models.CharField(_("名称"), max_length=80)
    area = models.DecimalField(_("面积（㎡）"), max_digits=8, decimal_places=2)
    capacity = models.PositiveIntegerField(_("容纳人数"), null=True, blank=True)
    bookable = models.BooleanField(_("可预约"), default=False)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("功能室")
        verbose_name_plural = _("功能室")
        ordering = ["center_id", "room_type__sort", "id"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError
        from django.db.models import Sum

        if self.area is None or not self.center_id:
            return
        if self.area <= 0:
            raise ValidationError({"area": _("面积须大于 0。")})
        floor = self.center.floor_area
        others = (
            Room.objects.filter(center_id=self.center_id)
            .exclude(pk=self.pk)
            .aggregate(total=Sum("area"))["total"]
            or 0
        )
        if floor and others + self.area > floor:
            raise ValidationError(
                {
                    "area": _("功能室面积合计 %(total)s ㎡ 超过中心建筑面积 %(floor)s ㎡。")
                    % {"total": others + self.area, "floor": floor}
                }
            )
