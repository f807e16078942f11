"""The fund ledger's writes (资金专账): a source with its first receipt, further receipts,
allocations to plans, payments with voucher numbers, and reversing entries.

Every function checks that the actor sees the rows (a row outside the scope is a 404) and holds a
fund-keeping role over them (`permissions.FUND_WRITERS`, else 403), then runs in one transaction
that locks the source row (`select_for_update`; on SQLite the project's IMMEDIATE transactions
serialise writers anyway) before it reads the balances and checks the invariants:

- per source:           received − allocated ≥ 0
- per (source, plan):   allocated − paid ≥ 0

so that two payments racing for the last yuan cannot both pass. Entries are never edited or
deleted: there is no update or delete here, and a correction is a reversing entry (same kind,
source and plan, the opposite amount, pointing at the original; each entry reversed once; a
reversal is never reversed). Every write is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from lianxin.core import audit

from .. import permissions
from ..models import EntryKind, FundAttachment, FundEntry, FundSource, SourceKind

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # the column: 14 digits, 2 places
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
# Documents and vouchers: PDF, scans (JPEG, PNG), Office files and OFD (zip containers).
ATTACHMENT_TYPES = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".ofd": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
}
EARLIEST_YEAR = 2000


def yuan(value: Decimal) -> str:
    """1234.5 → "1,234.50" (the figure as the messages and pages show it)."""
    return f"{Decimal(value).quantize(CENT):,}"


def parse_amount(value, field: str = "amount", label: str | None = None) -> Decimal:
    """A positive amount of yuan with at most two places, or a ValidationError naming `field`."""
    label = label or _("金额")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = (
            value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
        )
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(
            {field: [_("%(label)s须为数字（元）。") % {"label": label}]}
        ) from None
    if not amount.is_finite():
        raise ValidationError({field: [_("%(label)s须为数字（元）。") % {"label": label}]})
    if amount <= 0:
        raise ValidationError({field: [_("%(label)s须大于 0。") % {"label": label}]})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: [_("%(label)s最多保留两位小数（分）。") % {"label": label}]})
    if amount > MAX_AMOUNT:
        raise ValidationError(
            {
                field: [
                    _("%(label)s不能超过 %(max)s 元。") % {"label": label, "max": yuan(MAX_AMOUNT)}
                ]
            }
        )
    return amount.quantize(CENT)


# -- balances ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceBalance:
    received: Decimal
    allocated: Decimal
    paid: Decimal

    @property
    def unallocated(self) -> Decimal:
        return self.received - self.allocated

    @property
    def balance(self) -> Decimal:
        return self.received - self.paid


def _sum(kind: str) -> Coalesce:
    return Coalesce(Sum("amount", filter=Q(kind=kind)), ZERO)


def source_balance(source_id: int) -> SourceBalance:
    totals = FundEntry.objects.filter(source_id=source_id).aggregate(
        received=_sum(EntryKind.RECEIPT),
        allocated=_sum(EntryKind.ALLOCATION),
        paid=_sum(EntryKind.PAYMENT),
    )
    return SourceBalance(**{k: Decimal(v).quantize(CENT) for k, v in totals.items()})


def plan_balance(source_id: int, plan_id: int) -> tuple[Decimal, Decimal]:
    """(allocated, paid) of one plan out of one source."""
    totals = FundEntry.objects.filter(source_id=source_id, plan_id=plan_id).aggregate(
        allocated=_sum(EntryKind.ALLOCATION), paid=_sum(EntryKind.PAYMENT)
    )
    return Decimal(totals["allocated"]).quantize(CENT), Decimal(totals["paid"]).quantize(CENT)


# -- checks ------------------------------------------------------------------------------------


def require_writer(actor, source: FundSource) -> None:
    """The source is visible to the actor (else 404) and the actor keeps funds over it (403)."""
    if not FundSource.objects.visible_to(actor).filter(pk=source.pk).exists():
        raise Http404
    permissions.require(actor, permissions.FUND_WRITERS, source.region_path)


def _locked(source: FundSource) -> FundSource:
    """The source row, locked until the end of the transaction (writers on it serialise)."""
    return FundSource.objects.select_for_update().get(pk=source.pk)


def _check_plan(actor, source: FundSource, plan) -> None:
    from lianxin.campaign.models import Plan

    if plan is None:
        raise ValidationError({"plan": [_("请选择建设方案（一村一策）。")]})
    if not Plan.objects.visible_to(actor).filter(pk=plan.pk).exists():
        raise Http404
    if not plan.region_path.startswith(source.region_path):
        raise ValidationError(
            {
                "plan": [
                    _("该项目不在此资金来源的管理范围（%(region)s）内，不能使用此资金。")
                    % {"region": source.region.name}
                ]
            }
        )


def _booked_on(value) -> date:
    today = timezone.localdate()
    if value is None or value == "":
        return today
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            raise ValidationError({"booked_on": [_("记账日期须为日期（YYYY-MM-DD）。")]}) from None
    if value > today:
        raise ValidationError({"booked_on": [_("记账日期不能晚于今天。")]})
    if value.year < EARLIEST_YEAR:
        raise ValidationError(
            {"booked_on": [_("记账日期不能早于 %(y)s 年。") % {"y": EARLIEST_YEAR}]}
        )
    return value


def _text(value, field: str, label: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: [_("请填写%(label)s。") % {"label": label}]})
    if len(text) > max_length:
        raise ValidationError(
            {field: [_("%(label)s不能超过 %(n)s 个字。") % {"label": label, "n": max_length}]}
        )
    return text


def check_attachments(files, field: str = "attachments") -> list:
    files = [f for f in (files or []) if f]
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError({field: [_("附件最多 %(n)s 个。") % {"n": MAX_ATTACHMENTS}]})
    for upload in files:
        name = upload.name or ""
        ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise ValidationError({field: [_("“%(name)s”超过 20 MB。") % {"name": name}]})
        signatures = ATTACHMENT_TYPES.get(ext)
        head = upload.read(8)
        upload.seek(0)
        if not signatures or not any(head.startswith(s) for s in signatures):
            raise ValidationError(
                {
                    field: [
                        _(
                            "“%(name)s”不是 PDF、图片（JPEG、PNG）、Office 或 OFD 文件，或文件已损坏。"
                        )
                        % {"name": name}
                    ]
                }
            )
    return files


def _attach(actor, files, *, source=None, entry=None) -> list[FundAttachment]:
    made = []
    path = entry.region_path if entry is not None else source.region_path
    for upload in files:
        att = FundAttachment(
            source=source,
            entry=entry,
            region_path=path,
            original_name=(upload.name or "")[:200],
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        att.file.save(upload.name, upload, save=False)
        att.save()
        made.append(att)
    return made


ENTRY_FIELDS = [
    "kind",
    "source_id",
    "plan_id",
    "amount",
    "booked_on",
    "document_no",
    "payee",
    "note",
]


def _book(actor, action: str, **values) -> FundEntry:
    entry = FundEntry(created_by=actor if getattr(actor, "pk", None) else None, **values)
    entry.full_clean(exclude=["created_by", "reverses"], validate_unique=False)
    entry.save()
    fields = ENTRY_FIELDS + (["reverses_id"] if entry.reverses_id else [])
    audit.record(actor, action, entry, changes=audit.diff({}, audit.snapshot(entry, fields)))
    return entry


# -- the writes --------------------------------------------------------------------------------


def create_source(
    actor,
    *,
    kind: str,
    name: str,
    region,
    year: int,
    amount,
    document_no: str = "",
    note: str = "",
    booked_on=None,
    attachments=(),
    is_demo: bool = False,
) -> FundSource:
    """A fund source held by `region` (a district or a street) with its first receipt."""
    from lianxin.regions.models import Region

    if region is None:
        raise ValidationError({"region": [_("请选择管理单位。")]})
    if not Region.objects.visible_to(actor).filter(pk=region.pk).exists():
        raise Http404
    permissions.require(actor, permissions.FUND_WRITERS, region.path)
    errors: dict[str, list[str]] = {}
    if kind not in SourceKind.values:
        errors["kind"] = [_("请选择资金来源类型。")]
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    this_year = timezone.localdate().year
    if year is None or not EARLIEST_YEAR <= year <= this_year + 1:
        errors["year"] = [
            _("年度须在 %(a)s 至 %(b)s 之间。") % {"a": EARLIEST_YEAR, "b": this_year + 1}
        ]
    for field, label, value, limit, required in (
        ("name", _("名称"), name, 120, True),
        ("document_no", _("文件文号"), document_no, 80, False),
        ("note", _("备注"), note, 300, False),
    ):
        try:
            _text(value, field, label, limit, required)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        amount = parse_amount(amount, "amount", _("到位金额"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        booked_on = _booked_on(booked_on)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        files = check_attachments(attachments)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    codes = [c for c in region.path.split("/") if c]
    with transaction.atomic():
        source = FundSource(
            kind=kind,
            name=name.strip(),
            document_no=(document_no or "").strip(),
            region=region,
            region_path=region.path,
            district_code=codes[1] if len(codes) > 1 else "",
            year=year,
            note=(note or "").strip(),
            is_demo=is_demo,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        source.full_clean(exclude=["created_by"])
        source.save()
        audit.record(
            actor,
            "create",
            source,
            changes=audit.diff(
                {},
                audit.snapshot(
                    source, ["kind", "name", "document_no", "region_id", "year", "note"]
                ),
            ),
        )
        _attach(actor, files, source=source)
        _book(
            actor,
            "fund_receipt",
            kind=EntryKind.RECEIPT,
            source=source,
            region_path=source.region_path,
            amount=amount,
            booked_on=booked_on,
            document_no=(document_no or "").strip(),
            note=_("首笔资金到位"),
            is_demo=is_demo,
        )
    return source


def record_receipt(
    actor,
    source: FundSource,
    amount,
    *,
    booked_on=None,
    document_no: str = "",
    note: str = "",
    attachments=(),
) -> FundEntry:
    """Money arriving on the source (a further tranche)."""
    require_writer(actor, source)
    amount = parse_amount(amount, "amount", _("到位金额"))
    booked_on = _booked_on(booked_on)
    document_no = _text(document_no, "document_no", _("文号"), 80)
    note = _text(note, "note", _("摘要"), 300)
    files = check_attachments(attachments)
    with transaction.atomic():
        source = _locked(source)
        entry = _book(
            actor,
            "fund_receipt",
            kind=EntryKind.RECEIPT,
            source=source,
            region_path=source.region_path,
            amount=amount,
            booked_on=booked_on,
            document_no=document_no,
            note=note,
        )
        _attach(actor, files, entry=entry)
    return entry


def allocate(
    actor,
    source: FundSource,
    plan,
    amount,
    *,
    booked_on=None,
    document_no: str = "",
    note: str = "",
) -> FundEntry:
    """Allocate part of what the source received to a plan in its region."""
    require_writer(actor, source)
    _check_plan(actor, source, plan)
    amount = parse_amount(amount, "amount", _("分配金额"))
    booked_on = _booked_on(booked_on)
    document_no = _text(document_no, "document_no", _("文号"), 80)
    note = _text(note, "note", _("摘要"), 300)
    with transaction.atomic():
        source = _locked(source)
        available = source_balance(source.pk).unallocated
        if amount > available:
            raise ValidationError(
                {
                    "amount": [
                        _("分配金额超过此资金来源的可分配余额 %(left)s 元。")
                        % {"left": yuan(available)}
                    ]
                }
            )
        return _book(
            actor,
            "fund_allocate",
            kind=EntryKind.ALLOCATION,
            source=source,
            plan=plan,
            region_path=plan.region_path,
            amount=amount,
            booked_on=booked_on,
            document_no=document_no,
            note=note,
        )


def pay(
    actor,
    source: FundSource,
    plan,
    amount,
    *,
    voucher_no: str,
    payee: str,
    booked_on=None,
    note: str = "",
    attachments=(),
) -> FundEntry:
    """A payment for a plan out of what the source allocated to it, with its voucher number."""
    require_writer(actor, source)
    _check_plan(actor, source, plan)
    errors: dict[str, list[str]] = {}
    values = {}
    for field, call in (
        ("amount", lambda: parse_amount(amount, "amount", _("支付金额"))),
        ("voucher_no", lambda: _text(voucher_no, "voucher_no", _("凭证号"), 80, required=True)),
        ("payee", lambda: _text(payee, "payee", _("收款单位"), 120, required=True)),
        ("booked_on", lambda: _booked_on(booked_on)),
        ("note", lambda: _text(note, "note", _("摘要"), 300)),
        ("attachments", lambda: check_attachments(attachments)),
    ):
        try:
            values[field] = call()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        source = _locked(source)
        allocated, paid = plan_balance(source.pk, plan.pk)
        available = allocated - paid
        if values["amount"] > available:
            raise ValidationError(
                {
                    "amount": [
                        _("支付金额超过该项目在此资金来源下的可用余额 %(left)s 元。")
                        % {"left": yuan(available)}
                    ]
                }
            )
        entry = _book(
            actor,
            "fund_pay",
            kind=EntryKind.PAYMENT,
            source=source,
            plan=plan,
            region_path=plan.region_path,
            amount=values["amount"],
            booked_on=values["booked_on"],
            document_no=values["voucher_no"],
            payee=values["payee"],
            note=values["note"],
        )
        _attach(actor, values["attachments"], entry=entry)
    return entry


def reverse(actor, entry: FundEntry, reason: str, *, booked_on=None) -> FundEntry:
    """A reversing entry: the same kind, source and plan, the opposite amount. Refused for a
    reversal, for an entry already reversed, and where it would break a balance (reversing an
    allocation already paid out, a receipt already allocated)."""
    if not FundEntry.objects.visible_to(actor).filter(pk=entry.pk).exists():
        raise Http404
    source = FundSource.objects.get(pk=entry.source_id)
    require_writer(actor, source)
    reason = _text(reason, "reason", _("冲销原因"), 300, required=True)
    booked_on = _booked_on(booked_on)
    with transaction.atomic():
        source = _locked(source)
        entry = FundEntry.objects.get(pk=entry.pk)
        if entry.reverses_id:
            raise ValidationError({"__all__": [_("这是一笔冲销分录，不能再冲销。")]})
        if FundEntry.objects.filter(reverses=entry).exists():
            raise ValidationError({"__all__": [_("该分录已被冲销，不能重复冲销。")]})
        if booked_on < entry.booked_on:
            raise ValidationError({"booked_on": [_("冲销的记账日期不能早于原分录。")]})
        if entry.kind == EntryKind.RECEIPT:
            totals = source_balance(source.pk)
            if totals.received - entry.amount < totals.allocated:
                raise ValidationError(
                    {
                        "__all__": [
                            _(
                                "冲销后此资金来源的到位金额（%(after)s 元）将少于已分配金额"
                                "（%(allocated)s 元）：请先冲销相应的分配。"
                            )
                            % {
                                "after": yuan(totals.received - entry.amount),
                                "allocated": yuan(totals.allocated),
                            }
                        ]
                    }
                )
        elif entry.kind == EntryKind.ALLOCATION:
            allocated, paid = plan_balance(source.pk, entry.plan_id)
            if allocated - entry.amount < paid:
                raise ValidationError(
                    {
                        "__all__": [
                            _(
                                "该项目在此资金来源下已支付 %(paid)s 元，冲销这笔分配后分配金额"
                                "（%(after)s 元）将少于已支付金额：请先冲销相应的支付。"
                            )
                            % {"paid": yuan(paid), "after": yuan(allocated - entry.amount)}
                        ]
                    }
                )
        return _book(
            actor,
            "fund_reverse",
            kind=entry.kind,
            source=source,
            plan_id=entry.plan_id,
            region_path=entry.region_path,
            amount=-entry.amount,
            booked_on=booked_on,
            document_no=entry.document_no,
            payee=entry.payee,
            note=reason,
            reverses=entry,
            is_demo=entry.is_demo,
        )
