"""Statistics as of a date, from row-level data, for any region in the user's scope.

One SQL statement per request: the village-level centers under the region, each annotated with
what held on the day — the unit's kind and status then (its status periods), the center's status
then, and the latest record of each of the three levels — then counted, per child region.
Completeness and timeliness as in DHIS2: expected = units that exist and are not being
demolished; done = those meeting the level on the day; on time = done, and already so on the
rule set's deadline (达标期限).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, OuterRef, Q, Subquery

from lianxin.centers.models import (
    Center,
    CenterStatus,
    CenterStatusPeriod,
    Level,
    LevelRecord,
    RuleSet,
)
from lianxin.regions.models import EXISTING_STATUSES, Kind, Region, RegionStatus, Status
from lianxin.regions.models import Level as RegionLevel

LEVELS = [Level.AREA, Level.RENOVATION, Level.USE]
# Which denormalised code on Center names the child region, by the region's level.
CHILD_FIELD = {
    RegionLevel.PROVINCE: "district_code",
    RegionLevel.PREFECTURE: "district_code",
    RegionLevel.COUNTY: "street_code",
    RegionLevel.TOWNSHIP: "region__code",
}


def level_on(level: str, day: date) -> Subquery:
    return Subquery(
        LevelRecord.objects.filter(center=OuterRef("pk"), level=level, effective_on__lte=day)
        .order_by("-effective_on", "-id")
        .values("compliant")[:1]
    )


def status_on(day: date) -> Subquery:
    return Subquery(
        CenterStatusPeriod.objects.filter(center=OuterRef("pk"))
        .filter(CenterStatusPeriod.on(day))
        .order_by("-valid_from")
        .values("status")[:1]
    )


def unit_centers(user, region: Region, day: date, deadline: date | None = None):
    """Centers of the village-level units under `region` that existed on `day`, annotated."""
    periods = (
        RegionStatus.objects.on(day)
        .filter(region=OuterRef("region_id"), status__in=EXISTING_STATUSES)
        .order_by("-valid_from")
    )
    qs = (
        Center.objects.visible_to(user)
        .filter(region_path__startswith=region.path, kind__in=[Kind.VILLAGE, Kind.COMMUNITY])
        .annotate(
            kind_then=Subquery(periods.values("kind")[:1]),
            status_then=Subquery(periods.values("status")[:1]),
        )
        .filter(kind_then__isnull=False)
        .annotate(center_status=status_on(day))
    )
    for level in LEVELS:
        qs = qs.annotate(**{f"{level}_ok": level_on(level, day)})
        if deadline:
            qs = qs.annotate(**{f"{level}_by_deadline": level_on(level, min(day, deadline))})
    return qs


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
            out[f"{level}_on_time"] = Count("id", filter=done & Q(**{f"{level}_by_deadline": True}))
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
    rows = unit_centers(user, region, day, deadline)
    aggregates = _aggregates(deadline)
    total = rows.aggregate(**aggregates)
    result = {
        "region": {"code": region.code, "name": region.name, "level": region.level},
        "as_of": day.isoformat(),
        "rule_set": {"code": rule.code, "name": rule.name, "comply_by": deadline} if rule else None,
        **_shape(total, deadline),
    }
    if with_children:
        field = CHILD_FIELD[region.level]
        grouped = {r[field]: r for r in rows.order_by().values(field).annotate(**aggregates)}
        result["children"] = [
            {"code": child.code, "name": child.name, **_shape(grouped[child.code], deadline)}
            for child in child_regions(user, region)
            if child.code in grouped
        ]
    return result
