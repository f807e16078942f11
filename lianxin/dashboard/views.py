"""The battle map (挂图作战): one page that draws what the stats API returns, and its table as
an Excel file. The figures come from `queries.overview`, always inside the user's scope."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.centers.models import CenterStatus
from lianxin.core.permissions import staff_required
from lianxin.core.tabular import xlsx_response
from lianxin.regions.models import Level, Region
from lianxin.regions.queries import root_regions

from . import queries

# What a district can be coloured by: a path into the overview's figures, and its name.
INDICATORS = [
    ("completion.rate", gettext_lazy("完成率")),
    ("levels.area.rate", gettext_lazy("面积达标率")),
    ("levels.renovation.rate", gettext_lazy("改造达标率")),
    ("levels.use.rate", gettext_lazy("规范使用率")),
    ("levels.area.on_time_rate", gettext_lazy("面积按期达标率")),
    ("levels.renovation.on_time_rate", gettext_lazy("改造按期达标率")),
    ("levels.use.on_time_rate", gettext_lazy("规范使用按期达标率")),
    ("villages.area_rate", gettext_lazy("村面积达标率")),
    ("communities.renovated_in_use_rate", gettext_lazy("社区改造并投用率")),
]
STATUS_COLORS = {
    CenterStatus.IN_USE: "#2fb344",
    CenterStatus.RENOVATING: "#f76707",
    CenterStatus.PLANNED: "#206bc4",
    CenterStatus.CLOSED_DEMOLITION: "#868e96",
}
# 中心城区: the six inner-city districts of Tianjin, small on a map of the whole city.
CENTRAL_DISTRICTS = ["120101", "120102", "120103", "120104", "120105", "120106"]
CAMPAIGN_START = "2019-01"


def _strings() -> dict:
    """Every string battlemap.js shows, translated here (placeholders: %(name)s)."""
    return {
        "loading": _("加载中…"),
        "load_failed": _("数据加载失败，请稍后重试。"),
        "no_data": _("无数据"),
        "as_of": _("截至 %(date)s"),
        "caption": _("%(region)s下级单位的%(indicator)s（截至 %(date)s）"),
        "map_label": _("%(region)s地图，按%(indicator)s着色；同样的数字见下方表格"),
        "points_label": _("%(region)s的党群服务中心，按状态着色；下级单位的数字见下方表格"),
        "announce": _("%(region)s，截至 %(date)s，%(indicator)s：%(rate)s"),
        "drill": _("进入%(name)s"),
        "open_card": _("查看%(name)s"),
        "total": _("合计"),
        "play": _("播放"),
        "pause": _("暂停"),
        "central": _("中心城区"),
        "whole": _("全图"),
        "compliant": _("达标"),
        "not_compliant": _("未达标"),
        "not_assessed": _("未评估"),
        "no_status": _("无状态记录"),
        "since": _("自 %(date)s 起"),
        "rank_empty": _("没有可排名的下级单位。"),
    }


def _config(request, root: Region) -> dict:
    today = timezone.localdate()
    return {
        "root": {"code": root.code, "name": root.name, "level": root.level},
        "geo": reverse("boundaries", args=[root.code[:2]]),
        "api": "/api/v1/stats/",
        "center_url": reverse("center_detail", args=[0]),
        "export_url": reverse("battlemap_export"),
        "start": CAMPAIGN_START,
        "today": today.isoformat(),
        "indicators": [{"key": k, "label": str(label)} for k, label in INDICATORS],
        "statuses": [
            {"value": v, "label": str(label), "color": STATUS_COLORS[v]}
            for v, label in CenterStatus.choices
        ],
        "central": CENTRAL_DISTRICTS,
        "t": _strings(),
    }


@staff_required
def battlemap(request):
    root = root_regions(request.user).first()
    return render(
        request,
        "dashboard/battlemap.html",
        {
            "root": root,
            "config": _config(request, root) if root else None,
            "indicators": INDICATORS,
            "statuses": [(v, label, STATUS_COLORS[v]) for v, label in CenterStatus.choices],
        },
    )


def _figure(figures: dict, path: str):
    for key in path.split("."):
        figures = (figures or {}).get(key)
    return figures


@staff_required
def battlemap_export(request):
    """The battle map's table for a region and day, as an Excel file."""
    code = (request.GET.get("region") or "").strip()
    region = (
        get_object_or_404(Region.objects.visible_to(request.user), code=code.ljust(12, "0"))
        if code
        else root_regions(request.user).first()
    )
    if region is None:
        return HttpResponseBadRequest(_("您的账号没有数据范围。"))
    try:
        day = date.fromisoformat(request.GET["as_of"]) if request.GET.get("as_of") else None
    except ValueError:
        return HttpResponseBadRequest(_("日期格式应为 YYYY-MM-DD。"))
    day = day or timezone.localdate()
    labels = dict(INDICATORS)
    indicator = request.GET.get("indicator")
    if indicator not in labels:
        indicator = INDICATORS[0][0]
    children = region.level < Level.VILLAGE
    data = queries.overview(request.user, region, day, with_children=children)
    headers = [
        _("区划代码"),
        _("名称"),
        _("村总数"),
        _("拆迁村"),
        _("面积达标村"),
        _("社区总数"),
        _("拆迁社区"),
        _("改造并投用社区"),
        f"{labels[indicator]} (%)",
    ]

    def row(code, name, figures):
        v, c = figures["villages"], figures["communities"]
        return [
            code,
            name,
            v["total"],
            v["demolished"],
            v["area_compliant"],
            c["total"],
            c["demolished"],
            c["renovated_in_use"],
            _figure(figures, indicator),
        ]

    rows = [row(c["code"], c["name"], c) for c in data.get("children", [])]
    rows.append(row(region.code, _("合计（%(region)s）") % {"region": region.name}, data))
    return xlsx_response(
        f"{region.name}-{day.isoformat()}.xlsx",
        _("挂图作战"),
        headers,
        rows,
        note=_("截至 %(date)s") % {"date": day.isoformat()},
    )
