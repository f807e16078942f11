"""Statistics of applications (办件统计): counts by item and status; per district, street or center
(the level below the user's own by default) the applications, overdue cases, on-time rate and
satisfaction in one sorted, paged table; a bar chart and an export (which gives every row).
Everything in the user's scope, aggregated in SQL through `queries_stats`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.permissions import paginate, staff_required
from lianxin.core.scoping import VIEW, scope_for
from lianxin.core.tabular import xlsx_response

from . import queries_stats as qs
from .views_common import clip, code12, day, districts_for

T = "services/stats/"
LEVEL_LABELS = {
    "center": gettext_lazy("党群服务中心"),
    "street": gettext_lazy("街道"),
    "district": gettext_lazy("区"),
}


def default_level(user, district: str = "") -> str:
    """The level below the user's own: the city sees districts, a district its streets, a street
    (or a center) its centers. A district picked in the filter shows its streets."""
    if district:
        return "street"
    scope = scope_for(user, VIEW)
    if scope.everything:
        return "district"
    paths = scope.subtree | scope.exact
    if not paths:
        return "center"
    # "12…/" is the city (1 segment), "12…/1201…/" a district (2), deeper a street or a center.
    depth = min(len([p for p in path.split("/") if p]) for path in paths)
    return {1: "district", 2: "street"}.get(depth, "center")


@dataclass
class StatsFilter:
    since: date | None = None
    until: date | None = None
    district: str = ""
    level: str = ""
    sort: str = "code"

    @classmethod
    def from_params(cls, params, user=None) -> StatsFilter:
        today = timezone.localdate()
        flt = cls(
            since=day(params, "from"),
            until=day(params, "to"),
            district=code12(clip(params, "district", 12)),
            level=clip(params, "level", 10),
            sort=clip(params, "sort", 16) or "code",
        )
        if "from" not in params and "to" not in params:
            flt.since = date(today.year, 1, 1)  # this year so far, unless asked otherwise
        if flt.level not in qs.LEVELS:
            flt.level = default_level(user, flt.district)
        if flt.sort.lstrip("-") not in qs.UNIT_SORTS:
            flt.sort = "code"
        return flt

    def kwargs(self) -> dict:
        return {"date_from": self.since, "date_to": self.until, "within": self.district or None}

    def querystring(self, **override) -> str:
        values = {
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
            "district": self.district,
            "level": self.level,
            "sort": "" if self.sort == "code" else self.sort,
        } | override
        return urlencode({k: v for k, v in values.items() if v or k in ("from", "to")})


def _pct(value) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


@staff_required
def stats(request):
    flt = StatsFilter.from_params(request.GET, request.user)
    kw = flt.kwargs()
    today = timezone.localdate()
    page = paginate(request, qs.by_unit(request.user, flt.level, today=today, sort=flt.sort, **kw))
    units = qs.unit_rows(flt.level, page.object_list)
    by_item = qs.applications_by(request.user, "item", today=today, **kw)
    chart = {
        "labels": [r["name"] for r in units][:40],
        "on_time": [
            round(r["on_time_rate"] * 100, 1) if r["on_time_rate"] is not None else None
            for r in units
        ][:40],
        "satisfied": [
            round(r["satisfied_rate"] * 100, 1) if r["satisfied_rate"] is not None else None
            for r in units
        ][:40],
        "on_time_label": _("按期办结率"),
        "satisfied_label": _("满意率"),
        "items": [r["name"] for r in by_item][:15],
        "item_counts": [r["total"] for r in by_item][:15],
        "count_label": _("办件数"),
    }
    context = {
        "flt": flt,
        "summary": qs.summary(request.user, today=today, **kw),
        "by_status": [r for r in qs.applications_by(request.user, "status", **kw) if r["total"]],
        "by_item": by_item,
        "page": page,
        "units": units,
        "level_label": str(LEVEL_LABELS[flt.level]),
        "levels": list(LEVEL_LABELS.items()),
        "districts": districts_for(request.user),
        "chart": chart,
        "tab": "stats",
    }
    return render(request, T + "stats.html", context)


@staff_required
def stats_export(request):
    flt = StatsFilter.from_params(request.GET, request.user)
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
