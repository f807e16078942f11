"""Level records are periods: each ends where the next of its center's level starts, however
they were added (one by one, backdated, or in bulk)."""

from datetime import date

import pytest

from lianxin.centers.models import Level, LevelRecord
from lianxin.core.tests.factories import HEXI_VILLAGE, make_center, region

pytestmark = pytest.mark.django_db


def add(center, on, ok, level=Level.AREA):
    return LevelRecord.objects.create(
        center=center,
        region_path=center.region_path,
        level=level,
        compliant=ok,
        effective_on=on,
        source="campaign",
    )


def spans(center, level=Level.AREA):
    return list(
        LevelRecord.objects.filter(center=center, level=level)
        .order_by("effective_on", "id")
        .values_list("effective_on", "valid_to", "compliant")
    )


@pytest.fixture
def center(db):
    return make_center(region(HEXI_VILLAGE))


def test_each_record_ends_where_the_next_starts(center):
    add(center, date(2019, 1, 1), False)
    add(center, date(2020, 1, 1), True)
    assert spans(center) == [
        (date(2019, 1, 1), date(2020, 1, 1), False),
        (date(2020, 1, 1), None, True),
    ]


def test_a_backdated_record_slots_in_between(center):
    add(center, date(2019, 1, 1), False)
    add(center, date(2021, 1, 1), True)
    backdated = add(center, date(2020, 6, 1), True)
    assert backdated.valid_to == date(2021, 1, 1)
    assert spans(center) == [
        (date(2019, 1, 1), date(2020, 6, 1), False),
        (date(2020, 6, 1), date(2021, 1, 1), True),
        (date(2021, 1, 1), None, True),
    ]


def test_levels_are_separate_and_on_finds_one_per_level(center):
    add(center, date(2019, 1, 1), False)
    add(center, date(2019, 5, 1), True, Level.RENOVATION)
    add(center, date(2020, 1, 1), True)
    on = LevelRecord.objects.on(date(2019, 6, 1)).filter(center=center)
    assert sorted(on.values_list("level", "compliant")) == [("area", False), ("renovation", True)]


def test_bulk_create_keeps_the_periods(center):
    LevelRecord.objects.bulk_create(
        [
            LevelRecord(
                center=center,
                region_path=center.region_path,
                level=Level.USE,
                compliant=ok,
                effective_on=on,
                source="campaign",
            )
            for on, ok in [(date(2020, 1, 1), True), (date(2019, 1, 1), False)]
        ]
    )
    assert spans(center, Level.USE) == [
        (date(2019, 1, 1), date(2020, 1, 1), False),
        (date(2020, 1, 1), None, True),
    ]
