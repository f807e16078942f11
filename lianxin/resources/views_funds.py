"""The fund ledger's pages (资金专账): sources with their balances and export, a source with its
entries and per-plan balances, the forms for each write (new source, receipt, allocation,
payment, reversal), a plan's funds, attachments, and the reconciliation (对账) per source,
district and plan with its Excel export. Thin views: reads through `queries_funds` (every one
through `visible_to`), writes through `services.funds`."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from urllib.parse import quote

import xlsxwriter
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.permissions import paginate, staff_required
from lianxin.core.services import field_errors
from lianxin.core.tabular import XLSX
from lianxin.regions.models import Level as RegionLevel
from lianxin.regions.models import Region

from . import permissions
from . import queries_funds as q
from .forms_funds import AllocationForm, PaymentForm, ReceiptForm, ReversalForm, SourceForm
from .models import EntryKind, FundAttachment, FundEntry, FundSource, SourceKind
from .services import funds as services

T = "resources/"


def _is_htmx(request) -> bool:
    return bool(request.headers.get("HX-Request"))


def _source(request, pk: int) -> FundSource:
    source = q.source_with_balances(request.user, pk)
    if source is None:
        raise Http404
    return source


def _can_write(user, source: FundSource) -> bool:
    return permissions.may(user, permissions.FUND_WRITERS, source.region_path)


def _require_write(user, source: FundSource) -> None:
    permissions.require(user, permissions.FUND_WRITERS, source.region_path)


def _writable_regions(user):
    """The districts where the user keeps funds (the new source's 管理单位)."""
    scope = permissions.role_scope(user, permissions.FUND_WRITERS)
    if scope.is_empty():
        return Region.objects.none()
    districts = Region.objects.visible_to(user).filter(level=RegionLevel.COUNTY).order_by("code")
    ids = [r.pk for r in districts if scope.covers_path(r.path)]
    return Region.objects.filter(pk__in=ids).order_by("code")


def _files(request) -> list:
    return request.FILES.getlist("attachments")


# -- sources ----------------------------------------------------------------------------------


@staff_required
def fund_list(request):
    flt, qs = q.visible_sources(request.user, request.GET)
    page = paginate(request, qs)
    context = {
        "page": page,
        "flt": flt,
        "districts": q.source_districts(request.user),
        "years": q.source_years(request.user),
        "kinds": SourceKind.choices,
        "can_create": _writable_regions(request.user).exists(),
    }
    template = T + "funds_table.html" if _is_htmx(request) else T + "funds_list.html"
    return render(request, template, context)


SOURCE_HEADERS = [
    gettext_lazy("区"),
    gettext_lazy("管理单位"),
    gettext_lazy("资金来源类型"),
    gettext_lazy("名称"),
    gettext_lazy("文件文号"),
    gettext_lazy("年度"),
    gettext_lazy("到位（元）"),
    gettext_lazy("已分配（元）"),
    gettext_lazy("已支付（元）"),
    gettext_lazy("未分配（元）"),
    gettext_lazy("结余（元）"),
    gettext_lazy("冲销笔数"),
    gettext_lazy("备注"),
]


def _money_book(filename: str, sheets: list[tuple[str, list, list]], note: str = ""):
    """An .xlsx of one or more sheets: amounts as numbers with two places and thousands
    separators (exact: at most 14 significant digits), the rest as text."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    book = xlsxwriter.Workbook(tmp, {"in_memory": False})
    bold = book.add_format({"bold": True, "bg_color": "#F1F5F9", "border": 1})
    money = book.add_format({"num_format": "#,##0.00"})
    total_fmt = book.add_format({"num_format": "#,##0.00", "bold": True})
    for sheet, headers, rows in sheets:
        ws = book.add_worksheet(str(sheet)[:31])
        for col, title in enumerate(headers):
            ws.write_string(0, col, str(title), bold)
            ws.set_column(col, col, max(10, min(40, len(str(title)) * 2 + 2)))
        n = 0
        for n, row in enumerate(rows, start=1):
            is_total = bool(row) and row[0] == _("合计")
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, Decimal):
                    ws.write_number(n, col, float(value), total_fmt if is_total else money)
                elif isinstance(value, int):
                    ws.write_number(n, col, value)
                else:
                    ws.write_string(n, col, str(value))
        if note:
            ws.write_string(n + 2, 0, note)
        ws.freeze_panes(1, 0)
    book.close()
    tmp.seek(0)
    response = FileResponse(tmp, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _source_row(s, names) -> list:
    return [
        names.get(s.district_code, s.district_code),
        s.region.name,
        s.get_kind_display(),
        s.name,
        s.document_no,
        s.year,
        s.received,
        s.allocated,
        s.paid,
        s.unallocated,
        s.balance,
        int(s.reversals),
        s.note,
    ]


@staff_required
def fund_export(request):
    """ "导出 Excel" on the sources list: exactly what is listed (same filters, same scope)."""
    flt, qs = q.visible_sources(request.user, request.GET)
    sources = list(qs)
    names = Region.objects.names({s.district_code for s in sources})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    rows = [_source_row(s, names) for s in sources]
    return _money_book(
        _("资金来源-%(stamp)s.xlsx") % {"stamp": stamp},
        [(_("资金来源"), [str(h) for h in SOURCE_HEADERS], rows)],
        note=_("导出时间：%(stamp)s") % {"stamp": stamp},
    )


@staff_required
def fund_source_new(request):
    regions = _writable_regions(request.user)
    if not regions.exists():
        raise PermissionDenied(_("您没有录入资金来源的权限。"))
    initial = {"region": regions.first().pk} if regions.count() == 1 else {}
    form = SourceForm(request.POST or None, request.FILES or None, regions=regions, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source = services.create_source(
                request.user,
                kind=data["kind"],
                name=data["name"],
                region=data["region"],
                year=data["year"],
                amount=data["amount"],
                document_no=data["document_no"],
                note=data["note"],
                booked_on=data["booked_on"],
                attachments=_files(request),
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("资金来源已登记，首笔资金已入账。"))
            return redirect("fund_source", pk=source.pk)
    return render(request, T + "funds_form.html", {"form": form, "title": _("登记资金来源")})


@staff_required
def fund_source(request, pk: int):
    """A source: its figures, the plans it funds (the latest first, ten unless all are asked
    for) and its entries, paged, newest first, filtered by kind, plan and document number. A
    fixed number of queries however many entries the source has."""
    source = _source(request, pk)
    flt, entries = q.filtered_entries(request.user, source, request.GET)
    context = {
        "source": source,
        "flt": flt,
        "page": paginate(request, entries),
        "can_write": _can_write(request.user, source),
    }
    if _is_htmx(request):
        return render(request, T + "funds_entries.html", context)
    all_lines = request.GET.get("lines") == "all"
    lines, n_lines = q.recent_plan_lines(
        request.user, source, limit=None if all_lines else q.PLAN_LINES_SHOWN
    )
    context |= {
        "kinds": EntryKind.choices,
        "lines": lines,
        "n_lines": n_lines,
        "all_lines": all_lines,
        "attachments": FundAttachment.objects.visible_to(request.user).filter(source=source),
    }
    return render(request, T + "funds_source.html", context)


def _entry_form(request, pk: int, form_class, title: str, write, plans=None):
    """The shared shape of the receipt, allocation and payment pages."""
    source = _source(request, pk)
    _require_write(request.user, source)
    kwargs = {"plans": plans(request.user, source)} if plans else {}
    initial = {}
    if plans and request.GET.get("plan", "").isdigit():
        initial["plan"] = int(request.GET["plan"])
    form = form_class(request.POST or None, request.FILES or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            write(source, form.cleaned_data)
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("已入账。"))
            return redirect("fund_source", pk=source.pk)
    return render(request, T + "funds_form.html", {"form": form, "source": source, "title": title})


@staff_required
def fund_receipt(request, pk: int):
    def write(source, d):
        services.record_receipt(
            request.user,
            source,
            d["amount"],
            booked_on=d["booked_on"],
            document_no=d["document_no"],
            note=d["note"],
            attachments=_files(request),
        )

    return _entry_form(request, pk, ReceiptForm, _("登记资金到位"), write)


@staff_required
def fund_allocate(request, pk: int):
    def write(source, d):
        services.allocate(
            request.user,
            source,
            d["plan"],
            d["amount"],
            booked_on=d["booked_on"],
            document_no=d["document_no"],
            note=d["note"],
        )

    return _entry_form(
        request, pk, AllocationForm, _("分配到项目"), write, plans=q.plans_for_allocation
    )


@staff_required
def fund_pay(request, pk: int):
    def write(source, d):
        services.pay(
            request.user,
            source,
            d["plan"],
            d["amount"],
            voucher_no=d["voucher_no"],
            payee=d["payee"],
            booked_on=d["booked_on"],
            note=d["note"],
            attachments=_files(request),
        )

    return _entry_form(request, pk, PaymentForm, _("登记支付"), write, plans=q.plans_for_payment)


@staff_required
def fund_reverse(request, pk: int):
    entry = get_object_or_404(
        FundEntry.objects.visible_to(request.user).select_related("source", "plan__center"), pk=pk
    )
    source = _source(request, entry.source_id)
    _require_write(request.user, source)
    form = ReversalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reverse(
                request.user,
                entry,
                form.cleaned_data["reason"],
                booked_on=form.cleaned_data["booked_on"],
            )
        except ValidationError as exc:
            form.add_service_errors(field_errors(exc))
        else:
            messages.success(request, _("已登记冲销分录。"))
            return redirect("fund_source", pk=source.pk)
    return render(
        request,
        T + "funds_form.html",
        {"form": form, "source": source, "entry": entry, "title": _("冲销分录")},
    )


@staff_required
def fund_attachment(request, pk: int):
    att = get_object_or_404(FundAttachment.objects.visible_to(request.user), pk=pk)
    try:
        handle = att.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=att.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_required
def fund_plan(request, plan_pk: int):
    """A plan's funds: per source allocated, paid and balance, and the plan's entries."""
    from lianxin.campaign.models import Plan

    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("center__region", "campaign"),
        pk=plan_pk,
    )
    entries = (
        FundEntry.objects.visible_to(request.user)
        .filter(plan=plan)
        .select_related("source")
        .order_by("booked_on", "id")
    )
    return render(
        request,
        T + "funds_plan.html",
        {"plan": plan, "funds": q.plan_funds(request.user, plan), "entries": entries},
    )


# -- reconciliation ---------------------------------------------------------------------------


@staff_required
def fund_reconciliation(request):
    flt, recon = q.reconciliation(request.user, request.GET)
    return render(
        request,
        T + "funds_reconciliation.html",
        {
            "flt": flt,
            "recon": recon,
            "districts": q.source_districts(request.user),
            "years": q.source_years(request.user),
            "kinds": SourceKind.choices,
        },
    )


RECON_SOURCE_HEADERS = SOURCE_HEADERS[:-1]
RECON_DISTRICT_HEADERS = [
    gettext_lazy("区"),
    gettext_lazy("区划代码"),
    gettext_lazy("资金来源数"),
    gettext_lazy("到位（元）"),
    gettext_lazy("已分配（元）"),
    gettext_lazy("已支付（元）"),
    gettext_lazy("未分配（元）"),
    gettext_lazy("结余（元）"),
    gettext_lazy("冲销笔数"),
]
RECON_PLAN_HEADERS = [
    gettext_lazy("区"),
    gettext_lazy("区划代码"),
    gettext_lazy("党群服务中心"),
    gettext_lazy("工程类型"),
    gettext_lazy("已分配（元）"),
    gettext_lazy("已支付（元）"),
    gettext_lazy("待支付（元）"),
    gettext_lazy("冲销笔数"),
]


def reconciliation_sheets(recon) -> list:
    """The reconciliation as the Excel export's sheets (also what the tests read back)."""
    names = Region.objects.names({s.district_code for s in recon.sources})
    t = recon.total
    sources = [_source_row(s, names)[:-1] for s in recon.sources]
    sources.append(
        [_("合计"), "", "", "", "", ""]
        + [t["received"], t["allocated"], t["paid"], t["unallocated"], t["balance"]]
        + [t["reversals"]]
    )
    districts = [
        [
            d["region"].name if d["region"] else d["code"],
            d["code"],
            d["n"],
            d["received"],
            d["allocated"],
            d["paid"],
            d["unallocated"],
            d["balance"],
            d["reversals"],
        ]
        for d in recon.districts
    ]
    districts.append(
        [_("合计"), "", len(recon.sources)]
        + [t["received"], t["allocated"], t["paid"], t["unallocated"], t["balance"]]
        + [t["reversals"]]
    )
    plans = [
        [
            p["district"].name if p["district"] else "",
            p["plan"].center.region.code,
            p["plan"].center.name,
            p["plan"].get_works_type_display(),
            p["allocated"],
            p["paid"],
            p["balance"],
            p["reversals"],
        ]
        for p in recon.plans
    ]
    plans.append(
        [_("合计"), "", "", ""]
        + [
            sum((p["allocated"] for p in recon.plans), q.ZERO),
            sum((p["paid"] for p in recon.plans), q.ZERO),
            sum((p["balance"] for p in recon.plans), q.ZERO),
            sum(p["reversals"] for p in recon.plans),
        ]
    )
    return [
        (_("按资金来源"), [str(h) for h in RECON_SOURCE_HEADERS], sources),
        (_("按区"), [str(h) for h in RECON_DISTRICT_HEADERS], districts),
        (_("按项目"), [str(h) for h in RECON_PLAN_HEADERS], plans),
    ]


@staff_required
def fund_reconciliation_export(request):
    flt, recon = q.reconciliation(request.user, request.GET)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _money_book(
        _("资金对账-%(stamp)s.xlsx") % {"stamp": stamp},
        reconciliation_sheets(recon),
        note=_("导出时间：%(stamp)s") % {"stamp": stamp},
    )


def plan_funds_url(plan) -> str:
    return reverse("fund_plan", args=[plan.pk])
