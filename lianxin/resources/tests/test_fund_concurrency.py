"""Two payments racing for the last yuan, on PostgreSQL: two threads, two connections, one
barrier. The source row is locked while the balance is read, so exactly one payment is booked,
the other gets the clear error, and the plan's balance out of the source is exactly 0.

The set-up is committed (outside the per-test transaction) and removed afterwards; the suite's
shared data (the division tree, the users) is never flushed (see venues' concurrency tests).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Max

from lianxin.core.tests.concurrency import race

SKIP_REASON = (
    "needs PostgreSQL: SQLite serialises writers, so two threads never race inside the database "
    "(run with LIANXIN_DATABASE_URL=postgres://… to exercise it)"
)


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    if connection.vendor != "postgresql":
        print(f"\nskipped: {SKIP_REASON}")
        pytest.skip(SKIP_REASON)
    from lianxin.campaign.models import Campaign, Milestone, Plan
    from lianxin.campaign.tests.factories import plan
    from lianxin.centers.models import Center
    from lianxin.core.models import AuditLog, Notification
    from lianxin.core.tests.factories import HEXI_VILLAGE_2, region
    from lianxin.resources.models import FundEntry, FundSource

    from .factories_funds import fund_source, root_user

    with django_db_blocker.unblock():
        marks = (
            AuditLog.objects.aggregate(m=Max("id"))["m"] or 0,
            Notification.objects.aggregate(m=Max("id"))["m"] or 0,
        )
        campaigns_before = set(Campaign.objects.values_list("pk", flat=True))
        centers_before = set(Center.objects.values_list("pk", flat=True))
        source = fund_source(region(HEXI_VILLAGE_2), "100.00", name="并发测试资金")
        the_plan = plan(region(HEXI_VILLAGE_2))
        from lianxin.resources.services import funds

        funds.allocate(root_user(), source, the_plan, "100.00")
        funds.pay(root_user(), source, the_plan, "99.00", voucher_no="并发-0", payee="甲")
        try:
            yield {"source": source, "plan": the_plan}
        finally:
            FundEntry.objects.filter(source=source, reverses__isnull=False).delete()
            FundEntry.objects.filter(source=source).delete()
            FundSource.objects.filter(pk=source.pk).delete()
            Milestone.objects.filter(plan=the_plan).delete()
            Plan.objects.filter(pk=the_plan.pk).delete()
            Center.objects.exclude(pk__in=centers_before).delete()
            Campaign.objects.exclude(pk__in=campaigns_before).delete()
            AuditLog.objects.filter(id__gt=marks[0]).delete()
            Notification.objects.filter(id__gt=marks[1]).delete()


def test_two_payments_race_for_the_last_yuan(committed, django_db_blocker):
    from lianxin.accounts.models import User
    from lianxin.resources.models import FundEntry
    from lianxin.resources.services import funds

    source, plan = committed["source"], committed["plan"]

    def payer(username, voucher):
        def call():
            user = User.objects.get(username=username)
            return funds.pay(user, source, plan, "1.00", voucher_no=voucher, payee="乙")

        return call

    with django_db_blocker.unblock():
        results = race(payer("finance_hx", "并发-A"), payer("hexi", "并发-B"))
        won = [r for r in results if isinstance(r, FundEntry)]
        lost = [r for r in results if isinstance(r, ValidationError)]
        assert len(won) == 1 and len(lost) == 1, results
        assert lost[0].message_dict["amount"] == [
            "支付金额超过该项目在此资金来源下的可用余额 0.00 元。"
        ]
        allocated, paid = funds.plan_balance(source.pk, plan.pk)
        assert allocated - paid == Decimal("0.00")
        assert FundEntry.objects.filter(source=source, kind="payment").count() == 2


def test_two_allocations_race_for_the_rest_of_the_source(committed, django_db_blocker):
    """The same lock keeps allocations within the receipts: 100 received, 100 allocated — a
    receipt of 1 then two allocations of 1 at once: one passes."""
    from lianxin.accounts.models import User
    from lianxin.resources.models import FundEntry
    from lianxin.resources.services import funds

    source, plan = committed["source"], committed["plan"]
    with django_db_blocker.unblock():
        funds.record_receipt(User.objects.get(username="root"), source, "1.00")

        def allocator(username):
            return lambda: funds.allocate(User.objects.get(username=username), source, plan, "1")

        results = race(allocator("finance_hx"), allocator("hexi"))
        assert sum(isinstance(r, FundEntry) for r in results) == 1, results
        assert sum(isinstance(r, ValidationError) for r in results) == 1, results
        assert funds.source_balance(source.pk).unallocated == Decimal("0.00")
