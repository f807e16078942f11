from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import OrgScopedQuerySet

# Labels for the actions services record (an unknown code is shown as it is).
ACTION_LABELS = {
    "create": _("新建"),
    "update": _("修改"),
    "delete": _("删除"),
    "status": _("状态变更"),
    "login": _("登录"),
    "login_failed": _("登录失败"),
    "revoke": _("撤销令牌"),
    "assign_role": _("授予角色"),
    "correct_kind": _("校正类型"),
    "assess_area": _("面积评估"),
    "record_renovation": _("改造验收"),
    "inspect": _("现场检查"),
    "close_follow_up": _("整改完成"),
    "seed_demo": _("生成演示数据"),
    "report_progress": _("填报进度"),
    "signoff_photo": _("上传销号佐证"),
    "signoff_submit": _("提交销号"),
    "signoff_verify": _("核验销号"),
    "signoff_return": _("退回销号"),
    "signoff_reopen": _("重新打开销号"),
    "assign_leader": _("指定包保领导"),
    "end_assignment": _("结束包保"),
    "close_rectification": _("整改销项"),
    "rectification_photo": _("上传整改佐证"),
    "close_action_item": _("会议事项完成"),
    "issue_bulletin": _("签发通报"),
}


class AuditLog(models.Model):
    """One row per write: who, when, what, before → after, and from where."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_repr = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=40, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60, db_index=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)
    # The region the target belongs to, so a district can be shown its own trail.
    region_path = models.CharField(_("区划路径"), max_length=80, blank=True, db_index=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.target_repr}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


class CalendarDay(models.Model):
    """An administrator's correction of the working-day calendar (a holiday or 调休 announced
    after the published calendar, or a local day off)."""

    day = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["day"]

    def __str__(self):
        state = _("工作日") if self.is_working_day else _("休息日")
        return f"{self.day} {state}"


class NotificationLevel(models.TextChoices):
    INFO = "info", _("通知")
    WARNING = "warning", _("预警")
    DANGER = "danger", _("严重预警")


class Notification(models.Model):
    """An in-app message to one user (also e-mailed by a background task when they have an
    address). Each user sees only their own."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    level = models.CharField(
        _("级别"), max_length=8, choices=NotificationLevel.choices, default=NotificationLevel.INFO
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # What it is about ("campaign.milestone", "12"), so the same event is not sent twice.
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.title
