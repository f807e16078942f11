"""定期例会: meetings with agenda, attendees and decisions; action items tracked to closure and
carried into the next meeting of the same unit until they are done."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import OrgScopedQuerySet


class Meeting(models.Model):
    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("攻坚任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("召集单位"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    title = models.CharField(_("会议名称"), max_length=120)
    held_on = models.DateField(_("会议日期"), db_index=True)
    agenda = models.TextField(_("议程"), blank=True)
    attendees = models.TextField(_("参会人员"), blank=True)
    decisions = models.TextField(_("会议决定"), blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("例会")
        verbose_name_plural = _("例会")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"{self.held_on} {self.title}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("未完成")
    DONE = "done", _("已完成")


class ActionItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("例会"), on_delete=models.CASCADE, related_name="action_items"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    text = models.CharField(_("事项"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_name = models.CharField(_("责任人姓名"), max_length=60, blank=True)
    due_on = models.DateField(_("完成期限"), db_index=True)
    status = models.CharField(
        _("状态"),
        max_length=6,
        choices=ActionStatus.choices,
        default=ActionStatus.OPEN,
        db_index=True,
    )
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    done_note = models.CharField(_("完成情况"), max_length=300, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"
    scope_owner_field = "owner"

    class Meta:
        verbose_name = _("会议事项")
        verbose_name_plural = _("会议事项")
        ordering = ["status", "due_on", "id"]

    def __str__(self):
        return self.text
