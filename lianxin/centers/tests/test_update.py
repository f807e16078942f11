"""Editing a center through the page and the API: version conflicts are detected, coordinates must
lie in the center's district, bad numbers get a Chinese error naming the field, nothing is half
saved, and every change is audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lianxin.centers import services
from lianxin.centers.models import Center
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import (
    HEXI_POINT,
    HEXI_VILLAGE,
    NANKAI_POINT,
    make_center,
    region,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def center():
    return make_center(
        region(HEXI_VILLAGE), floor_area=Decimal("250.00"), households=800, address="九江路 1 号"
    )


def form_data(center, **changes):
    data = {
        "version": center.version,
        "name": center.name,
        "address": center.address,
        "latitude": "",
        "longitude": "",
        "floor_area": str(center.floor_area or ""),
        "households": str(center.households or ""),
        "opening_hours": "",
        "phone": "",
    }
    return data | {k: str(v) for k, v in changes.items()}


def state(center):
    """What is stored, to show nothing changed."""
    fresh = Center.objects.get(pk=center.pk)
    return (
        fresh.version,
        fresh.name,
        fresh.floor_area,
        fresh.latitude,
        fresh.longitude,
        fresh.households,
        fresh.address,
    )


def audit_count(center):
    return AuditLog.objects.filter(target_type="centers.center", target_id=str(center.pk)).count()


# --- through the page -----------------------------------------------------------------------


def test_page_edit_saves_and_bumps_the_version(center, hexi, login):
    response = login(hexi).post(
        f"/centers/{center.pk}/edit/",
        form_data(center, floor_area="312.5", longitude=HEXI_POINT[0], latitude=HEXI_POINT[1]),
    )
    assert response.status_code == 302 and response["Location"] == f"/centers/{center.pk}/"
    fresh = Center.objects.get(pk=center.pk)
    assert (fresh.version, fresh.floor_area, fresh.longitude, fresh.latitude) == (
        2,
        Decimal("312.50"),
        HEXI_POINT[0],
        HEXI_POINT[1],
    )
    log = AuditLog.objects.get(target_id=str(center.pk), action="update")
    assert log.actor == hexi
    assert log.changes == {
        "floor_area": ["250.00", "312.50"],
        "latitude": [None, str(HEXI_POINT[1])],
        "longitude": [None, str(HEXI_POINT[0])],
    }


def test_page_edit_form_shows_current_values(center, hexi, login):
    response = login(hexi).get(f"/centers/{center.pk}/edit/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="九江路 1 号"' in body and 'name="version"' in body


def test_page_version_conflict_is_a_clear_error(center, hexi, street_staff, login):
    stale = form_data(center, households=900)
    services.update_center(
        street_staff, Center.objects.get(pk=center.pk), {"households": 850}, expected_version=1
    )
    before = state(center)
    response = login(hexi).post(f"/centers/{center.pk}/edit/", stale)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["该记录已被他人修改，请刷新后再编辑。"]
    assert "该记录已被他人修改" in response.content.decode()
    assert state(center) == before and before[5] == 850


def test_page_coordinate_outside_the_district(center, hexi, login):
    before, audits = state(center), audit_count(center)
    response = login(hexi).post(
        f"/centers/{center.pk}/edit/",
        form_data(center, floor_area="400", longitude=NANKAI_POINT[0], latitude=NANKAI_POINT[1]),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "latitude" in errors
    assert "不在本区范围内" in errors["latitude"][0]
    assert state(center) == before and audit_count(center) == audits


def test_page_half_a_coordinate_is_refused(center, hexi, login):
    before = state(center)
    response = login(hexi).post(
        f"/centers/{center.pk}/edit/", form_data(center, longitude=HEXI_POINT[0])
    )
    assert response.context["form"].errors["latitude"] == ["经纬度须同时填写。"]
    assert state(center) == before


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("floor_area", "abc", "输入一个数字。"),
        ("floor_area", "-5", "建筑面积须大于 0。"),
        ("households", "很多", "输入整数。"),
    ],
)
def test_page_bad_number_gets_a_chinese_error_on_the_field(
    center, hexi, login, field, value, message
):
    before, audits = state(center), audit_count(center)
    response = login(hexi).post(f"/centers/{center.pk}/edit/", form_data(center, **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()
    assert state(center) == before and audit_count(center) == audits


def test_page_edit_needs_write_access(center, inspector, nankai, center_staff, login):
    assert login(inspector).get(f"/centers/{center.pk}/edit/").status_code == 404
    assert (
        login(nankai)
        .post(f"/centers/{center.pk}/edit/", form_data(center, households=1))
        .status_code
        == 404
    )
    # The center's own staff (本级) may edit it.
    assert (
        login(center_staff)
        .post(f"/centers/{center.pk}/edit/", form_data(center, households=1))
        .status_code
        == 302
    )
    assert Center.objects.get(pk=center.pk).households == 1


def test_detail_page_offers_edit_only_to_writers(center, hexi, inspector, login):
    edit_url = f"/centers/{center.pk}/edit/"
    assert edit_url in login(hexi).get(f"/centers/{center.pk}/").content.decode()
    body = login(inspector).get(f"/centers/{center.pk}/").content.decode()
    assert center.name in body and edit_url not in body


# --- through the API ------------------------------------------------------------------------


def patch(client, center, payload):
    return client.patch(f"/api/v1/centers/{center.pk}", payload, content_type="application/json")


def test_api_patch_saves_and_returns_the_new_version(center, hexi, login):
    response = patch(
        login(hexi),
        center,
        {"version": 1, "floor_area": 312.5, "opening_hours": "周一至周日 8:30—17:30"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["version"] == 2 and data["opening_hours"] == "周一至周日 8:30—17:30"
    assert Decimal(data["floor_area"]) == Decimal("312.5")
    fresh = Center.objects.get(pk=center.pk)
    assert (fresh.floor_area, fresh.version) == (Decimal("312.50"), 2)
    log = AuditLog.objects.get(target_id=str(center.pk), action="update")
    assert log.changes == {
        "floor_area": ["250.00", "312.50"],
        "opening_hours": ["", "周一至周日 8:30—17:30"],
    }


def test_api_version_conflict_is_409(center, hexi, login):
    client = login(hexi)
    assert patch(client, center, {"version": 1, "households": 801}).status_code == 200
    before = state(center)
    response = patch(client, center, {"version": 1, "households": 802})
    assert response.status_code == 409
    assert response.json()["detail"] == "该记录已被他人修改，请刷新后再编辑。"
    assert state(center) == before


def test_api_no_op_patch_changes_nothing(center, hexi, login):
    """250 is the stored 250.00: no new version, no audit row (else other editors would get
    false conflicts)."""
    audits = audit_count(center)
    response = patch(login(hexi), center, {"version": 1, "floor_area": 250, "households": 800})
    assert response.status_code == 200
    assert Center.objects.get(pk=center.pk).version == 1
    assert audit_count(center) == audits


def test_api_coordinate_outside_the_district_is_422_naming_the_field(center, hexi, login):
    before, audits = state(center), audit_count(center)
    response = patch(
        login(hexi),
        center,
        {
            "version": 1,
            "floor_area": 400,
            "longitude": float(NANKAI_POINT[0]),
            "latitude": float(NANKAI_POINT[1]),
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "输入有误"
    assert "不在本区范围内" in body["errors"]["latitude"][0]
    assert state(center) == before and audit_count(center) == audits


def test_api_area_not_a_number_is_422_naming_the_field(center, hexi, login):
    before = state(center)
    response = patch(login(hexi), center, {"version": 1, "floor_area": "abc"})
    assert response.status_code == 422
    body = response.json()
    assert "floor_area" in body["errors"], body
    assert state(center) == before


def test_api_negative_area_is_refused_in_chinese(center, hexi, login):
    response = patch(login(hexi), center, {"version": 1, "floor_area": -1})
    assert response.status_code == 422
    assert response.json()["errors"]["floor_area"] == ["建筑面积须大于 0。"]


def test_api_patch_without_version_is_refused(center, hexi, login):
    response = patch(login(hexi), center, {"households": 5})
    assert response.status_code == 422
    assert Center.objects.get(pk=center.pk).households == 800


def test_api_refuses_fields_that_are_not_editable_naming_them(center, hexi, login):
    before = state(center)
    response = patch(
        login(hexi),
        center,
        {"version": 1, "region_path": "120000000000/", "status": "closed", "households": 1},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["status"] == ["“status”不能通过此接口修改。"]
    assert "region_path" in errors
    assert state(center) == before


def test_api_area_not_a_number_says_so_in_chinese(center, hexi, login):
    response = patch(login(hexi), center, {"version": 1, "floor_area": "abc"})
    assert response.json()["errors"]["floor_area"] == ["“floor_area”须为数字。"]


def test_api_patch_needs_write_access(center, inspector, nankai, login):
    before = state(center)
    response = patch(login(inspector), center, {"version": 1, "households": 1})
    assert response.status_code == 403
    assert "数据范围" in response.json()["detail"]
    assert patch(login(nankai), center, {"version": 1, "households": 1}).status_code == 404
    assert state(center) == before


def test_api_json_is_readable_chinese(center, hexi, login):
    response = login(hexi).get(f"/api/v1/centers/{center.pk}")
    assert response.status_code == 200
    assert center.name.encode() in response.content
    assert b"\\u" not in response.content


def test_a_future_status_is_refused_and_nothing_changes(center, hexi):
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.set_center_status(hexi, center, "renovating", tomorrow)
    assert "valid_from" in exc.value.message_dict
    assert Center.objects.get(pk=center.pk).status == center.status
    assert not center.history.exists()


def test_rooms_cannot_add_up_to_more_than_the_floor_area(center, hexi):
    from django.core.exceptions import ValidationError

    from lianxin.centers.models import RoomType

    hall = RoomType.objects.get(code="service_hall")
    services.create_room(
        hexi, center, {"room_type_id": hall.pk, "name": "大厅", "area": Decimal("200")}
    )
    with pytest.raises(ValidationError) as exc:
        services.create_room(
            hexi, center, {"room_type_id": hall.pk, "name": "二厅", "area": Decimal("60")}
        )
    assert "超过中心建筑面积 250.00" in exc.value.message_dict["area"][0]
    assert center.rooms.count() == 1
