"""Statuses with effective dates: which units existed, of which kind, on a given day."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.core.models import AuditLog
from lianxin.regions import services
from lianxin.regions.models import Kind, Level, Region, RegionStatus, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def village():
    """A real village (村) of 西青区."""
    return (
        Region.objects.filter(level=Level.VILLAGE, kind=Kind.VILLAGE, code__startswith="120111")
        .order_by("code")
        .first()
    )


@pytest.fixture
def community(region):
    return region("120103001001")  # 河西区 大营门街道 九江路社区


def then(day, code):
    """(kind_then, status_then) of the unit on `day`, or None if it did not exist then."""
    row = Region.objects.as_of(day).filter(code=code).values_list("kind_then", "status_then")
    return row[0] if row else None


def test_imported_units_exist_since_before_the_records(village):
    assert then(date(1990, 1, 1), village.code) == (Kind.VILLAGE, Status.ACTIVE)
    assert then(date(2100, 1, 1), village.code) == (Kind.VILLAGE, Status.ACTIVE)
    assert Region.objects.as_of(date(2000, 1, 1)).count() == Region.objects.count()


def test_dissolved_unit_stops_counting_on_its_date(city, community):
    services.change_status(city, community, Status.DISSOLVED, date(2021, 6, 1), note="合并撤销")
    assert then(date(2021, 5, 31), community.code) == (Kind.COMMUNITY, Status.ACTIVE)
    assert then(date(2021, 6, 1), community.code) is None
    assert then(date(2024, 1, 1), community.code) is None
    street = community.parent
    before = Region.objects.as_of(date(2021, 5, 31)).filter(parent=street).count()
    after = Region.objects.as_of(date(2021, 6, 1)).filter(parent=street).count()
    assert before - after == 1
    community.refresh_from_db()
    assert community.status == Status.DISSOLVED


def test_converted_village_becomes_a_community(city, village):
    """村改居: from the date on, the unit is a community with status converted."""
    services.change_status(city, village, Status.CONVERTED, date(2020, 1, 1), kind=Kind.COMMUNITY)
    assert then(date(2019, 12, 31), village.code) == (Kind.VILLAGE, Status.ACTIVE)
    assert then(date(2020, 1, 1), village.code) == (Kind.COMMUNITY, Status.CONVERTED)
    village.refresh_from_db()
    assert (village.kind, village.status) == (Kind.COMMUNITY, Status.CONVERTED)
    # Counting villages as of a date uses the kind of that date.
    in_district = Region.objects.filter(code__startswith="120111", level=Level.VILLAGE)
    old = in_district.as_of(date(2019, 6, 1)).filter(kind_then=Kind.VILLAGE).count()
    new = in_district.as_of(date(2020, 6, 1)).filter(kind_then=Kind.VILLAGE).count()
    assert old - new == 1


def test_unit_under_demolition_still_exists_until_dissolved(city, village):
    services.change_status(city, village, Status.DEMOLISHING, date(2019, 5, 1), note="拆迁")
    services.change_status(city, village, Status.DISSOLVED, date(2022, 1, 1))
    assert then(date(2019, 4, 30), village.code) == (Kind.VILLAGE, Status.ACTIVE)
    assert then(date(2020, 4, 1), village.code) == (Kind.VILLAGE, Status.DEMOLISHING)
    assert then(date(2022, 1, 1), village.code) is None
    periods = sorted(
        village.statuses.values_list("status", "valid_from", "valid_to"),
        key=lambda p: p[1] or date.min,
    )
    assert periods == [
        (Status.ACTIVE, None, date(2019, 5, 1)),
        (Status.DEMOLISHING, date(2019, 5, 1), date(2022, 1, 1)),
        (Status.DISSOLVED, date(2022, 1, 1), None),
    ]
    # Several periods, one row: as_of does not repeat a unit.
    assert Region.objects.as_of(date(2020, 4, 1)).filter(code=village.code).count() == 1


def test_as_of_respects_the_data_scope(city, hexi, community, village):
    services.change_status(city, community, Status.DEMOLISHING, date(2020, 1, 1))
    seen = Region.objects.visible_to(hexi).as_of(date(2020, 6, 1))
    assert seen.filter(code=community.code).get().status_then == Status.DEMOLISHING
    assert not seen.filter(code=village.code).exists()  # 西青区 is not hexi's
    assert (
        seen.count() == Region.objects.filter(path__startswith="120000000000/120103000000/").count()
    )


def test_status_change_must_move_forward(city, village):
    services.change_status(city, village, Status.DEMOLISHING, date(2020, 1, 1))
    for day in (date(2020, 1, 1), date(2019, 1, 1)):
        with pytest.raises(ValidationError) as caught:
            services.change_status(city, village, Status.DISSOLVED, day)
        assert "valid_from" in caught.value.message_dict
        assert "2020-01-01" in caught.value.message_dict["valid_from"][0]
    assert village.statuses.count() == 2


def test_unknown_status_is_refused(city, village):
    with pytest.raises(ValidationError) as caught:
        services.change_status(city, village, "vanished", date(2020, 1, 1))
    assert "status" in caught.value.message_dict
    assert village.statuses.count() == 1


def test_status_change_outside_scope_or_read_only_is_refused(hexi, inspector, village, community):
    with pytest.raises(PermissionDenied):
        services.change_status(hexi, village, Status.DISSOLVED, date(2021, 1, 1))
    with pytest.raises(PermissionDenied):
        services.change_status(inspector, community, Status.DISSOLVED, date(2021, 1, 1))
    assert RegionStatus.objects.filter(region__in=[village, community]).count() == 2
    assert Region.objects.get(pk=community.pk).status == Status.ACTIVE


def test_status_change_is_audited(hexi, community):
    services.change_status(hexi, community, Status.DEMOLISHING, date(2020, 3, 1), note="棚改")
    log = AuditLog.objects.filter(action="status", target_id=str(community.pk)).get()
    assert log.actor == hexi
    assert log.changes == {"status": [Status.ACTIVE, Status.DEMOLISHING]}
    assert log.note == "2020-03-01 棚改"
    assert log.region_path == community.path


def test_history_is_shown_oldest_first_on_every_database(city, hexi, community, login):
    """The imported period has no start date ("since before the records"): it comes first, on
    PostgreSQL too (which sorts NULLs last by default)."""
    services.change_status(city, community, Status.DEMOLISHING, date(2019, 5, 1), note="拆迁")
    services.change_status(city, community, Status.DISSOLVED, date(2022, 1, 1))
    history = login(hexi).get(f"/api/v1/regions/{community.code}").json()["history"]
    assert [p["status"] for p in history] == [Status.ACTIVE, Status.DEMOLISHING, Status.DISSOLVED]
    page = login(hexi).get(f"/regions/{community.code}/")
    assert [p.status for p in page.context["history"]] == [
        Status.ACTIVE,
        Status.DEMOLISHING,
        Status.DISSOLVED,
    ]
