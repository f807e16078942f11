"""Statistics of applications (办件统计): counts by item, center and status; on-time rate and
satisfaction per center, street or district; a bar chart and an export. Everything in the user's
scope, through `queries_stats`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from lianxin.core.permissions import staff_required
from lianxin.core.tabular import xlsx_response

from . import queries_stats as qs
from .views_common import clip, code12, day, districts_for

T = "services/stats/"
LEVEL_LABELS = {"center": _l("党群服务中心"), "street": _l("街道"), "district": _l("区")}


@dataclass
class StatsFilter:
    since: date | None = None
    until: date | None = None
    district: str = ""
    level: str = "center"

    @classmethod
    def from_params(cls, params) -> StatsFilter:
        today = timezone.localdate()
        flt = cls(
            since=day(params, "from"),
            until=day(params, "to"),
            district=code12(clip(params, "district", 12)),
            level=clip(params, "level", 10) or "center",
        )
        if "from" not in params and "to" not in params:
            flt.since = date(today.year, 1, 1)  # this year so far, unless asked otherwise
        if flt.level not in qs.LEVELS:
            flt.level = "center"
        return flt

    def kwargs(self) -> dict:
        return {"date_from": self.since, "date_to": self.until, "within": self.district or None}

    def querystring(self, **override) -> str:
        values = {
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "district": self.district,
            "level": self.level,
        } | override
        return urlencode({k: v for k, v in values.items() if v or k in ("from", "to")})


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


@staff_required
def stats(request):
    flt = StatsFilter.from_params(request.GET)
    kw = flt.kwargs()
    performance = qs.performance(request.user, flt.level, **kw)
    by_item = qs.applications_by(request.user, "item", **kw)
    chart = {
        "labels": [r["name"] for r in performance][:40],
        "on_time": [
            round(r["on_time_rate"] * 100, 1) if r["on_time_rate"] is not None else None
            for r in performance
        ][:40],
        "satisfied": [
            round(r["satisfied_rate"] * 100, 1) if r["satisfied_rate"] is not None else None
            for r in performance
        ][:40],
        "on_time_label": _("按期办结率"),
        "satisfied_label": _("满意率"),
        "items": [r["name"] for r in by_item][:15],
        "item_counts": [r["total"] for r in by_item][:15],
        "count_label": _("办件数"),
    }
    context = {
        "flt": flt,
        "summary": qs.summary(request.user, **kw),
        "by_status": [r for r in qs.applications_by(request.user, "status", **kw) if r["total"]],
        "by_item": by_item,
        "by_center": qs.applications_by(request.user, "center", **kw),
        "performance": performance,
        "level_label": str(LEVEL_LABELS[flt.level]),
        "levels": list(LEVEL_LABELS.items()),
        "districts": districts_for(request.user),
        "chart": chart,
        "tab": "stats",
    }
    return render(request, T + "stats.html", context)


@staff_required
def stats_export(request):
    flt = StatsFilter.from_params(request.GET)
    kw = flt.kwargs()
    table = clip(request.GET, "table", 12) or "performance"
    if table in ("item", "center"):
        rows = qs.applications_by(request.user, table, **kw)
        headers = [
            _("代码"),
            _("名称"),
            _("办件数"),
            _("未办结"),
            _("已办结"),
            _("超期未办结"),
            _("按期办结"),
            _("按期办结率"),
        ]
        data = (
            [
                r["code"],
                r["name"],
                r["total"],
                r["open"],
                r["concluded"],
                r["overdue"],
                r["on_time"],
                _pct(r["on_time_rate"]),
            ]
            for r in rows
        )
        sheet = _("按事项") if table == "item" else _("按中心")
    elif table == "status":
        rows = qs.applications_by(request.user, "status", **kw)
        headers = [_("状态"), _("办件数")]
        data = ([r["label"], r["total"]] for r in rows)
        sheet = _("按状态")
    else:
        rows = qs.performance(request.user, flt.level, **kw)
        headers = [
            _("代码"),
            str(LEVEL_LABELS[flt.level]),
            _("办结数"),
            _("按期办结"),
            _("按期办结率"),
            _("评价数"),
            _("平均评分"),
            _("满意率"),
        ]
        data = (
            [
                str(r["code"]),
                r["name"],
                r["concluded"],
                r["on_time"],
                _pct(r["on_time_rate"]),
                r["ratings"],
                "" if r["satisfaction"] is None else float(r["satisfaction"]),
                _pct(r["satisfied_rate"]),
            ]
            for r in rows
        )
        sheet = _("按期率与满意度")
    period = _("统计期间：%(a)s 至 %(b)s") % {
        "a": flt.since.isoformat() if flt.since else "…",
        "b": flt.until.isoformat() if flt.until else "…",
    }
    return xlsx_response(_("办件统计.xlsx"), sheet, headers, data, note=period)
