"""Service figures for the dashboard: on-time rate and satisfaction in the user's scope (the home
page's card) and for a region with its children (the API), from lianxin.services.queries_stats."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from lianxin.regions.models import Level


def year_to_date(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return date(today.year, 1, 1), today


def home_card(user) -> dict | None:
    """This year's figures in the user's scope; None when the user has no applications at all
    (the card stays hidden rather than showing dashes)."""
    from lianxin.services import queries_stats

    start, end = year_to_date()
    figures = queries_stats.summary(user, date_from=start, date_to=end)
    if not (figures["total"] or figures["concluded"] or figures["ratings"]):
        return None
    return figures | {"since": start}


# The level below a region's, for the per-child figures.
CHILD_LEVEL = {
    Level.PROVINCE: "district",
    Level.PREFECTURE: "district",
    Level.COUNTY: "street",
    Level.TOWNSHIP: "center",
    Level.VILLAGE: "center",
}


def region_figures(user, region, date_from: date | None, date_to: date | None) -> dict:
    from lianxin.services import queries_stats

    level = CHILD_LEVEL.get(region.level, "center")
    kw = {"date_from": date_from, "date_to": date_to, "within": region.code}
    return {
        "region": {"code": region.code, "name": region.name},
        "date_from": date_from,
        "date_to": date_to,
        "summary": queries_stats.summary(user, **kw),
        "level": level,
        "children": queries_stats.performance(user, level, **kw),
    }
