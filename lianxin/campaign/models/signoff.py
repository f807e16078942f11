"""逐个销号 with no back door (卡死后门): the street submits, another person at the district
verifies, and only while every criterion holds. The allowed status changes are the table in
`campaign/workflow.py`; `SignOff.save()` re-checks the criteria and the two-person rule, so a
write that skips the services (the Django admin, a shell) is refused too, and the database refuses
a signed-off row without two different people."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import OrgScopedQuerySet


class SignOffStatus(models.TextChoices):
    DRAFT = "draft", _("待提交")
    SUBMITTED = "submitted", _("待核验")
    RETURNED = "returned", _("已退回")
    SIGNED_OFF = "signed_off", _("已销号")
    REOPENED = "reopened", _("已重新打开")


class SignOff(models.Model):
    plan = models.OneToOneField(
        "campaign.Plan",
        verbose_name=_("一村一策"),
        on_delete=models.CASCADE,
        related_name="signoff",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=SignOffStatus.choices, default=SignOffStatus.DRAFT
    )
    # The criteria as evaluated at the last step: [{"code", "label", "passed", "detail"}, …].
    criteria = models.JSONField(_("销号条件"), default=list, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核验人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    signed_off_on = models.DateField(_("销号日期"), null=True, blank=True)
    reason = models.CharField(_("退回或重新打开原因"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("销号")
        verbose_name_plural = _("销号")
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="signed_off")
                | (
                    Q(submitted_by__isnull=False, verified_by__isnull=False)
                    & ~Q(submitted_by=F("verified_by"))
                ),
                name="signoff_needs_two_people",
            )
        ]

    def __str__(self):
        return f"{self.plan} · {self.get_status_display()}"

    def save(self, *args, **kwargs):
        if self.status == SignOffStatus.SIGNED_OFF:
            from lianxin.campaign.criteria import failing

            if self.submitted_by_id is None or self.verified_by_id in (None, self.submitted_by_id):
                raise ValidationError(_("销号须由提交人以外的区级人员核验。"))
            failed = failing(self.plan, self.signed_off_on)
            if failed:
                raise ValidationError(
                    _("以下销号条件未满足，不能销号：%(items)s")
                    % {"items": "；".join(str(c.label) for c in failed)}
                )
        super().save(*args, **kwargs)


class PhotoKind(models.TextChoices):
    SIGNAGE = "signage", _("统一标识")
    EXTERIOR = "exterior", _("外观")
    HALL = "hall", _("服务大厅")
    ROOMS = "rooms", _("功能室")
    OTHER = "other", _("其他")


def signoff_photo_path(instance, filename):
    return f"campaign/signoff/{instance.signoff.plan_id}/{filename}"


class SignOffPhoto(models.Model):
    signoff = models.ForeignKey(
        SignOff, verbose_name=_("销号"), on_delete=models.CASCADE, related_name="photos"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    kind = models.CharField(_("类别"), max_length=10, choices=PhotoKind.choices)
    image = models.FileField(_("照片"), upload_to=signoff_photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("销号佐证照片")
        verbose_name_plural = _("销号佐证照片")
        ordering = ["kind", "id"]

    def __str__(self):
        return self.image.name
