"""Resources in the permission matrix: funds. `populate` gives each side's district a fund
source with a receipt, an allocation to a plan at the side's center and a payment with a voucher
attachment; the tables list the fund ledger's pages, exports and API endpoints, and its writes
through the pages and the API (made by 河西's finance officer, or by its district admin, who
keeps funds too)."""

from __future__ import annotations

from lianxin.core.tests.test_permission_matrix import Endpoint, Write, api, html

API = "/api/v1/resources/funds"


def _prefix(s):
    return "河西" if s == "mine" else "南开"


def _x(c, s, name):
    return c.extra["funds"][s][name]


def _pk(c, s, name):
    return _x(c, s, name).pk


def source_marker(c, s):
    return [f"{_prefix(s)}矩阵资金来源"]


def voucher_marker(c, s):
    return [f"{_prefix(s)}矩阵凭证"]


def center_name(c, s):
    return [getattr(c, s).name]


def populate(ctx) -> None:
    from lianxin.campaign.tests.factories import plan as make_plan
    from lianxin.resources.services import funds

    from .factories_funds import fund_source, pdf, root_user

    root = root_user()
    ctx.extra["funds"] = {}
    for side in ("mine", "theirs"):
        center = getattr(ctx, side)
        prefix = _prefix(side)
        source = fund_source(center.region, "10000.00", name=f"{prefix}矩阵资金来源")
        plan = make_plan(center.region)
        allocation = funds.allocate(root, source, plan, "5000.00")
        payment = funds.pay(
            root,
            source,
            plan,
            "1000.00",
            voucher_no=f"{prefix}矩阵凭证",
            payee=f"{prefix}矩阵施工单位",
            attachments=[pdf(f"{prefix}矩阵凭证.pdf")],
        )
        ctx.extra["funds"][side] = {
            "source": source,
            "plan": plan,
            "allocation": allocation,
            "payment": payment,
            "attachment": payment.attachments.get(),
        }


def fingerprint():
    from lianxin.resources.models import FundAttachment, FundEntry, FundSource

    return (
        sorted(FundSource.objects.values_list("pk", "name", "year")),
        sorted(FundEntry.objects.values_list("pk", "kind", "amount")),
        FundAttachment.objects.count(),
    )


ENDPOINTS: list = [
    html("list", "fund sources page", lambda c, s: "/resources/funds/", source_marker),
    html(
        "list",
        "fund sources, HTMX partial",
        lambda c, s: "/resources/funds/?hx=1",
        source_marker,
    ),
    html(
        "list",
        "fund sources, searched and sorted",
        lambda c, s: "/resources/funds/?q=矩阵资金&sort=-balance&kind=district_fiscal",
        source_marker,
    ),
    Endpoint(
        "fund sources export",
        "list",
        "xlsx",
        lambda c, s: "/resources/funds/export.xlsx",
        source_marker,
    ),
    html(
        "list",
        "fund reconciliation page",
        lambda c, s: "/resources/funds/reconciliation/",
        lambda c, s: source_marker(c, s) + center_name(c, s),
    ),
    Endpoint(
        "fund reconciliation export",
        "list",
        "xlsx",
        lambda c, s: "/resources/funds/reconciliation.xlsx",
        lambda c, s: source_marker(c, s) + center_name(c, s),
    ),
    html(
        "detail",
        "fund source page",
        lambda c, s: f"/resources/funds/{_pk(c, s, 'source')}/",
        lambda c, s: source_marker(c, s) + voucher_marker(c, s),
    ),
    html(
        "detail",
        "fund receipt page",
        lambda c, s: f"/resources/funds/{_pk(c, s, 'source')}/receipt/",
        source_marker,
    ),
    html(
        "detail",
        "fund allocate page",
        lambda c, s: f"/resources/funds/{_pk(c, s, 'source')}/allocate/",
        lambda c, s: source_marker(c, s) + center_name(c, s),
    ),
    html(
        "detail",
        "fund pay page",
        lambda c, s: f"/resources/funds/{_pk(c, s, 'source')}/pay/",
        lambda c, s: source_marker(c, s) + center_name(c, s),
    ),
    html(
        "detail",
        "fund reverse page",
        lambda c, s: f"/resources/funds/entries/{_pk(c, s, 'payment')}/reverse/",
        lambda c, s: source_marker(c, s) + voucher_marker(c, s),
    ),
    html(
        "detail",
        "plan funds page",
        lambda c, s: f"/resources/funds/plans/{_pk(c, s, 'plan')}/",
        lambda c, s: source_marker(c, s) + voucher_marker(c, s),
    ),
    Endpoint(
        "fund attachment",
        "detail",
        "bin",
        lambda c, s: f"/resources/funds/attachments/{_pk(c, s, 'attachment')}/",
        lambda c, s: ["%PDF"],
    ),
    api("list", "API fund sources", lambda c, s: f"{API}/sources", source_marker),
    api(
        "list",
        "API fund sources, filtered",
        lambda c, s: f"{API}/sources?q=矩阵&sort=-paid&page_size=500",
        source_marker,
    ),
    api(
        "detail",
        "API fund source",
        lambda c, s: f"{API}/sources/{_pk(c, s, 'source')}",
        lambda c, s: source_marker(c, s) + voucher_marker(c, s),
    ),
    api(
        "list",
        "API fund reconciliation by source",
        lambda c, s: f"{API}/reconciliation?by=source",
        source_marker,
    ),
    api(
        "list",
        "API fund reconciliation by plan",
        lambda c, s: f"{API}/reconciliation?by=plan",
        center_name,
    ),
    api(
        "detail",
        "API plan funds",
        lambda c, s: f"{API}/plans/{_pk(c, s, 'plan')}",
        source_marker,
    ),
]


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _pay_form(c, s):
    return {
        "plan": _pk(c, s, "plan"),
        "amount": "10.00",
        "voucher_no": "矩阵写入凭证",
        "payee": "矩阵写入",
        "booked_on": "2024-06-01",
    }


WRITES: list = [
    Write(
        "fund receipt",
        "post",
        lambda c, s: f"/resources/funds/{_pk(c, s, 'source')}/receipt/",
        lambda c, s: {"amount": "10.00", "booked_on": "2024-06-01"},
        writer="finance_officer",
    ),
    Write(
        "fund allocate",
        "post",
        lambda c, s: f"/resources/funds/{_pk(c, s, 'source')}/allocate/",
        lambda c, s: {"plan": _pk(c, s, "plan"), "amount": "10.00", "booked_on": "2024-06-01"},
        writer="finance_officer",
    ),
    Write(
        "fund pay",
        "post",
        lambda c, s: f"/resources/funds/{_pk(c, s, 'source')}/pay/",
        _pay_form,
    ),
    Write(
        "fund reverse",
        "post",
        lambda c, s: f"/resources/funds/entries/{_pk(c, s, 'payment')}/reverse/",
        lambda c, s: {"reason": "矩阵冲销", "booked_on": _today()},
        writer="finance_officer",
    ),
    Write(
        "API fund source",
        "json",
        lambda c, s: f"{API}/sources",
        lambda c, s: {
            "kind": "party_dues",
            "name": "矩阵写入",
            "region": "120103000000" if s == "mine" else "120104000000",
            "year": 2024,
            "amount": "10.00",
        },
        writer="finance_officer",
    ),
    Write(
        "API fund allocation",
        "json",
        lambda c, s: f"{API}/sources/{_pk(c, s, 'source')}/entries",
        lambda c, s: {"kind": "allocation", "plan": _pk(c, s, "plan"), "amount": "10.00"},
        writer="finance_officer",
    ),
    Write(
        "API fund payment",
        "json",
        lambda c, s: f"{API}/sources/{_pk(c, s, 'source')}/entries",
        lambda c, s: {
            "kind": "payment",
            "plan": _pk(c, s, "plan"),
            "amount": "10.00",
            "document_no": "矩阵写入凭证",
            "payee": "矩阵写入",
        },
    ),
    Write(
        "API fund reverse",
        "json",
        lambda c, s: f"{API}/entries/{_pk(c, s, 'payment')}/reverse",
        lambda c, s: {"reason": "矩阵冲销"},
        writer="finance_officer",
    ),
]
