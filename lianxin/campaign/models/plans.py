"""The campaign (攻坚), its commitments (述职承诺), one plan per site (一村一策) and the plan's
backward schedule (倒排工期): milestones with durations in working days and their progress."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import OrgScopedQuerySet


class Localized:
    """`label`: the English name when the page is in English and one is given."""

    @property
    def label(self) -> str:
        english = (get_language() or "").startswith("en")
        return self.name_en if english and getattr(self, "name_en", "") else self.name


class Campaign(models.Model):
    """A named campaign with a target date over the units under `region` of the given kinds."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("覆盖范围"), on_delete=models.PROTECT, related_name="+"
    )
    kinds = models.JSONField(_("覆盖类型"), default=list, blank=True)
    starts_on = models.DateField(_("开始日期"))
    target_date = models.DateField(_("目标日期"))
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("攻坚任务")
        verbose_name_plural = _("攻坚任务")
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return self.name


class Commitment(models.Model):
    """A district party secretary's commitment (述职承诺): so many sites done by a date."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("攻坚任务"), on_delete=models.CASCADE, related_name="commitments"
    )
    district = models.ForeignKey(
        "regions.Region", verbose_name=_("区"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    secretary = models.CharField(_("区委书记"), max_length=60, blank=True)
    target_count = models.PositiveIntegerField(_("承诺完成数"))
    target_date = models.DateField(_("承诺完成日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("述职承诺")
        verbose_name_plural = _("述职承诺")
        ordering = ["campaign_id", "district__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "district"], name="one_commitment_a_district"
            )
        ]

    def __str__(self):
        return f"{self.district} {self.target_count} / {self.target_date}"


class WorksType(models.TextChoices):
    BUILD = "build", pgettext_lazy("works type", "新建")
    RENOVATE = "renovate", _("改造")
    EXPAND = "expand", _("扩建")
    COMPLIANT = "compliant", _("达标无需改造")


class Health(models.TextChoices):
    GREEN = "green", pgettext_lazy("health", "正常")
    AMBER = "amber", _("滞后")
    RED = "red", _("逾期")
    DONE = "done", _("已销号")


class MilestoneTemplate(Localized, models.Model):
    """The milestones a works type goes through, with durations in working days (data, edited by
    the city; a plan copies them when it is scheduled)."""

    works_type = models.CharField(_("工程类型"), max_length=12, choices=WorksType.choices)
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    duration_days = models.PositiveSmallIntegerField(_("工期（工作日）"))
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("节点模板")
        verbose_name_plural = _("节点模板")
        ordering = ["works_type", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["works_type", "code"], name="unique_template_code")
        ]

    def __str__(self):
        return f"{self.get_works_type_display()} · {self.name}"


class Plan(models.Model):
    """一村(居)一策: the plan for one site in one campaign."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("攻坚任务"), on_delete=models.PROTECT, related_name="plans"
    )
    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    district_code = models.CharField(_("区代码"), max_length=12, db_index=True, blank=True)
    street_code = models.CharField(_("街镇代码"), max_length=12, db_index=True, blank=True)
    works_type = models.CharField(_("工程类型"), max_length=12, choices=WorksType.choices)
    target_area = models.DecimalField(
        _("目标面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    budget = models.DecimalField(
        _("预算（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    premises = models.CharField(_("房源"), max_length=200, blank=True)
    starts_on = models.DateField(_("开工日期"), null=True, blank=True)
    deadline = models.DateField(_("完成期限"))
    leader = models.ForeignKey(
        "campaign.Leader",
        verbose_name=_("包保领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plans",
    )
    notes = models.TextField(_("备注"), blank=True)
    # Kept by services.refresh_health (after every progress report, schedule change, sign-off,
    # and each morning), so maps and lists colour thousands of sites without recomputing.
    health = models.CharField(
        _("进度状态"), max_length=8, choices=Health.choices, default=Health.GREEN, db_index=True
    )
    signed_off_on = models.DateField(_("销号日期"), null=True, blank=True, db_index=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("一村一策")
        verbose_name_plural = _("一村一策")
        ordering = ["deadline", "region_path"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "center"], name="one_plan_a_site")
        ]

    def __str__(self):
        return f"{self.center} · {self.get_works_type_display()}"


class Milestone(Localized, models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("一村一策"), on_delete=models.CASCADE, related_name="milestones"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    duration_days = models.PositiveSmallIntegerField(_("工期（工作日）"))
    starts_on = models.DateField(_("计划开始"))
    due_on = models.DateField(_("计划完成"), db_index=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    completed_on = models.DateField(_("实际完成"), null=True, blank=True)
    # 0 = not escalated, 1 = overdue notice sent, 2 = 3× overdue notice sent (so each goes once).
    escalation = models.PositiveSmallIntegerField(_("预警级别"), default=0)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("工期节点")
        verbose_name_plural = _("工期节点")
        ordering = ["plan_id", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="unique_milestone_code"),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="milestone_progress_at_most_100"
            ),
        ]

    def __str__(self):
        return f"{self.plan.center} · {self.name}"

    @property
    def done(self) -> bool:
        return self.completed_on is not None


def progress_photo_path(instance, filename):
    return f"campaign/progress/{instance.report.plan_id}/{instance.report_id}/{filename}"


class ProgressReport(models.Model):
    """Street staff's report of a milestone's progress (from a phone, with photos)."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("工期节点"), on_delete=models.CASCADE, related_name="reports"
    )
    plan = models.ForeignKey(
        Plan, verbose_name=_("一村一策"), on_delete=models.CASCADE, related_name="reports"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"))
    reported_on = models.DateField(_("填报日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"
    scope_owner_field = "reported_by"

    class Meta:
        verbose_name = _("进度填报")
        verbose_name_plural = _("进度填报")
        ordering = ["-reported_on", "-id"]

    def __str__(self):
        return f"{self.milestone} {self.progress}% {self.reported_on}"


class ProgressPhoto(models.Model):
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("进度填报"), on_delete=models.CASCADE, related_name="photos"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    image = models.FileField(_("照片"), upload_to=progress_photo_path)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("进度照片")
        verbose_name_plural = _("进度照片")

    def __str__(self):
        return self.image.name
