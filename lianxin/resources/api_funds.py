"""/api/v1/resources/funds/… — the fund ledger (资金专账).

Reads go through `visible_to(user)` (another district's source or entry is a 404); writes go
through `services.funds` (a role that does not keep funds gets 403, bad input 422 naming the
field, a balance that would go negative 422 with the available amount). Amounts are decimal
strings or numbers of yuan with at most two places; answers give them as strings ("1234.50")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from lianxin.regions.models import Region

from . import queries_funds as qf
from .models import FundEntry, FundSource
from .services import funds as services

router = Router(tags=["resources"])

MAX_PAGE_SIZE = 500


def _money(value) -> str:
    return str(Decimal(value).quantize(qf.CENT))


class SourceOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    document_no: str
    region_code: str
    region_name: str
    district_code: str
    year: int
    note: str
    is_demo: bool
    received: str = Field(description="Sum of receipts (yuan)")
    allocated: str = Field(description="Sum of allocations to plans (yuan)")
    paid: str = Field(description="Sum of payments (yuan)")
    unallocated: str = Field(description="received − allocated")
    balance: str = Field(description="received − paid")
    reversals: int


class SourcePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[SourceOut]


class EntryOut(Schema):
    id: int
    kind: str
    source_id: int
    plan_id: int | None
    amount: str
    booked_on: date
    document_no: str
    payee: str
    note: str
    reverses_id: int | None
    reversed_by_id: int | None
    created_by: str | None
    attachments: list[str]


class PlanLineOut(Schema):
    plan_id: int
    center: str
    center_code: str
    allocated: str
    paid: str
    balance: str


class SourceDetail(SourceOut):
    entries_count: int
    entries_page: int
    entries_page_size: int
    entries: list[EntryOut] = Field(description="One page of the entries, in booking order")
    plans: list[PlanLineOut]


class SourceIn(Schema):
    kind: Literal["city_subsidy", "district_fiscal", "party_dues", "street", "other"]
    name: str = Field(max_length=120)
    region: str = Field(description="Division code of the unit holding the source (12 digits)")
    year: int
    amount: Decimal = Field(description="The first receipt (yuan)")
    document_no: str = Field("", max_length=80)
    note: str = Field("", max_length=300)
    booked_on: date | None = None


class EntryIn(Schema):
    kind: Literal["receipt", "allocation", "payment"]
    amount: Decimal
    plan: int | None = Field(None, description="The plan (allocation, payment)")
    booked_on: date | None = None
    document_no: str = Field("", max_length=80, description="Document / voucher number")
    payee: str = Field("", max_length=120, description="Payee (payment)")
    note: str = Field("", max_length=300)


class ReverseIn(Schema):
    reason: str = Field(max_length=300)
    booked_on: date | None = None


class ReconOut(Schema):
    by: str
    rows: list[dict]
    total: dict


def _source_out(s) -> dict:
    return {
        "id": s.pk,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "name": s.name,
        "document_no": s.document_no,
        "region_code": s.region.code,
        "region_name": s.region.name,
        "district_code": s.district_code,
        "year": s.year,
        "note": s.note,
        "is_demo": s.is_demo,
        "received": _money(s.received),
        "allocated": _money(s.allocated),
        "paid": _money(s.paid),
        "unallocated": _money(s.unallocated),
        "balance": _money(s.balance),
        "reversals": int(s.reversals),
    }


def _entry_out(e) -> dict:
    return {
        "id": e.pk,
        "kind": e.kind,
        "source_id": e.source_id,
        "plan_id": e.plan_id,
        "amount": _money(e.amount),
        "booked_on": e.booked_on,
        "document_no": e.document_no,
        "payee": e.payee,
        "note": e.note,
        "reverses_id": e.reverses_id,
        "reversed_by_id": getattr(e, "reversed_by_id", None),
        "created_by": e.created_by.get_username() if e.created_by_id else None,
        "attachments": [a.original_name for a in e.attachments.all()],
    }


def _detail(user, pk: int, page: int = 1, page_size: int = 100) -> dict:
    source = qf.source_with_balances(user, pk)
    if source is None:
        from django.http import Http404

        raise Http404
    lines = qf.source_plan_lines(user, source)
    # A district's source gathers thousands of payments: its entries come a page at a time.
    entries = qf.source_entries(user, source)
    page, page_size = max(1, page), max(1, min(MAX_PAGE_SIZE, page_size))
    start = (page - 1) * page_size
    return _source_out(source) | {
        "entries_count": entries.count(),
        "entries_page": page,
        "entries_page_size": page_size,
        "entries": [_entry_out(e) for e in entries[start : start + page_size]],
        "plans": [
            {
                "plan_id": x.plan_id,
                "center": x.plan.center.name if x.plan else "",
                "center_code": x.plan.center.region.code if x.plan else "",
                "allocated": _money(x.allocated),
                "paid": _money(x.paid),
                "balance": _money(x.balance),
            }
            for x in lines
        ],
    }


@router.get("/funds/sources", response=SourcePage, summary="Fund sources with their balances")
def list_sources(
    request,
    q: str = "",
    district: str = "",
    kind: str = "",
    year: str = "",
    sort: str = "-year",
    page: int = 1,
    page_size: int = 50,
):
    params = {"q": q, "district": district, "kind": kind, "year": year, "sort": sort}
    flt, qs = qf.visible_sources(request.user, params)
    page = max(1, page)
    page_size = max(1, min(MAX_PAGE_SIZE, page_size))
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": [_source_out(s) for s in qs[start : start + page_size]],
    }


@router.get(
    "/funds/sources/{int:source_id}",
    response=SourceDetail,
    summary="A fund source with its per-plan balances and a page of its entries",
)
def get_source(request, source_id: int, page: int = 1, page_size: int = 100):
    return _detail(request.user, source_id, page, page_size)


@router.post(
    "/funds/sources",
    response={201: SourceDetail},
    summary="Register a source with its first receipt",
)
def create_source(request, payload: SourceIn):
    code = (payload.region or "").strip().ljust(12, "0")[:12]
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code)
    source = services.create_source(
        request.user,
        kind=payload.kind,
        name=payload.name,
        region=region,
        year=payload.year,
        amount=payload.amount,
        document_no=payload.document_no,
        note=payload.note,
        booked_on=payload.booked_on,
    )
    return Status(201, _detail(request.user, source.pk))


@router.post(
    "/funds/sources/{int:source_id}/entries",
    response={201: EntryOut},
    summary="Book a receipt, an allocation to a plan or a payment (voucher number, payee)",
)
def book_entry(request, source_id: int, payload: EntryIn):
    from django.core.exceptions import ValidationError

    from lianxin.campaign.models import Plan

    source = get_object_or_404(FundSource.objects.visible_to(request.user), pk=source_id)
    plan = None
    if payload.kind != "receipt":
        if payload.plan is None:
            # Who may write is checked before the body's details are judged.
            services.require_writer(request.user, source)
            raise ValidationError({"plan": [_("请选择建设方案（一村一策）。")]})
        plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=payload.plan)
    if payload.kind == "receipt":
        entry = services.record_receipt(
            request.user,
            source,
            payload.amount,
            booked_on=payload.booked_on,
            document_no=payload.document_no,
            note=payload.note,
        )
    elif payload.kind == "allocation":
        entry = services.allocate(
            request.user,
            source,
            plan,
            payload.amount,
            booked_on=payload.booked_on,
            document_no=payload.document_no,
            note=payload.note,
        )
    else:
        try:
            entry = services.pay(
                request.user,
                source,
                plan,
                payload.amount,
                voucher_no=payload.document_no,
                payee=payload.payee,
                booked_on=payload.booked_on,
                note=payload.note,
            )
        except ValidationError as exc:
            errors = exc.message_dict
            if "voucher_no" in errors:  # the API's field for it is document_no
                errors["document_no"] = errors.pop("voucher_no")
            raise ValidationError(errors) from None
    return Status(201, _entry_out(entry))


@router.post(
    "/funds/entries/{int:entry_id}/reverse",
    response={201: EntryOut},
    summary="Book the reversing entry of an entry (a correction)",
)
def reverse_entry(request, entry_id: int, payload: ReverseIn):
    entry = get_object_or_404(FundEntry.objects.visible_to(request.user), pk=entry_id)
    reversal = services.reverse(request.user, entry, payload.reason, booked_on=payload.booked_on)
    return Status(201, _entry_out(reversal))


@router.get(
    "/funds/plans/{int:plan_id}",
    summary="A plan's funds: per source allocated, paid and balance",
    response=dict,
)
def plan_funds(request, plan_id: int):
    from lianxin.campaign.models import Plan

    plan = get_object_or_404(Plan.objects.visible_to(request.user), pk=plan_id)
    funds = qf.plan_funds(request.user, plan)
    return {
        "plan_id": plan.pk,
        "center": plan.center.name,
        "allocated": _money(funds.allocated),
        "paid": _money(funds.paid),
        "balance": _money(funds.balance),
        "sources": [
            {
                "source_id": x["source"].pk,
                "name": x["source"].name,
                "allocated": _money(x["allocated"]),
                "paid": _money(x["paid"]),
                "balance": _money(x["balance"]),
            }
            for x in funds.lines
        ],
    }


@router.get(
    "/funds/reconciliation",
    response=ReconOut,
    summary="Reconciliation (对账) per source, district or plan",
)
def reconciliation(
    request,
    by: Literal["source", "district", "plan"] = "source",
    district: str = "",
    year: str = "",
    kind: str = "",
):
    flt, recon = qf.reconciliation(request.user, {"district": district, "year": year, "kind": kind})
    money = ("received", "allocated", "paid", "unallocated", "balance")
    if by == "source":
        rows = [
            {
                "source_id": s.pk,
                "name": s.name,
                "district_code": s.district_code,
                "kind": s.kind,
                "year": s.year,
            }
            | {f: _money(getattr(s, f)) for f in money}
            | {"reversals": int(s.reversals)}
            for s in recon.sources
        ]
    elif by == "district":
        rows = [
            {
                "district_code": d["code"],
                "name": d["region"].name if d["region"] else "",
                "sources": d["n"],
            }
            | {f: _money(d[f]) for f in money}
            | {"reversals": d["reversals"]}
            for d in recon.districts
        ]
    else:
        rows = [
            {
                "plan_id": p["plan"].pk,
                "center": p["plan"].center.name,
                "center_code": p["plan"].center.region.code,
                "district_code": p["plan"].district_code,
                "allocated": _money(p["allocated"]),
                "paid": _money(p["paid"]),
                "balance": _money(p["balance"]),
                "reversals": p["reversals"],
            }
            for p in recon.plans
        ]
    total = {f: _money(recon.total[f]) for f in money} | {"reversals": recon.total["reversals"]}
    return {"by": by, "rows": rows, "total": total}
