"""The standardized service catalogue (服务事项清单): items, their time limits (versioned),
materials and typed form fields, and the certificate kinds Tianjin's 2019 rules allow or ban."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.periods import covering
from lianxin.core.scoping import OrgScopedQuerySet


class HandlingMode(models.TextChoices):
    CONCLUDED_HERE = "concluded_here", _("本级办结")
    RECEIVED_HERE = "received_here", _("本级受理、上级办结")
    PROXY = "proxy", _("代办")
    ASSIST = "assist", _("协办")
    NOTIFY = "notify", _("告知")


# Modes whose applications are concluded above the receiving level (the window passes them up).
TRANSFERRED_MODES = frozenset({HandlingMode.RECEIVED_HERE, HandlingMode.PROXY})


class ItemType(models.TextChoices):
    GRANT = "grant", _("行政给付")
    CONFIRMATION = "confirmation", _("行政确认")
    LICENSE = "license", _("行政许可")
    PUBLIC_SERVICE = "public_service", _("公共服务")
    CERTIFICATE = "certificate", _("证明事项")
    OTHER = "other", _("其他")


class ServiceLevel(models.TextChoices):
    COMMUNITY = "community", _("村（社区）级")
    STREET = "street", _("街道（乡镇）级")
    DISTRICT = "district", _("区级")


class CertificateKind(models.Model):
    """A kind of certificate (证明); Tianjin's 2019 rules let residents' committees issue only a
    few kinds and ban the rest. Kept as data so a rule change is an edit, not a release."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    community_may_issue = models.BooleanField(_("村（社区）可出具"), default=False)
    basis = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("证明类别")
        verbose_name_plural = _("证明类别")
        ordering = ["-community_may_issue", "code"]

    def __str__(self):
        return self.name


class ServiceItem(models.Model):
    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=160, blank=True)
    category = models.CharField(_("类别"), max_length=40, db_index=True)
    department = models.CharField(_("主管部门"), max_length=80)
    legal_basis = models.TextField(_("设定依据"), blank=True)
    level = models.CharField(
        _("事项层级"), max_length=12, choices=ServiceLevel.choices, default=ServiceLevel.STREET
    )
    item_type = models.CharField(
        _("事项类型"), max_length=20, choices=ItemType.choices, default=ItemType.PUBLIC_SERVICE
    )
    certificate_kind = models.ForeignKey(
        CertificateKind,
        verbose_name=_("证明类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("证明事项须选择证明类别；村（社区）只能出具允许的类别。"),
    )
    eligibility = models.TextField(_("受理条件"), blank=True)
    fee = models.DecimalField(_("收费（元）"), max_digits=10, decimal_places=2, default=0)
    online = models.BooleanField(_("可网上申请"), default=True)
    in_person = models.BooleanField(_("须到现场"), default=False)
    description = models.TextField(_("办理说明"), blank=True)
    # The catalogue's owner: the city's items sit at the city's path, a district's own at its path.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    active = models.BooleanField(_("启用"), default=True)
    search_text = models.TextField(_("检索文本"), blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["category", "code"]

    def __str__(self):
        return f"{self.code} {self.name}"

    def time_limit_on(self, day):
        """The time limit (TimeLimit row) in force on `day`, or None."""
        return (
            self.time_limits.filter(covering(day, open_start=True)).order_by("-valid_from").first()
        )


class TimeLimit(models.Model):
    """The promised time limit (承诺时限) in working days, from `valid_from` (inclusive) to
    `valid_to` (exclusive, empty = open). An application keeps the limit it was submitted under."""

    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("服务事项"),
        on_delete=models.CASCADE,
        related_name="time_limits",
    )
    working_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("承诺时限")
        verbose_name_plural = _("承诺时限")
        ordering = ["item_id", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(working_days__gte=1), name="time_limit_at_least_one_day"
            )
        ]

    def __str__(self):
        return f"{self.item.code} {self.working_days} ({self.valid_from or '…'}–{self.valid_to or '…'})"


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人自备")
    GOVERNMENT = "government", _("政府部门核发")
    SHARED = "shared", _("数据共享获取（免提交）")
    OTHER = "other", _("其他")


class Material(models.Model):
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("服务事项"), on_delete=models.CASCADE, related_name="materials"
    )
    name = models.CharField(_("材料名称"), max_length=120)
    required = models.BooleanField(_("必须提交"), default=True)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    source = models.CharField(
        _("来源"), max_length=12, choices=MaterialSource.choices, default=MaterialSource.APPLICANT
    )
    check_points = models.CharField(_("审查要点"), max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item_id", "sort", "id"]

    def __str__(self):
        return self.name


class Datatype(models.TextChoices):
    """Open311 GeoReport v2 service-definition datatypes."""

    STRING = "string", _("单行文本")
    NUMBER = "number", _("数字")
    DATETIME = "datetime", _("日期")
    TEXT = "text", _("多行文本")
    SINGLE = "singlevaluelist", _("单选")
    MULTI = "multivaluelist", _("多选")


class FormField(models.Model):
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("服务事项"), on_delete=models.CASCADE, related_name="fields"
    )
    code = models.SlugField(_("字段代码"), max_length=40)
    label = models.CharField(_("字段名称"), max_length=80)
    datatype = models.CharField(_("数据类型"), max_length=20, choices=Datatype.choices)
    required = models.BooleanField(_("必填"), default=False)
    # [{"key": "a", "name": "一级"}, …] for the list types.
    values = models.JSONField(_("可选值"), default=list, blank=True)
    description = models.CharField(_("填写说明"), max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("表单字段")
        verbose_name_plural = _("表单字段")
        ordering = ["item_id", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="unique_field_code_per_item")
        ]

    def __str__(self):
        return self.label


class Devolution(models.Model):
    """权下放: in one district, an item is received (and, by its handling mode, concluded) at
    community or street level, from a date."""

    district = models.ForeignKey(
        "regions.Region", verbose_name=_("区"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("服务事项"),
        on_delete=models.CASCADE,
        related_name="devolutions",
    )
    level = models.CharField(_("受理层级"), max_length=12, choices=ServiceLevel.choices)
    handling_mode = models.CharField(_("办理方式"), max_length=20, choices=HandlingMode.choices)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("事项下放")
        verbose_name_plural = _("事项下放")
        ordering = ["district_id", "item_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "item", "valid_from"], name="unique_devolution_from"
            )
        ]

    def __str__(self):
        return f"{self.district} · {self.item.name} · {self.get_level_display()}"
