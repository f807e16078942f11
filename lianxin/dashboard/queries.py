"""Statistics as of a date, from row-level data, for any region in the user's scope.

One SQL statement per request: the village-level centers under the region, each joined to what
held on the day — the unit's status period (kind and status then), the center's status period,
and the period of each of the three levels — then counted per child region. Everything that
changes over time is stored as periods (valid_from ≤ D < valid_to), so each join is a range test.
Completeness and timeliness as in DHIS2: expected = units that exist and are not being
demolished; done = those meeting the level on the day; on time = done, and so without a break
since a day on or before the rule set's deadline (达标期限).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, FilteredRelation, Q

from lianxin.centers.models import Center, CenterStatus, Level, RuleSet
from lianxin.core.periods import covering
from lianxin.regions.models import EXISTING_STATUSES, Kind, Region, Status
from lianxin.regions.models import Level as RegionLevel

LEVELS = [Level.AREA, Level.RENOVATION, Level.USE]
# Which denormalised code on Center names the child region, by the region's level.
CHILD_FIELD = {
    RegionLevel.PROVINCE: "district_code",
    RegionLevel.PREFECTURE: "district_code",
    RegionLevel.COUNTY: "street_code",
    RegionLevel.TOWNSHIP: "region__code",
}


def _level_on(level: str, day: date) -> FilteredRelation:
    prefix = "level_records"
    return FilteredRelation(
        prefix,
        condition=Q(**{f"{prefix}__level": level}) & covering(day, prefix, start="effective_on"),
    )


def unit_centers(user, region: Region, day: date):
    """Centers of the village-level units under `region` that existed on `day`, joined to what
    held that day: the unit's period (kind, status), the center's status period, and the record
    of each level in force (all periods, so each join finds at most one row)."""
    qs = Center.objects.visible_to(user).filter(
        region_path__startswith=region.path, kind__in=[Kind.VILLAGE, Kind.COMMUNITY]
    )
    relations = {
        "unit": FilteredRelation(
            "region__statuses",
            condition=covering(day, "region__statuses", open_start=True)
            & Q(region__statuses__status__in=EXISTING_STATUSES),
        ),
        "state": FilteredRelation("history", condition=covering(day, "history")),
    }
    for level in LEVELS:
        relations[f"lv_{level}"] = _level_on(level, day)
    qs = qs.annotate(**relations).filter(unit__isnull=False)
    fields = {
        "kind_then": F("unit__kind"),
        "status_then": F("unit__status"),
        "center_status": F("state__status"),
    }
    for level in LEVELS:
        fields[f"{level}_ok"] = F(f"lv_{level}__compliant")
        fields[f"{level}_since"] = F(f"lv_{level}__since")
    return qs.annotate(**fields)


def _aggregates(deadline: date | None) -> dict:
    standing = ~Q(status_then=Status.DEMOLISHING)
    village, community = Q(kind_then=Kind.VILLAGE), Q(kind_then=Kind.COMMUNITY)
    out = {
        "villages_total": Count("id", filter=village),
        "villages_demolished": Count("id", filter=village & ~standing),
        "communities_total": Count("id", filter=community),
        "communities_demolished": Count("id", filter=community & ~standing),
        "communities_renovated_in_use": Count(
            "id",
            filter=community & standing & Q(renovation_ok=True, center_status=CenterStatus.IN_USE),
        ),
        "expected": Count("id", filter=standing),
    }
    for level in LEVELS:
        done = standing & Q(**{f"{level}_ok": True})
        out[f"villages_{level}"] = Count("id", filter=village & done)
        out[f"communities_{level}"] = Count("id", filter=community & done)
        out[f"{level}_done"] = Count("id", filter=done)
        if deadline:
            # On time: compliant without a break since a day on or before the deadline.
            on_time = done & Q(**{f"{level}_since__lte": deadline})
            out[f"{level}_on_time"] = Count("id", filter=on_time)
    for status in CenterStatus.values:
        out[f"status_{status}"] = Count("id", filter=Q(center_status=status))
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


def _shape(row: dict, deadline: date | None) -> dict:
    """Flat aggregate row → the API's nested figures."""
    expected = row["expected"]
    levels = {}
    for level in LEVELS:
        done = row[f"{level}_done"]
        on_time = row.get(f"{level}_on_time")
        levels[level] = {
            "expected": expected,
            "done": done,
            "rate": _rate(done, expected),
            "on_time": on_time,
            "on_time_rate": _rate(on_time, expected) if on_time is not None else None,
        }
    villages_standing = row["villages_total"] - row["villages_demolished"]
    communities_standing = row["communities_total"] - row["communities_demolished"]
    completed = row["villages_area"] + row["communities_renovated_in_use"]
    return {
        "villages": {
            "total": row["villages_total"],
            "demolished": row["villages_demolished"],
            "area_compliant": row["villages_area"],
            "renovation_compliant": row["villages_renovation"],
            "used_to_standard": row["villages_use"],
            "area_rate": _rate(row["villages_area"], villages_standing),
        },
        "communities": {
            "total": row["communities_total"],
            "demolished": row["communities_demolished"],
            "renovated_in_use": row["communities_renovated_in_use"],
            "area_compliant": row["communities_area"],
            "renovation_compliant": row["communities_renovation"],
            "used_to_standard": row["communities_use"],
            "renovated_in_use_rate": _rate(
                row["communities_renovated_in_use"], communities_standing
            ),
        },
        "levels": levels,
        # The article's headline measure: villages meeting the area standard plus communities
        # renovated and in use, against all that are not being demolished.
        "completion": {"done": completed, "expected": expected, "rate": _rate(completed, expected)},
        "centers_by_status": {s: row[f"status_{s}"] for s in CenterStatus.values},
    }


def child_regions(user, region: Region):
    if region.level >= RegionLevel.TOWNSHIP:
        level = RegionLevel.VILLAGE
    else:
        level = RegionLevel.COUNTY if region.level < RegionLevel.COUNTY else RegionLevel.TOWNSHIP
    return (
        Region.objects.visible_to(user)
        .filter(path__startswith=region.path, level=level)
        .order_by("code")
    )


def overview(user, region: Region, day: date, *, with_children: bool = True) -> dict:
    rule = RuleSet.objects.in_force(day)
    deadline = rule.comply_by if rule else None
    field = CHILD_FIELD.get(region.level)  # a village-level unit has no children
    with_children = with_children and field is not None
    rows = unit_centers(user, region, day).order_by()
    aggregates = _aggregates(deadline)
    # One grouped statement; the region's own figures are the sum of its children's.
    if with_children:
        grouped = {r.pop(field): r for r in rows.values(field).annotate(**aggregates)}
    else:
        grouped = {None: rows.aggregate(**aggregates)}
    total = {k: sum(g[k] for g in grouped.values()) for k in aggregates}
    result = {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "as_of": day.isoformat(),
        "rule_set": {"code": rule.code, "name": rule.name, "comply_by": deadline} if rule else None,
        **_shape(total, deadline),
    }
    if with_children:
        empty = dict.fromkeys(total, 0)
        result["children"] = [
            {
                "code": child.code,
                "name": child.name,
                **_shape(grouped.get(child.code, empty), deadline),
            }
            for child in child_regions(user, region)
            # A district or street with no center yet is listed with zeros; a village-level unit
            # without a row did not exist on the day.
            if child.code in grouped or child.level < RegionLevel.VILLAGE
        ]
    return result
