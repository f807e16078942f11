from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from . import services
from .models import Center
from .queries import visible_centers

router = Router(tags=["centers"])


class CenterOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    status: str
    district_code: str
    street_code: str
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    floor_area: Decimal | None
    households: int | None
    is_demo: bool
    version: int

    @staticmethod
    def resolve_code(obj):
        return obj.region.code


class RoomOut(Schema):
    id: int
    type: str
    name: str
    area: Decimal
    capacity: int | None
    bookable: bool

    @staticmethod
    def resolve_type(obj):
        return obj.room_type.code


class PeriodOut(Schema):
    status: str
    valid_from: str
    valid_to: str | None


class CenterDetail(CenterOut):
    opening_hours: str
    phone: str
    rooms: list[RoomOut]
    history: list[PeriodOut]

    @staticmethod
    def resolve_rooms(obj):
        return list(obj.rooms.select_related("room_type"))

    @staticmethod
    def resolve_history(obj):
        return [
            {
                "status": p.status,
                "valid_from": p.valid_from.isoformat(),
                "valid_to": p.valid_to.isoformat() if p.valid_to else None,
            }
            for p in obj.history.order_by("valid_from")
        ]


class CenterPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CenterOut]


class CenterPatch(Schema):
    # A field not listed (the status, which has its own dated service) is refused, not ignored.
    model_config = {"extra": "forbid"}

    version: int
    name: str | None = None
    address: str | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    floor_area: Decimal | None = None
    households: int | None = None
    opening_hours: str | None = None
    phone: str | None = None


@router.get("/", response=CenterPage, summary="Centers in your scope, filtered and paged")
def list_centers(
    request,
    region: str = "",
    q: str = "",
    kind: str = "",
    status: str = "",
    district: str = "",
    street: str = "",
    sort: str = "code",
    page: int = 1,
    page_size: int = 50,
):
    params = {
        "region": region,
        "q": q,
        "kind": kind,
        "status": status,
        "district": district,
        "street": street,
        "sort": sort,
    }
    _flt, qs = visible_centers(request.user, params)
    page = max(1, page)
    page_size = max(1, min(500, page_size))
    start = (page - 1) * page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "items": list(qs[start : start + page_size]),
    }


@router.get("/{int:center_id}", response=CenterDetail)
def get_center(request, center_id: int):
    return get_object_or_404(
        Center.objects.visible_to(request.user).select_related("region"), pk=center_id
    )


@router.patch("/{int:center_id}", response=CenterDetail)
def patch_center(request, center_id: int, payload: CenterPatch):
    center = get_object_or_404(
        Center.objects.visible_to(request.user).select_related("region"), pk=center_id
    )  # visible but not editable: the service refuses with 403
    data = payload.dict(exclude_unset=True)
    version = data.pop("version")
    return services.update_center(request.user, center, data, expected_version=version)
