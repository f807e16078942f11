"""Permission-matrix factories for the standards models (registered with the core registry)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lianxin.core.tests.factories import make_center, org_factory


def _center_of(village):
    from lianxin.centers.models import Center

    return Center.objects.filter(region=village).first() or make_center(village)


def _inspection(village):
    from lianxin.centers.models import Checklist, Inspection

    center = _center_of(village)
    return Inspection.objects.create(
        center=center,
        region_path=center.region_path,
        checklist=Checklist.objects.get(code="ten-haves"),
        inspected_on=date(2024, 5, 1),
        score=Decimal("90"),
        passed=True,
        signature="矩阵检查员",
    )


@org_factory("centers.LevelRecord")
def _level_record(village):
    from lianxin.centers.models import Level, LevelRecord

    center = _center_of(village)
    return LevelRecord.objects.create(
        center=center,
        region_path=center.region_path,
        level=Level.RENOVATION,
        compliant=True,
        effective_on=date(2024, 5, 1),
        source="campaign",
    )


@org_factory("centers.Inspection")
def _inspection_factory(village):
    return _inspection(village)


@org_factory("centers.InspectionPhoto")
def _photo(village):
    from django.core.files.base import ContentFile

    from lianxin.centers.models import InspectionPhoto

    inspection = _inspection(village)
    photo = InspectionPhoto(inspection=inspection, region_path=inspection.region_path)
    photo.image.save("matrix.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 16), save=True)
    return photo


@org_factory("centers.FollowUp")
def _follow_up(village):
    from lianxin.centers.models import FollowUp, InspectionItem

    inspection = _inspection(village)
    item = InspectionItem.objects.create(
        inspection=inspection, item=inspection.checklist.items.first(), result="fail"
    )
    return FollowUp.objects.create(
        center=inspection.center,
        region_path=inspection.region_path,
        inspection_item=item,
        description="标识不统一",
    )
