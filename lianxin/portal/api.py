"""The portal API (/api/v1/portal/…): public reads for city apps (find a center, nearest
centers, a center's notices in force) and the staff's notices (list, one, publish, withdraw)
through the same queries and services as the pages."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from lianxin.core.scoping import CHANGE
from lianxin.regions.models import Region

from . import queries, services
from .models import Notice

router = Router(tags=["portal"])
MAX_ROWS = 200


class CenterOut(Schema):
    id: int
    name: str
    address: str
    phone: str
    latitude: float | None = None
    longitude: float | None = None
    distance_km: float | None = None


def _center(c, km=None) -> dict:
    return {
        "id": c.pk,
        "name": c.name,
        "address": c.address,
        "phone": c.phone,
        "latitude": float(c.latitude) if c.latitude is not None else None,
        "longitude": float(c.longitude) if c.longitude is not None else None,
        "distance_km": round(km, 3) if km is not None else None,
    }


class NoticeOut(Schema):
    id: int
    region: str
    region_name: str
    center_id: int | None
    kind: str
    title: str
    body: str
    valid_from: date
    valid_to: date | None
    published_at: datetime
    version: int

    @staticmethod
    def resolve_region(obj):
        return obj.region.code

    @staticmethod
    def resolve_region_name(obj):
        return obj.region.name


class NoticeIn(Schema):
    region: str
    kind: str
    title: str
    body: str
    valid_from: date
    valid_to: date | None = None


class NoticeList(Schema):
    count: int
    items: list[NoticeOut]


@router.get("/centers", response=list[CenterOut], auth=None)
def find_centers(request, q: str = "", district: str = "", street: str = ""):
    """Public: in-use centers by name, address or pinyin initials, district and street codes."""
    rows = queries.search(
        q,
        district.strip().ljust(12, "0") if district else "",
        street.strip().ljust(12, "0") if street else "",
    )
    return [_center(c) for c in rows[:MAX_ROWS]]


class Point(Schema):
    lat: float
    lon: float


@router.get("/centers/nearest", response=list[CenterOut], auth=None)
def nearest_centers(request, point: Query[Point]):
    """Public: the 10 nearest in-use centers to (lat, lon), with the distance in km."""
    if not (-90 <= point.lat <= 90) or not (-180 <= point.lon <= 180):
        raise ValidationError({"lat": [_("经纬度超出范围。")]})
    return [_center(c, km) for c, km in queries.nearest(point.lat, point.lon)]


@router.get("/centers/{int:center_id}/notices", response=list[NoticeOut], auth=None)
def center_notices(request, center_id: int):
    """Public: the notices in force today at an in-use center (its own and its units above)."""
    center = get_object_or_404(queries.public_centers(), pk=center_id)
    return queries.notices_at(center, timezone.localdate())


@router.get("/notices", response=NoticeList)
def notices(request, q: str = "", kind: str = "", state: str = "", unit: str = "", sort: str = ""):
    """Staff: the notices in scope (and of the units above it), newest first by default."""
    params = {"q": q, "kind": kind, "state": state, "unit": unit, "sort": sort}
    _flt, qs = queries.visible_notices(request.user, params, timezone.localdate())
    return {"count": qs.count(), "items": list(qs[:MAX_ROWS])}


@router.get("/notices/{int:notice_id}", response=NoticeOut)
def notice(request, notice_id: int):
    return get_object_or_404(
        Notice.objects.visible_to(request.user).select_related("region"), pk=notice_id
    )


@router.post("/notices", response={201: NoticeOut})
def publish(request, payload: NoticeIn):
    code = (payload.region or "").strip()
    if not (code.isdigit() and len(code) <= 12):
        raise ValidationError({"region": [_("请填写 6–12 位数字的区划代码。")]})
    # A unit outside the user's scope is not shown to exist (as on the page).
    region = get_object_or_404(Region.objects.visible_to(request.user), code=code.ljust(12, "0"))
    data = payload.dict() | {"region": region}
    notice = services.publish_notice(request.user, data)
    return Status(201, notice)


@router.post("/notices/{int:notice_id}/withdraw", response=NoticeOut)
def withdraw(request, notice_id: int):
    notice = get_object_or_404(Notice.objects.visible_to(request.user), pk=notice_id)
    if not Notice.objects.visible_to(request.user, CHANGE).filter(pk=notice_id).exists():
        raise PermissionDenied(_("该公示不在您的数据范围内，或您没有编辑权限。"))
    return services.withdraw_notice(request.user, notice)
