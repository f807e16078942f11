"""Premises writes: create and edit (area, coordinates in the district, unique code, version),
scope and roles, the availability transitions table, all audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from lianxin.core.models import AuditLog
from lianxin.core.services import ConflictError
from lianxin.core.tests.factories import HEXI, HEXI_POINT, HEXI_STREET, HEXI_VILLAGE, NANKAI
from lianxin.resources.models import Availability, Premises
from lianxin.resources.services import premises as services

from .factories_premises import make_premises

pytestmark = pytest.mark.django_db


def _data(region, **kw):
    lon, lat = HEXI_POINT
    return {
        "region": region,
        "kind": "supporting",
        "code": "HX-001",
        "name": "友谊路配套用房",
        "address": "河西区友谊路 10 号",
        "latitude": lat,
        "longitude": lon,
        "floor_area": Decimal("320"),
        "owner": "区房管局",
    } | kw


def test_create_sets_the_place_from_the_region(hexi, region):
    obj = services.create_premises(hexi, _data(region(HEXI_STREET)))
    assert obj.region_path == region(HEXI_STREET).path
    assert (obj.district_code, obj.street_code) == (HEXI, HEXI_STREET)
    assert obj.availability == Availability.FREE
    log = AuditLog.objects.get(
        action="create", target_type="resources.premises", target_id=str(obj.pk)
    )
    assert log.changes["code"] == [None, "HX-001"]


@pytest.mark.parametrize(
    "change,field",
    [
        ({"floor_area": Decimal("0")}, "floor_area"),
        ({"floor_area": Decimal("-5")}, "floor_area"),
        ({"latitude": Decimal("39.107359"), "longitude": Decimal("117.149808")}, "latitude"),
        ({"name": ""}, "name"),
    ],
    ids=["zero area", "negative area", "point in 南开区", "no name"],
)
def test_bad_input_names_the_field(hexi, region, change, field):
    with pytest.raises(ValidationError) as exc:
        services.create_premises(hexi, _data(region(HEXI), **change))
    assert field in exc.value.error_dict
    assert not Premises.objects.exists()


def test_code_unique_in_the_district(hexi, region):
    services.create_premises(hexi, _data(region(HEXI)))
    with pytest.raises(ValidationError) as exc:
        services.create_premises(hexi, _data(region(HEXI_STREET)))
    assert "code" in exc.value.error_dict


def test_a_village_cannot_hold_premises(hexi, region):
    with pytest.raises(ValidationError) as exc:
        services.create_premises(hexi, _data(region(HEXI_VILLAGE)))
    assert "region" in exc.value.error_dict


def test_scope_and_roles(region, nankai, street_staff, inspector, finance_officer, hexi):
    with pytest.raises(Http404):
        services.create_premises(nankai, _data(region(HEXI)))
    # street staff: its street yes, the district level no
    services.create_premises(street_staff, _data(region(HEXI_STREET)))
    with pytest.raises((PermissionDenied, Http404)):
        services.create_premises(street_staff, _data(region(HEXI), code="HX-002"))
    for user in (inspector, finance_officer):
        with pytest.raises(PermissionDenied):
            services.create_premises(user, _data(region(HEXI_STREET), code="HX-003"))
    theirs = make_premises(region(NANKAI))
    with pytest.raises(Http404):
        services.update_premises(hexi, theirs, {"name": "x"})


def test_update_with_version_and_no_moving_across_districts(hexi, city, region):
    obj = make_premises(region(HEXI_VILLAGE))
    services.update_premises(hexi, obj, {"floor_area": Decimal("250")}, expected_version=1)
    obj.refresh_from_db()
    assert (obj.floor_area, obj.version) == (Decimal("250.00"), 2)
    with pytest.raises(ConflictError):
        services.update_premises(hexi, obj, {"floor_area": Decimal("260")}, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.update_premises(hexi, obj, {"region": region(NANKAI)}, expected_version=2)
    with pytest.raises(ValidationError) as exc:  # the city may write both, but not move it
        services.update_premises(city, obj, {"region": region(NANKAI)}, expected_version=2)
    assert "region" in exc.value.error_dict
    services.update_premises(hexi, obj, {"region": region(HEXI)}, expected_version=2)
    obj.refresh_from_db()
    assert (obj.region_path, obj.street_code) == (region(HEXI).path, "")


def test_transitions_table(hexi, region):
    obj = make_premises(region(HEXI_VILLAGE))
    with pytest.raises(ValidationError):
        services.mark_assigned(hexi, obj)  # free → assigned is not in the table
    with pytest.raises(ValidationError):
        services.release(hexi, obj)  # free → free
    Premises.objects.filter(pk=obj.pk).update(
        availability=Availability.RESERVED, reserved_on="2024-05-01"
    )
    obj.refresh_from_db()
    services.release(hexi, obj, "对方不同意")
    obj.refresh_from_db()
    assert (obj.availability, obj.reserved_on) == (Availability.FREE, None)
    Premises.objects.filter(pk=obj.pk).update(
        availability=Availability.RESERVED, reserved_on="2024-05-01"
    )
    obj.refresh_from_db()
    services.mark_assigned(hexi, obj, obj.reserved_on.__class__(2024, 6, 1))
    obj.refresh_from_db()
    assert obj.availability == Availability.ASSIGNED and str(obj.assigned_on) == "2024-06-01"
    assert {"release", "assign"} <= set(
        AuditLog.objects.filter(target_id=str(obj.pk)).values_list("action", flat=True)
    )
