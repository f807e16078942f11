"""A fund source's page stays short and fast however long the ledger grows: its entries are
paged, newest first (what was just booked is on top), sortable by date, amount and kind, and
filtered by kind, plan and document/voucher number; the per-plan balances show the plans with the
latest entries first, ten of them unless all are asked for, with a link to the reconciliation. The
page makes the same number of queries with 3 entries as with ~1,600, and a booking redirects to
it rather than rendering it. Also: the sources list names the district, and every amount is
shown with thousands separators and two places."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, region
from lianxin.regions.models import Region
from lianxin.resources.models import EntryKind, FundEntry
from lianxin.resources.services import funds

from .factories_funds import fund_source, root_user

pytestmark = pytest.mark.django_db

START = date(2020, 1, 6)


def _plans(n: int) -> list:
    from lianxin.campaign.tests.factories import plan

    hexi = region(HEXI)
    villages = Region.objects.filter(path__startswith=hexi.path, level=5).order_by("code")[:n]
    return [plan(v) for v in villages]


def _grow(source, plans, n: int) -> None:
    """`n` more entries on the source, in bulk: allocations and payments to the plans, with
    document numbers 文-00001…, booked a day apart from START."""
    rows = []
    base = FundEntry.objects.filter(source=source).count()
    for i in range(base, base + n):
        plan = plans[i % len(plans)]
        kind = EntryKind.ALLOCATION if i % 3 else EntryKind.PAYMENT
        rows.append(
            FundEntry(
                kind=kind,
                source=source,
                plan=plan,
                region_path=plan.region_path,
                amount=Decimal(100 + i % 97),
                booked_on=START + timedelta(days=i % 1500),
                document_no=f"文-{i:05d}",
                payee="施工单位" if kind == EntryKind.PAYMENT else "",
            )
        )
    FundEntry.objects.bulk_create(rows)


def _count(client, url) -> tuple[int, str]:
    client.get(url)  # warm the session and the content types
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def _rows(body: str) -> list[str]:
    return re.findall(r'<tr data-entry="(\d+)"', body)


@pytest.fixture
def source():
    return fund_source(region(HEXI), "900000000.00", name="河西区分页测试资金")


def test_queries_are_fixed_however_many_entries(source, hexi, login):
    client = login(hexi)
    plans = _plans(12)
    _grow(source, plans, 3)
    url = f"/resources/funds/{source.pk}/"
    few, body = _count(client, url)
    assert len(_rows(body)) == 4  # the first receipt and three entries
    _grow(source, plans, 1600)
    start = time.perf_counter()
    many, body = _count(client, url)
    elapsed = time.perf_counter() - start
    assert many == few, f"{few} queries with 4 entries, {many} with 1,604 (a query per row)"
    assert len(_rows(body)) == 50
    assert 'data-count="1604"' in body
    assert elapsed < 2, f"{elapsed:.2f} s"  # about 0.1 s; generous for slow CI machines
    htmx = client.get(url + "?page=2", headers={"HX-Request": "true"})
    assert len(_rows(htmx.content.decode())) == 50
    assert "<h1" not in htmx.content.decode()


def test_newest_first_and_a_booking_lands_on_top(source, hexi, login):
    client = login(hexi)
    plans = _plans(12)
    _grow(source, plans, 200)
    target = plans[-1]
    url = f"/resources/funds/{source.pk}/"
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(
            f"/resources/funds/{source.pk}/allocate/",
            {
                "plan": target.pk,
                "amount": "1,234.56",
                "booked_on": timezone.localdate().isoformat(),
                "document_no": "刚刚分配",
            },
        )
    # The write redirects to the (paged) source page; it renders nothing itself.
    assert response.status_code == 302 and response.url == url
    assert len(ctx.captured_queries) < 40
    newest = FundEntry.objects.get(document_no="刚刚分配")
    body = client.get(url).content.decode()
    assert _rows(body)[0] == str(newest.pk)
    assert "1,234.56" in body
    # The plan just booked heads the per-plan balances.
    lines = re.findall(r'<tr data-plan="(\d+)"', body)
    assert lines[0] == str(target.pk)


def test_sorts_and_filters(source, hexi, login):
    client = login(hexi)
    plans = _plans(3)
    _grow(source, plans, 120)
    url = f"/resources/funds/{source.pk}/"
    mine = FundEntry.objects.filter(source=source)

    def ids(query: str) -> list[int]:
        return [int(x) for x in _rows(client.get(url + query).content.decode())]

    by_date = list(mine.order_by("-booked_on", "-id").values_list("pk", flat=True)[:50])
    assert ids("") == by_date
    assert ids("?sort=date") == list(
        mine.order_by("booked_on", "id").values_list("pk", flat=True)[:50]
    )
    assert ids("?sort=-amount") == list(
        mine.order_by("-amount", "-id").values_list("pk", flat=True)[:50]
    )
    assert ids("?sort=kind&page=3") == list(
        mine.order_by("kind", "booked_on", "id").values_list("pk", flat=True)[100:150]
    )
    assert ids("?sort=bogus") == by_date

    payments = set(mine.filter(kind="payment").values_list("pk", flat=True))
    assert set(ids("?kind=payment&per_page=200")) == payments
    assert ids("?kind=nonsense") == by_date
    assert ids("?doc=文-00042") == [mine.get(document_no="文-00042").pk]
    center = plans[1].center
    assert set(ids(f"?plan={center.name}&per_page=200")) == set(
        mine.filter(plan=plans[1]).values_list("pk", flat=True)
    )
    assert set(ids(f"?plan={center.region.code}&kind=allocation&per_page=200")) == set(
        mine.filter(plan=plans[1], kind="allocation").values_list("pk", flat=True)
    )
    body = client.get(url + "?kind=payment&plan=无此项目").content.decode()
    assert _rows(body) == [] and "没有分录。" in body
    # The pager keeps the filters and the sort.
    body = client.get(url + "?kind=allocation&sort=-amount").content.decode()
    assert 'href="?kind=allocation&amp;sort=-amount&page=2"' in body


def test_plan_lines_are_limited_with_links_to_all_and_the_reconciliation(source, hexi, login):
    client = login(hexi)
    plans = _plans(12)
    assert len(plans) == 12
    _grow(source, plans, 24)
    url = f"/resources/funds/{source.pk}/"
    body = client.get(url).content.decode()
    assert len(re.findall(r'<tr data-plan="', body)) == 10
    assert 'id="plan-lines-more"' in body and "?lines=all#plan-lines" in body
    assert f"/resources/funds/reconciliation/?district={HEXI}&amp;year=2024" in body
    body = client.get(url + "?lines=all").content.decode()
    assert len(re.findall(r'<tr data-plan="', body)) == 12
    assert 'id="plan-lines-more"' not in body


def test_the_sources_list_names_the_district(source, hexi, login):
    body = login(hexi).get("/resources/funds/").content.decode()
    cell = re.search(rf'<td class="[^"]*" data-district="{HEXI}">([^<]*)</td>', body)
    assert cell and cell.group(1) == "河西区"


def test_amounts_have_thousands_separators(hexi, login):
    from lianxin.campaign.tests.factories import plan

    source = fund_source(region(HEXI), "1280000.00", name="河西区格式测试资金")
    target = plan(region(HEXI_VILLAGE), budget=Decimal("1280000.00"))
    funds.allocate(root_user(), source, target, "1000000.50")
    client = login(hexi)
    for url in (
        "/resources/funds/",
        f"/resources/funds/{source.pk}/",
        f"/resources/funds/plans/{target.pk}/",
        f"/resources/funds/{source.pk}/pay/",
        "/resources/funds/reconciliation/",
    ):
        body = client.get(url).content.decode()
        assert "1280000" not in body and "1000000.50" not in body, url
        assert "1,280,000.00" in body or "1,000,000.50" in body, url
    plan_page = client.get(f"/resources/funds/plans/{target.pk}/").content.decode()
    assert "1,280,000.00" in plan_page and "1,000,000.50" in plan_page
