"""The resources demo: funds (资金专账) — Baodi's and Ninghe's fund ledgers, on the campaign
demo's plans in those districts.

- 宝坻区: the district's fiscal allocation (区财政, two tranches) plus party-dues special funds
  (党费专项), 1.44 亿元 in all. The article gives "?.44亿元" with one digit lost: the demo takes
  1.44 亿元 (144,000,000.00 yuan) and says so in each source's note.
- 宁河区: the city subsidy (市级补贴) pooled with the district's own subsidy (区财政配套), every
  plan funded from both (60 % city, 40 % district).
- Allocations to the district's demo plans (their budgets, scaled to what arrived), payments with
  voucher numbers on the plans under way (a progress payment) or signed off (progress and final
  payments), and two corrections as reversing entries: a payment booked with a wrong voucher
  number in Baodi (reversed and booked again), a duplicated allocation in Ninghe.

Deterministic for a seed and a day; every balance stays ≥ 0 (checked at the end). The rows are
written in bulk (the services' invariants hold by construction and are verified); the demo
accounts `baodi_cw` and `ninghe_cw` (finance officers of their districts) are named as their
bookkeepers.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from django.db.models import Max, Min

BAODI = "120115000000"
NINGHE = "120117000000"
ACCOUNTS = {
    "baodi_cw": (BAODI, "宝坻区财政局资金专户"),
    "ninghe_cw": (NINGHE, "宁河区财政局资金专户"),
}
BAODI_TOTAL = Decimal("144000000.00")  # 1.44 亿元
BAODI_PARTY_DUES = Decimal("24000000.00")
BAODI_NOTE = "演示数据：文章原文“?.44亿元”缺一位数字，按 1.44 亿元计。"
NINGHE_NOTE = "演示数据：市级补贴与区财政配套资金统筹使用。"
NINGHE_CITY_SHARE = Decimal("0.6")
HUNDRED = Decimal("100")
CENT = Decimal("0.01")
PAYEES = [
    "建筑工程有限公司",
    "建设集团有限公司",
    "装饰工程有限公司",
    "市政工程有限公司",
    "建工有限公司",
]
PLACES = {
    "宝坻": ["宝平", "潮白河", "京津", "渠阳", "口东"],
    "宁河": ["芦台", "潘庄", "丰台", "七里海", "东棘坨"],
}


def accounts(password: str) -> list[str]:
    from lianxin.accounts.models import User
    from lianxin.accounts.services import assign_role, create_staff
    from lianxin.regions.models import Region

    made = []
    for username, (code, display) in ACCOUNTS.items():
        if User.objects.filter(username=username).exists():
            continue
        district = Region.objects.filter(code=code).first()
        if district is None:
            continue
        user = create_staff(
            None, username=username, password=password, display_name=display, org_unit=district
        )
        assign_role(None, user, "finance_officer", district)
        made.append(username)
    return made


def clear() -> None:
    from .models import FundAttachment, FundEntry, FundSource

    sources = FundSource.objects.filter(is_demo=True)
    FundAttachment.objects.filter(entry__source__in=sources).delete()
    FundAttachment.objects.filter(source__in=sources).delete()
    entries = FundEntry.objects.filter(source__in=sources)
    entries.filter(reverses__isnull=False).delete()
    entries.delete()
    sources.delete()


def _whole_millions(value: Decimal) -> Decimal:
    """The next whole million above `value`, plus one more (room for a correction)."""
    million = Decimal("1000000")
    return ((value / million).to_integral_value(rounding=ROUND_CEILING) + 1) * million


def _round_down(value: Decimal, step: Decimal = HUNDRED) -> Decimal:
    return ((value / step).to_integral_value(rounding=ROUND_DOWN) * step).quantize(CENT)


class _Ledger:
    """Entries being written for one district, with a voucher counter and the bookkeeper."""

    def __init__(self, rng, today, user, prefix):
        self.rng, self.today, self.user, self.prefix = rng, today, user, prefix
        self.entries = []
        self.vouchers = 0

    def day(self, value: date) -> date:
        return min(value, self.today)

    def add(self, kind, source, amount, booked_on, plan=None, **fields):
        from .models import FundEntry

        entry = FundEntry(
            kind=kind,
            source=source,
            plan=plan,
            region_path=plan.region_path if plan else source.region_path,
            amount=amount.quantize(CENT),
            booked_on=self.day(booked_on),
            is_demo=True,
            created_by=self.user,
            **fields,
        )
        self.entries.append(entry)
        return entry

    def voucher(self, day: date) -> str:
        self.vouchers += 1
        return f"{self.prefix}记〔{day.year}〕{self.vouchers:04d}号"

    def payee(self, district: str) -> str:
        return self.rng.choice(PLACES[district]) + self.rng.choice(PAYEES)


def _plans(district_code: str, today: date) -> list:
    from lianxin.campaign.models import Plan

    return list(
        Plan.objects.filter(is_demo=True, district_code=district_code)
        .select_related("center__region")
        .annotate(first_day=Min("milestones__starts_on"), progress=Max("milestones__progress"))
        .order_by("center__region__code", "campaign__code")
    )


def _state(plan, today: date) -> str:
    if plan.signed_off_on:
        return "signed_off"
    if (plan.progress or 0) > 0 or (plan.first_day and plan.first_day <= today):
        return "under_way"
    return "planned"


def _source(kind, name, region, year, document_no, note, user):
    from .models import FundSource

    return FundSource.objects.create(
        kind=kind,
        name=name,
        document_no=document_no,
        region=region,
        region_path=region.path,
        district_code=region.code,
        year=year,
        note=note,
        is_demo=True,
        created_by=user,
    )


def _pay(ledger, district, source, plan, amount, day):
    from .models import EntryKind

    return ledger.add(
        EntryKind.PAYMENT,
        source,
        amount,
        day,
        plan,
        document_no=ledger.voucher(day),
        payee="天津市" + ledger.payee(district),
        note="工程进度款"
        if day < (plan.signed_off_on or ledger.today + timedelta(1))
        else "工程尾款",
    )


def _payments(ledger, district, source, plan, allocated, alloc_day, state):
    """A signed-off plan is paid in full (progress and final payments); one under way gets a
    progress payment of 30–60 % if its works started at least a fortnight ago."""
    rng, today = ledger.rng, ledger.today
    start = max(alloc_day, plan.first_day or alloc_day)
    if state == "signed_off":
        done = plan.signed_off_on
        first = _round_down(allocated * Decimal(rng.choice((50, 60, 70))) / 100)
        mid = start + timedelta(days=max(1, (done - start).days // 2)) if done > start else start
        _pay(ledger, district, source, plan, first, mid)
        final_day = min(today, max(done, start) + timedelta(days=rng.randint(10, 40)))
        _pay(ledger, district, source, plan, allocated - first, max(final_day, mid))
    elif state == "under_way" and (today - start).days >= 14:
        share = Decimal(rng.randint(30, 60)) / 100
        day = start + timedelta(days=rng.randint(7, max(7, (today - start).days)))
        _pay(ledger, district, source, plan, _round_down(allocated * share), day)


def _baodi(seed: int, today: date, user):
    from lianxin.regions.models import Region

    from .models import EntryKind, SourceKind

    district = Region.objects.get(code=BAODI)
    rng = random.Random(f"{seed}-baodi")
    ledger = _Ledger(rng, today, user, "宝坻")
    fiscal = _source(
        SourceKind.DISTRICT_FISCAL,
        "宝坻区村级党群服务中心建设专项资金（区财政）",
        district,
        2019,
        "宝财预〔2019〕12号",
        BAODI_NOTE,
        user,
    )
    dues = _source(
        SourceKind.PARTY_DUES,
        "宝坻区党费专项资金（党群服务中心建设）",
        district,
        2019,
        "宝组通〔2019〕21号",
        BAODI_NOTE,
        user,
    )
    fiscal_total = BAODI_TOTAL - BAODI_PARTY_DUES
    first_tranche = Decimal("80000000.00")
    ledger.add(
        EntryKind.RECEIPT,
        fiscal,
        first_tranche,
        date(2019, 3, 20),
        document_no="宝财预〔2019〕12号",
        note="第一批资金到位",
    )
    ledger.add(
        EntryKind.RECEIPT,
        fiscal,
        fiscal_total - first_tranche,
        date(2019, 6, 18),
        document_no="宝财预〔2019〕35号",
        note="第二批资金到位",
    )
    ledger.add(
        EntryKind.RECEIPT,
        dues,
        BAODI_PARTY_DUES,
        date(2019, 5, 10),
        document_no="宝组通〔2019〕21号",
        note="党费专项资金下拨",
    )

    plans = _plans(BAODI, today)
    budgets = [p.budget or Decimal("300000") for p in plans]
    cap = BAODI_TOTAL * Decimal("0.96")  # keep a reserve unallocated
    scale = min(Decimal(1), cap / sum(budgets)) if budgets else Decimal(1)
    dues_share = BAODI_PARTY_DUES / BAODI_TOTAL
    first_payment = None
    for plan, budget in zip(plans, budgets, strict=True):
        state = _state(plan, today)
        total = _round_down(budget * scale)
        from_dues = _round_down(total * dues_share)
        from_fiscal = total - from_dues
        alloc_day = max(date(2019, 6, 20), plan.first_day or date(2019, 6, 20))
        ledger.add(
            EntryKind.ALLOCATION,
            fiscal,
            from_fiscal,
            alloc_day,
            plan,
            document_no="宝财预〔2019〕35号",
            note="一村一策项目资金分配",
        )
        if from_dues > 0:
            ledger.add(
                EntryKind.ALLOCATION,
                dues,
                from_dues,
                alloc_day,
                plan,
                document_no="宝组通〔2019〕21号",
                note="党费专项补助",
            )
        n = len(ledger.entries)
        _payments(ledger, "宝坻", fiscal, plan, from_fiscal, alloc_day, state)
        if state == "signed_off" and from_dues > 0:
            paid_on = max(plan.signed_off_on, alloc_day) + timedelta(days=rng.randint(5, 30))
            _pay(ledger, "宝坻", dues, plan, from_dues, min(today, paid_on))
        if first_payment is None and len(ledger.entries) > n:
            first_payment = ledger.entries[n]
    return [fiscal, dues], ledger.entries, first_payment


def _ninghe(seed: int, today: date, user):
    from lianxin.regions.models import Region

    from .models import EntryKind, SourceKind

    district = Region.objects.get(code=NINGHE)
    rng = random.Random(f"{seed}-ninghe")
    ledger = _Ledger(rng, today, user, "宁河")
    plans = _plans(NINGHE, today)
    budgets = [p.budget or Decimal("300000") for p in plans]
    city_parts = [_round_down(b * NINGHE_CITY_SHARE) for b in budgets]
    district_parts = [b.quantize(CENT) - c for b, c in zip(budgets, city_parts, strict=True)]
    million = Decimal("1000000")
    city_total = _whole_millions(sum(city_parts, Decimal(0)))
    district_total = _whole_millions(sum(district_parts, Decimal(0)))
    city = _source(
        SourceKind.CITY_SUBSIDY,
        "市级补贴资金（村级党群服务中心改造提升）",
        district,
        2019,
        "津组通〔2019〕18号",
        NINGHE_NOTE,
        user,
    )
    own = _source(
        SourceKind.DISTRICT_FISCAL,
        "宁河区财政配套补贴资金",
        district,
        2019,
        "宁财预〔2019〕9号",
        NINGHE_NOTE,
        user,
    )
    ledger.add(
        EntryKind.RECEIPT,
        city,
        city_total,
        date(2019, 4, 12),
        document_no="津组通〔2019〕18号",
        note="市级补贴资金拨付到区",
    )
    half = _round_down(district_total / 2, million)
    ledger.add(
        EntryKind.RECEIPT,
        own,
        half,
        date(2019, 4, 26),
        document_no="宁财预〔2019〕9号",
        note="区财政配套资金（第一批）",
    )
    ledger.add(
        EntryKind.RECEIPT,
        own,
        district_total - half,
        date(2019, 8, 30),
        document_no="宁财预〔2019〕27号",
        note="区财政配套资金（第二批）",
    )
    duplicate = None
    for plan, c_part, d_part in zip(plans, city_parts, district_parts, strict=True):
        state = _state(plan, today)
        alloc_day = max(date(2019, 9, 2), plan.first_day or date(2019, 9, 2))
        ledger.add(
            EntryKind.ALLOCATION,
            city,
            c_part,
            alloc_day,
            plan,
            document_no="津组通〔2019〕18号",
            note="市级补贴统筹分配",
        )
        ledger.add(
            EntryKind.ALLOCATION,
            own,
            d_part,
            alloc_day,
            plan,
            document_no="宁财预〔2019〕27号",
            note="区财政配套统筹分配",
        )
        if duplicate is None and d_part > 0:
            duplicate = ledger.add(
                EntryKind.ALLOCATION,
                own,
                d_part,
                alloc_day,
                plan,
                document_no="宁财预〔2019〕27号",
                note="区财政配套统筹分配",
            )
        _payments(ledger, "宁河", city, plan, c_part, alloc_day, state)
        _payments(ledger, "宁河", own, plan, d_part, alloc_day, state)
    return [city, own], ledger.entries, duplicate


def _reverse(original, note: str, booked_on: date):
    from .models import FundEntry

    return FundEntry.objects.create(
        kind=original.kind,
        source=original.source,
        plan=original.plan,
        region_path=original.region_path,
        amount=-original.amount,
        booked_on=max(booked_on, original.booked_on),
        document_no=original.document_no,
        payee=original.payee,
        note=note,
        reverses=original,
        is_demo=True,
        created_by=original.created_by,
    )


def _check(sources) -> None:
    """Every balance ≥ 0: per source received ≥ allocated, per (source, plan) allocated ≥ paid."""
    from .models import EntryKind, FundEntry
    from .services.funds import plan_balance, source_balance

    for s in sources:
        bal = source_balance(s.pk)
        if bal.unallocated < 0:
            raise AssertionError(f"demo source {s.name}: allocated more than received")
        plan_ids = set(
            FundEntry.objects.filter(source=s, kind=EntryKind.ALLOCATION).values_list(
                "plan_id", flat=True
            )
        )
        for pid in plan_ids:
            allocated, paid = plan_balance(s.pk, pid)
            if allocated < paid:
                raise AssertionError(f"demo source {s.name}: plan {pid} paid beyond allocation")


def build(seed: int, today: date) -> dict:
    from lianxin.accounts.models import User
    from lianxin.core import audit
    from lianxin.regions.models import Region

    from .models import FundEntry

    if not Region.objects.filter(code__in=[BAODI, NINGHE]).count() == 2:
        return {}
    users = {u.username: u for u in User.objects.filter(username__in=list(ACCOUNTS))}
    baodi_sources, baodi_entries, wrong_voucher = _baodi(seed, today, users.get("baodi_cw"))
    ninghe_sources, ninghe_entries, duplicate = _ninghe(seed, today, users.get("ninghe_cw"))
    FundEntry.objects.bulk_create(baodi_entries + ninghe_entries, batch_size=1000)
    reversals = 0
    if wrong_voucher is not None:
        wrong_voucher = FundEntry.objects.get(
            source=wrong_voucher.source, document_no=wrong_voucher.document_no
        )
        _reverse(
            wrong_voucher, "凭证号录入错误，冲销后按正确凭证号重新登记", wrong_voucher.booked_on
        )
        FundEntry.objects.create(
            kind=wrong_voucher.kind,
            source=wrong_voucher.source,
            plan=wrong_voucher.plan,
            region_path=wrong_voucher.region_path,
            amount=wrong_voucher.amount,
            booked_on=wrong_voucher.booked_on,
            document_no=wrong_voucher.document_no.replace("号", "-1号"),
            payee=wrong_voucher.payee,
            note=wrong_voucher.note + "（更正后重新登记）",
            is_demo=True,
            created_by=wrong_voucher.created_by,
        )
        reversals += 1
    if duplicate is not None:
        duplicate = (
            FundEntry.objects.filter(
                source=duplicate.source, plan=duplicate.plan, kind=duplicate.kind
            )
            .order_by("-pk")
            .first()
        )
        _reverse(duplicate, "重复分配，冲销", duplicate.booked_on + timedelta(days=3))
        reversals += 1
    sources = baodi_sources + ninghe_sources
    _check(sources)
    for s in sources:
        audit.record(None, "seed_demo", s, note="演示数据：资金专账")
    entries = FundEntry.objects.filter(source__in=sources)
    return {
        "fund_sources": len(sources),
        "fund_entries": entries.count(),
        "fund_payments": entries.filter(kind="payment", reverses__isnull=True).count(),
        "fund_reversals": reversals,
    }
