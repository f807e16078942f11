"""Matching premises to centers short of area: a run (who, when, with which limits, what the
solver found) and its proposals, each explained (distance, area before → after, compliance after)
and decided once: accepted (the premises is reserved and the plan updated) or rejected with a
reason. A later run supersedes the proposals still open in its scope."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import OrgScopedQuerySet


class MatchRun(models.Model):
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    max_distance_m = models.PositiveIntegerField(_("最大距离（米）"))
    on = models.DateField(_("标准日期"))
    solver = models.CharField(_("求解方法"), max_length=60)
    centers_short = models.PositiveIntegerField(_("面积不足中心数"), default=0)
    premises_free = models.PositiveIntegerField(_("可用房源数"), default=0)
    missing_area = models.DecimalField(
        _("缺口面积合计（㎡）"), max_digits=12, decimal_places=2, default=0
    )
    covered_area = models.DecimalField(
        _("可补面积合计（㎡）"), max_digits=12, decimal_places=2, default=0
    )
    duration_ms = models.PositiveIntegerField(_("用时（毫秒）"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("房源匹配")
        verbose_name_plural = _("房源匹配")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.region} · {self.created_at:%Y-%m-%d %H:%M}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("待决定")
    ACCEPTED = "accepted", _("已采纳")
    REJECTED = "rejected", _("已否决")
    SUPERSEDED = "superseded", _("已被新方案取代")


class Proposal(models.Model):
    run = models.ForeignKey(
        MatchRun, verbose_name=_("匹配"), on_delete=models.CASCADE, related_name="proposals"
    )
    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        on_delete=models.CASCADE,
        related_name="premises_proposals",
    )
    premises = models.ForeignKey(
        "resources.Premises",
        verbose_name=_("房源"),
        on_delete=models.CASCADE,
        related_name="proposals",
    )
    plan = models.ForeignKey(
        "campaign.Plan",
        verbose_name=_("建设方案"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="premises_proposals",
    )
    # The center's path: a district sees the proposals for its centers.
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    distance_m = models.PositiveIntegerField(_("距离（米）"))
    required_area = models.DecimalField(_("标准面积（㎡）"), max_digits=9, decimal_places=2)
    area_before = models.DecimalField(_("现有面积（㎡）"), max_digits=9, decimal_places=2)
    area_added = models.DecimalField(_("增加面积（㎡）"), max_digits=9, decimal_places=2)
    area_after = models.DecimalField(_("配置后面积（㎡）"), max_digits=9, decimal_places=2)
    compliant_after = models.BooleanField(_("配置后达标"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PROPOSED,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    reason = models.CharField(_("否决理由"), max_length=300, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("匹配方案")
        verbose_name_plural = _("匹配方案")
        ordering = ["run_id", "-area_added", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "center"], name="one_proposal_per_center"),
        ]

    def __str__(self):
        return f"{self.premises} → {self.center}"
