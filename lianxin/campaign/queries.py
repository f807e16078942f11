"""The read side of the campaign's plans pages: one filter for the plan list, its export (and
whatever else lists plans), the campaign overview in a handful of SQL aggregates, and the preview
of a bulk creation. Every read goes through `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.db.models import Avg, Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, When

from lianxin.centers.models import Center, CenterStatus, Level, LevelRecord
from lianxin.core.scoping import CHANGE
from lianxin.core.workdays import calendar
from lianxin.regions.models import Level as RegionLevel
from lianxin.regions.models import Region
from lianxin.regions.queries import root_regions

from .models import Campaign, Commitment, Health, Milestone, Plan, WorksType

HEALTH_RANK = Case(
    When(health=Health.RED, then=0),
    When(health=Health.AMBER, then=1),
    When(health=Health.GREEN, then=2),
    default=3,
    output_field=IntegerField(),
)

SORTS = {
    "deadline": "deadline",
    "center": "center__name",
    "code": "center__region__code",
    "health": "health_rank",
    "progress": "avg_progress",
    "overdue": "n_overdue",
    "signed": "signed_off_on",
    "updated": "updated_at",
}


def campaigns() -> QuerySet:
    """Campaigns are the city's: every staff member sees the list (plans are what is scoped)."""
    return Campaign.objects.order_by("-starts_on", "-id")


def pick_campaign(value, choices: list[Campaign] | None = None) -> Campaign | None:
    """The campaign asked for by id, else the latest one (from `choices` when given, so that a
    page listing the campaigns reads them once)."""
    value = str(value or "").strip()
    if choices is not None:
        chosen = [c for c in choices if str(c.pk) == value]
        return chosen[0] if chosen else (choices[0] if choices else None)
    if value.isdigit():
        found = campaigns().filter(pk=int(value)).first()
        if found:
            return found
    return campaigns().first()


def overdue_cutoff(today: date) -> date:
    """Milestones due before this day and not done are overdue: late by at least one working
    day (as `health.overdue_level` counts), so the weekend after a Friday deadline is not."""
    cal = calendar()
    return today if cal.is_working_day(today) else cal.add_working_days(today, -1)


def overdue_milestones(cutoff: date, prefix: str = "") -> Q:
    """Milestones (or, with a prefix, a plan's milestones) overdue as of `overdue_cutoff`."""
    return Q(**{f"{prefix}completed_on__isnull": True, f"{prefix}due_on__lt": cutoff})


@dataclass
class PlanFilter:
    campaign: str = ""
    q: str = ""
    district: str = ""
    street: str = ""
    works_type: str = ""
    health: str = ""
    signed: str = ""  # "yes" / "no"
    overdue: str = ""  # "1": with at least one milestone past its due date and not done
    sort: str = "deadline"
    chosen: Campaign | None = field(default=None, repr=False)

    FIELDS = ("campaign", "q", "district", "street", "works_type", "health", "signed", "overdue")

    @classmethod
    def from_params(cls, params) -> PlanFilter:
        values = {k: (params.get(k) or "").strip()[:60] for k in (*cls.FIELDS, "sort")}
        flt = cls(**values)
        flt.sort = flt.sort or "deadline"
        flt.chosen = pick_campaign(flt.campaign)
        flt.campaign = str(flt.chosen.pk) if flt.chosen else ""
        if flt.works_type not in WorksType.values:
            flt.works_type = ""
        if flt.health not in Health.values:
            flt.health = ""
        if flt.signed not in ("yes", "no"):
            flt.signed = ""
        if flt.overdue not in ("1",):
            flt.overdue = ""
        return flt

    def apply(self, qs: QuerySet, today: date) -> QuerySet:
        cutoff = overdue_cutoff(today)
        qs = qs.filter(campaign=self.chosen) if self.chosen else qs.none()
        if self.q:
            text = self.q.lower()
            qs = qs.filter(
                Q(center__search_text__icontains=text) | Q(center__region__code__startswith=text)
            )
        if self.district:
            qs = qs.filter(district_code=self.district.ljust(12, "0"))
        if self.street:
            qs = qs.filter(street_code=self.street.ljust(12, "0"))
        if self.works_type:
            qs = qs.filter(works_type=self.works_type)
        if self.health:
            qs = qs.filter(health=self.health)
        if self.signed == "yes":
            qs = qs.filter(signed_off_on__isnull=False)
        elif self.signed == "no":
            qs = qs.filter(signed_off_on__isnull=True)
        if self.overdue:
            late = Milestone.objects.filter(overdue_milestones(cutoff), plan=OuterRef("pk"))
            qs = qs.filter(Exists(late))
        qs = qs.annotate(
            n_overdue=Count("milestones", filter=overdue_milestones(cutoff, "milestones__")),
            avg_progress=Avg("milestones__progress"),
            health_rank=HEALTH_RANK,
        )
        key = self.sort.lstrip("-")
        order = SORTS.get(key, "deadline")
        direction = "-" if self.sort.startswith("-") else ""
        return qs.order_by(direction + order, "center__region__code", "pk")

    def querystring(self, **override) -> str:
        values = {k: getattr(self, k) for k in (*self.FIELDS, "sort")} | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_plans(user, params, today: date) -> tuple[PlanFilter, QuerySet]:
    flt = PlanFilter.from_params(params)
    qs = Plan.objects.visible_to(user).select_related("center__region", "leader", "campaign")
    return flt, flt.apply(qs, today)


def plan_export_rows(qs: QuerySet, today: date):
    """The rows of the plans export (names of districts and streets looked up once)."""
    rows = list(qs)
    names = Region.objects.names({p.district_code for p in rows} | {p.street_code for p in rows})
    for p in rows:
        yield [
            p.center.region.code,
            p.center.name,
            names.get(p.district_code, ""),
            names.get(p.street_code, ""),
            p.get_works_type_display(),
            float(p.target_area) if p.target_area is not None else None,
            float(p.budget) if p.budget is not None else None,
            p.premises,
            p.starts_on.isoformat() if p.starts_on else "",
            p.deadline.isoformat(),
            str(p.leader) if p.leader else "",
            p.get_health_display(),
            round(p.avg_progress or 0),
            p.n_overdue,
            p.signed_off_on.isoformat() if p.signed_off_on else "",
            p.notes,
        ]


# -- the campaign overview ---------------------------------------------------------------------


def _group_field(roots: list[Region]) -> str:
    """Per district for a city user; per street for a user whose scope is a district or below."""
    if roots and all(r.level >= RegionLevel.COUNTY for r in roots):
        return "street_code"
    return "district_code"


def _health_counts() -> dict:
    return {
        "total": Count("id"),
        "green": Count("id", filter=Q(health=Health.GREEN)),
        "amber": Count("id", filter=Q(health=Health.AMBER)),
        "red": Count("id", filter=Q(health=Health.RED)),
        "done": Count("id", filter=Q(health=Health.DONE)),
        "signed": Count("id", filter=Q(signed_off_on__isnull=False)),
    }


def _by_commitment(commitments: list[Commitment]) -> Q:
    """Plans signed off on or before their district's committed date."""
    parts = [
        Q(district_code=c.district.code, signed_off_on__lte=c.target_date) for c in commitments
    ]
    return reduce(or_, parts) if parts else Q(pk__in=[])


def _pct(part: int, whole: int) -> int | None:
    return round(part * 100 / whole) if whole else None


def overview(user, campaign: Campaign, today: date) -> dict:
    """The campaign for the user's scope: a row per district (per street for a district user)
    with plans by colour, signed off and overdue milestones, and each visible district's
    commitment (述职承诺) against what was signed off by its date and by today. A fixed number
    of queries, whatever the number of plans."""
    roots = list(root_regions(user))
    group = _group_field(roots)
    plans = Plan.objects.visible_to(user).filter(campaign=campaign)
    commitments = list(
        Commitment.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("district")
        .order_by("district__code")
    )
    by_commitment = _by_commitment(commitments)
    rows = list(
        plans.values(group)
        .annotate(**_health_counts(), by_commitment=Count("id", filter=by_commitment))
        .order_by(group)
    )
    late = {
        r[f"plan__{group}"]: r
        for r in Milestone.objects.visible_to(user)
        .filter(overdue_milestones(overdue_cutoff(today)), plan__campaign=campaign)
        .values(f"plan__{group}")
        .annotate(milestones=Count("id"), plans=Count("plan", distinct=True))
        .order_by()
    }
    per_district = {
        r["district_code"]: r
        for r in plans.values("district_code")
        .annotate(signed=Count("id", filter=Q(signed_off_on__isnull=False)))
        .annotate(by_commitment=Count("id", filter=by_commitment))
        .order_by()
    }
    names = Region.objects.names({r[group] for r in rows})
    commitment_of = {c.district.code: c for c in commitments}
    totals = dict.fromkeys(
        ("total", "green", "amber", "red", "done", "signed", "late", "late_plans"), 0
    )
    for r in rows:
        code = r[group]
        r["code"] = code
        r["name"] = names.get(code, code or "—")
        r["late"] = late.get(code, {}).get("milestones", 0)
        r["late_plans"] = late.get(code, {}).get("plans", 0)
        r["signed_pct"] = _pct(r["signed"], r["total"])
        r["commitment"] = commitment_of.get(code) if group == "district_code" else None
        for k in totals:
            totals[k] += r[k]
    totals["signed_pct"] = _pct(totals["signed"], totals["total"])
    cards = []
    for c in commitments:
        actual = per_district.get(c.district.code, {})
        by_date, now = actual.get("by_commitment", 0), actual.get("signed", 0)
        if by_date >= c.target_count:
            state = "met"
        elif c.target_date < today:
            state = "missed"
        else:
            state = "open"
        cards.append(
            {
                "commitment": c,
                "by_date": by_date,
                "now": now,
                "pct": _pct(by_date if c.target_date < today else now, c.target_count),
                "state": state,
            }
        )
    for r in rows:
        if r["commitment"] is not None:
            r["card"] = next(x for x in cards if x["commitment"] is r["commitment"])
    return {
        "roots": roots,
        "group": group,
        "rows": rows,
        "totals": totals,
        "commitments": cards,
    }


# -- bulk creation preview ---------------------------------------------------------------------


def bulk_candidates(user, campaign: Campaign, within: Region | None, today: date) -> QuerySet:
    """The sites `services.bulk_create_plans` would plan for (the same selection, read only):
    in the user's writable scope and the campaign's area and kinds, not closed, without a plan
    in the campaign, and not already both area- and renovation-compliant."""
    centers = (
        Center.objects.visible_to(user, CHANGE)
        .filter(region_path__startswith=campaign.region.path)
        .exclude(status=CenterStatus.CLOSED_DEMOLITION)
        .exclude(plans__campaign=campaign)
    )
    if campaign.kinds:
        centers = centers.filter(kind__in=campaign.kinds)
    if within is not None:
        centers = centers.filter(region_path__startswith=within.path)
    compliant = LevelRecord.objects.on(today).filter(compliant=True)
    area_ok = compliant.filter(level=Level.AREA).values("center_id")
    renovated = compliant.filter(level=Level.RENOVATION).values("center_id")
    return centers.exclude(Q(pk__in=area_ok) & Q(pk__in=renovated))
