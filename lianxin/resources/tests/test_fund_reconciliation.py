"""The reconciliation (对账) per source, district and plan agrees with the sums of the rows, to
the fen, on the page and in the Excel export; reversals are counted and netted."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db.models import Sum
from python_calamine import CalamineWorkbook

from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, HEXI_VILLAGE_2, NANKAI_VILLAGE, region
from lianxin.resources import queries_funds as q
from lianxin.resources.models import EntryKind, FundEntry
from lianxin.resources.services import funds

from .factories_funds import fund_source, funded_plan, root_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    """Two sources in 河西 feeding two plans, one in 南开; payments, a reversal of each kind."""
    from lianxin.campaign.tests.factories import plan

    root = root_user()
    a = fund_source(region(HEXI), "1000000.10", name="河西区财政", kind="district_fiscal")
    b = fund_source(region(HEXI), "250000.00", name="河西党费专项", kind="party_dues")
    p1, p2 = plan(region(HEXI_VILLAGE)), plan(region(HEXI_VILLAGE_2))
    funds.allocate(root, a, p1, "400000.05")
    wrong = funds.allocate(root, a, p2, "123.45")
    funds.reverse(root, wrong, "分错项目")
    funds.allocate(root, a, p2, "300000.00")
    funds.allocate(root, b, p1, "100000.00")
    funds.pay(root, a, p1, "150000.01", voucher_no="记-1", payee="甲")
    bad = funds.pay(root, a, p1, "99.99", voucher_no="记-2", payee="甲")
    funds.reverse(root, bad, "重复支付")
    funds.pay(root, b, p1, "100000.00", voucher_no="记-3", payee="乙")
    funds.pay(root, a, p2, "0.01", voucher_no="记-4", payee="丙")
    funded_plan(region(NANKAI_VILLAGE), "777.77")
    return {"a": a, "b": b, "p1": p1, "p2": p2}


def _sum(**filters) -> Decimal:
    return FundEntry.objects.filter(**filters).aggregate(s=Sum("amount"))["s"] or Decimal("0")


def test_figures_equal_row_sums(books, hexi):
    flt, recon = q.reconciliation(hexi, {})
    assert {s.pk for s in recon.sources} == {books["a"].pk, books["b"].pk}
    for s in recon.sources:
        assert s.received == _sum(source=s, kind=EntryKind.RECEIPT)
        assert s.allocated == _sum(source=s, kind=EntryKind.ALLOCATION)
        assert s.paid == _sum(source=s, kind=EntryKind.PAYMENT)
        assert s.balance == s.received - s.paid
        assert s.reversals == FundEntry.objects.filter(source=s, reverses__isnull=False).count()
    a = next(s for s in recon.sources if s.pk == books["a"].pk)
    assert (a.received, a.allocated, a.paid, a.unallocated, a.reversals) == (
        Decimal("1000000.10"),
        Decimal("700000.05"),
        Decimal("150000.02"),
        Decimal("300000.05"),
        2,
    )
    [district] = recon.districts
    assert district["code"] == HEXI and district["region"].name == "河西区"
    assert district["received"] == Decimal("1250000.10")
    assert district["paid"] == Decimal("250000.02") and district["reversals"] == 2
    by_plan = {r["plan"].pk: r for r in recon.plans}
    assert by_plan[books["p1"].pk]["allocated"] == Decimal("500000.05")
    assert by_plan[books["p1"].pk]["paid"] == Decimal("250000.01")
    assert by_plan[books["p2"].pk]["balance"] == Decimal("299999.99")
    assert by_plan[books["p2"].pk]["reversals"] == 1
    assert recon.total["received"] == Decimal("1250000.10")


def test_city_sees_both_districts_and_filters(books, city):
    _, recon = q.reconciliation(city, {})
    assert [d["code"] for d in recon.districts] == [HEXI, "120104000000"]
    _, only = q.reconciliation(city, {"district": "120104"})
    assert [d["code"] for d in only.districts] == ["120104000000"]
    assert only.total["allocated"] == Decimal("777.77")


def test_page_shows_thousands_separators(books, hexi, login):
    body = login(hexi).get("/resources/funds/reconciliation/").content.decode()
    assert "1,000,000.10" in body and "700,000.05" in body and "1,250,000.10" in body
    listing = login(hexi).get("/resources/funds/?sort=-received").content.decode()
    assert listing.index("河西区财政") < listing.index("河西党费专项")


def test_excel_export_matches(books, hexi, login):
    response = login(hexi).get("/resources/funds/reconciliation.xlsx")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    assert book.sheet_names == ["按资金来源", "按区", "按项目"]
    sources = book.get_sheet_by_name("按资金来源").to_python()
    header, rows = sources[0], sources[1:]
    assert header[6:12] == [
        "到位（元）",
        "已分配（元）",
        "已支付（元）",
        "未分配（元）",
        "结余（元）",
        "冲销笔数",
    ]
    by_name = {r[3]: r for r in rows if r and r[3]}
    row = by_name["河西区财政"]
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in row[6:11]] == [
        Decimal("1000000.10"),
        Decimal("700000.05"),
        Decimal("150000.02"),
        Decimal("300000.05"),
        Decimal("850000.08"),
    ]
    total = next(r for r in rows if r and r[0] == "合计")
    assert Decimal(str(total[6])).quantize(Decimal("0.01")) == Decimal("1250000.10")
    plans = book.get_sheet_by_name("按项目").to_python()
    codes = [r[1] for r in plans[1:]]
    assert "120103001001" in codes and "120104001001" not in codes
    district_rows = book.get_sheet_by_name("按区").to_python()
    assert district_rows[1][0] == "河西区"


def test_sources_export(books, hexi, login):
    response = login(hexi).get("/resources/funds/export.xlsx?kind=party_dues")
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_name("资金来源").to_python()
    names = [r[3] for r in rows[1:] if len(r) > 3 and r[3]]
    assert names == ["河西党费专项"]
