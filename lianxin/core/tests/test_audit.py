"""The audit log (rule 4): every service write records who, what, before → after; through a view
it also records where from (the request middleware)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from lianxin.centers import services as center_services
from lianxin.centers.models import Center
from lianxin.core import audit
from lianxin.core.models import AuditLog

from .factories import HEXI_POINT, HEXI_VILLAGE, NANKAI_POINT, NANKAI_VILLAGE, make_center, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def center():
    return make_center(region(HEXI_VILLAGE), floor_area=Decimal("250.00"), households=800)


def latest(**filters):
    return AuditLog.objects.filter(**filters).order_by("-id").first()


def test_service_write_records_actor_and_before_after(center, hexi):
    center_services.update_center(hexi, center, {"floor_area": Decimal("312.5"), "households": 800})
    # A changed area is assessed against the standard, and that finding is audited too.
    assert latest(target_id=str(center.pk)).action == "assess_area"
    log = latest(target_type="centers.center", target_id=str(center.pk), action="update")
    assert log.actor == hexi and log.actor_repr == "hexi"
    assert log.action == "update"
    # Only what changed, as [before, after], Decimals as exact strings.
    assert log.changes == {"floor_area": ["250.00", "312.50"]}
    assert log.target_repr == center.name
    assert log.region_path == center.region_path
    assert log.ip is None and log.user_agent == ""  # not through a request
    assert log.at is not None


def test_no_change_writes_no_audit_row(center, hexi):
    count = AuditLog.objects.count()
    center_services.update_center(hexi, center, {"households": 800})
    assert AuditLog.objects.count() == count


def test_failed_write_leaves_no_audit_row(center, hexi):
    count = AuditLog.objects.count()
    with pytest.raises(ValidationError):
        center_services.update_center(
            hexi, center, {"longitude": NANKAI_POINT[0], "latitude": NANKAI_POINT[1]}
        )
    assert AuditLog.objects.count() == count


def test_write_through_a_view_records_ip_and_client(center, hexi, login):
    client = login(hexi)
    response = client.post(
        f"/centers/{center.pk}/edit/",
        {
            "version": center.version,
            "name": center.name,
            "floor_area": "333.30",
            "households": "800",
            "longitude": str(HEXI_POINT[0]),
            "latitude": str(HEXI_POINT[1]),
        },
        REMOTE_ADDR="10.20.30.40",
        HTTP_USER_AGENT="pytest-audit/1.0",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    log = latest(target_type="centers.center", target_id=str(center.pk), action="update")
    assert log is not None
    assert log.actor == hexi
    assert log.ip == "10.20.30.40"
    assert log.user_agent == "pytest-audit/1.0"
    assert log.changes["floor_area"] == ["250.00", "333.30"]
    assert log.changes["longitude"] == [None, str(HEXI_POINT[0])]


def test_api_write_records_ip(center, hexi, login):
    response = login(hexi).patch(
        f"/api/v1/centers/{center.pk}",
        {"version": center.version, "households": 900},
        content_type="application/json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 200, response.content
    log = latest(target_id=str(center.pk), action="update")
    assert (log.ip, log.changes) == ("10.9.8.7", {"households": [800, 900]})


def test_the_request_context_does_not_outlive_the_request(center, hexi, login):
    login(hexi).get("/centers/", REMOTE_ADDR="10.1.1.1")
    center_services.update_center(hexi, Center.objects.get(pk=center.pk), {"households": 1})
    assert latest(target_id=str(center.pk)).ip is None


def test_personal_data_never_enters_the_log_in_clear(resident, resident_phone):
    snap = audit.snapshot(resident)
    assert snap["phone_encrypted"] == "***" and snap["phone_digest"] == "***"
    assert snap["password"] == "***"
    created = latest(action="create", target_id=str(resident.pk))
    assert created.changes == {"phone": [None, "138****5678"]}
    for row in AuditLog.objects.all():
        assert resident_phone not in json.dumps(row.changes) + row.target_repr + row.note


def test_district_admin_reads_only_its_own_trail(hexi, nankai, login):
    mine = make_center(region(HEXI_VILLAGE))
    theirs = make_center(region(NANKAI_VILLAGE))
    center_services.update_center(hexi, mine, {"address": "河西审计地址甲"})
    center_services.update_center(nankai, theirs, {"address": "南开审计地址乙"})
    body = login(hexi).get("/audit/").content.decode()
    assert mine.name in body
    assert theirs.name not in body and "nankai" not in body


def test_audit_page_needs_an_administering_role(street_staff, inspector, login):
    for user in (street_staff, inspector):
        assert login(user).get("/audit/").status_code == 403


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [([], "10.9.8.7"), (["10.9.8.7"], "203.0.113.5")],
    ids=["forged-header-ignored", "behind-trusted-proxy"],
)
def test_forwarded_for_is_believed_only_from_a_trusted_proxy(
    center, hexi, login, settings, trusted, expected
):
    settings.TRUSTED_PROXIES = trusted
    response = login(hexi).patch(
        f"/api/v1/centers/{center.pk}",
        {"version": center.version, "households": 901},
        content_type="application/json",
        REMOTE_ADDR="10.9.8.7",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5",
    )
    assert response.status_code == 200, response.content
    assert latest(target_id=str(center.pk), action="update").ip == expected


def test_the_audit_page_names_actions_and_hides_the_search_index(center, hexi, login):
    center_services.update_center(hexi, center, {"name": "改名后的中心"})
    page = login(hexi).get("/audit/?action=update").content.decode()
    assert '<option value="update" selected>修改</option>' in page
    assert ">修改</span>" in page and "改名后的中心" in page
    assert "search_text" not in page
