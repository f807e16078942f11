"""The division tree (统计用区划代码) with statuses that have effective dates."""

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.periods import covering
from lianxin.core.scoping import OrgScopedQuerySet


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省级")  # 天津市 is a province-level municipality
    PREFECTURE = 2, _("地级")
    COUNTY = 3, _("县级")  # 区 / 县
    TOWNSHIP = 4, _("乡级")  # 街道 / 镇 / 乡 / 开发区
    VILLAGE = 5, _("村级")  # 社区 / 村


class Kind(models.TextChoices):
    PROVINCE = "province", _("省/直辖市")
    PREFECTURE = "prefecture", _("地级市/州")
    DISTRICT = "district", _("区/县")
    STREET = "street", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    ZONE = "zone", _("开发区/农场等")
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")


class Status(models.TextChoices):
    ACTIVE = "active", _("正常")
    DEMOLISHING = "demolishing", _("拆迁")
    MERGED = "merged", _("已合并")
    CONVERTED = "converted", _("村改居")
    DISSOLVED = "dissolved", _("已撤销")


# The kinds a unit of each level can be (a correction may not move a unit between levels).
LEVEL_KINDS = {
    Level.PROVINCE: (Kind.PROVINCE,),
    Level.PREFECTURE: (Kind.PREFECTURE,),
    Level.COUNTY: (Kind.DISTRICT,),
    Level.TOWNSHIP: (Kind.STREET, Kind.TOWN, Kind.TOWNSHIP, Kind.ZONE),
    Level.VILLAGE: (Kind.COMMUNITY, Kind.VILLAGE),
}

# Statuses under which the unit still exists (and so counts on that date).
EXISTING_STATUSES = (Status.ACTIVE, Status.DEMOLISHING, Status.CONVERTED)


class RegionQuerySet(OrgScopedQuerySet):
    def names(self, codes) -> dict[str, str]:
        """code → name for the given codes (blanks ignored), in one query."""
        codes = {c for c in codes if c}
        return dict(self.filter(code__in=codes).values_list("code", "name")) if codes else {}

    def as_of(self, day: date):
        """Units that existed on `day`, annotated with the kind and status they had then."""
        periods = RegionStatus.objects.on(day).filter(region=models.OuterRef("pk"))
        return (
            self.filter(
                covering(day, "statuses", open_start=True),
                statuses__status__in=EXISTING_STATUSES,
            )
            .annotate(
                kind_then=models.Subquery(periods.values("kind")[:1]),
                status_then=models.Subquery(periods.values("status")[:1]),
            )
            .distinct()
        )


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    # An administrator's correction of the kind survives re-imports.
    kind_corrected = models.BooleanField(_("类型已人工校正"), default=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes, each followed by "/": the key of every data scope.
    path = models.CharField(_("路径"), max_length=80, db_index=True)
    initials = models.CharField(_("拼音首字母"), max_length=100, blank=True)
    status = models.CharField(
        _("当前状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )

    objects = RegionQuerySet.as_manager()
    scope_path_field = "path"

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def region_path(self) -> str:
        return self.path

    def ancestors(self):
        codes = [c for c in self.path.split("/") if c][:-1]
        by_code = {r.code: r for r in Region.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    @property
    def short_name(self) -> str:
        for suffix in (
            "社区居民委员会",
            "居民委员会",
            "村民委员会",
            "社区居委会",
            "居委会",
            "村委会",
        ):
            if self.name.endswith(suffix) and len(self.name) > len(suffix):
                stem = self.name[: -len(suffix)]
                return stem + ("社区" if "居" in suffix else ("" if stem.endswith("村") else "村"))
        return self.name


class RegionStatusQuerySet(models.QuerySet):
    def on(self, day: date):
        return self.filter(covering(day, open_start=True))


class RegionStatus(models.Model):
    """One period of a unit's life: its status and kind from `valid_from` (inclusive; empty =
    since before the records) to `valid_to` (exclusive; empty = still so)."""

    region = models.ForeignKey(
        Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="statuses"
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = RegionStatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("区划状态")
        verbose_name_plural = _("区划状态")
        ordering = ["region_id", "valid_from"]
        indexes = [models.Index(fields=["region", "valid_from"])]

    def __str__(self):
        return f"{self.region} {self.get_status_display()} {self.valid_from or '…'}–{self.valid_to or '…'}"
