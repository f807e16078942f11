"""The dedicated fund ledger (资金专账): every yuan from source to payment.

A `FundSource` is a line of money a district (or street) holds for the campaign: a city subsidy
(市级补贴), district fiscal funds (区财政), party-dues special funds (党费专项) …, with its
document. Money moves only as `FundEntry` rows, which are never edited or deleted:

- RECEIPT     money arriving on the source (its amount, its document);
- ALLOCATION  part of a source allocated to a plan (一村一策);
- PAYMENT     a disbursement for a plan out of what that source allocated to it (voucher number).

A correction is a reversing entry: same kind, source and plan, the opposite amount, pointing at
the entry it reverses (each entry reversed at most once). The invariants — allocated ≤ received
per source, paid ≤ allocated per (source, plan) — are checked by `resources.services.funds` inside
the transaction with the source row locked, so two payments racing for the last yuan cannot both
pass. Amounts are Decimal yuan with two places.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lianxin.core.scoping import OrgScopedQuerySet

MONEY = {"max_digits": 14, "decimal_places": 2}


class SourceKind(models.TextChoices):
    CITY_SUBSIDY = "city_subsidy", _("市级补贴")
    DISTRICT_FISCAL = "district_fiscal", _("区财政资金")
    PARTY_DUES = "party_dues", _("党费专项")
    STREET = "street", _("街镇自筹")
    OTHER = "other", _("其他")


class FundSource(models.Model):
    kind = models.CharField(_("资金来源"), max_length=20, choices=SourceKind.choices)
    name = models.CharField(_("名称"), max_length=120)
    document_no = models.CharField(_("文件文号"), max_length=80, blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("管理单位"), on_delete=models.PROTECT, related_name="+"
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    district_code = models.CharField(_("区代码"), max_length=12, db_index=True, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("资金来源")
        verbose_name_plural = _("资金来源")
        ordering = ["district_code", "-year", "kind", "id"]

    def __str__(self):
        return self.name


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", _("资金到位")
    ALLOCATION = "allocation", _("分配到项目")
    PAYMENT = "payment", _("支付")


class FundEntry(models.Model):
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices, db_index=True)
    source = models.ForeignKey(
        FundSource, verbose_name=_("资金来源"), on_delete=models.PROTECT, related_name="entries"
    )
    plan = models.ForeignKey(
        "campaign.Plan",
        verbose_name=_("建设方案"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_entries",
    )
    # The plan's path for allocations and payments, the source's for receipts.
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    amount = models.DecimalField(_("金额（元）"), **MONEY)
    booked_on = models.DateField(_("记账日期"))
    document_no = models.CharField(_("文号/凭证号"), max_length=80, blank=True)
    payee = models.CharField(_("收款单位"), max_length=120, blank=True)
    note = models.CharField(_("摘要"), max_length=300, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记账人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = OrgScopedQuerySet.as_manager()
    scope_path_field = "region_path"

    class Meta:
        verbose_name = _("资金分录")
        verbose_name_plural = _("资金分录")
        ordering = ["booked_on", "id"]
        indexes = [models.Index(fields=["source", "plan", "kind"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="fund_entry_not_zero"),
            # A receipt has no plan; an allocation or a payment has one.
            models.CheckConstraint(
                condition=Q(kind="receipt", plan__isnull=True)
                | (Q(kind__in=["allocation", "payment"]) & Q(plan__isnull=False)),
                name="fund_entry_plan_by_kind",
            ),
            # Only a reversal is negative, and a reversal is.
            models.CheckConstraint(
                condition=Q(reverses__isnull=True, amount__gt=0)
                | Q(reverses__isnull=False, amount__lt=0),
                name="fund_entry_sign",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        # Entries are immutable: a correction is a reversing entry, never an update.
        if not self._state.adding:
            raise ValueError("fund entries are immutable; book a reversing entry")
        super().save(*args, **kwargs)


class FundAttachment(models.Model):
    """A document or voucher scan behind a source or an entry."""

    source = models.ForeignKey(
        FundSource,
        verbose_name=_("资金来源"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    entry = models.ForeignKey(
        FundEntry,
        verbose_name=_("资金分录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    region_path = models.CharField(_("区划路径"), max_length=80, db_index=True)
    file = models.FileField(_("文件"), upload_to="resources/funds/%Y/%m/")
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
        verbose_name = _("资金附件")
        verbose_name_plural = _("资金附件")
        constraints = [
            models.CheckConstraint(
                condition=Q(source__isnull=False) | Q(entry__isnull=False),
                name="fund_attachment_has_owner",
            )
        ]

    def __str__(self):
        return self.original_name
