"""工作通报 pages: the archive, the preview computed from live data, issuing, an issued bulletin
(drawn from its frozen figures, never from live data) and its .docx exactly as stored.

Reads go through `visible_to`: a region or a bulletin outside the user's scope is a 404. Issuing
goes through `services.issue_bulletin`, which checks the write permission (403 for read-only roles).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import quote, urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import CHANGE, scope_for
from lianxin.regions.models import Level as RegionLevel
from lianxin.regions.models import Region
from lianxin.regions.queries import root_regions

from . import services
from .bulletins import BulletinScopeError, bulletin_data, child_level, cn_date, doc_language
from .docx import chart_caption, table_caption, table_columns, table_rows
from .models import Bulletin, Campaign
from .services.bulletins import (
    default_issuer,
    default_title,
    document_number,
    next_serial,
    validate_request,
)

T = "campaign/bulletins/"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# -- helpers shared with the API ---------------------------------------------------------------


def bulletin_regions(user) -> list[Region]:
    """The units the user may ask a bulletin for: the top units of their scope that are a city or
    a district, and the districts of a city."""
    out: list[Region] = []
    for root in root_regions(user):
        if child_level(root) is None:
            continue
        out.append(root)
        if root.level < RegionLevel.COUNTY:
            out += list(
                Region.objects.visible_to(user)
                .filter(path__startswith=root.path, level=RegionLevel.COUNTY)
                .order_by("code")
            )
    return out


def visible_region(user, code: str) -> Region:
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 12:
        raise Http404
    return get_object_or_404(Region.objects.visible_to(user), code=code.ljust(12, "0"))


def campaign_for(region: Region | None, wanted: str | None = None) -> Campaign | None:
    """The campaign asked for (by id or code), else the newest one covering the region."""
    wanted = (wanted or "").strip()
    if wanted:
        lookup = {"pk": int(wanted)} if wanted.isdigit() else {"code": wanted}
        return get_object_or_404(Campaign, **lookup)
    campaigns = list(Campaign.objects.select_related("region"))
    if region is not None:
        for c in campaigns:
            if region.path.startswith(c.region.path) or c.region.path.startswith(region.path):
                return c
    return campaigns[0] if campaigns else None


def preset_period(preset: str, today: date) -> tuple[date, date]:
    """本周 (Monday to today), 上周 (Monday to Sunday), 本月 (the 1st to today), 上月."""
    monday = today - timedelta(days=today.weekday())
    if preset == "last_week":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if preset == "month":
        return today.replace(day=1), today
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    return monday, today


PRESETS = [
    ("week", gettext_lazy("本周")),
    ("last_week", gettext_lazy("上周")),
    ("month", gettext_lazy("本月")),
    ("last_month", gettext_lazy("上月")),
]


def _parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def chart_config(data: dict) -> dict:
    """What the page's ECharts bar chart needs, from the (frozen or live) figures."""
    rows = [r for r in data.get("rows", []) if r.get("completion_rate") is not None]
    with translation.override(doc_language()):
        caption, average_label = chart_caption(data), _("平均")
    return {
        "caption": caption,
        "average_label": average_label,
        "labels": [r["short_name"] for r in rows],
        "names": [r["name"] for r in rows],
        "values": [r["completion_rate"] for r in rows],
        "top": [r["code"] in data.get("top", []) for r in rows],
        "bottom": [r["code"] in data.get("bottom", []) for r in rows],
        "average": data.get("totals", {}).get("completion_rate"),
    }


def document_context(data: dict, issued_on: date) -> dict:
    """What `_document.html` draws besides the number, title and issuer: the text, the ranking
    table as the .docx lays it out and the chart, in the document's language."""
    out = {"data": data, "table": None, "chart": None, "doc_lang": doc_language()}
    out["issued_on_cn"] = cn_date(issued_on)
    if not data.get("totals") or not data.get("period"):
        return out
    with translation.override(doc_language()):
        columns = [c[0] for c in table_columns(data)]
        body = table_rows(data)
        caption = table_caption(data)
    codes = [r["code"] for r in data.get("rows", [])] + [""]
    out["table"] = {
        "caption": caption,
        "columns": columns,
        "rows": list(zip(codes, body, strict=True)),
    }
    chart = chart_config(data)
    out["chart"] = chart if chart["values"] else None
    return out


def content_disposition(bulletin: Bulletin) -> str:
    """attachment; an ASCII name for old clients, the Chinese one (RFC 5987) for the rest."""
    name = re.sub(r'[\\/:*?"<>|\r\n]+', "_", f"{bulletin.number}{bulletin.title}")[:150]
    fallback = f"bulletin-{bulletin.region.code}-{bulletin.year}-{bulletin.serial:03d}.docx"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name + '.docx', safe='')}"


def document_response(bulletin: Bulletin) -> FileResponse:
    try:
        handle = bulletin.document.open("rb")
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=DOCX)
    response["Content-Disposition"] = content_disposition(bulletin)
    response["X-Content-SHA256"] = bulletin.sha256
    return response


# -- pages ---------------------------------------------------------------------------------------


@staff_required
def bulletin_list(request):
    qs = Bulletin.objects.visible_to(request.user).select_related("region", "campaign", "issued_by")
    years = sorted(set(qs.values_list("year", flat=True)), reverse=True)
    regions = list(Region.objects.filter(pk__in=qs.values("region_id")).order_by("code"))
    year = (request.GET.get("year") or "").strip()
    code = (request.GET.get("region") or "").strip()
    if year.isdigit():
        qs = qs.filter(year=int(year))
    if code:
        qs = qs.filter(region__code=code)
    query = urlencode({k: v for k, v in (("year", year), ("region", code)) if v})
    return render(
        request,
        T + "list.html",
        {
            "page": paginate(request, qs.order_by("-issued_on", "-year", "-serial"), per_page=20),
            "years": years,
            "regions": regions,
            "year": year,
            "region_code": code,
            "query": query,
            "can_preview": bool(bulletin_regions(request.user)),
        },
    )


@staff_required
def bulletin_preview(request):
    today = timezone.localdate()
    regions = bulletin_regions(request.user)
    code = request.GET.get("region")
    region = visible_region(request.user, code) if code else (regions[0] if regions else None)
    campaign = campaign_for(region, request.GET.get("campaign"))
    preset = request.GET.get("preset") or ""
    start, end = preset_period(preset, today)
    errors: dict[str, list[str]] = {}
    if not preset:
        for name, field in (("start", "period_start"), ("end", "period_end")):
            raw = request.GET.get(name)
            if raw:
                parsed = _parse_day(raw)
                if parsed is None:
                    errors.setdefault(field, []).append(
                        _("“%(value)s”不是有效的日期。") % {"value": raw}
                    )
                elif name == "start":
                    start = parsed
                else:
                    end = parsed
    data = None
    if region is not None and campaign is not None:
        for field, msgs in validate_request(campaign, region, start, end, today=today).items():
            errors.setdefault(field, []).extend(msgs)
        if end >= start and "region" not in errors:
            try:
                data = bulletin_data(campaign, region, start, end)
            except BulletinScopeError as exc:
                errors.setdefault("region", []).append(str(exc))
    can_issue = bool(
        region is not None
        and campaign is not None
        and not errors
        and data is not None
        and scope_for(request.user, CHANGE).covers_path(region.path)
    )
    context = {
        "regions": regions,
        "region": region,
        "campaigns": Campaign.objects.all(),
        "campaign": campaign,
        "start": start,
        "end": end,
        "today": today,
        "presets": PRESETS,
        "preset": preset,
        "errors": [m for msgs in errors.values() for m in msgs],
        "can_issue": can_issue,
    }
    if data is not None:
        context |= document_context(data, today)
        context |= {
            "number": document_number(region, today.year, next_serial(region, today.year)),
            "title": default_title(campaign),
            "issuer": default_issuer(region),
            "issued_on": today,
        }
    return render(request, T + "preview.html", context)


@staff_required
@require_POST
def bulletin_issue(request):
    region = visible_region(request.user, request.POST.get("region", ""))
    if not scope_for(request.user, CHANGE).covers_path(region.path):
        raise PermissionDenied(
            _("您没有为%(region)s签发工作通报的权限。") % {"region": region.name}
        )
    campaign = campaign_for(region, request.POST.get("campaign"))
    if campaign is None:
        raise Http404
    start, end = _parse_day(request.POST.get("start")), _parse_day(request.POST.get("end"))
    issued_on = _parse_day(request.POST.get("issued_on")) if request.POST.get("issued_on") else None
    back = (
        reverse("bulletin_preview")
        + "?"
        + urlencode(
            {
                "campaign": campaign.pk,
                "region": region.code,
                "start": request.POST.get("start", ""),
                "end": request.POST.get("end", ""),
            }
        )
    )
    if request.POST.get("issued_on") and issued_on is None:
        messages.error(request, _("成文日期不是有效的日期。"))
        return redirect(back)
    try:
        bulletin = services.issue_bulletin(
            request.user,
            campaign,
            region,
            start,
            end,
            title=request.POST.get("title", ""),
            issuer=request.POST.get("issuer", ""),
            issued_on=issued_on,
        )
    except ValidationError as exc:
        for msgs in (
            exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        ).values():
            messages.error(request, " ".join(msgs))
        return redirect(back)
    messages.success(request, _("工作通报 %(number)s 已签发并存档。") % {"number": bulletin.number})
    return redirect("bulletin_detail", pk=bulletin.pk)


@staff_required
def bulletin_detail(request, pk: int):
    bulletin = get_object_or_404(
        Bulletin.objects.visible_to(request.user).select_related("campaign", "region", "issued_by"),
        pk=pk,
    )
    context = {
        "bulletin": bulletin,
        "number": bulletin.number,
        "title": bulletin.title,
        "issuer": bulletin.issuer,
        "issued_on": bulletin.issued_on,
    } | document_context(bulletin.data or {}, bulletin.issued_on)
    return render(request, T + "detail.html", context)


@staff_required
def bulletin_download(request, pk: int):
    bulletin = get_object_or_404(
        Bulletin.objects.visible_to(request.user).select_related("region"), pk=pk
    )
    return document_response(bulletin)
