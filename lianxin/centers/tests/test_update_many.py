"""The set-based services the ledger import writes through (update_centers, set_centers_status,
record_renovations) do what their one-center counterparts do: the same rows, the same audit, the
same refusals — naming the center refused, and leaving nothing behind."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lianxin.centers import services
from lianxin.centers.models import Center, CenterStatusPeriod, Level, LevelRecord
from lianxin.core.models import AuditLog
from lianxin.core.services import ConflictError
from lianxin.core.tests.factories import HEXI_VILLAGE, HEXI_VILLAGE_2, NANKAI_VILLAGE

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(make_center, region):
    """Two identical 河西区 centers: one updated one by one, one in a batch."""
    return [
        make_center(region(code), floor_area=Decimal("200"), households=800)
        for code in (HEXI_VILLAGE, HEXI_VILLAGE_2)
    ]


def _log(center, action):
    row = AuditLog.objects.filter(target_id=str(center.pk), action=action).order_by("-id").first()
    return (row.action, row.changes, row.actor_id, row.region_path) if row else None


def _area(center):
    r = LevelRecord.objects.filter(center=center, level=Level.AREA).order_by("-id").first()
    return (r.compliant, r.effective_on, r.rule_set_id, r.required_area, r.floor_area, r.note)


def test_update_centers_does_what_update_center_does(pair, hexi):
    one, many = pair
    data = {"name": "新名字中心", "floor_area": Decimal("400"), "households": 1200, "phone": "1"}
    stamp = many.updated_at
    services.update_center(hexi, one, dict(data))
    services.update_centers(hexi, [(many, dict(data), many.version)])
    a, b = Center.objects.get(pk=one.pk), Center.objects.get(pk=many.pk)
    assert (a.name, a.floor_area, a.households, a.version) == (
        b.name,
        b.floor_area,
        b.households,
        b.version,
    )
    # The searchable text is built the same way (its unit's own name differs).
    assert a.search_text.split()[0] == b.search_text.split()[0] == "新名字中心"
    assert len(a.search_text.split()) == len(b.search_text.split())
    assert "大营门街道" in b.search_text and "河西区" in b.search_text
    assert b.updated_at > stamp
    la, lb = _log(one, "update"), _log(many, "update")
    assert set(la[1]) == set(lb[1]) == {*data, "search_text"}
    assert [v[1] for k, v in la[1].items() if k not in ("name", "search_text")] == [
        v[1] for k, v in lb[1].items() if k not in ("name", "search_text")
    ]
    assert lb[3] == many.region_path and la[2] == lb[2] == hexi.pk
    assert _log(one, "assess_area")[:3] == _log(many, "assess_area")[:3]
    assert _area(one) == _area(many)
    assert _area(many)[1] == timezone.localdate()


def test_nothing_changed_writes_nothing(pair, hexi):
    center = pair[0]
    before = AuditLog.objects.count()
    changed = services.update_centers(hexi, [(center, {"floor_area": Decimal("200.00")}, None)])
    assert changed == [] and AuditLog.objects.count() == before
    assert Center.objects.get(pk=center.pk).version == center.version


def test_a_stale_version_is_refused_naming_the_center(pair, hexi, city):
    fresh, stale = pair
    services.update_center(city, Center.objects.get(pk=stale.pk), {"phone": "022"})
    before = AuditLog.objects.count()
    with pytest.raises(ConflictError) as err, transaction.atomic():
        services.update_centers(
            hexi, [(fresh, {"phone": "1"}, fresh.version), (stale, {"phone": "2"}, stale.version)]
        )
    assert err.value.center == stale
    assert AuditLog.objects.count() == before
    assert Center.objects.get(pk=fresh.pk).phone == ""


def test_outside_the_scope_refused_naming_the_center(pair, hexi, make_center, region):
    theirs = make_center(region(NANKAI_VILLAGE))
    with pytest.raises(PermissionDenied) as err:
        services.update_centers(
            hexi, [(pair[0], {"phone": "1"}, None), (theirs, {"phone": "2"}, None)]
        )
    assert err.value.center == theirs
    assert Center.objects.get(pk=pair[0].pk).phone == ""


def test_read_only_role_refused(pair, inspector):
    with pytest.raises(PermissionDenied):
        services.update_centers(inspector, [(pair[0], {"phone": "1"}, None)])


def test_invalid_values_refused_naming_the_center(pair, hexi):
    with pytest.raises(ValidationError) as err:
        services.update_centers(hexi, [(pair[1], {"floor_area": Decimal("-1")}, None)])
    assert err.value.center == pair[1] and "floor_area" in err.value.message_dict
    with pytest.raises(ValidationError):
        services.update_centers(hexi, [(pair[1], {"kind": "village"}, None)])  # not editable


def test_set_centers_status_like_set_center_status(pair, hexi):
    one, many = pair
    for center in pair:
        CenterStatusPeriod.objects.create(
            center=center, status="planned", valid_from=date(2019, 1, 1)
        )
    services.set_center_status(hexi, one, "in_use", date(2020, 4, 23), "台账导入")
    services.set_centers_status(hexi, [(many, "in_use", date(2020, 4, 23))], note="台账导入")

    def shape(center):
        c = Center.objects.get(pk=center.pk)
        periods = list(
            c.history.order_by("valid_from").values_list("status", "valid_from", "valid_to", "note")
        )
        return c.status, c.version, periods, _log(center, "status")[:3]

    assert shape(one) == shape(many)
    with pytest.raises(ValidationError) as err:
        services.set_centers_status(hexi, [(many, "renovating", date(2020, 4, 23))])
    assert err.value.center == many and "valid_from" in err.value.message_dict


def test_record_renovations_like_record_renovation(pair, hexi):
    one, many = pair
    services.record_renovation(hexi, one, date(2020, 3, 1), source="ledger", note="台账导入")
    services.record_renovations(
        hexi, [(many, date(2020, 3, 1), True)], source="ledger", note="台账导入"
    )
    fields = ("compliant", "effective_on", "source", "note", "recorded_by_id", "region_path")
    a = (
        LevelRecord.objects.filter(center=one, level=Level.RENOVATION)
        .values_list(*fields[:-1])
        .get()
    )
    b = (
        LevelRecord.objects.filter(center=many, level=Level.RENOVATION)
        .values_list(*fields[:-1])
        .get()
    )
    assert a == b
    assert _log(one, "record_renovation")[:3] == _log(many, "record_renovation")[:3]
