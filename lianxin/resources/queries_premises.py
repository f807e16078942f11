"""The read side of the premises ledgers and matching: one filter for the list, its export and
the API; the runs and proposals a user may see. Every read goes through `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet

from lianxin.regions.models import Level, Region

from .models import Availability, Condition, MatchRun, Premises, PremisesKind, Proposal

SORTS = {
    "code": ("district_code", "code"),
    "name": ("name",),
    "area": ("floor_area",),
    "kind": ("kind", "code"),
    "availability": ("availability", "code"),
    "available_from": ("available_from",),
    "updated": ("updated_at",),
}


@dataclass
class PremisesFilter:
    q: str = ""
    district: str = ""
    street: str = ""
    kind: str = ""
    availability: str = ""
    condition: str = ""
    divisible: str = ""  # "yes" / "no"
    sort: str = "code"

    FIELDS = ("q", "district", "street", "kind", "availability", "condition", "divisible")

    @classmethod
    def from_params(cls, params) -> PremisesFilter:
        values = {k: str(params.get(k) or "").strip()[:60] for k in (*cls.FIELDS, "sort")}
        flt = cls(**values)
        if flt.kind not in PremisesKind.values:
            flt.kind = ""
        if flt.availability not in Availability.values:
            flt.availability = ""
        if flt.condition not in Condition.values:
            flt.condition = ""
        if flt.divisible not in ("yes", "no"):
            flt.divisible = ""
        if flt.sort.lstrip("-") not in SORTS:
            flt.sort = "code"
        for name in ("district", "street"):
            value = getattr(flt, name)
            setattr(flt, name, value.ljust(12, "0") if value.isdigit() else "")
        return flt

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            qs = qs.filter(
                Q(code__icontains=self.q) | Q(name__icontains=self.q) | Q(address__icontains=self.q)
            )
        if self.district:
            qs = qs.filter(district_code=self.district)
        if self.street:
            qs = qs.filter(street_code=self.street)
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.availability:
            qs = qs.filter(availability=self.availability)
        if self.condition:
            qs = qs.filter(condition=self.condition)
        if self.divisible:
            qs = qs.filter(divisible=self.divisible == "yes")
        desc = "-" if self.sort.startswith("-") else ""
        order = [desc + f for f in SORTS[self.sort.lstrip("-")]]
        return qs.order_by(*order, "pk")

    def querystring(self, **override) -> str:
        values = {k: getattr(self, k) for k in (*self.FIELDS, "sort")} | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_premises(user, params) -> tuple[PremisesFilter, QuerySet]:
    flt = PremisesFilter.from_params(params)
    qs = Premises.objects.visible_to(user).select_related("region", "plan__center")
    return flt, flt.apply(qs)


def filter_regions(user, flt: PremisesFilter) -> tuple[list[Region], list[Region]]:
    districts = list(Region.objects.visible_to(user).filter(level=Level.COUNTY).order_by("code"))
    parent = flt.district or (districts[0].code if len(districts) == 1 else "")
    streets = (
        list(
            Region.objects.visible_to(user)
            .filter(level=Level.TOWNSHIP, parent__code=parent)
            .order_by("code")
        )
        if parent
        else []
    )
    return districts, streets


def region_names(codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


def visible_runs(user) -> QuerySet:
    return (
        MatchRun.objects.visible_to(user)
        .select_related("region", "created_by")
        .annotate(n_proposals=Count("proposals"))
    )


def run_proposals(user, run: MatchRun) -> QuerySet:
    return (
        Proposal.objects.visible_to(user)
        .filter(run=run)
        .select_related("center__region", "premises", "plan", "decided_by")
        .order_by("status", "-area_added", "center__region__code", "pk")
    )


def visible_proposals(user) -> QuerySet:
    return Proposal.objects.visible_to(user).select_related(
        "center__region", "premises", "plan", "run"
    )
