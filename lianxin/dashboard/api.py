"""Statistics and battle-map data, as of any date, inside the caller's scope."""

from datetime import date

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from lianxin.centers.models import Center
from lianxin.regions.models import Region

from . import queries
from .models import Legend

router = Router(tags=["stats"])


def _region(request, code: str | None) -> Region:
    from lianxin.regions.queries import root_regions

    if not code:
        root = root_regions(request.user).first()
        if root is None:
            from django.http import Http404

            raise Http404
        return root
    return get_object_or_404(Region.objects.visible_to(request.user), code=code.ljust(12, "0"))


@router.get("/overview", summary="Figures for a region as of a date, with its children")
def stats_overview(
    request, region: str | None = None, as_of: date | None = None, children: bool = True
):
    day = as_of or timezone.localdate()
    return queries.overview(request.user, _region(request, region), day, with_children=children)


class PointOut(Schema):
    id: int
    code: str
    name: str
    kind: str | None
    status: str | None
    lon: float | None
    lat: float | None
    area_ok: bool | None
    renovation_ok: bool | None
    use_ok: bool | None


@router.get(
    "/centers",
    response=list[PointOut],
    summary="The village-level centers under a region as points, as of a date",
)
def stats_centers(request, region: str, as_of: date | None = None):
    day = as_of or timezone.localdate()
    rows = queries.unit_centers(request.user, _region(request, region), day).values(
        "id",
        "region__code",
        "name",
        "kind_then",
        "center_status",
        "longitude",
        "latitude",
        "area_ok",
        "renovation_ok",
        "use_ok",
    )
    # Built as PointOut's fields and sent as is: hundreds of points per district, so the
    # per-item schema validation would cost more than the query (the schema documents them).
    points = [
        {
            "id": r["id"],
            "code": r["region__code"],
            "name": r["name"],
            "kind": r["kind_then"],
            "status": r["center_status"],
            "lon": float(r["longitude"]) if r["longitude"] is not None else None,
            "lat": float(r["latitude"]) if r["latitude"] is not None else None,
            "area_ok": r["area_ok"],
            "renovation_ok": r["renovation_ok"],
            "use_ok": r["use_ok"],
        }
        for r in rows.order_by("region__code")
    ]
    return JsonResponse(points, safe=False, json_dumps_params={"ensure_ascii": False})


class BandOut(Schema):
    min: float
    max: float
    color: str
    label: str = ""


class LegendOut(Schema):
    code: str
    name: str
    is_default: bool
    bands: list[BandOut]

    @staticmethod
    def resolve_name(obj):
        return obj.display_name  # in the caller's language


@router.get("/legends", response=list[LegendOut], summary="Colour bands for the battle map")
def legends(request):
    return list(Legend.objects.all())


@router.get("/centers/{int:center_id}/levels", summary="A center's three levels as of a date")
def center_levels(request, center_id: int, as_of: date | None = None):
    from lianxin.centers.queries import levels_of

    center = get_object_or_404(Center.objects.visible_to(request.user), pk=center_id)
    return levels_of(center, as_of or timezone.localdate())


@router.get(
    "/services",
    summary="Services: applications, on-time rate and satisfaction for a region and its children",
    description=(
        "For a region (default your top unit) and a period (default this year so far), in your "
        "scope: the headline figures, and on-time rate and satisfaction per district, street or "
        "center below it (lianxin.services.queries_stats)."
    ),
)
def stats_services(
    request, region: str | None = None, date_from: date | None = None, date_to: date | None = None
):
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .services_stats import region_figures, year_to_date

    if date_from is None and date_to is None:
        date_from, date_to = year_to_date()
    if date_from and date_to and date_from > date_to:
        raise ValidationError({"date_from": [_("开始日期不能晚于结束日期。")]})
    return region_figures(request.user, _region(request, region), date_from, date_to)
