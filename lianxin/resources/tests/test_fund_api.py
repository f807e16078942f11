"""The fund ledger's API: sources with balances, a source's entries, booking entries and
reversals — scope-enforced (404 across districts, 403 for roles that don't keep funds) and bad
input as 422 with the field's message."""

from __future__ import annotations

import pytest

from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, region
from lianxin.resources.models import FundEntry, FundSource

from .factories_funds import funded_plan

pytestmark = pytest.mark.django_db
API = "/api/v1/resources/funds"


@pytest.fixture
def ledger():
    source, plan, allocation = funded_plan(region(HEXI_VILLAGE), "1000.00")
    return {"source": source, "plan": plan, "allocation": allocation}


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_list_and_detail_with_balances(ledger, finance_officer, nankai, login):
    client = login(finance_officer)
    body = client.get(f"{API}/sources").json()
    item = next(i for i in body["items"] if i["id"] == ledger["source"].pk)
    assert (item["received"], item["allocated"], item["paid"], item["balance"]) == (
        "10000.00",
        "1000.00",
        "0.00",
        "10000.00",
    )
    detail = client.get(f"{API}/sources/{ledger['source'].pk}").json()
    assert [e["kind"] for e in detail["entries"]] == ["receipt", "allocation"]
    assert detail["plans"][0]["balance"] == "1000.00"
    other = login(nankai)
    assert other.get(f"{API}/sources/{ledger['source'].pk}").status_code == 404
    assert ledger["source"].pk not in [i["id"] for i in other.get(f"{API}/sources").json()["items"]]


def test_source_entries_come_a_page_at_a_time(ledger, finance_officer, login):
    client = login(finance_officer)
    url = f"{API}/sources/{ledger['source'].pk}"
    for n in range(3):
        r = _post(client, f"{url}/entries", {"kind": "receipt", "amount": f"{n + 1}.00"})
        assert r.status_code == 201, r.content
    first = client.get(url, {"page_size": 2}).json()
    second = client.get(url, {"page_size": 2, "page": 2}).json()
    assert (first["entries_count"], first["entries_page"], first["entries_page_size"]) == (5, 1, 2)
    assert [e["kind"] for e in first["entries"]] == ["receipt", "allocation"]
    assert [e["amount"] for e in second["entries"]] == ["1.00", "2.00"]
    assert client.get(url, {"page_size": 2, "page": 3}).json()["entries"][0]["amount"] == "3.00"
    # The balances are the source's, whatever the page.
    assert second["received"] == "10006.00"


def test_book_payment_then_overpay_then_reverse(ledger, finance_officer, login):
    client = login(finance_officer)
    s, p = ledger["source"], ledger["plan"]
    url = f"{API}/sources/{s.pk}/entries"
    r = _post(
        client,
        url,
        {
            "kind": "payment",
            "plan": p.pk,
            "amount": "999.99",
            "document_no": "记-9",
            "payee": "某公司",
        },
    )
    assert r.status_code == 201, r.content
    payment = r.json()
    assert payment["amount"] == "999.99" and payment["document_no"] == "记-9"
    r = _post(
        client,
        url,
        {"kind": "payment", "plan": p.pk, "amount": "0.02", "document_no": "记-10", "payee": "x"},
    )
    assert r.status_code == 422
    assert r.json()["errors"]["amount"] == ["支付金额超过该项目在此资金来源下的可用余额 0.01 元。"]
    r = _post(client, url, {"kind": "payment", "plan": p.pk, "amount": "0.01", "payee": "x"})
    assert r.status_code == 422 and "document_no" in r.json()["errors"]
    r = _post(client, url, {"kind": "allocation", "plan": p.pk, "amount": "1.005"})
    assert r.status_code == 422 and r.json()["errors"]["amount"] == [
        "分配金额最多保留两位小数（分）。"
    ]
    r = _post(client, f"{API}/entries/{payment['id']}/reverse", {"reason": "凭证作废"})
    assert r.status_code == 201 and r.json()["amount"] == "-999.99"
    r = _post(client, f"{API}/entries/{payment['id']}/reverse", {"reason": "再来"})
    assert r.status_code == 422


def test_create_source_and_receipt(finance_officer, login):
    client = login(finance_officer)
    r = _post(
        client,
        f"{API}/sources",
        {
            "kind": "party_dues",
            "name": "党费专项",
            "region": HEXI,
            "year": 2024,
            "amount": "300000",
        },
    )
    assert r.status_code == 201, r.content
    sid = r.json()["id"]
    r = _post(client, f"{API}/sources/{sid}/entries", {"kind": "receipt", "amount": 50.5})
    assert r.status_code == 201
    assert client.get(f"{API}/sources/{sid}").json()["received"] == "300050.50"


def test_writes_refused_for_read_only_and_other_district(ledger, inspector, nankai, login):
    s, p, a = ledger["source"], ledger["plan"], ledger["allocation"]
    before = FundEntry.objects.count()
    for user, status in ((inspector, 403), (nankai, 404)):
        client = login(user)
        r = _post(
            client,
            f"{API}/sources/{s.pk}/entries",
            {"kind": "allocation", "plan": p.pk, "amount": "1"},
        )
        assert r.status_code == status
        assert _post(client, f"{API}/entries/{a.pk}/reverse", {"reason": "x"}).status_code == status
    r = _post(
        login(inspector),
        f"{API}/sources",
        {"kind": "other", "name": "x", "region": HEXI, "year": 2024, "amount": "1"},
    )
    assert r.status_code == 403
    assert FundEntry.objects.count() == before and FundSource.objects.count() == 1


def test_reconciliation_api(ledger, finance_officer, login):
    client = login(finance_officer)
    for by in ("source", "district", "plan"):
        body = client.get(f"{API}/reconciliation?by={by}").json()
        assert body["total"]["received"] == "10000.00" and body["rows"]
    plan_rows = client.get(f"{API}/reconciliation?by=plan").json()["rows"]
    assert plan_rows[0]["allocated"] == "1000.00"
    funds = client.get(f"{API}/plans/{ledger['plan'].pk}").json()
    assert funds["allocated"] == "1000.00" and funds["sources"][0]["balance"] == "1000.00"
