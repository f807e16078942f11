"""One window receives every item and routes it: an item the district devolved to communities is
concluded at the center; any other is received here and concluded by the street."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianxin.core.tests.factories import (
    HEXI,
    HEXI_STREET,
    HEXI_VILLAGE,
    NANKAI_VILLAGE,
    make_center,
)
from lianxin.core.tests.factories import region as get
from lianxin.services import queries, services
from lianxin.services.models import Status
from lianxin.services.tests import factories as f


@pytest.fixture
def center(db):
    return f.center_of(get(HEXI_VILLAGE))


def test_devolved_item_is_concluded_at_the_center(center, center_staff, street_staff):
    item = f.item(materials=())
    f.devolution(get(HEXI), item, level="community", mode="concluded_here")
    assert queries.offering(center, item) == ("community", "concluded_here")
    app = f.application(center, item_obj=item)
    assert (app.handling_level, app.handling_mode) == ("community", "concluded_here")
    services.transition(center_staff, app, Status.ACCEPTED)
    services.transition(center_staff, app, Status.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.transition(center_staff, app, Status.TRANSFERRED, note="x")
    done = services.transition(center_staff, app, Status.CONCLUDED, result="已办结")
    assert done.status == Status.CONCLUDED


def test_street_item_is_transferred_and_only_the_street_concludes(center, center_staff):
    item = f.item(materials=())  # no devolution: received here, concluded by the street
    assert queries.offering(center, item) == ("community", "received_here")
    app = f.application(center, item_obj=item)
    services.transition(center_staff, app, Status.ACCEPTED)
    services.transition(center_staff, app, Status.TRANSFERRED, note="转大营门街道")
    with pytest.raises(PermissionDenied):
        services.transition(center_staff, app, Status.CONCLUDED, result="x")
    upper = f.street_unit_staff()
    done = services.transition(upper, app, Status.CONCLUDED, result="街道已办结")
    assert done.status == Status.CONCLUDED and done.result == "街道已办结"


def test_a_transfer_notifies_the_streets_staff(center, center_staff):
    from lianxin.core.models import Notification

    upper = f.street_unit_staff()
    app = f.application(center, item_obj=f.item(materials=()))
    services.transition(center_staff, app, Status.ACCEPTED)
    services.transition(center_staff, app, Status.TRANSFERRED, note="转街道")
    assert Notification.objects.filter(recipient=upper, target_id=str(app.pk)).exists()


def test_devolution_of_another_district_does_not_apply(center):
    item = f.item(materials=())
    f.devolution(get(NANKAI_VILLAGE[:6]), item, level="community", mode="concluded_here")
    assert queries.offering(center, item) == ("community", "received_here")
    nankai_center = f.center_of(get(NANKAI_VILLAGE))
    assert queries.offering(nankai_center, item) == ("community", "concluded_here")


def test_devolution_has_dates(center, root):
    item = f.item(materials=())
    f.devolution(get(HEXI), item, valid_from=date(2026, 3, 1))
    assert queries.offering(center, item, date(2026, 2, 28)) == ("community", "received_here")
    assert queries.offering(center, item, date(2026, 3, 1)) == ("community", "concluded_here")
    # A new setting from 2026-09-01 ends the old one that day.
    services.devolve(
        root,
        get(HEXI),
        item,
        level="street",
        handling_mode="concluded_here",
        valid_from=date(2026, 9, 1),
    )
    old = item.devolutions.get(valid_from=date(2026, 3, 1))
    assert old.valid_to == date(2026, 9, 1)
    # At the street level: the community window receives it and the street concludes.
    assert queries.offering(center, item, date(2026, 9, 2)) == ("community", "received_here")


def test_a_streets_own_center_concludes_by_default(db):
    street_center = make_center(get(HEXI_STREET))
    item = f.item(materials=())
    assert queries.offering(street_center, item) == ("street", "concluded_here")


def test_items_at_lists_every_active_item_devolved_first(center):
    plain = f.item(materials=())
    devolved = f.item(materials=())
    retired = f.item(materials=(), active=False)
    f.devolution(get(HEXI), devolved)
    rows = queries.items_at(center)
    items = [r[0] for r in rows]
    assert retired not in items
    assert items.index(devolved) < items.index(plain)
    assert dict((r[0].pk, r[2]) for r in rows)[devolved.pk] == "concluded_here"
    assert dict((r[0].pk, r[2]) for r in rows)[plain.pk] == "received_here"


def test_a_banned_certificate_cannot_be_devolved_to_communities(root):
    from lianxin.services.models import CertificateKind

    banned = CertificateKind.objects.get(code="kinship")  # seeded by the migration
    allowed = CertificateKind.objects.get(code="residence")
    cert = f.item(materials=(), item_type="certificate", certificate_kind=banned)
    with pytest.raises(ValidationError) as exc:
        f.devolution(get(HEXI), cert, level="community")
    assert (
        "level" in exc.value.message_dict and "亲属关系证明" in exc.value.message_dict["level"][0]
    )
    assert not cert.devolutions.exists()
    # At street level it is fine; and an allowed kind goes to communities.
    assert f.devolution(get(HEXI), cert, level="street").pk
    ok = f.item(materials=(), item_type="certificate", certificate_kind=allowed)
    assert f.devolution(get(HEXI), ok, level="community").pk


def test_a_devolved_item_cannot_be_switched_to_a_banned_certificate(root):
    from lianxin.services.models import CertificateKind

    item = f.item(
        materials=(),
        item_type="certificate",
        certificate_kind=CertificateKind.objects.get(code="residence"),
    )
    f.devolution(get(HEXI), item, level="community")
    with pytest.raises(ValidationError) as exc:
        services.save_item(
            root, item, {"certificate_kind": CertificateKind.objects.get(code="education")}
        )
    assert "certificate_kind" in exc.value.message_dict
    item.refresh_from_db()
    assert item.certificate_kind.code == "residence"


def test_a_district_devolves_only_in_its_own_district(hexi):
    item = f.item(materials=())
    with pytest.raises(PermissionDenied):
        services.devolve(
            hexi, get(NANKAI_VILLAGE[:6]), item, level="community", handling_mode="concluded_here"
        )
    with pytest.raises(ValidationError):
        services.devolve(
            hexi, get(HEXI_STREET), item, level="community", handling_mode="concluded_here"
        )
