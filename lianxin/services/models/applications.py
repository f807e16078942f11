"""Applications (办件): received at one window, routed to the handling level, followed step by
step to the result and the resident's rating."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core import crypto
from lianxin.core.scoping import OrgScopedQuerySet

from .catalogue import HandlingMode, ServiceLevel


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("退回补正")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    IN_PROGRESS = "in_progress", _("办理中")
    TRANSFERRED = "transferred", _("已转上级办理")
    CONCLUDED = "concluded", _("已办结")
    RATED = "rated", _("已评价")
    REOPENED = "reopened", _("重新办理")
    WITHDRAWN = "withdrawn", _("已撤回")


# Open311's coarse status: a request is closed once it needs nothing more from anyone.
CLOSED = frozenset({Status.REJECTED, Status.CONCLUDED, Status.RATED, Status.WITHDRAWN})


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    WINDOW = "window", _("窗口代办")
    OPEN311 = "open311", _("热线/城市应用")


class Overdue(models.IntegerChoices):
    NONE = 0, _("未超期")
    OVERDUE = 1, _("已超期")
    GRAVE = 3, _("超期三倍")


class ApplicationQuerySet(OrgScopedQuerySet):
    def mine(self, user):
        """A resident's own applications (residents have no staff scope)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(applicant=user)

    def open(self):
        return self.exclude(status__in=CLOSED)


class Application(models.Model):
    number = models.CharField(_("办件编号"), max_length=24, unique=True)
    item = models.ForeignKey(
        "services.ServiceItem",
        verbose_name=_("服务事项"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("受理中心"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    # The street above the center: who concludes what the window passes up.
    street_code = models.CharField(_("街镇代码"), max_length=12, db_index=True, blank=True)
    district_code = models.CharField(_("区代码"), max_length=12, db_index=True, blank=True)
    handling_level = models.CharField(_("受理层级"), max_length=12, choices=ServiceLevel.choices)
    handling_mode = models.CharField(_("办理方式"), max_length=20, choices=HandlingMode.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    applicant_name = models.CharField(_("申请人姓名"), max_length=60)
    id_number_encrypted = models.TextField(_("身份证号（加密）"), blank=True)
    id_number_digest = models.CharField(_("身份证号摘要"), max_length=64, blank=True, db_index=True)
    phone_encrypted = models.TextField(_("联系电话（加密）"), blank=True)
    form_data = models.JSONField(_("表单内容"), default=dict, blank=True)
    description = models.TextField(_("情况说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    deadline = models.DateField(_("办结期限"), db_index=True)
    # 3× the time limit, past which the case escalates to the district.
    grave_deadline = models.DateField(_("严重超期日"))
    overdue = models.PositiveSmallIntegerField(
        _("超期"), choices=Overdue.choices, default=Overdue.NONE, db_index=True
    )
    on_time = models.BooleanField(_("按期办结"), null=True, blank=True)
    # Materials whose paper original the window clerk checked instead of a scan (ids of the
    # item's Material rows); only for applications received at the window.
    verified_materials = models.JSONField(_("窗口核验原件的材料"), default=list, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    idempotency_key = models.CharField(_("幂等键"), max_length=64, blank=True)
    # Open311 callers may send their own id (e.g. the hotline's ticket number).
    external_id = models.CharField(_("外部编号"), max_length=64, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ApplicationQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["deadline", "id"]
        constraints = [
            # A double submit (the same key from the same channel) creates one application.
            models.UniqueConstraint(
                fields=["channel", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="unique_application_idempotency_key",
            )
        ]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["center", "status"]),
        ]

    def __str__(self):
        return f"{self.number} {self.item.name}"

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number) if self.id_number_encrypted else ""

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone) if self.phone_encrypted else ""

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED


class Step(models.Model):
    """One status change with its time, actor and note: the resident's timeline."""

    application = models.ForeignKey(
        Application, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="steps"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    from_status = models.CharField(_("原状态"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["application_id", "at", "id"]

    def __str__(self):
        return f"{self.application.number} → {self.get_to_status_display()}"


def material_path(instance, filename):
    return f"applications/{instance.application_id}/{filename}"


class Attachment(models.Model):
    """A file submitted for one of the item's materials."""

    application = models.ForeignKey(
        Application, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="attachments"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    material = models.ForeignKey(
        "services.Material",
        verbose_name=_("申请材料"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.FileField(_("文件"), upload_to=material_path)
    # The name the file had on the uploader's computer (the stored name is made unique).
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    content_type = models.CharField(_("文件类型"), max_length=60)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("申请材料附件")
        verbose_name_plural = _("申请材料附件")
        ordering = ["application_id", "material_id", "id"]

    def __str__(self):
        return f"{self.application.number} · {self.material.name}"


class StandardAnswer(models.Model):
    """The standard answers a resident picks when rating (Signalen's feedback answers)."""

    text = models.CharField(_("内容"), max_length=80)
    text_en = models.CharField(_("英文内容"), max_length=120, blank=True)
    is_satisfied = models.BooleanField(_("满意类"), default=True)
    # Answers picked with such a score reopen the case for the center head.
    reopens = models.BooleanField(_("触发重办"), default=False)
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("评价标准答案")
        verbose_name_plural = _("评价标准答案")
        ordering = ["-is_satisfied", "sort", "id"]

    def __str__(self):
        from django.utils.translation import get_language

        return (
            self.text_en if (get_language() or "").startswith("en") and self.text_en else self.text
        )


class Rating(models.Model):
    application = models.OneToOneField(
        Application, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="rating"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    score = models.PositiveSmallIntegerField(_("评分"))
    answers = models.ManyToManyField(StandardAnswer, verbose_name=_("评价"), blank=True)
    comment = models.TextField(_("意见"), blank=True)
    at = models.DateTimeField(_("评价时间"))
    reopened = models.BooleanField(_("已触发重办"), default=False)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="rating_score_1_to_5"
            )
        ]

    def __str__(self):
        return f"{self.application.number} {self.score}"
