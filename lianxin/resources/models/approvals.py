"""Joint review (联合审查审批): a plan's application goes to the departments concerned in
parallel; each gives an opinion within its time limit in working days. A department may approve
by a letter standing in for a permit (以函代证), which is recorded with the permit it replaces.

The case's status follows from the opinions alone (`resources.approvals_status.overall`): any
rejection rejects; otherwise any return for changes returns it; otherwise all approved approves
(with conditions when any opinion has them); otherwise it is under review. A returned case comes
back as a new round: the opinions that asked for changes are asked again, with fresh deadlines.
When a case is approved, the plan's 联合审批 milestone is completed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import OrgScopedQuerySet


class Department(models.Model):
    """A kind of department that takes part in joint review (data, edited by the city)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=5)
    may_issue_letter = models.BooleanField(
        _("可以函代证"), default=False, help_text=_("该部门可出具函件代替许可证件")
    )
    permit_name = models.CharField(_("对应证件"), max_length=80, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("联审部门")
        verbose_name_plural = _("联审部门")
        ordering = ["sort", "id"]

    def __str__(self):
        from django.utils.translation import get_language

        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name


class DepartmentMember(models.Model):
    """A user who gives opinions for `department` on cases within `region` (and below)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="review_departments",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("联审部门"), on_delete=models.PROTECT, related_name="members"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("联审部门人员")
        verbose_name_plural = _("联审部门人员")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "region"], name="unique_department_member"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.department} · {self.region}"


class ApprovalStatus(models.TextChoices):
    REVIEWING = "reviewing", _("审查中")
    RETURNED = "returned", _("退回修改")
    APPROVED = "approved", _("审批通过")
    APPROVED_WITH_CONDITIONS = "conditional", _("附条件通过")
    REJECTED = "rejected", _("不予通过")
    WITHDRAWN = "withdrawn", _("已撤回")


class ApprovalCase(models.Model):
    plan = models.ForeignKey(
        "campaign.Plan",
        verbose_name=_("建设方案"),
        on_delete=models.PROTECT,
        related_name="approval_cases",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    title = models.CharField(_("事项"), max_length=160)
    description = models.TextField(_("申报内容"), blank=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ApprovalStatus.choices,
        default=ApprovalStatus.REVIEWING,
        db_index=True,
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    submitted_on = models.DateField(_("申报日期"))
    concluded_on = models.DateField(_("办结日期"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申报人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("联合审批")
        verbose_name_plural = _("联合审批")
        ordering = ["-submitted_on", "-id"]
        constraints = [
            # One live case per plan: a rejected or withdrawn one may be followed by a new one.
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(status__in=["reviewing", "returned"]),
                name="one_open_approval_per_plan",
            )
        ]

    def __str__(self):
        return self.title


class Decision(models.TextChoices):
    PENDING = "pending", _("待出具")
    APPROVE = "approve", _("同意")
    CONDITIONS = "conditions", _("附条件同意")
    RETURN = "return", _("退回修改")
    REJECT = "reject", _("不同意")


class Opinion(models.Model):
    case = models.ForeignKey(
        ApprovalCase, verbose_name=_("联合审批"), on_delete=models.CASCADE, related_name="opinions"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("联审部门"), on_delete=models.PROTECT, related_name="opinions"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    requested_on = models.DateField(_("送审日期"))
    due_on = models.DateField(_("办理期限"), db_index=True)
    decision = models.CharField(
        _("意见"), max_length=12, choices=Decision.choices, default=Decision.PENDING, db_index=True
    )
    comment = models.TextField(_("意见说明"), blank=True)
    conditions = models.TextField(_("附加条件"), blank=True)
    letter_in_lieu = models.BooleanField(_("以函代证"), default=False)
    letter_no = models.CharField(_("函件文号"), max_length=80, blank=True)
    permit_replaced = models.CharField(_("所代证件"), max_length=80, blank=True)
    decided_on = models.DateField(_("出具日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("出具人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    escalation = models.PositiveSmallIntegerField(_("预警级别"), default=0)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("部门意见")
        verbose_name_plural = _("部门意见")
        ordering = ["case_id", "department__sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "department"], name="one_opinion_per_department"
            )
        ]

    def __str__(self):
        return f"{self.department} · {self.get_decision_display()}"


class OpinionAttachment(models.Model):
    opinion = models.ForeignKey(
        Opinion, verbose_name=_("部门意见"), on_delete=models.CASCADE, related_name="attachments"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    file = models.FileField(_("文件"), upload_to="resources/approvals/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("意见附件")
        verbose_name_plural = _("意见附件")

    def __str__(self):
        return self.original_name
