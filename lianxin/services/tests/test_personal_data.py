"""ID numbers and phones: encrypted at rest, masked by default, revealed only to staff whose
writing scope covers the case, and every reveal logged."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import HEXI_VILLAGE
from lianxin.services import services
from lianxin.services.tests import factories as f


@pytest.fixture
def app(region):
    return f.application(f.center_of(region(HEXI_VILLAGE)), item_obj=f.item(materials=()))


def test_the_raw_columns_do_not_contain_the_numbers(app):
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id_number_encrypted, phone_encrypted, id_number_digest, form_data "
            "FROM services_application WHERE id = %s",
            [app.pk],
        )
        row = [str(v) for v in cur.fetchone()]
    for value in row:
        assert f.ID_NUMBER not in value and f.ID_NUMBER[:14] not in value
        assert f.PHONE not in value
    assert app.id_number == f.ID_NUMBER and app.phone == f.PHONE  # decrypts


def test_masking(app):
    assert app.id_number_masked == "110105********002X"
    assert app.phone_masked == "139****1111"


def test_the_audit_log_never_holds_the_numbers(app):
    for log in AuditLog.objects.filter(target_id=str(app.pk)):
        assert f.ID_NUMBER not in str(log.changes) and f.PHONE not in str(log.changes)


@pytest.mark.parametrize("who", ["center_staff", "street_staff", "hexi", "city"])
def test_staff_covering_the_case_may_reveal_and_it_is_logged(request, app, who):
    user = request.getfixturevalue(who)
    assert services.reveal_id_number(user, app) == f.ID_NUMBER
    log = AuditLog.objects.filter(action="view", target_id=str(app.pk)).get()
    assert log.actor == user and f.ID_NUMBER not in log.note


@pytest.mark.parametrize("who", ["nankai", "inspector", "norole", "resident"])
def test_others_may_not_reveal(request, app, who):
    with pytest.raises(PermissionDenied):
        services.reveal_id_number(request.getfixturevalue(who), app)
    assert not AuditLog.objects.filter(action="view", target_id=str(app.pk)).exists()


def test_even_the_applicant_gets_no_reveal_through_this_door(resident, region):
    mine = f.application(
        f.center_of(region(HEXI_VILLAGE)),
        item_obj=f.item(materials=()),
        actor=resident,
        channel="online",
    )
    with pytest.raises(PermissionDenied):
        services.reveal_id_number(resident, mine)
