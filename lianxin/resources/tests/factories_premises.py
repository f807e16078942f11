"""Factories for resources: premises, matching runs and proposals (registered for the
permission matrix) and the builders the premises tests share."""

from __future__ import annotations

import random
from decimal import Decimal
from itertools import count

from lianxin.core.tests.factories import HEXI_POINT, NANKAI_POINT, make_center, org_factory

__all__ = ["point_in", "make_premises", "make_run", "make_proposal", "short_center"]

_serial = count(1)


def point_in(region_obj, offset: int = 0) -> tuple[Decimal, Decimal]:
    """(longitude, latitude) inside the region's district; near the fixed points for 河西 and
    南开 (offset: a few tens of metres apart)."""
    from lianxin.core import geo

    base = {"120103": HEXI_POINT, "120104": NANKAI_POINT}.get(region_obj.code[:6])
    if base is None:
        lon, lat = geo.random_point(region_obj.code, random.Random(region_obj.code))
        base = (Decimal(str(lon)), Decimal(str(lat)))
    step = Decimal("0.0003") * offset
    return (base[0] + step).quantize(Decimal("0.000001")), base[1].quantize(Decimal("0.000001"))


def _holder(region_obj):
    """A village's street (premises are held by a district or a street)."""
    from lianxin.regions.models import Level

    node = region_obj
    while node.level > Level.TOWNSHIP:
        node = node.parent
    return node


def make_premises(region_obj, **fields):
    from lianxin.resources.models import Premises
    from lianxin.resources.services.premises import region_codes

    holder = _holder(region_obj)
    district, street = region_codes(holder)
    n = next(_serial)
    lon, lat = point_in(holder, fields.pop("offset", 0))
    values = {
        "kind": "housing_stock",
        "code": f"T-{n:04d}",
        "name": f"测试房源{n}",
        "address": f"测试路{n}号",
        "region": holder,
        "region_path": holder.path,
        "district_code": district,
        "street_code": street,
        "latitude": lat,
        "longitude": lon,
        "floor_area": Decimal("200.00"),
        "owner": "区国资委",
    } | fields
    return Premises.objects.create(**values)


def short_center(village, **fields):
    """A center short of area (community, 1,000 households → 300 m² required, 120 m² held),
    at the district's fixed point."""
    from lianxin.centers.models import Center

    existing = Center.objects.filter(region=village).first()
    lon, lat = point_in(village)
    values = {
        "households": 1000,
        "floor_area": Decimal("120.00"),
        "latitude": lat,
        "longitude": lon,
    } | fields
    if existing:
        for k, v in values.items():
            setattr(existing, k, v)
        existing.save()
        return existing
    return make_center(village, **values)


def make_run(village, **fields):
    from lianxin.resources.models import MatchRun
    from lianxin.resources.tests.factories_premises import _holder

    holder = _holder(village)
    district = holder if holder.level == 3 else holder.parent
    values = {
        "region": district,
        "region_path": district.path,
        "max_distance_m": 1500,
        "on": __import__("datetime").date(2024, 5, 1),
        "solver": "scipy linear_sum_assignment",
    } | fields
    return MatchRun.objects.create(**values)


def make_proposal(village, **fields):
    from lianxin.centers.models import Center
    from lianxin.resources.models import Proposal

    center = Center.objects.filter(region=village).first() or short_center(village)
    premises = fields.pop("premises", None) or make_premises(village)
    run = fields.pop("run", None) or make_run(village)
    values = {
        "run": run,
        "center": center,
        "premises": premises,
        "region_path": center.region_path,
        "distance_m": 120,
        "required_area": Decimal("300.00"),
        "area_before": Decimal("120.00"),
        "area_added": premises.floor_area,
        "area_after": Decimal("120.00") + premises.floor_area,
        "compliant_after": Decimal("120.00") + premises.floor_area >= Decimal("300.00"),
    } | fields
    return Proposal.objects.create(**values)


@org_factory("resources.Premises")
def _premises(village):
    return make_premises(village)


@org_factory("resources.MatchRun")
def _run(village):
    return make_run(village)


@org_factory("resources.Proposal")
def _proposal(village):
    return make_proposal(village)
