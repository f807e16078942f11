"""Who keeps the funds: finance officers, district and city administrators, each in their own
region. Another district's rows are not even shown to exist (404); read-only roles, center and
street staff see what their scope covers but write nothing (403); the finance officer of 河西
writes on 河西's sources, pages and API alike."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, NANKAI, region
from lianxin.resources.models import FundEntry, FundSource
from lianxin.resources.services import funds

from .factories_funds import fund_source, funded_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    source, plan, allocation = funded_plan(region(HEXI_VILLAGE), "1000.00")
    return {"source": source, "plan": plan, "allocation": allocation}


@pytest.mark.parametrize("who", ["nankai"])
def test_another_district_gets_404_from_services(request, who, ledger):
    user = request.getfixturevalue(who)
    s, p, a = ledger["source"], ledger["plan"], ledger["allocation"]
    for call in (
        lambda: funds.record_receipt(user, s, "1"),
        lambda: funds.allocate(user, s, p, "1"),
        lambda: funds.pay(user, s, p, "1", voucher_no="1", payee="x"),
        lambda: funds.reverse(user, a, "x"),
    ):
        with pytest.raises(Http404):
            call()
    with pytest.raises(Http404):
        funds.create_source(
            user, kind="other", name="x", region=region(HEXI), year=2024, amount="1"
        )


@pytest.mark.parametrize("who", ["inspector", "center_staff", "street_staff", "reviewer", "hexi"])
def test_only_fund_writers_write(request, who, ledger):
    user = request.getfixturevalue(who)
    s, p, a = ledger["source"], ledger["plan"], ledger["allocation"]
    before = FundEntry.objects.count()
    if who == "hexi":  # district_admin is a fund writer
        funds.pay(user, s, p, "1", voucher_no="1", payee="x")
        assert FundEntry.objects.count() == before + 1
        return
    expected = (PermissionDenied, Http404)  # center/street staff don't see the district's source
    for call in (
        lambda: funds.record_receipt(user, s, "1"),
        lambda: funds.allocate(user, s, p, "1"),
        lambda: funds.pay(user, s, p, "1", voucher_no="1", payee="x"),
        lambda: funds.reverse(user, a, "x"),
    ):
        with pytest.raises(expected):
            call()
    assert FundEntry.objects.count() == before


def test_a_nankai_plan_is_404_for_a_hexi_writer(finance_officer, nankai):
    from lianxin.campaign.tests.factories import plan
    from lianxin.core.tests.factories import NANKAI_VILLAGE

    hexi_source = fund_source(region(HEXI))
    with pytest.raises(Http404):
        funds.allocate(finance_officer, hexi_source, plan(region(NANKAI_VILLAGE)), "1")
    with pytest.raises(Http404):
        funds.create_source(
            finance_officer, kind="other", name="x", region=region(NANKAI), year=2024, amount="1"
        )


# -- pages ------------------------------------------------------------------------------------


def _pages(ledger):
    s, a = ledger["source"], ledger["allocation"]
    return [
        f"/resources/funds/{s.pk}/",
        f"/resources/funds/plans/{ledger['plan'].pk}/",
    ], [
        f"/resources/funds/{s.pk}/receipt/",
        f"/resources/funds/{s.pk}/allocate/",
        f"/resources/funds/{s.pk}/pay/",
        f"/resources/funds/entries/{a.pk}/reverse/",
    ]


def test_nankai_finance_and_admin_get_404(ledger, nankai, login):
    reads, writes = _pages(ledger)
    client = login(nankai)
    for url in reads + writes:
        assert client.get(url).status_code == 404, url
    listing = client.get("/resources/funds/").content.decode()
    assert ledger["source"].name not in listing


@pytest.mark.parametrize("who", ["inspector"])
def test_read_only_roles_read_but_get_403_on_forms(request, who, ledger, login):
    client = login(request.getfixturevalue(who))
    reads, writes = _pages(ledger)
    for url in reads:
        assert client.get(url).status_code == 200, url
    for url in writes:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"amount": "1", "reason": "x"}).status_code == 403, url
    assert client.get("/resources/funds/new/").status_code == 403


@pytest.mark.parametrize("who", ["center_staff", "street_staff"])
def test_center_and_street_staff_cannot_write(request, who, ledger, login):
    client = login(request.getfixturevalue(who))
    reads, writes = _pages(ledger)
    for url in writes:
        assert client.post(url, {"amount": "1", "reason": "x"}).status_code in (403, 404), url
    assert client.get("/resources/funds/new/").status_code == 403
    # The plan's entries under their scope are readable; the district's source is not theirs.
    assert client.get(reads[1]).status_code == 200


def test_finance_officer_writes_through_the_pages(finance_officer, ledger, login):
    client = login(finance_officer)
    s, p = ledger["source"], ledger["plan"]
    response = client.post(
        f"/resources/funds/{s.pk}/pay/",
        {
            "plan": p.pk,
            "amount": "250.50",
            "voucher_no": "记-2024-001",
            "payee": "天津某建筑公司",
            "booked_on": "2024-06-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = FundEntry.objects.get(document_no="记-2024-001")
    assert entry.amount == Decimal("250.50") and entry.created_by == finance_officer
    page = client.get(f"/resources/funds/{s.pk}/").content.decode()
    assert "749.50" in page and "记-2024-001" in page
    assert client.get("/resources/funds/new/").status_code == 200
    response = client.post(
        "/resources/funds/new/",
        {
            "kind": "city_subsidy",
            "name": "市级补贴（河西）",
            "region": region(HEXI).pk,
            "year": "2024",
            "amount": "2,000,000.00",
            "booked_on": "2024-03-01",
        },
    )
    assert response.status_code == 302
    assert FundSource.objects.filter(name="市级补贴（河西）").exists()


def test_overpayment_on_the_page_shows_the_error_and_writes_nothing(finance_officer, ledger, login):
    client = login(finance_officer)
    s, p = ledger["source"], ledger["plan"]
    before = FundEntry.objects.count()
    response = client.post(
        f"/resources/funds/{s.pk}/pay/",
        {
            "plan": p.pk,
            "amount": "1000.01",
            "voucher_no": "记-X",
            "payee": "某公司",
            "booked_on": "2024-06-01",
        },
    )
    assert response.status_code == 200
    assert "支付金额超过该项目在此资金来源下的可用余额 1,000.00 元。" in response.content.decode()
    assert FundEntry.objects.count() == before
