"""实地督导 · 暗访: visits, announced or not, whose findings become rectification items (整改)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import OrgScopedQuerySet


class VisitKind(models.TextChoices):
    ANNOUNCED = "announced", _("实地督导")
    UNANNOUNCED = "unannounced", _("暗访")
    SURVEY = "survey", _("调研走访")


class Visit(models.Model):
    campaign = models.ForeignKey(
        "campaign.Campaign",
        verbose_name=_("攻坚任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    # The unit visited: a site (village or community) usually, or a street.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("督导单位"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    kind = models.CharField(_("方式"), max_length=12, choices=VisitKind.choices)
    visited_on = models.DateField(_("督导日期"), db_index=True)
    leader = models.ForeignKey(
        "campaign.Leader",
        verbose_name=_("带队领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    # Who went, when not one leader: "市委组织部暗访组", "滨海新区第3调研组".
    team = models.CharField(_("督导组"), max_length=80, blank=True)
    # The department that sent the visit (city department, a district), for statistics.
    organizer = models.ForeignKey(
        "regions.Region",
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("督导情况"), blank=True)
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

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("督导")
        verbose_name_plural = _("督导")
        ordering = ["-visited_on", "-id"]

    def __str__(self):
        return f"{self.visited_on} {self.get_kind_display()} {self.region}"


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("整改中")
    CLOSED = "closed", _("已整改")


class Rectification(models.Model):
    """One finding of a visit, to be put right by its owner by the deadline, closed with evidence."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("督导"), on_delete=models.CASCADE, related_name="rectifications"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    finding = models.CharField(_("发现问题"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner_name = models.CharField(_("责任人姓名"), max_length=60, blank=True)
    due_on = models.DateField(_("整改期限"), db_index=True)
    status = models.CharField(
        _("状态"),
        max_length=8,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
        db_index=True,
    )
    closed_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    closed_note = models.CharField(_("整改情况"), max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销项人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalation = models.PositiveSmallIntegerField(_("预警级别"), default=0)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"
    scope_owner_field = "owner"

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["status", "due_on", "id"]

    def __str__(self):
        return self.finding


def rectification_photo_path(instance, filename):
    return f"campaign/rectifications/{instance.rectification_id}/{filename}"


class RectificationPhoto(models.Model):
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("整改事项"), on_delete=models.CASCADE, related_name="photos"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    image = models.FileField(_("照片"), upload_to=rectification_photo_path)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("整改佐证照片")
        verbose_name_plural = _("整改佐证照片")

    def __str__(self):
        return self.image.name
