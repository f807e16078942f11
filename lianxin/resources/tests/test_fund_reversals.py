"""Corrections are reversing entries: same kind, source and plan, the opposite amount, pointing at
the original. A reversal is never reversed, an entry is reversed once, and a reversal may not
break a balance (reversing an allocation already paid out, a receipt already allocated). Entries
are immutable: saving an existing one raises, and the service offers no update or delete."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, region
from lianxin.resources.models import EntryKind, FundEntry
from lianxin.resources.services import funds

from .factories_funds import fund_source, funded_plan

pytestmark = pytest.mark.django_db


def test_reversing_a_payment_restores_the_balance(finance_officer):
    source, plan, _ = funded_plan(region(HEXI_VILLAGE), "500.00")
    payment = funds.pay(finance_officer, source, plan, "300.00", voucher_no="记-1", payee="甲")
    reversal = funds.reverse(finance_officer, payment, "凭证号录错")
    assert reversal.kind == EntryKind.PAYMENT and reversal.amount == Decimal("-300.00")
    assert reversal.reverses == payment and reversal.plan == plan and reversal.source == source
    assert reversal.note == "凭证号录错" and reversal.document_no == "记-1"
    assert funds.plan_balance(source.pk, plan.pk) == (Decimal("500.00"), Decimal("0.00"))
    assert AuditLog.objects.filter(action="fund_reverse").count() == 1


def test_reversing_an_allocation_already_paid_out_is_refused(finance_officer):
    source, plan, allocation = funded_plan(region(HEXI_VILLAGE), "500.00")
    payment = funds.pay(finance_officer, source, plan, "200.00", voucher_no="记-1", payee="甲")
    before = FundEntry.objects.count()
    with pytest.raises(ValidationError) as err:
        funds.reverse(finance_officer, allocation, "分错了项目")
    message = err.value.message_dict["__all__"][0]
    assert "已支付 200.00 元" in message and "请先冲销相应的支付" in message
    assert FundEntry.objects.count() == before
    # Reverse the payment first, then the allocation goes.
    funds.reverse(finance_officer, payment, "退回")
    funds.reverse(finance_officer, allocation, "分错了项目")
    assert funds.plan_balance(source.pk, plan.pk) == (Decimal("0.00"), Decimal("0.00"))
    assert funds.source_balance(source.pk).unallocated == Decimal("5000.00")


def test_reversing_a_receipt_already_allocated_is_refused(finance_officer):
    source = fund_source(region(HEXI), "1000.00")
    from lianxin.campaign.tests.factories import plan

    funds.allocate(finance_officer, source, plan(region(HEXI_VILLAGE)), "600.00")
    second = funds.record_receipt(finance_officer, source, "500.00")
    first = source.entries.filter(kind=EntryKind.RECEIPT).order_by("pk").first()
    with pytest.raises(ValidationError) as err:
        funds.reverse(finance_officer, first, "文件作废")
    assert "已分配金额（600.00 元）" in err.value.message_dict["__all__"][0]
    funds.reverse(finance_officer, second, "重复登记")
    assert funds.source_balance(source.pk).received == Decimal("1000.00")


def test_a_reversal_is_never_reversed(finance_officer):
    source, plan, allocation = funded_plan(region(HEXI_VILLAGE))
    reversal = funds.reverse(finance_officer, allocation, "更正")
    with pytest.raises(ValidationError) as err:
        funds.reverse(finance_officer, reversal, "再更正")
    assert err.value.message_dict["__all__"] == ["这是一笔冲销分录，不能再冲销。"]


def test_an_entry_is_reversed_once(finance_officer):
    source, plan, allocation = funded_plan(region(HEXI_VILLAGE))
    funds.reverse(finance_officer, allocation, "更正")
    with pytest.raises(ValidationError) as err:
        funds.reverse(finance_officer, allocation, "再来一次")
    assert err.value.message_dict["__all__"] == ["该分录已被冲销，不能重复冲销。"]
    assert FundEntry.objects.filter(reverses=allocation).count() == 1


def test_reversal_needs_a_reason(finance_officer):
    source, plan, allocation = funded_plan(region(HEXI_VILLAGE))
    with pytest.raises(ValidationError) as err:
        funds.reverse(finance_officer, allocation, "  ")
    assert "reason" in err.value.message_dict


def test_entries_are_immutable(finance_officer):
    source, plan, allocation = funded_plan(region(HEXI_VILLAGE))
    allocation.amount = Decimal("1.00")
    with pytest.raises(ValueError, match="immutable"):
        allocation.save()
    assert FundEntry.objects.get(pk=allocation.pk).amount == Decimal("500000.00")
    # The service module has no way to edit or remove an entry.
    public = {n for n in dir(funds) if not n.startswith("_")}
    assert not {n for n in public if n.startswith(("update", "delete", "edit", "remove"))}


def test_database_refuses_a_second_reversal_and_a_positive_one(finance_officer):
    source, plan, allocation = funded_plan(region(HEXI_VILLAGE))
    funds.reverse(finance_officer, allocation, "更正")
    with pytest.raises(IntegrityError), transaction.atomic():
        FundEntry.objects.create(
            kind=EntryKind.ALLOCATION,
            source=source,
            plan=plan,
            region_path=plan.region_path,
            amount=Decimal("-500.00"),
            booked_on=allocation.booked_on,
            reverses=allocation,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FundEntry.objects.create(
            kind=EntryKind.ALLOCATION,
            source=source,
            plan=plan,
            region_path=plan.region_path,
            amount=Decimal("-1.00"),
            booked_on=allocation.booked_on,
        )
