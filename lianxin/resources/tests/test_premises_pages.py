"""The premises and matching pages and API: list filters, the form's errors and version
conflict, running matching from the page, accepting and rejecting, the API's status codes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lianxin.campaign.tests import factories as campaign_f
from lianxin.core.tests.factories import HEXI, HEXI_VILLAGE, NANKAI
from lianxin.resources.models import Availability, Premises, Proposal, ProposalStatus

from .factories_premises import make_premises, short_center

pytestmark = pytest.mark.django_db


def test_list_filters_and_sort(hexi, login, region):
    make_premises(region(HEXI), code="A-1", name="甲房源", kind="supporting", floor_area=100)
    make_premises(region(HEXI_VILLAGE), code="A-2", name="乙房源", floor_area=300)
    make_premises(region(NANKAI), code="N-1", name="南开房源")
    client = login(hexi)
    body = client.get("/resources/premises/").content.decode()
    assert "甲房源" in body and "乙房源" in body and "南开房源" not in body
    body = client.get("/resources/premises/?kind=supporting").content.decode()
    assert "甲房源" in body and "乙房源" not in body
    body = client.get("/resources/premises/?q=A-2").content.decode()
    assert "乙房源" in body and "甲房源" not in body
    body = client.get("/resources/premises/?sort=-area").content.decode()
    assert body.index("乙房源") < body.index("甲房源")
    body = client.get("/resources/premises/?availability=reserved").content.decode()
    assert "甲房源" not in body


def test_form_errors_and_conflict(hexi, login, region):
    obj = make_premises(region(HEXI_VILLAGE), code="A-9")
    client = login(hexi)
    data = {
        "version": 1,
        "kind": obj.kind,
        "code": obj.code,
        "name": obj.name,
        "address": obj.address,
        "region": obj.region_id,
        "longitude": "117.149808",
        "latitude": "39.107359",
        "floor_area": "0",
        "owner": "",
        "condition": "good",
    }
    response = client.post(f"/resources/premises/{obj.pk}/edit/", data)
    body = response.content.decode()
    assert response.status_code == 200 and "建筑面积须大于 0" in body
    data |= {"floor_area": "220"}
    body = client.post(f"/resources/premises/{obj.pk}/edit/", data).content.decode()
    assert "不在本区范围内" in body
    data |= {"longitude": str(obj.longitude), "latitude": str(obj.latitude)}
    assert client.post(f"/resources/premises/{obj.pk}/edit/", data).status_code == 302
    response = client.post(f"/resources/premises/{obj.pk}/edit/", data | {"floor_area": "230"})
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    assert Premises.objects.get(pk=obj.pk).floor_area == Decimal("220.00")


def test_new_page(street_staff, inspector, login, region):
    assert login(inspector).get("/resources/premises/new/").status_code == 403
    response = login(street_staff).get("/resources/premises/new/")
    assert response.status_code == 200 and "大营门街道" in response.content.decode()


def test_matching_journey_on_the_pages(hexi, login, region):
    center = short_center(region(HEXI_VILLAGE))
    plan = campaign_f.plan(region(HEXI_VILLAGE))
    make_premises(region(HEXI_VILLAGE), code="HX-P1", floor_area=Decimal("240"), offset=1)
    client = login(hexi)
    page = client.get("/resources/matching/").content.decode()
    assert 'value="120103000000" selected' in page
    response = client.post("/resources/matching/", {"region": HEXI, "max_distance_m": 1500})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "HX-P1" in page and center.name in page and "120.00 + 240.00 → 360.00" in page
    proposal = Proposal.objects.get()
    response = client.post(f"/resources/matching/proposals/{proposal.pk}/accept/")
    assert response.status_code == 302
    plan.refresh_from_db()
    assert "HX-P1" in plan.premises
    assert Premises.objects.get(code="HX-P1").availability == Availability.RESERVED
    # accept again: a clear message, nothing changes
    page = client.post(
        f"/resources/matching/proposals/{proposal.pk}/accept/", follow=True
    ).content.decode()
    assert "不能再采纳" in page


def test_reject_page_needs_a_reason(hexi, login, region):
    short_center(region(HEXI_VILLAGE))
    make_premises(region(HEXI_VILLAGE), code="HX-P2", offset=1)
    client = login(hexi)
    client.post("/resources/matching/", {"region": HEXI, "max_distance_m": 1500})
    proposal = Proposal.objects.get()
    response = client.post(f"/resources/matching/proposals/{proposal.pk}/reject/", {"reason": ""})
    assert response.status_code == 200 and "请填写否决理由" in response.content.decode()
    client.post(f"/resources/matching/proposals/{proposal.pk}/reject/", {"reason": "位置不便"})
    proposal.refresh_from_db()
    assert (proposal.status, proposal.reason) == (ProposalStatus.REJECTED, "位置不便")


def test_matching_page_for_read_only_and_bad_input(inspector, hexi, login):
    assert "区级或市级管理员" in login(inspector).get("/resources/matching/").content.decode()
    assert login(inspector).post("/resources/matching/", {"region": HEXI}).status_code == 403
    body = login(hexi).post("/resources/matching/", {"region": HEXI, "max_distance_m": "x"})
    assert body.status_code == 200


def test_api(hexi, nankai, login, region):
    center = short_center(region(HEXI_VILLAGE))
    p = make_premises(region(HEXI_VILLAGE), code="HX-A1", offset=1)
    client = login(hexi)
    data = client.get("/api/v1/resources/premises?q=HX-A1").json()
    assert data["count"] == 1 and data["items"][0]["code"] == "HX-A1"
    response = client.patch(
        f"/api/v1/resources/premises/{p.pk}",
        {"version": 1, "floor_area": "0"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "floor_area" in response.json()["errors"]
    response = client.patch(
        f"/api/v1/resources/premises/{p.pk}",
        {"version": 9, "name": "新名"},
        content_type="application/json",
    )
    assert response.status_code == 409
    response = client.post(
        "/api/v1/resources/matching/runs", {"max_distance_m": 1500}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["region"]["code"] == HEXI and run["proposals"][0]["center_id"] == center.pk
    pid = run["proposals"][0]["id"]
    assert (
        login(nankai).post(f"/api/v1/resources/matching/proposals/{pid}/accept").status_code == 404
    )
    response = client.post(
        f"/api/v1/resources/matching/proposals/{pid}/reject",
        {"reason": ""},
        content_type="application/json",
    )
    assert response.status_code == 422
    response = client.post(f"/api/v1/resources/matching/proposals/{pid}/accept")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert client.get(f"/api/v1/resources/premises/{p.pk}").json()["availability"] == "reserved"
    response = client.post(
        f"/api/v1/resources/premises/{p.pk}/assign", {}, content_type="application/json"
    )
    assert response.json()["availability"] == "assigned"
