"""The fund ledger's read side: sources with their balances (filtered, sorted), a source's
entries and per-plan balances, a plan's funds, and the reconciliation per source, district and
plan. Everything goes through `visible_to(user)`; figures are Decimal yuan, summed in the
database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import (
    Count,
    DecimalField,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from lianxin.regions.models import Region

from .models import EntryKind, FundEntry, FundSource, SourceKind
from .models.funds import MONEY

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY_FIELD = DecimalField(**MONEY)


def _entry_sum(kind: str) -> Coalesce:
    """The sum of a source's entries of one kind (a subquery, so that the sums of different
    kinds never multiply each other through joins)."""
    sums = (
        FundEntry.objects.filter(source=OuterRef("pk"), kind=kind)
        .order_by()
        .values("source")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(sums, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)


def _reversal_count():
    counts = (
        FundEntry.objects.filter(source=OuterRef("pk"), reverses__isnull=False)
        .order_by()
        .values("source")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts), Value(0))


def with_balances(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        received=_entry_sum(EntryKind.RECEIPT),
        allocated=_entry_sum(EntryKind.ALLOCATION),
        paid=_entry_sum(EntryKind.PAYMENT),
        reversals=_reversal_count(),
    ).annotate(
        unallocated=F("received") - F("allocated"),
        balance=F("received") - F("paid"),
    )


SORTS = {
    "name": ("name",),
    "district": ("district_code", "name"),
    "kind": ("kind", "name"),
    "year": ("year", "name"),
    "received": ("received",),
    "allocated": ("allocated",),
    "paid": ("paid",),
    "balance": ("balance",),
}


@dataclass
class SourceFilter:
    q: str = ""
    district: str = ""
    kind: str = ""
    year: str = ""
    sort: str = "-year"

    FIELDS = ("q", "district", "kind", "year")

    @classmethod
    def from_params(cls, params) -> SourceFilter:
        values = {k: (params.get(k) or "").strip()[:60] for k in (*cls.FIELDS, "sort")}
        flt = cls(**values)
        if flt.kind not in SourceKind.values:
            flt.kind = ""
        if not (flt.year.isdigit() and len(flt.year) == 4):
            flt.year = ""
        if not (flt.district.isdigit() and len(flt.district) in (6, 12)):
            flt.district = ""
        flt.district = flt.district.ljust(12, "0") if flt.district else ""
        if flt.sort.lstrip("-") not in SORTS:
            flt.sort = "-year"
        return flt

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            qs = qs.filter(
                Q(name__icontains=self.q)
                | Q(document_no__icontains=self.q)
                | Q(note__icontains=self.q)
                | Q(region__name__icontains=self.q)
            )
        if self.district:
            qs = qs.filter(district_code=self.district)
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.year:
            qs = qs.filter(year=int(self.year))
        qs = with_balances(qs)
        desc = "-" if self.sort.startswith("-") else ""
        order = SORTS[self.sort.lstrip("-")]
        return qs.order_by(*[desc + f for f in order], "pk")

    def querystring(self, **override) -> str:
        values = {k: getattr(self, k) for k in (*self.FIELDS, "sort")} | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_sources(user, params) -> tuple[SourceFilter, QuerySet]:
    """The sources the user sees, filtered and sorted, each with its balances and its
    district's name (`district_name`)."""
    flt = SourceFilter.from_params(params)
    district_name = Region.objects.filter(code=OuterRef("district_code")).values("name")[:1]
    qs = (
        FundSource.objects.visible_to(user)
        .select_related("region")
        .annotate(district_name=Subquery(district_name))
    )
    return flt, flt.apply(qs)


def source_districts(user) -> list[Region]:
    """The districts of the sources the user sees (the list's district filter)."""
    codes = (
        FundSource.objects.visible_to(user)
        .exclude(district_code="")
        .values_list("district_code", flat=True)
        .distinct()
    )
    return list(Region.objects.filter(code__in=list(codes)).order_by("code"))


def source_years(user) -> list[int]:
    return sorted(
        set(FundSource.objects.visible_to(user).values_list("year", flat=True)), reverse=True
    )


def source_with_balances(user, pk: int) -> FundSource | None:
    return (
        with_balances(FundSource.objects.visible_to(user).select_related("region", "created_by"))
        .filter(pk=pk)
        .first()
    )


def source_entries(user, source: FundSource) -> QuerySet:
    """All of a source's entries in booking order (the API's source detail)."""
    return (
        FundEntry.objects.visible_to(user)
        .filter(source=source)
        .select_related("plan__center", "created_by", "reverses")
        .prefetch_related("attachments")
        .annotate(reversed_by_id=F("reversed_by__id"))
        .order_by("booked_on", "id")
    )


ENTRY_SORTS = {
    "date": ("booked_on", "id"),
    "amount": ("amount", "id"),
    "kind": ("kind", "booked_on", "id"),
}


@dataclass
class EntryFilter:
    """The source page's entries: by kind, plan (the center's name or division code) and
    document/voucher number; newest first unless sorted otherwise."""

    kind: str = ""
    plan: str = ""
    doc: str = ""
    sort: str = "-date"

    FIELDS = ("kind", "plan", "doc")

    @classmethod
    def from_params(cls, params) -> EntryFilter:
        values = {k: (params.get(k) or "").strip()[:60] for k in (*cls.FIELDS, "sort")}
        flt = cls(**values)
        if flt.kind not in EntryKind.values:
            flt.kind = ""
        if flt.sort.lstrip("-") not in ENTRY_SORTS:
            flt.sort = "-date"
        return flt

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.plan:
            qs = qs.filter(
                Q(plan__center__name__icontains=self.plan)
                | Q(plan__center__region__code__startswith=self.plan)
            )
        if self.doc:
            qs = qs.filter(document_no__icontains=self.doc)
        desc = "-" if self.sort.startswith("-") else ""
        return qs.order_by(*[desc + f for f in ENTRY_SORTS[self.sort.lstrip("-")]])

    def querystring(self, **override) -> str:
        values = {k: getattr(self, k) for k in (*self.FIELDS, "sort")} | override
        return urlencode({k: v for k, v in values.items() if v})


def filtered_entries(user, source: FundSource, params) -> tuple[EntryFilter, QuerySet]:
    """The source page's entries (to be paged): one query for the page's rows with their plan,
    center and reversal, one for their attachments, whatever the number of rows."""
    flt = EntryFilter.from_params(params)
    qs = (
        FundEntry.objects.visible_to(user)
        .filter(source=source)
        .select_related("plan__center")
        .prefetch_related("attachments")
        .annotate(reversed_by_id=F("reversed_by__id"))
    )
    return flt, flt.apply(qs)


@dataclass
class PlanLine:
    plan_id: int
    plan: object
    allocated: Decimal
    paid: Decimal
    reversals: int = 0

    @property
    def balance(self) -> Decimal:
        return self.allocated - self.paid


def _plan_totals(entries: QuerySet, key: str = "plan") -> QuerySet:
    return (
        entries.exclude(plan__isnull=True)
        .order_by()
        .values(key)
        .annotate(
            allocated=Coalesce(Sum("amount", filter=Q(kind=EntryKind.ALLOCATION)), ZERO),
            paid=Coalesce(Sum("amount", filter=Q(kind=EntryKind.PAYMENT)), ZERO),
            reversals=Count("pk", filter=Q(reverses__isnull=False)),
        )
    )


def _plans_by_id(ids) -> dict:
    from lianxin.campaign.models import Plan

    return {p.pk: p for p in Plan.objects.filter(pk__in=list(ids)).select_related("center__region")}


def source_plan_lines(user, source: FundSource) -> list[PlanLine]:
    """Per plan, what the source allocated to it and paid for it."""
    rows = list(_plan_totals(FundEntry.objects.visible_to(user).filter(source=source)))
    plans = _plans_by_id(r["plan"] for r in rows)
    lines = [
        PlanLine(r["plan"], plans.get(r["plan"]), r["allocated"], r["paid"], r["reversals"])
        for r in rows
    ]
    return sorted(lines, key=lambda x: (x.plan.center.region.code if x.plan else "", x.plan_id))


PLAN_LINES_SHOWN = 10


def recent_plan_lines(user, source: FundSource, limit: int | None = PLAN_LINES_SHOWN):
    """(lines, count): per plan, what the source allocated to it and paid for it, the plans with
    the latest entries first (what was just booked is on top); at most `limit` lines (all when
    None). Two queries however many plans and entries."""
    rows = list(
        _plan_totals(FundEntry.objects.visible_to(user).filter(source=source))
        .annotate(last=Max("pk"))
        .order_by("-last")
    )
    shown = rows if limit is None else rows[:limit]
    plans = _plans_by_id(r["plan"] for r in shown)
    lines = [
        PlanLine(r["plan"], plans.get(r["plan"]), r["allocated"], r["paid"], r["reversals"])
        for r in shown
    ]
    return lines, len(rows)


@dataclass
class PlanFunds:
    lines: list  # [{"source": FundSource, "allocated", "paid", "balance"}]
    allocated: Decimal
    paid: Decimal

    @property
    def balance(self) -> Decimal:
        return self.allocated - self.paid


def plan_funds(user, plan) -> PlanFunds:
    """A plan's funds: per source, what was allocated to it and paid, and the totals (only the
    entries the user sees)."""
    rows = list(
        FundEntry.objects.visible_to(user)
        .filter(plan=plan)
        .order_by()
        .values("source")
        .annotate(
            allocated=Coalesce(Sum("amount", filter=Q(kind=EntryKind.ALLOCATION)), ZERO),
            paid=Coalesce(Sum("amount", filter=Q(kind=EntryKind.PAYMENT)), ZERO),
        )
    )
    sources = {s.pk: s for s in FundSource.objects.filter(pk__in=[r["source"] for r in rows])}
    lines = sorted(
        (
            {
                "source": sources[r["source"]],
                "allocated": r["allocated"],
                "paid": r["paid"],
                "balance": r["allocated"] - r["paid"],
            }
            for r in rows
        ),
        key=lambda x: (x["source"].kind, x["source"].pk),
    )
    return PlanFunds(
        lines=lines,
        allocated=sum((x["allocated"] for x in lines), ZERO),
        paid=sum((x["paid"] for x in lines), ZERO),
    )


def plans_for_allocation(user, source: FundSource) -> QuerySet:
    """The plans the user sees in the source's region (the allocation form's choices)."""
    from lianxin.campaign.models import Plan

    return (
        Plan.objects.visible_to(user)
        .filter(region_path__startswith=source.region_path)
        .select_related("center__region")
        .order_by("center__region__code", "pk")
    )


def plans_for_payment(user, source: FundSource) -> QuerySet:
    """The plans the source allocated money to (the payment form's choices)."""
    ids = (
        FundEntry.objects.filter(source=source, kind=EntryKind.ALLOCATION)
        .values_list("plan_id", flat=True)
        .distinct()
    )
    return plans_for_allocation(user, source).filter(pk__in=ids)


# -- reconciliation ----------------------------------------------------------------------------


@dataclass
class ReconFilter:
    district: str = ""
    year: str = ""
    kind: str = ""

    FIELDS = ("district", "year", "kind")

    @classmethod
    def from_params(cls, params) -> ReconFilter:
        flt = SourceFilter.from_params(params)
        return cls(district=flt.district, year=flt.year, kind=flt.kind)

    def querystring(self) -> str:
        return urlencode({k: getattr(self, k) for k in self.FIELDS if getattr(self, k)})


@dataclass
class Reconciliation:
    sources: list  # FundSource rows annotated with the figures
    districts: (
        list  # dicts: region, sources, received, allocated, paid, unallocated, balance, reversals
    )
    plans: list  # dicts: plan, district, allocated, paid, balance, reversals
    total: dict  # received, allocated, paid, unallocated, balance, reversals


FIGURES = ("received", "allocated", "paid", "unallocated", "balance", "reversals")


def reconciliation(user, params) -> tuple[ReconFilter, Reconciliation]:
    """对账: per source (received, allocated, paid, unallocated, balance, reversals), per district
    (the sums of its sources) and per plan (allocated, paid, balance, reversals) — every figure
    summed from the entries the user sees, in the database, exactly."""
    flt = ReconFilter.from_params(params)
    sources_qs = FundSource.objects.visible_to(user).select_related("region")
    if flt.district:
        sources_qs = sources_qs.filter(district_code=flt.district)
    if flt.year:
        sources_qs = sources_qs.filter(year=int(flt.year))
    if flt.kind:
        sources_qs = sources_qs.filter(kind=flt.kind)
    sources = list(with_balances(sources_qs).order_by("district_code", "-year", "kind", "pk"))

    by_district: dict[str, dict] = defaultdict(lambda: dict.fromkeys(FIGURES, ZERO) | {"n": 0})
    for s in sources:
        row = by_district[s.district_code]
        row["n"] += 1
        for f in FIGURES:
            row[f] = row[f] + getattr(s, f)
    regions = {r.code: r for r in Region.objects.filter(code__in=list(by_district))}
    districts = [
        {"code": code, "region": regions.get(code)} | figures
        for code, figures in sorted(by_district.items())
    ]
    for d in districts:
        d["reversals"] = int(d["reversals"])

    entries = FundEntry.objects.visible_to(user).filter(source__in=[s.pk for s in sources])
    rows = list(_plan_totals(entries))
    plans = _plans_by_id(r["plan"] for r in rows)
    plan_rows = []
    for r in rows:
        plan = plans.get(r["plan"])
        plan_rows.append(
            {
                "plan": plan,
                "district": regions.get(plan.district_code) if plan else None,
                "allocated": r["allocated"],
                "paid": r["paid"],
                "balance": r["allocated"] - r["paid"],
                "reversals": r["reversals"],
            }
        )
    plan_rows.sort(key=lambda x: x["plan"].center.region.code if x["plan"] else "")
    total = {f: sum((getattr(s, f) for s in sources), ZERO) for f in FIGURES}
    total["reversals"] = int(total["reversals"])
    return flt, Reconciliation(sources, districts, plan_rows, total)
