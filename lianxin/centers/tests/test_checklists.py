"""Checklists as data: everyone reads them; city administrators add, edit and remove items (one
audited service function per write); an item used by an inspection stays, and editing it never
changes a recorded score."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.centers import services
from lianxin.centers.models import Checklist, ChecklistItem, Inspection
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI_VILLAGE, make_center, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def default():
    return Checklist.objects.get(code="ten-haves")


def item_data(**changes):
    data = {
        "code": "toilet",
        "group": "其他",
        "text": "有公共卫生间",
        "evidence_required": "on",
        "weight": "1.5",
        "sort": "150",
    }
    return data | changes


def test_the_default_checklist_is_shipped(hexi, default, login):
    html = login(hexi).get("/standards/checklists/").content.decode()
    assert default.name in html and "今日生效" in html
    html = login(hexi).get(f"/standards/checklists/{default.pk}/").content.decode()
    for text in ("“中国社区”标识", "一站式服务大厅", "党员活动室", "退役军人服务站", "儿童之家"):
        assert text in html
    assert 'data-item="signage"' in html
    # read-only for a district administrator
    assert "/items/new/" not in html and "删除" not in html


def test_city_adds_an_item(city, default, login):
    response = login(city).post(f"/standards/checklists/{default.pk}/items/new/", item_data())
    assert response.status_code == 302
    item = default.items.get(code="toilet")
    assert (item.text, item.weight, item.evidence_required, item.required) == (
        "有公共卫生间",
        Decimal("1.50"),
        True,
        False,
    )
    log = AuditLog.objects.get(action="create", target_type="centers.checklistitem")
    assert log.changes["text"] == [None, "有公共卫生间"]


def test_item_errors_are_named_and_nothing_saved(city, default, login):
    count = default.items.count()
    html = (
        login(city)
        .post(
            f"/standards/checklists/{default.pk}/items/new/",
            item_data(code="signage", weight="0", text=""),
        )
        .content.decode()
    )
    assert "代码“signage”已被本清单的其他检查项使用。" in html
    assert "权重须大于 0。" in html
    assert "这个字段是必填项。" in html  # text
    assert default.items.count() == count


def test_city_edits_an_item_without_changing_past_scores(city, default, login):
    center = make_center(region(HEXI_VILLAGE))
    results = {i.code: ("na", "") for i in default.items.all()}
    results["veterans"] = ("pass", "")
    results["culture_sports"] = ("fail", "")
    inspection = services.record_inspection(
        city, center, default, date(2024, 5, 1), results, signature="王检查"
    )
    assert inspection.score == Decimal("50.0")
    item = default.items.get(code="veterans")
    response = login(city).post(
        f"/standards/checklists/{default.pk}/items/{item.pk}/",
        item_data(code="ignored", text="有退役军人服务站（室）", weight="3", sort="40"),
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.code, item.text, item.weight) == ("veterans", "有退役军人服务站（室）", 3)
    assert Inspection.objects.get(pk=inspection.pk).score == Decimal("50.0")
    log = AuditLog.objects.get(action="update", target_type="centers.checklistitem")
    assert log.changes["weight"] == ["1.00", "3.00"]


def test_an_unused_item_can_be_removed_a_used_one_cannot(city, default, login):
    center = make_center(region(HEXI_VILLAGE))
    unused = services.create_checklist_item(
        city, default, {"code": "extra", "text": "临时项", "weight": Decimal("1")}
    )
    response = login(city).post(
        f"/standards/checklists/{default.pk}/items/{unused.pk}/delete/", follow=True
    )
    assert "检查项已删除。" in response.content.decode()
    assert not ChecklistItem.objects.filter(pk=unused.pk).exists()
    assert AuditLog.objects.filter(action="delete", target_type="centers.checklistitem").exists()

    results = {i.code: ("na", "") for i in default.items.all()}
    services.record_inspection(city, center, default, date(2024, 5, 1), results, signature="王")
    used = default.items.get(code="veterans")
    response = login(city).post(
        f"/standards/checklists/{default.pk}/items/{used.pk}/delete/", follow=True
    )
    assert "该检查项已用于 1 次检查，不能删除" in response.content.decode()
    assert ChecklistItem.objects.filter(pk=used.pk).exists()


def test_only_city_administrators_edit_items(hexi, street_staff, inspector, default, login):
    item = default.items.get(code="signage")
    count = default.items.count()
    for user in (hexi, street_staff, inspector):
        client = login(user)
        assert client.get(f"/standards/checklists/{default.pk}/items/new/").status_code == 403
        assert (
            client.post(f"/standards/checklists/{default.pk}/items/new/", item_data()).status_code
            == 403
        )
        assert (
            client.post(
                f"/standards/checklists/{default.pk}/items/{item.pk}/", item_data(weight="9")
            ).status_code
            == 403
        )
        assert (
            client.post(f"/standards/checklists/{default.pk}/items/{item.pk}/delete/").status_code
            == 403
        )
    assert default.items.count() == count
    assert default.items.get(code="signage").weight == Decimal("2")
    with pytest.raises(PermissionDenied):
        services.update_checklist_item(hexi, item, {"weight": Decimal("9")})
    with pytest.raises(PermissionDenied):
        services.delete_checklist_item(hexi, item)


def test_new_item_counts_in_later_inspections(city, default):
    services.create_checklist_item(
        city, default, {"code": "wifi", "text": "有无线网络", "weight": Decimal("1")}
    )
    center = make_center(region(HEXI_VILLAGE))
    results = {i.code: ("na", "") for i in default.items.exclude(code="wifi")}
    with pytest.raises(ValidationError) as exc:
        services.record_inspection(city, center, default, date(2024, 5, 1), results, signature="王")
    assert "有无线网络" in str(exc.value.message_dict["results"])
