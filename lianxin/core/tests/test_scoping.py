"""Data scope (rule 1): roles combine by union, 本级 is the unit alone, custom scopes, no role → no
rows, and an edit that would move a row out of the editor's scope is refused and rolled back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lianxin.accounts import services as accounts
from lianxin.accounts.models import DataScope
from lianxin.centers import services as center_services
from lianxin.centers.models import Center, Room, RoomType
from lianxin.core.models import AuditLog
from lianxin.core.scoping import CHANGE, Scope, _outermost, scope_for
from lianxin.core.services import update_fields
from lianxin.regions.models import Level, Region

from .factories import (
    HEXI_STREET,
    HEXI_STREET_2,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    NANKAI_STREET,
    NANKAI_VILLAGE,
    make_center,
    region,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def centers():
    """One center per unit: two villages of 大营门街道, one of 下瓦房街道, two of 长虹街道 (南开),
    and the street-level center of 大营门街道."""
    codes = [
        HEXI_VILLAGE,
        HEXI_VILLAGE_2,
        "120103002001",
        NANKAI_VILLAGE,
        "120104001003",
        HEXI_STREET,
    ]
    return {code: make_center(region(code)) for code in codes}


def visible_codes(user, action="view"):
    return set(Center.objects.visible_to(user, action).values_list("region__code", flat=True))


def new_staff(city, username="multi"):
    return accounts.create_staff(
        city, username=username, password="x-Password-9", org_unit=region("120103")
    )


def test_district_admin_sees_the_whole_district(centers, hexi):
    assert visible_codes(hexi) == {HEXI_VILLAGE, HEXI_VILLAGE_2, "120103002001", HEXI_STREET}


def test_roles_combine_by_union(centers, city):
    user = new_staff(city)
    accounts.assign_role(city, user, "street_staff", region(HEXI_STREET))
    accounts.assign_role(city, user, "center_staff", region(NANKAI_VILLAGE), DataScope.UNIT)
    assert visible_codes(user) == {HEXI_VILLAGE, HEXI_VILLAGE_2, HEXI_STREET, NANKAI_VILLAGE}
    # A read-only role adds to what one sees, never to what one may change.
    accounts.assign_role(city, user, "inspector", region(HEXI_STREET_2))
    user.refresh_from_db()
    user.forget_grants()
    assert "120103002001" in visible_codes(user)
    assert "120103002001" not in visible_codes(user, CHANGE)
    assert NANKAI_VILLAGE in visible_codes(user, CHANGE)


def test_unit_scope_is_the_unit_alone(centers, center_staff):
    assert visible_codes(center_staff) == {HEXI_VILLAGE}
    assert list(Region.objects.visible_to(center_staff).values_list("code", flat=True)) == [
        HEXI_VILLAGE
    ]


def test_unit_scope_on_a_street_is_the_street_alone(centers, hexi):
    """本级 on a street: the street's own center, not its villages'."""
    user = new_staff(hexi, "unitst")
    accounts.assign_role(hexi, user, "street_staff", region(HEXI_STREET), DataScope.UNIT)
    assert visible_codes(user) == {HEXI_STREET}


def test_custom_scope_is_the_chosen_units_and_below(centers, city):
    user = new_staff(city, "custom")
    accounts.assign_role(
        city,
        user,
        "inspector",
        region("120000"),
        DataScope.CUSTOM,
        custom_regions=[region(HEXI_STREET_2), region(NANKAI_STREET)],
    )
    assert visible_codes(user) == {"120103002001", NANKAI_VILLAGE, "120104001003"}
    # Custom scope does not fall back to the assignment's own unit (the whole city).
    assert not Region.objects.visible_to(user).filter(code="120000000000").exists()


def test_roles_are_read_once_per_user_and_every_scope_follows(
    centers, city, django_assert_num_queries
):
    user = new_staff(city, "twice")
    accounts.assign_role(city, user, "street_staff", region(HEXI_STREET))
    accounts.assign_role(
        city, user, "inspector", region("120000"), DataScope.CUSTOM, [region(NANKAI_STREET)]
    )
    user = type(user).objects.get(pk=user.pk)
    # The assignments, then the custom units (there is a custom scope): two queries for all.
    with django_assert_num_queries(2):
        view, change = user.compute_scope("view"), user.compute_scope(CHANGE)
        assert user.has_role("inspector") and not user.has_role("district_admin")
    assert region(NANKAI_STREET).path in view.subtree
    assert change.subtree == {region(HEXI_STREET).path}
    # A role granted afterwards counts at once for the object it was granted to.
    accounts.assign_role(city, user, "district_admin", region("120104"))
    assert user.has_role("district_admin")
    assert region("120104").path in user.compute_scope(CHANGE).subtree


def test_no_role_no_rows(centers, norole, resident):
    for user in (norole, resident):
        assert visible_codes(user) == set()
        assert not Region.objects.visible_to(user).exists()
        assert not Room.objects.visible_to(user).exists()
        assert not AuditLog.objects.visible_to(user).exists()
        assert scope_for(user).is_empty()


def test_superuser_sees_everything(centers, root):
    assert visible_codes(root) == set(centers)
    assert Region.objects.visible_to(root).count() == Region.objects.count()


def test_roles_are_granted_only_inside_the_grantors_scope(city, hexi, street_staff, resident):
    target = new_staff(city, "target")
    with pytest.raises(PermissionDenied):
        accounts.assign_role(hexi, target, "street_staff", region(NANKAI_STREET))
    with pytest.raises(PermissionDenied):  # street staff do not administer users
        accounts.assign_role(street_staff, target, "center_staff", region(HEXI_VILLAGE))
    with pytest.raises(ValidationError) as caught:
        accounts.assign_role(None, resident, "street_staff", region(HEXI_STREET))
    assert "user" in caught.value.message_dict
    assert not target.role_assignments.exists() and not resident.role_assignments.exists()
    accounts.assign_role(hexi, target, "street_staff", region(HEXI_STREET))
    assert target.role_assignments.count() == 1


def test_moving_a_row_out_of_scope_is_refused_and_rolled_back(centers, hexi):
    center = centers[HEXI_VILLAGE]
    audit_rows = AuditLog.objects.count()
    nankai_path = region(NANKAI_VILLAGE).path
    with pytest.raises(PermissionDenied):
        update_fields(
            hexi,
            center,
            {"region_path": nankai_path, "name": "搬走的中心"},
            expected_version=center.version,
        )
    fresh = Center.objects.get(pk=center.pk)
    assert (fresh.region_path, fresh.name, fresh.version) == (
        region(HEXI_VILLAGE).path,
        centers[HEXI_VILLAGE].region.short_name + "党群服务中心",
        1,
    )
    assert AuditLog.objects.count() == audit_rows
    # The centers service does not even accept the field.
    with pytest.raises(ValidationError) as caught:
        center_services.update_center(hexi, fresh, {"region_path": nankai_path})
    assert "region_path" in caught.value.message_dict


def test_moving_a_room_out_of_scope_is_refused(centers, hexi):
    room = center_services.create_room(
        hexi,
        centers[HEXI_VILLAGE],
        {
            "room_type_id": RoomType.objects.get(code="party_room").pk,
            "name": "党员活动室",
            "area": Decimal("45.5"),
        },
    )
    assert room.region_path == region(HEXI_VILLAGE).path
    with pytest.raises(PermissionDenied):
        update_fields(hexi, room, {"region_path": region(NANKAI_VILLAGE).path})
    assert Room.objects.get(pk=room.pk).region_path == region(HEXI_VILLAGE).path


def test_creating_a_room_outside_scope_is_refused(centers, hexi):
    with pytest.raises(PermissionDenied):
        center_services.create_room(
            hexi,
            centers[NANKAI_VILLAGE],
            {
                "room_type_id": RoomType.objects.get(code="party_room").pk,
                "name": "越界",
                "area": Decimal("20"),
            },
        )
    assert not Room.objects.filter(name="越界").exists()


def test_writing_outside_scope_is_refused(centers, hexi, inspector):
    nankai_center = centers[NANKAI_VILLAGE]
    with pytest.raises(PermissionDenied):
        center_services.update_center(hexi, nankai_center, {"households": 10})
    with pytest.raises(PermissionDenied):  # read-only role inside its own scope
        center_services.update_center(inspector, centers[HEXI_VILLAGE], {"households": 10})
    assert set(
        Center.objects.filter(pk__in=[nankai_center.pk, centers[HEXI_VILLAGE].pk]).values_list(
            "households", flat=True
        )
    ) == {None}


def test_outermost_drops_covered_paths():
    assert _outermost(["1/2/3/", "1/2/", "1/4/", "5/"]) == ["1/2/", "1/4/", "5/"]


@pytest.fixture(scope="module")
def tree_paths(django_db_blocker):
    with django_db_blocker.unblock():
        return list(
            Region.objects.filter(level__lte=Level.TOWNSHIP)
            .values_list("path", flat=True)
            .order_by("path")
        ) + list(
            Region.objects.filter(code__startswith="120103001", level=Level.VILLAGE).values_list(
                "path", flat=True
            )
        )


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_sql_scope_matches_covers_path(db, tree_paths, data):
    """Property: the rows the SQL scope selects are exactly those covers_path accepts."""
    subtree = data.draw(st.frozensets(st.sampled_from(tree_paths), max_size=4))
    exact = data.draw(st.frozensets(st.sampled_from(tree_paths), max_size=3))
    scope = Scope(subtree=subtree, exact=exact)
    q = scope.q(Region, None)
    if q is None:
        assert scope.is_empty()
        return
    selected = set(Region.objects.filter(q).values_list("path", flat=True))
    expected = {p for p in Region.objects.values_list("path", flat=True) if scope.covers_path(p)}
    assert selected == expected


def test_a_city_bulletin_is_read_below_the_city_but_not_across(hexi, nankai, street_staff, city):
    from lianxin.campaign.models import Bulletin
    from lianxin.campaign.tests.factories import _bulletin
    from lianxin.core.scoping import CHANGE
    from lianxin.core.tests.factories import HEXI_VILLAGE, TIANJIN, region

    city_wide = _bulletin(region(TIANJIN))
    hexi_street = _bulletin(region(HEXI_VILLAGE).parent)
    for user in (hexi, nankai, street_staff, city):
        assert Bulletin.objects.visible_to(user).filter(pk=city_wide.pk).exists()
        # Reading is not writing: only the city may act on the city's bulletin.
        may_change = Bulletin.objects.visible_to(user, CHANGE).filter(pk=city_wide.pk).exists()
        assert may_change == (user == city)
    assert Bulletin.objects.visible_to(hexi).filter(pk=hexi_street.pk).exists()
    assert not Bulletin.objects.visible_to(nankai).filter(pk=hexi_street.pk).exists()
