"""Standards (建设标准) and the three levels: 面积达标 · 改造达标 · 规范使用.

A rule set is a row with effective dates; a level record is one finding about one center on one
day (computed from the area, an accepted renovation, an inspection) and keeps the numbers and the
rule set it used, so that editing or replacing a rule set never rewrites a past result. "As of D"
is the latest record of each level on or before D.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lianxin.core.periods import covering
from lianxin.core.scoping import OrgScopedQuerySet
from lianxin.regions.models import Kind


class RuleSetQuerySet(models.QuerySet):
    def in_force(self, day):
        """The rule set in force on `day` (the latest one that started by then)."""
        return self.filter(covering(day)).order_by("-valid_from", "-id").first()


class RuleSet(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    basis = models.CharField(_("文件依据"), max_length=200, blank=True)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    village_min_area = models.DecimalField(
        _("村最小面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    community_min_area = models.DecimalField(
        _("社区最小面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    community_area_per_100_households = models.DecimalField(
        _("社区每百户面积（㎡）"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    activity_share_min = models.DecimalField(
        _("居民活动用房最低占比"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    comply_by = models.DateField(_("达标期限"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = RuleSetQuerySet.as_manager()

    class Meta:
        verbose_name = _("建设标准")
        verbose_name_plural = _("建设标准")
        ordering = ["-valid_from"]

    def __str__(self):
        return self.name

    def required_area(self, kind: str, households: int | None) -> Decimal | None:
        """The floor area this rule set requires of a center of `kind`; None = no requirement
        (or not decidable: a per-household rule with households unknown)."""
        if kind == Kind.VILLAGE:
            return self.village_min_area
        if kind == Kind.COMMUNITY:
            needs = [self.community_min_area] if self.community_min_area else []
            if self.community_area_per_100_households:
                if households is None:
                    return None
                needs.append(self.community_area_per_100_households * households / 100)
            return max(needs).quantize(Decimal("0.01")) if needs else None
        return None


class Level(models.TextChoices):
    AREA = "area", _("面积达标")
    RENOVATION = "renovation", _("改造达标")
    USE = "use", _("规范使用")


class Source(models.TextChoices):
    COMPUTED = "computed", _("按标准计算")
    INSPECTION = "inspection", _("检查")
    LEDGER = "ledger", _("台账导入")
    CAMPAIGN = "campaign", _("改造验收")
    DEMO = "demo", _("演示数据")


class LevelRecordQuerySet(OrgScopedQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        created = super().bulk_create(objs, *args, **kwargs)
        self.reperiod({o.center_id for o in objs})
        return created

    def reperiod(self, center_ids) -> None:
        """Recompute `valid_to` and `since` for every level of these centers: each record ends
        where the next record of its level starts, and a run of equal results shares its first
        day as `since` (after any bulk insert, call this for the centers)."""
        ids = sorted(set(center_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = list(
                LevelRecord.objects.filter(center_id__in=chunk)
                .order_by("center_id", "level", "effective_on", "id")
                .only("id", "center_id", "level", "effective_on", "valid_to", "since", "compliant")
            )
            changed = []
            for i, rec in enumerate(rows):
                prev = rows[i - 1] if i else None
                nxt = rows[i + 1] if i + 1 < len(rows) else None
                same = lambda a, b: (a.center_id, a.level) == (b.center_id, b.level)  # noqa: E731
                valid_to = nxt.effective_on if nxt and same(rec, nxt) else None
                if prev and same(prev, rec) and prev.compliant == rec.compliant:
                    since = prev.since
                else:
                    since = rec.effective_on
                if (rec.valid_to, rec.since) != (valid_to, since):
                    rec.valid_to, rec.since = valid_to, since
                    changed.append(rec)
            LevelRecord.objects.bulk_update(changed, ["valid_to", "since"], batch_size=1000)

    def on(self, day):
        return self.filter(covering(day, start="effective_on"))


class LevelRecord(models.Model):
    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        on_delete=models.CASCADE,
        related_name="level_records",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    compliant = models.BooleanField(_("达标"))
    effective_on = models.DateField(_("生效日期"))
    # When the next record of the same level took over (exclusive); empty = still current.
    # Kept by save() and bulk_create() (reperiod), so "as of D" is a range test, not a search
    # for the latest record.
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    # Since when the finding has held without a break (the first of a run of records with the
    # same result): "done on time" is compliant with `since` on or before the deadline.
    since = models.DateField(_("持续自"), null=True, blank=True)
    rule_set = models.ForeignKey(
        RuleSet, verbose_name=_("所用标准"), null=True, blank=True, on_delete=models.PROTECT
    )
    floor_area = models.DecimalField(
        _("建筑面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    households = models.PositiveIntegerField(_("服务户数"), null=True, blank=True)
    required_area = models.DecimalField(
        _("要求面积（㎡）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    inspection = models.ForeignKey(
        "centers.Inspection",
        verbose_name=_("检查"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = LevelRecordQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("达标记录")
        verbose_name_plural = _("达标记录")
        ordering = ["center_id", "level", "effective_on", "id"]
        indexes = [models.Index(fields=["center", "level", "effective_on"])]

    def __str__(self):
        return f"{self.center} {self.get_level_display()} {self.effective_on} {self.compliant}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:
            LevelRecord.objects.reperiod([self.center_id])
            self.valid_to, self.since = (
                LevelRecord.objects.filter(pk=self.pk).values_list("valid_to", "since").get()
            )


class ChecklistQuerySet(models.QuerySet):
    def on(self, day):
        """Checklists valid on `day`, the latest first."""
        return self.filter(covering(day))

    def in_force(self, day):
        """The checklist in force on `day` (the latest one that started by then)."""
        return self.on(day).order_by("-valid_from", "-id").first()


class Checklist(models.Model):
    """A checklist as data (Wuqing's 十个有 and 三个规范统一 by default)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    pass_score = models.DecimalField(
        _("合格分数（百分制）"), max_digits=5, decimal_places=1, default=Decimal("80")
    )

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("检查清单")
        verbose_name_plural = _("检查清单")
        ordering = ["-valid_from"]

    def __str__(self):
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("检查清单"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.SlugField(_("代码"), max_length=40)
    group = models.CharField(_("分组"), max_length=40, blank=True)
    text = models.CharField(_("检查内容"), max_length=200)
    evidence_required = models.BooleanField(_("需上传佐证"), default=False)
    required = models.BooleanField(_("必须合格"), default=False)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2, default=Decimal("1"))
    sort = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")
        ordering = ["checklist_id", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["checklist", "code"], name="unique_item_code")
        ]

    def __str__(self):
        return self.text


class Inspection(models.Model):
    """An inspector's assessment of one center against a checklist (recorded on a phone)."""

    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        on_delete=models.CASCADE,
        related_name="inspections",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    checklist = models.ForeignKey(Checklist, verbose_name=_("检查清单"), on_delete=models.PROTECT)
    inspected_on = models.DateField(_("检查日期"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    passed = models.BooleanField(_("合格"))
    signature = models.CharField(_("签名"), max_length=60)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"
    scope_owner_field = "inspector"

    class Meta:
        verbose_name = _("检查")
        verbose_name_plural = _("检查")
        ordering = ["-inspected_on", "-id"]

    def __str__(self):
        return f"{self.center} {self.inspected_on}"


class ItemResult(models.TextChoices):
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NA = "na", _("不适用")


class InspectionItem(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(ChecklistItem, verbose_name=_("检查项"), on_delete=models.PROTECT)
    result = models.CharField(_("结果"), max_length=4, choices=ItemResult.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("检查结果")
        verbose_name_plural = _("检查结果")
        ordering = ["inspection_id", "item__sort"]

    def __str__(self):
        return f"{self.item}: {self.get_result_display()}"


def photo_path(instance, filename):
    return f"inspections/{instance.inspection.center_id}/{instance.inspection_id}/{filename}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("检查"), on_delete=models.CASCADE, related_name="photos"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("检查项"), null=True, blank=True, on_delete=models.SET_NULL
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    # A FileField: the service checks the bytes are a JPEG/PNG/WebP image (no Pillow needed).
    image = models.FileField(_("照片"), upload_to=photo_path)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("检查照片")
        verbose_name_plural = _("检查照片")

    def __str__(self):
        return self.image.name


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    CLOSED = "closed", _("已整改")


class FollowUp(models.Model):
    """A failed checklist item that needs fixing."""

    center = models.ForeignKey(
        "centers.Center",
        verbose_name=_("党群服务中心"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    inspection_item = models.ForeignKey(
        InspectionItem,
        verbose_name=_("检查结果"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    description = models.CharField(_("问题"), max_length=300)
    due_on = models.DateField(_("整改期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    closed_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    closed_note = models.CharField(_("整改说明"), max_length=300, blank=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["status", "due_on", "id"]

    def __str__(self):
        return self.description
