from datetime import date

from django.db.models import F
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from .models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: int
    kind: str
    status: str
    parent: str | None = Field(None, alias="parent_code")
    initials: str


class PeriodOut(Schema):
    status: str
    kind: str
    valid_from: date | None
    valid_to: date | None
    note: str


class RegionDetail(RegionOut):
    path: list[str]
    history: list[PeriodOut]


def _annotate(qs):
    from django.db.models import F

    return qs.annotate(parent_code=F("parent__code"))


@router.get("/", response=list[RegionOut], summary="Units under a parent (default: your top units)")
def list_regions(request, parent: str | None = None):
    from .queries import root_regions

    if parent:
        qs = Region.objects.visible_to(request.user).filter(parent__code=parent.ljust(12, "0"))
    else:
        qs = root_regions(request.user)
    return _annotate(qs.order_by("code"))


@router.get("/{code}", response=RegionDetail)
def get_region(request, code: str):
    region = get_object_or_404(
        _annotate(Region.objects.visible_to(request.user)), code=code.ljust(12, "0")
    )
    region.history = list(region.statuses.order_by(F("valid_from").asc(nulls_first=True)))
    region.path = [c for c in region.path.split("/") if c]
    return region
