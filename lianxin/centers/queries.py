"""The read side of centers: one filter for the list page, its export and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import Center

SORTS = {
    "code": "region__code",
    "name": "name",
    "area": "floor_area",
    "households": "households",
    "status": "status",
    "updated": "updated_at",
}


@dataclass
class CenterFilter:
    q: str = ""
    region: str = ""  # any unit's code: that unit and below
    district: str = ""
    street: str = ""
    kind: str = ""
    status: str = ""
    sort: str = "code"

    @classmethod
    def from_params(cls, params) -> CenterFilter:
        return cls(**{k: (params.get(k) or "").strip()[:60] for k in cls.__dataclass_fields__})

    def apply(self, qs: QuerySet) -> QuerySet:
        if self.q:
            text = self.q.lower()
            # search_text carries each name and its initials, so "hxq" and "河西" both match
            # directly. (Turning a Chinese query into initials as well made "河西" also match
            # every "hx" name: 红星路, 华馨, 环秀… 551 units in Tianjin.)
            cond = Q(search_text__icontains=text) | Q(region__code__startswith=text)
            qs = qs.filter(cond)
        if self.region:
            qs = qs.filter(region_path__contains=self.region.ljust(12, "0") + "/")
        if self.district:
            qs = qs.filter(district_code=self.district.ljust(12, "0"))
        if self.street:
            qs = qs.filter(street_code=self.street.ljust(12, "0"))
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.status:
            qs = qs.filter(status=self.status)
        key = self.sort.lstrip("-")
        order = SORTS.get(key, "region__code")
        return qs.order_by(("-" if self.sort.startswith("-") else "") + order, "region__code")

    def querystring(self, **override) -> str:
        from urllib.parse import urlencode

        values = {k: getattr(self, k) for k in self.__dataclass_fields__} | override
        return urlencode({k: v for k, v in values.items() if v})


def visible_centers(user, params) -> tuple[CenterFilter, QuerySet]:
    flt = CenterFilter.from_params(params)
    qs = Center.objects.visible_to(user).select_related("region")
    return flt, flt.apply(qs)


def levels_of(center, day) -> dict:
    """Each level as of `day`: compliant or not, since when it has been so, and the record."""
    from .models import Level, LevelRecord

    out = {}
    for level in Level:
        records = list(
            LevelRecord.objects.filter(center=center, level=level, effective_on__lte=day)
            .select_related("rule_set")
            .order_by("-effective_on", "-id")[:50]
        )
        if not records:
            out[level.value] = {"label": str(level.label), "compliant": None, "since": None}
            continue
        latest = records[0]
        since = latest.effective_on
        for r in records[1:]:
            if r.compliant != latest.compliant:
                break
            since = r.effective_on
        out[level.value] = {
            "label": str(level.label),
            "compliant": latest.compliant,
            "since": since,
            "source": latest.source,
            "rule_set": latest.rule_set.code if latest.rule_set else None,
            "floor_area": latest.floor_area,
            "required_area": latest.required_area,
            "score": latest.score,
            "note": latest.note,
        }
    return out
