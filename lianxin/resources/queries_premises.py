"""The read side of the premises ledgers and matching: one filter for the list, its export and
the API; the runs and proposals a user may see. Every read goes through `visible_to(user)`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianxin.core.models import AuditLog
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


# -- a premises' change history ---------------------------------------------------------------

# The premises' own actions (create and update have the audit log's labels).
ACTION_LABELS = {
    "reserve": gettext_lazy("预留"),
    "release": gettext_lazy("取消预留"),
    "assign": gettext_lazy("配置"),
}
# Bookkeeping that follows the region: not shown.
HIDDEN_CHANGES = {"region_path", "district_code", "street_code", "search_text", "version"}
CHOICES = {
    "kind": PremisesKind,
    "condition": Condition,
    "availability": Availability,
}


def _field_label(name: str) -> str:
    try:
        return str(Premises._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:
        return name


def _value_text(name: str, value, regions: dict, plans: dict) -> str:
    if value is None or value == "":
        return "—"
    if name in CHOICES and value in CHOICES[name].values:
        return str(CHOICES[name](value).label)
    if name == "divisible" or isinstance(value, bool):
        return _("是") if value else _("否")
    if name in ("region", "region_id"):
        return regions.get(str(value), str(value))
    if name in ("plan", "plan_id"):
        return plans.get(str(value), str(value))
    return str(value)


def premises_history(obj: Premises, limit: int = 20) -> list[dict]:
    """The premises' audit rows, newest first, for people: the action's label and each changed
    field as label, before → after (choices, yes/no, region and plan by name)."""
    from lianxin.campaign.models import Plan

    rows = list(
        AuditLog.objects.filter(target_type="resources.premises", target_id=str(obj.pk)).order_by(
            "-at", "-pk"
        )[:limit]
    )
    ids: dict[str, set] = {"region": set(), "plan": set()}
    for row in rows:
        for name, pair in (row.changes or {}).items():
            key = name.removesuffix("_id")
            if key in ids and isinstance(pair, list | tuple):
                ids[key] |= {str(v) for v in pair if v not in (None, "")}
    region_ids = [int(v) for v in ids["region"] if v.isdigit()]
    plan_ids = [int(v) for v in ids["plan"] if v.isdigit()]
    regions = {
        str(pk): name
        for pk, name in Region.objects.filter(pk__in=region_ids).values_list("pk", "name")
    }
    plans = {
        str(p.pk): str(p.center)
        for p in Plan.objects.filter(pk__in=plan_ids).select_related("center")
    }
    out = []
    for row in rows:
        changes = []
        for name, pair in (row.changes or {}).items():
            if name in HIDDEN_CHANGES or not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            before, after = pair
            changes.append(
                {
                    "field": _field_label(name),
                    "before": _value_text(name, before, regions, plans),
                    "after": _value_text(name, after, regions, plans),
                    "new": row.action == "create",
                }
            )
        label = ACTION_LABELS.get(row.action)
        out.append(
            {
                "at": row.at,
                "who": row.actor_repr,
                "action": row.action,
                "label": str(label) if label else row.action_label,
                "note": row.note,
                "changes": changes,
            }
        )
    return out
