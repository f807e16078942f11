"""The funds demo tells Baodi's and Ninghe's story on the campaign demo's plans: 1.44 亿元 in
Baodi (district fiscal allocation plus party-dues funds, the lost digit said in the note), the
city subsidy pooled with the district's in Ninghe, allocations to those districts' plans,
payments with voucher numbers on plans under way or signed off, two reversals; every balance
≥ 0; the same rows again for the same seed and day. Built once for the module inside a
transaction rolled back at the end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test import override_settings

from lianxin.resources import demo_funds
from lianxin.resources.demo_funds import BAODI, NINGHE
from lianxin.resources.models import EntryKind, FundEntry, FundSource
from lianxin.resources.services.funds import plan_balance, source_balance

pytestmark = pytest.mark.django_db

SEED = 20200423
TODAY = date(2024, 6, 14)


def _snapshot():
    return list(
        FundEntry.objects.filter(source__is_demo=True)
        .order_by(
            "source__name",
            "booked_on",
            "kind",
            "plan__center__region__code",
            "amount",
            "document_no",  # a payment booked again with its voucher corrected: same figures
            "payee",
        )
        .values_list(
            "source__name",
            "kind",
            "plan__center__region__code",
            "amount",
            "booked_on",
            "document_no",
            "payee",
        )
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, _media_dir):
    from lianxin.campaign.demo import CampaignDemo
    from lianxin.centers.demo import DemoBuilder

    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=_media_dir),
        transaction.atomic(),
    ):
        DemoBuilder(seed=SEED).run()
        CampaignDemo(seed=SEED, today=TODAY).run(bulletins=False)
        made = demo_funds.accounts("x-unused-1!")
        again_accounts = demo_funds.accounts("x-unused-1!")
        counts = demo_funds.build(SEED, TODAY)
        first = _snapshot()
        demo_funds.clear()
        assert not FundSource.objects.filter(is_demo=True).exists()
        demo_funds.build(SEED, TODAY)
        second = _snapshot()
        if connection.vendor == "postgresql":
            connection.check_constraints()
        yield {
            "counts": counts,
            "made": made,
            "again": again_accounts,
            "first": first,
            "second": second,
        }
        transaction.set_rollback(True)


def test_accounts_made_once(demo):
    from lianxin.accounts.models import User

    assert demo["made"] == ["baodi_cw", "ninghe_cw"] and demo["again"] == []
    baodi = User.objects.get(username="baodi_cw")
    assert baodi.display_name == "宝坻区财政局资金专户"
    assert baodi.has_role("finance_officer")
    assert FundSource.objects.visible_to(baodi).filter(district_code=NINGHE).count() == 0
    assert FundSource.objects.visible_to(baodi).filter(district_code=BAODI).count() == 2


def test_baodi_receives_1_44_yi_with_the_note(demo):
    sources = FundSource.objects.filter(is_demo=True, district_code=BAODI)
    assert {s.kind for s in sources} == {"district_fiscal", "party_dues"}
    received = sum(source_balance(s.pk).received for s in sources)
    assert received == Decimal("144000000.00")
    # Shown to users: it reads as a demo note, not as a remark of the fund's own papers.
    note = "演示数据：文章原文“?.44亿元”缺一位数字，按 1.44 亿元计。"
    assert all(s.note == note for s in sources)


def test_ninghe_pools_city_and_district_subsidies(demo):
    sources = {s.kind: s for s in FundSource.objects.filter(is_demo=True, district_code=NINGHE)}
    assert set(sources) == {"city_subsidy", "district_fiscal"}
    city_plans = set(
        FundEntry.objects.filter(source=sources["city_subsidy"], kind="allocation").values_list(
            "plan_id", flat=True
        )
    )
    own_plans = set(
        FundEntry.objects.filter(source=sources["district_fiscal"], kind="allocation").values_list(
            "plan_id", flat=True
        )
    )
    assert city_plans and city_plans == own_plans  # every plan funded from both


def test_allocations_go_to_the_districts_demo_plans(demo):
    from lianxin.campaign.models import Plan

    for code in (BAODI, NINGHE):
        plans = Plan.objects.filter(is_demo=True, district_code=code)
        funded = set(
            FundEntry.objects.filter(source__district_code=code, kind="allocation").values_list(
                "plan_id", flat=True
            )
        )
        assert funded == set(plans.values_list("pk", flat=True)) and funded


def test_payments_only_on_plans_under_way_or_signed_off(demo):
    payments = FundEntry.objects.filter(source__is_demo=True, kind="payment")
    assert payments.exists()
    assert not payments.filter(document_no="").exists() and not payments.filter(payee="").exists()
    for entry in payments.select_related("plan"):
        assert entry.plan.signed_off_on or entry.plan.milestones.filter(progress__gt=0).exists()
    # A signed-off plan is paid in full.
    signed = FundEntry.objects.filter(
        source__is_demo=True, kind="allocation", plan__signed_off_on__isnull=False
    ).first()
    allocated, paid = plan_balance(signed.source_id, signed.plan_id)
    assert allocated == paid > 0


def test_balances_never_negative_and_reversals(demo):
    for s in FundSource.objects.filter(is_demo=True):
        bal = source_balance(s.pk)
        assert bal.unallocated >= 0 and bal.balance >= 0
        for pid in set(s.entries.exclude(plan=None).values_list("plan_id", flat=True)):
            allocated, paid = plan_balance(s.pk, pid)
            assert allocated >= paid
    reversals = FundEntry.objects.filter(source__is_demo=True, reverses__isnull=False)
    assert reversals.count() == demo["counts"]["fund_reversals"] == 2
    assert {r.kind for r in reversals} == {EntryKind.PAYMENT, EntryKind.ALLOCATION}
    for r in reversals:
        assert r.amount == -r.reverses.amount
    assert not FundEntry.objects.filter(source__is_demo=True, booked_on__gt=TODAY).exists()
    total = FundEntry.objects.filter(source__is_demo=True).aggregate(s=Sum("amount"))["s"]
    assert total is not None


def test_rebuild_is_deterministic(demo):
    assert demo["first"] == demo["second"] and len(demo["first"]) > 10


def test_the_finance_user_sees_the_demo(demo, client):
    from lianxin.accounts.models import User

    client.force_login(User.objects.get(username="baodi_cw"))
    body = client.get("/resources/funds/").content.decode()
    assert "宝坻区党费专项资金" in body and "宁河" not in body
    recon = client.get("/resources/funds/reconciliation/").content.decode()
    assert "144,000,000.00" in recon


def test_the_big_demo_source_page_is_paged_and_quick(demo, client):
    """Baodi's fiscal source has the demo's longest ledger (~1,600 entries): its page shows 50,
    the newest first, in a fixed number of queries, with the note read as a demo note."""
    import re
    import time

    from django.test.utils import CaptureQueriesContext

    from lianxin.accounts.models import User

    client.force_login(User.objects.get(username="baodi_cw"))
    source = FundSource.objects.get(is_demo=True, district_code=BAODI, kind="district_fiscal")
    entries = FundEntry.objects.filter(source=source)
    assert entries.count() > 1000
    url = f"/resources/funds/{source.pk}/"
    client.get(url)
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(url).content.decode()
    elapsed = time.perf_counter() - start
    print(f"\n{url}: {entries.count()} entries, {len(ctx)} queries, {elapsed:.3f} s")
    rows = re.findall(r'<tr data-entry="(\d+)"', body)
    assert len(rows) == 50
    assert int(rows[0]) == entries.order_by("-booked_on", "-id").first().pk
    assert len(re.findall(r'<tr data-plan="', body)) == 10
    assert "演示数据：文章原文“?.44亿元”缺一位数字，按 1.44 亿元计。" in body
    assert len(ctx) <= 25 and elapsed < 2

    # An allocation answers with a redirect to that page (it renders nothing big itself), and
    # the entry just booked heads the first page.
    plan_id = entries.filter(kind="allocation").order_by("pk").first().plan_id
    start = time.perf_counter()
    response = client.post(
        f"{url}allocate/", {"plan": plan_id, "amount": "1.00", "booked_on": str(TODAY)}
    )
    posted = time.perf_counter() - start
    assert response.status_code == 302 and response.url == url
    body = client.get(url).content.decode()
    print(
        f"allocate: {posted:.3f} s, then the page in {time.perf_counter() - start - posted:.3f} s"
    )
    newest = entries.latest("pk")
    assert re.findall(r'<tr data-entry="(\d+)"', body)[0] == str(newest.pk)
    assert posted < 2
