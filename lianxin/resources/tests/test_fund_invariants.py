"""The fund ledger's invariants: allocations never exceed receipts per source, payments never
exceed a plan's allocation from that source, amounts are positive with at most two places, a
plan outside the source's region cannot be funded from it — each refused with a clear message
naming the field and nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, HEXI_VILLAGE_2, NANKAI_VILLAGE, region
from lianxin.resources.models import EntryKind, FundEntry, FundSource
from lianxin.resources.services import funds

from .factories_funds import fund_source, funded_plan, pdf

pytestmark = pytest.mark.django_db


def _plan(code):
    from lianxin.campaign.tests.factories import plan

    return plan(region(code))


def test_create_source_books_its_first_receipt_and_audits(finance_officer):
    mark = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    source = funds.create_source(
        finance_officer,
        kind="city_subsidy",
        name="市级补贴",
        region=region(HEXI),
        year=2024,
        amount="1234567.89",
        document_no="津财〔2024〕8号",
        attachments=[pdf("文件.pdf")],
    )
    assert source.district_code == HEXI and source.region_path == region(HEXI).path
    receipt = source.entries.get()
    assert receipt.kind == EntryKind.RECEIPT and receipt.amount == Decimal("1234567.89")
    assert receipt.plan_id is None and receipt.created_by == finance_officer
    assert source.attachments.get().original_name == "文件.pdf"
    actions = list(AuditLog.objects.filter(pk__gt=mark).values_list("action", flat=True))
    assert "create" in actions and "fund_receipt" in actions


def test_allocations_never_exceed_receipts(finance_officer):
    source = fund_source(region(HEXI), "1000.00")
    plan = _plan(HEXI_VILLAGE)
    funds.allocate(finance_officer, source, plan, "600.00")
    with pytest.raises(ValidationError) as err:
        funds.allocate(finance_officer, source, plan, "400.01")
    assert err.value.message_dict["amount"] == ["分配金额超过此资金来源的可分配余额 400.00 元。"]
    funds.allocate(finance_officer, source, _plan(HEXI_VILLAGE_2), "400.00")
    bal = funds.source_balance(source.pk)
    assert (bal.received, bal.allocated, bal.unallocated) == (
        Decimal("1000.00"),
        Decimal("1000.00"),
        Decimal("0.00"),
    )
    # A further receipt makes room again.
    funds.record_receipt(finance_officer, source, "0.01")
    funds.allocate(finance_officer, source, plan, "0.01")


def test_payments_never_exceed_the_plans_allocation_from_that_source(finance_officer):
    source, plan, _ = funded_plan(region(HEXI_VILLAGE), "1234.50")
    other, _plan2, _ = funded_plan(region(HEXI_VILLAGE_2), "9999.00")
    before = FundEntry.objects.count()
    with pytest.raises(ValidationError) as err:
        funds.pay(finance_officer, source, plan, "1234.51", voucher_no="记-001", payee="施工单位")
    assert err.value.message_dict["amount"] == [
        "支付金额超过该项目在此资金来源下的可用余额 1,234.50 元。"
    ]
    # Money allocated to the plan by another source does not count for this one.
    with pytest.raises(ValidationError):
        funds.pay(finance_officer, other, plan, "1.00", voucher_no="记-002", payee="施工单位")
    assert FundEntry.objects.count() == before
    entry = funds.pay(
        finance_officer,
        source,
        plan,
        "1234.50",
        voucher_no="记-003",
        payee="施工单位",
        attachments=[pdf()],
    )
    assert entry.document_no == "记-003" and entry.payee == "施工单位"
    assert entry.attachments.count() == 1
    assert funds.plan_balance(source.pk, plan.pk) == (Decimal("1234.50"), Decimal("1234.50"))


@pytest.mark.parametrize(
    "amount,message",
    [
        ("0", "分配金额须大于 0。"),
        ("-5", "分配金额须大于 0。"),
        ("1.234", "分配金额最多保留两位小数（分）。"),
        ("abc", "分配金额须为数字（元）。"),
        ("", "分配金额须为数字（元）。"),
        ("NaN", "分配金额须为数字（元）。"),
        ("1e13", "分配金额不能超过 999,999,999,999.99 元。"),
    ],
)
def test_bad_amounts_name_the_field(finance_officer, amount, message):
    source = fund_source(region(HEXI))
    with pytest.raises(ValidationError) as err:
        funds.allocate(finance_officer, source, _plan(HEXI_VILLAGE), amount)
    assert err.value.message_dict == {"amount": [message]}


def test_payment_needs_voucher_and_payee(finance_officer):
    source, plan, _ = funded_plan(region(HEXI_VILLAGE))
    with pytest.raises(ValidationError) as err:
        funds.pay(finance_officer, source, plan, "10", voucher_no=" ", payee="")
    assert set(err.value.message_dict) == {"voucher_no", "payee"}


def test_bad_attachment_refused(finance_officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    source, plan, _ = funded_plan(region(HEXI_VILLAGE))
    fake = SimpleUploadedFile("voucher.pdf", b"MZ not a pdf")
    with pytest.raises(ValidationError) as err:
        funds.pay(
            finance_officer, source, plan, "10", voucher_no="1", payee="x", attachments=[fake]
        )
    assert "voucher.pdf" in err.value.message_dict["attachments"][0]


def test_a_source_cannot_fund_a_plan_outside_its_region(city):
    hexi_source = fund_source(region(HEXI))
    nankai_plan = _plan(NANKAI_VILLAGE)
    with pytest.raises(ValidationError) as err:
        funds.allocate(city, hexi_source, nankai_plan, "10")
    assert "河西区" in err.value.message_dict["plan"][0]
    assert not FundEntry.objects.filter(plan=nankai_plan).exists()


def test_future_booking_date_refused(finance_officer):
    from datetime import timedelta

    from django.utils import timezone

    source = fund_source(region(HEXI))
    with pytest.raises(ValidationError) as err:
        funds.record_receipt(
            finance_officer, source, "10", booked_on=timezone.localdate() + timedelta(days=1)
        )
    assert "booked_on" in err.value.message_dict


def test_source_fields_validated(finance_officer):
    with pytest.raises(ValidationError) as err:
        funds.create_source(
            finance_officer, kind="x", name="", region=region(HEXI), year=1900, amount="0"
        )
    assert set(err.value.message_dict) == {"kind", "name", "year", "amount"}
    assert not FundSource.objects.exists()
