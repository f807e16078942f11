"""An administrator's corrections keep a unit at its level and its status history honest."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lianxin.regions import services
from lianxin.regions.models import Kind, Region

pytestmark = pytest.mark.django_db


def test_a_kind_from_another_level_is_refused(city):
    district = Region.objects.get(code="120103000000")
    with pytest.raises(ValidationError) as exc:
        services.correct_kind(city, district, Kind.VILLAGE)
    assert "kind" in exc.value.message_dict
    district.refresh_from_db()
    assert district.kind == Kind.DISTRICT and not district.kind_corrected


def test_a_kind_of_the_same_level_is_accepted(city):
    unit = Region.objects.get(code="120103001001")
    services.correct_kind(city, unit, Kind.VILLAGE, note="核实")
    unit.refresh_from_db()
    assert (unit.kind, unit.kind_corrected) == (Kind.VILLAGE, True)


def test_a_status_from_tomorrow_is_refused(city):
    unit = Region.objects.get(code="120103001001")
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError):
        services.change_status(city, unit, "demolishing", tomorrow)
    assert unit.statuses.count() == 1
