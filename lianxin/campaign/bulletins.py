"""工作通报的数据: the figures of a bulletin for a campaign, a region and a period, from live data.

`bulletin_data` counts, for each child unit of the region (the districts of the city, or the
streets and towns of a district), with a handful of grouped SQL statements:

- plans (一村一策) in the campaign, signed off (销号) in the period and up to its end, the completion
  rate and the rank (by completion rate, ties by the number signed off);
- milestones overdue at the end of the period (due before it, not done by it, their plan not
  signed off by it);
- supervision visits in the period (and how many were unannounced, 暗访), and rectifications
  (整改) raised and closed in the period and still open, and overdue, at its end;
- each district secretary's commitment (述职承诺): the target against the sites signed off by the
  commitment date (never later than the period's end: a bulletin does not see its future) and by
  the period's end.

It also writes the bulletin's text (overall progress, the three ahead and the three behind, the
problems, what is asked next). Everything is plain JSON: it is frozen into `Bulletin.data` when
the bulletin is issued, and both the HTML page and the .docx are drawn from it.

The text is written in the language of the document (the site's default language, Chinese): a
bulletin is an official document, the same for every reader.
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import translation
from django.utils.translation import gettext as _

from lianxin.regions.models import Level as RegionLevel
from lianxin.regions.models import Region

from .models import (
    Campaign,
    Commitment,
    Milestone,
    Plan,
    Rectification,
    RectificationStatus,
    Visit,
    VisitKind,
)
from .queries import overdue_cutoff

FORMAT = 1  # the shape of the data, stored with it
TOP = 3  # 先进 / 后进: how many at each end of the ranking

# Province-level units' official one-character abbreviations (简称), by the code's first 2 digits.
PROVINCE_ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉",
    "23": "黑", "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣",
    "37": "鲁", "41": "豫", "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼",
    "50": "渝", "51": "川", "52": "黔", "53": "滇", "54": "藏", "61": "陕", "62": "甘",
    "63": "青", "64": "宁", "65": "新", "71": "台", "81": "港", "82": "澳",
}  # fmt: skip

# Counted figures of a row (summed into the totals).
COUNTS = [
    "plans",
    "signed_off_period",
    "signed_off_to_date",
    "overdue_milestones",
    "overdue_plans",
    "visits",
    "unannounced",
    "rect_raised",
    "rect_closed",
    "rect_open",
    "rect_overdue",
]


class BulletinScopeError(ValueError):
    """The region is not one a bulletin can be made for (only a city or a district)."""


def doc_language() -> str:
    return settings.LANGUAGE_CODE


def child_level(region: Region) -> int | None:
    """The level of the units a bulletin for `region` ranks: districts for a city (or a
    prefecture), streets and towns for a district; None for anything lower."""
    if region.level < RegionLevel.COUNTY:
        return RegionLevel.COUNTY
    if region.level == RegionLevel.COUNTY:
        return RegionLevel.TOWNSHIP
    return None


def short_name(name: str) -> str:
    """河西区 → 河西, 滨海新区 → 滨海, 大营门街道 → 大营门, 杨柳青镇 → 杨柳青."""
    for suffix in ("新区", "街道", "地区", "区", "县", "镇", "乡", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def cn_date(day: date) -> str:
    """成文日期 style: 2019年5月31日 (Arabic numerals, no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def period_label(start: date, end: date) -> str:
    last = _calendar.monthrange(start.year, start.month)[1]
    if start.day == 1 and end == start.replace(day=last):
        return f"{start.year}年{start.month}月"
    if start.year == end.year:
        return f"{cn_date(start)}至{end.month}月{end.day}日"
    return f"{cn_date(start)}至{cn_date(end)}"


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


def _grouped(qs, key, **aggregates) -> dict[str, dict]:
    """One GROUP BY statement: {child code: {aggregate: value}}."""
    rows = qs.annotate(child=key).order_by().values("child").annotate(**aggregates)
    return {r.pop("child") or "": r for r in rows}


def _campaign_visits(campaign: Campaign, prefix: str = "") -> Q:
    """Visits of this campaign, and general visits not tied to any campaign."""
    return Q(**{f"{prefix}campaign": campaign}) | Q(**{f"{prefix}campaign__isnull": True})


def bulletin_data(campaign: Campaign, region: Region, period_start: date, period_end: date) -> dict:
    """The bulletin's figures and text (see the module's docstring). Unscoped: the caller checks
    that the user may see `region` (the figures cover everything under it)."""
    level = child_level(region)
    if level is None:
        raise BulletinScopeError(_("只能为市或区生成工作通报。"))
    start, end = period_start, period_end
    children = list(
        Region.objects.filter(path__startswith=region.path, level=level).order_by("code")
    )
    # A child's code is the path segment after the region's (one more for a skipped level).
    depth = len(children[0].path) if children else len(region.path) + 13
    key = Substr("region_path", depth - 12, 12)
    under = Q(region_path__startswith=region.path)

    plans = _grouped(
        Plan.objects.filter(under, campaign=campaign),
        key,
        plans=Count("id"),
        signed_off_period=Count("id", filter=Q(signed_off_on__gte=start, signed_off_on__lte=end)),
        signed_off_to_date=Count("id", filter=Q(signed_off_on__lte=end)),
    )
    overdue = _grouped(
        Milestone.objects.filter(under, plan__campaign=campaign, due_on__lt=overdue_cutoff(end))
        .filter(Q(completed_on__isnull=True) | Q(completed_on__gt=end))
        .filter(Q(plan__signed_off_on__isnull=True) | Q(plan__signed_off_on__gt=end)),
        key,
        overdue_milestones=Count("id"),
        overdue_plans=Count("plan", distinct=True),
    )
    visits = _grouped(
        Visit.objects.filter(under, _campaign_visits(campaign), visited_on__range=(start, end)),
        key,
        visits=Count("id"),
        unannounced=Count("id", filter=Q(kind=VisitKind.UNANNOUNCED)),
    )
    open_at_end = Q(status=RectificationStatus.OPEN) | Q(closed_on__gt=end)
    rectifications = _grouped(
        Rectification.objects.filter(
            under, _campaign_visits(campaign, "visit__"), visit__visited_on__lte=end
        ),
        key,
        rect_raised=Count("id", filter=Q(visit__visited_on__gte=start)),
        rect_closed=Count(
            "id",
            filter=Q(status=RectificationStatus.CLOSED, closed_on__gte=start, closed_on__lte=end),
        ),
        rect_open=Count("id", filter=open_at_end),
        rect_overdue=Count("id", filter=open_at_end & Q(due_on__lt=end)),
    )
    figures: dict[str, dict] = {}
    for group in (plans, overdue, visits, rectifications):
        for code, values in group.items():
            figures.setdefault(code, dict.fromkeys(COUNTS, 0)).update(values)

    commitments = _commitments(campaign, region, end)
    names = {c.code: c.name for c in children}
    rows = []
    for code in sorted(set(figures) | set(commitments)):
        if code not in names:
            continue  # figures above the children (a visit to the district itself): totals only
        row = {"code": code, "name": names[code], "short_name": short_name(names[code])}
        row |= figures.get(code, dict.fromkeys(COUNTS, 0))
        row["remaining"] = row["plans"] - row["signed_off_to_date"]
        row["completion_rate"] = _rate(row["signed_off_to_date"], row["plans"])
        row["commitment"] = commitments.get(code) if level == RegionLevel.COUNTY else None
        rows.append(row)
    rows = _ranked(rows)

    totals = {k: sum(f.get(k, 0) for f in figures.values()) for k in COUNTS}
    totals["remaining"] = totals["plans"] - totals["signed_off_to_date"]
    totals["completion_rate"] = _rate(totals["signed_off_to_date"], totals["plans"])
    totals["commitment"] = _commitment_totals(list(commitments.values()), end)

    data = {
        "format": FORMAT,
        "campaign": {"id": campaign.pk, "code": campaign.code, "name": campaign.name},
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "child_level": level,
        "period": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "label": period_label(start, end),
        },
        "rows": rows,
        "totals": totals,
        "commitments": list(commitments.values()),
    }
    data["top"], data["bottom"] = _ends([r for r in rows if r["rank"] is not None])
    with translation.override(doc_language()):
        data["addressee"] = _addressee(level)
        data["sections"] = _sections(campaign, region, data)
    return data


def _commitments(campaign: Campaign, region: Region, end: date) -> dict[str, dict]:
    """The district secretaries' commitments under (or over) the region, keyed by district code,
    each with the sites signed off by its date (capped at the period's end) and by the end."""
    found = list(
        Commitment.objects.filter(campaign=campaign, region_path__startswith=region.path)
        .select_related("district")
        .order_by("district__code")
    )
    if not found:
        return {}
    counted = Plan.objects.filter(campaign=campaign).aggregate(
        **{
            f"by_date_{i}": Count(
                "id",
                filter=Q(
                    region_path__startswith=c.region_path,
                    signed_off_on__lte=min(c.target_date, end),
                ),
            )
            for i, c in enumerate(found)
        },
        **{
            f"by_end_{i}": Count(
                "id", filter=Q(region_path__startswith=c.region_path, signed_off_on__lte=end)
            )
            for i, c in enumerate(found)
        },
    )
    out = {}
    for i, c in enumerate(found):
        by_date, by_end = counted[f"by_date_{i}"], counted[f"by_end_{i}"]
        if by_date >= c.target_count:
            status = "met"
        elif c.target_date <= end:
            status = "missed"
        else:
            status = "pending"
        out[c.district.code] = {
            "district": c.district.code,
            "district_name": c.district.name,
            "secretary": c.secretary,
            "target_count": c.target_count,
            "target_date": c.target_date.isoformat(),
            "done_by_target_date": by_date,
            "done_by_period_end": by_end,
            "gap": max(0, c.target_count - by_end),
            "status": status,
        }
    return out


def _commitment_totals(items: list[dict], end: date) -> dict | None:
    if not items:
        return None
    return {
        "count": len(items),
        "target_count": sum(c["target_count"] for c in items),
        "done_by_target_date": sum(c["done_by_target_date"] for c in items),
        "done_by_period_end": sum(c["done_by_period_end"] for c in items),
        "met": [c["district"] for c in items if c["status"] == "met"],
        "missed": [c["district"] for c in items if c["status"] == "missed"],
        "pending": [c["district"] for c in items if c["status"] == "pending"],
    }


def _ends(ranked: list[dict]) -> tuple[list[str], list[str]]:
    """先进 and 后进: the first and the last TOP (fewer when there are fewer than 2 × TOP units).
    A unit level with a leader is not named among the last; when all are level, nobody is named."""
    n = min(TOP, len(ranked) // 2)
    top = ranked[:n]
    leading = {r["rank"] for r in top}
    bottom = [r for r in ranked[len(ranked) - n :] if n and r["rank"] not in leading]
    if not bottom:
        return [], []
    return [r["code"] for r in top], [r["code"] for r in bottom]


def _ranked(rows: list[dict]) -> list[dict]:
    """Rank by completion rate, ties by sites signed off; equal on both, equal rank (1, 2, 2, 4).
    Units without plans are listed last, unranked."""
    with_plans = sorted(
        (r for r in rows if r["plans"]),
        key=lambda r: (-r["completion_rate"], -r["signed_off_to_date"], r["code"]),
    )
    previous, rank = None, 0
    for i, r in enumerate(with_plans, start=1):
        mark = (r["completion_rate"], r["signed_off_to_date"])
        if mark != previous:
            rank, previous = i, mark
        r["rank"] = rank
    rest = [r | {"rank": None} for r in rows if not r["plans"]]
    return with_plans + rest


# -- the text --------------------------------------------------------------------------------


def _addressee(level: int) -> str:
    if level == RegionLevel.COUNTY:
        return _("各区委组织部：")
    return _("各街道（乡镇）党（工）委：")


def _unit_word(level: int) -> str:
    return _("区") if level == RegionLevel.COUNTY else _("街镇")


def _names(rows: list[dict], with_rate: bool = True) -> str:
    if with_rate:
        return "、".join(
            _("%(name)s（%(rate)s）") % {"name": r["name"], "rate": _pct(r["completion_rate"])}
            for r in rows
        )
    return "、".join(r["name"] for r in rows)


def _sections(campaign: Campaign, region: Region, data: dict) -> list[dict]:
    t, rows, period = data["totals"], data["rows"], data["period"]
    end = date.fromisoformat(period["end"])
    by_code = {r["code"]: r for r in rows}
    unit = _unit_word(data["child_level"])
    sections = []

    # 一、总体进展
    overall = [
        _(
            "截至%(end)s，%(region)s纳入“%(campaign)s”的村（社区）党群服务中心共%(plans)s个，"
            "已完成销号%(done)s个，完成率%(rate)s，尚余%(left)s个；%(period)s新增销号%(new)s个。"
        )
        % {
            "end": cn_date(end),
            "region": region.name,
            "campaign": campaign.name,
            "plans": t["plans"],
            "done": t["signed_off_to_date"],
            "rate": _pct(t["completion_rate"]),
            "left": t["remaining"],
            "period": _("本期（%(label)s）") % {"label": period["label"]},
            "new": t["signed_off_period"],
        }
    ]
    ct = t["commitment"]
    if ct:
        overall.append(
            _(
                "%(n)s个区的区委书记述职承诺完成%(target)s个，截至本期末已完成%(done)s个，"
                "完成承诺的%(rate)s。"
            )
            % {
                "n": ct["count"],
                "target": ct["target_count"],
                "done": ct["done_by_period_end"],
                "rate": _pct(_rate(ct["done_by_period_end"], ct["target_count"])),
            }
        )
    sections.append({"key": "overall", "heading": _("一、总体进展"), "paragraphs": overall})

    # 二、进度排名
    ranking = []
    top = [by_code[c] for c in data["top"]]
    bottom = [by_code[c] for c in data["bottom"]]
    ranked = [r for r in rows if r["rank"] is not None]
    units = _("各区") if data["child_level"] == RegionLevel.COUNTY else _("各街镇")
    if top:
        ranking.append(
            _(
                "按完成率排名（完成率相同的按累计销号数排序），%(top)s进度较快，位列前%(n)s名；"
                "%(bottom)s进度相对滞后，位列后%(m)s名。"
            )
            % {"top": _names(top), "bottom": _names(bottom), "n": len(top), "m": len(bottom)}
        )
    elif len(ranked) > 1:
        ranking.append(
            _("%(units)s完成率均为%(rate)s，并列第1名。")
            % {"units": units, "rate": _pct(ranked[0]["completion_rate"])}
        )
    elif ranked:
        ranking.append(
            _("本期仅%(name)s有攻坚任务，完成率%(rate)s。")
            % {"name": ranked[0]["name"], "rate": _pct(ranked[0]["completion_rate"])}
        )
    else:
        ranking.append(_("本通报范围内尚无纳入攻坚任务的中心。"))
    zero = [r for r in ranked if r["signed_off_period"] == 0]
    if len(ranked) > 1 and len(zero) == len(ranked):
        ranking.append(_("本期%(units)s均无新增销号。") % {"units": units})
    elif zero and len(ranked) > 1:
        ranking.append(_("本期%(names)s无新增销号。") % {"names": _names(zero, with_rate=False)})
    sections.append({"key": "ranking", "heading": _("二、进度排名"), "paragraphs": ranking})

    # 三、存在问题
    problems = []
    if t["overdue_milestones"]:
        worst = sorted(
            (r for r in rows if r["overdue_milestones"]),
            key=lambda r: (-r["overdue_milestones"], r["code"]),
        )[:TOP]
        problems.append(
            _("截至本期末，共有%(m)s个工期节点逾期未完成，涉及%(p)s个中心，主要集中在%(where)s。")
            % {
                "m": t["overdue_milestones"],
                "p": t["overdue_plans"],
                "where": "、".join(
                    _("%(name)s（%(n)s个）") % {"name": r["name"], "n": r["overdue_milestones"]}
                    for r in worst
                )
                or region.name,
            }
        )
    else:
        problems.append(_("截至本期末，没有逾期未完成的工期节点。"))
    problems.append(
        _(
            "本期开展实地督导%(v)s次，其中暗访%(u)s次；督导发现问题%(raised)s个，"
            "本期整改完成%(closed)s个，期末仍有%(open)s个问题在整改中，其中逾期未整改%(late)s个。"
        )
        % {
            "v": t["visits"],
            "u": t["unannounced"],
            "raised": t["rect_raised"],
            "closed": t["rect_closed"],
            "open": t["rect_open"],
            "late": t["rect_overdue"],
        }
    )
    if ct and ct["missed"]:
        missed = [c for c in data["commitments"] if c["status"] == "missed"]
        problems.append(
            _("%(names)s未在述职承诺日期前完成承诺任务。")
            % {
                "names": "、".join(
                    _("%(name)s（承诺%(target)s个，完成%(done)s个）")
                    % {
                        "name": c["district_name"],
                        "target": c["target_count"],
                        "done": c["done_by_target_date"],
                    }
                    for c in missed
                )
            }
        )
    sections.append({"key": "problems", "heading": _("三、存在问题"), "paragraphs": problems})

    # 四、下步要求
    steps = [
        _(
            "各%(unit)s要对照倒排工期和述职承诺，逐个中心明确责任领导和完成时限，"
            "确保按期销号、不留后门。"
        )
        % {"unit": unit}
    ]
    if bottom:
        steps.append(
            _("请%(names)s认真分析进度滞后原因，制定赶超措施，于下期通报前报送整改情况。")
            % {"names": _names(bottom, with_rate=False)}
        )
    if t["overdue_milestones"] or t["rect_overdue"]:
        steps.append(
            _(
                "对逾期工期节点和逾期未整改问题，相关%(unit)s要立即整改到位，"
                "包保领导要实地督导，逾期问题将在下期通报中继续通报。"
            )
            % {"unit": unit}
        )
    sections.append({"key": "next", "heading": _("四、下步要求"), "paragraphs": steps})
    return sections
