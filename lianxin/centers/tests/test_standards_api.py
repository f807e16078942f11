"""The standards API: rule sets for city administrators, renovation and area findings within
scope, inspections and follow-ups read in scope."""

import pytest

from lianxin.centers.models import Level, LevelRecord, RuleSet
from lianxin.core.tests.factories import HEXI_VILLAGE, NANKAI_VILLAGE, make_center, region

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def hexi_center(db):
    return make_center(region(HEXI_VILLAGE), households=1000, floor_area="400")


@pytest.fixture
def nankai_center(db):
    return make_center(region(NANKAI_VILLAGE))


def test_rule_sets_are_listed_and_the_one_in_force_found(hexi, login):
    client = login(hexi)
    codes = [r["code"] for r in client.get("/api/v1/standards/rulesets").json()]
    assert codes == ["tj-current", "tj-2008"]
    in_force = client.get("/api/v1/standards/rulesets?as_of=2015-06-01").json()
    assert [r["code"] for r in in_force] == ["tj-2008"]


def test_only_the_city_creates_rule_sets(city, hexi, login):
    body = {
        "code": "tj-2030",
        "name": "2030 标准",
        "valid_from": "2030-01-01",
        "village_min_area": "350",
    }
    refused = login(hexi).post("/api/v1/standards/rulesets", body, content_type=JSON)
    assert refused.status_code == 403
    assert not RuleSet.objects.filter(code="tj-2030").exists()
    created = login(city).post("/api/v1/standards/rulesets", body, content_type=JSON)
    assert created.status_code == 201, created.content
    assert created.json()["village_min_area"] == "350.00"


def test_a_stale_rule_set_edit_is_a_conflict(city, login):
    client = login(city)
    current = client.get("/api/v1/standards/rulesets/tj-current").json()
    ok = client.patch(
        "/api/v1/standards/rulesets/tj-current",
        {"version": current["version"], "note": "第一次"},
        content_type=JSON,
    )
    assert ok.status_code == 200 and ok.json()["version"] == current["version"] + 1
    stale = client.patch(
        "/api/v1/standards/rulesets/tj-current",
        {"version": current["version"], "note": "过期"},
        content_type=JSON,
    )
    assert stale.status_code == 409


def test_a_bad_threshold_names_the_field(city, login):
    response = login(city).post(
        "/api/v1/standards/rulesets",
        {"code": "bad", "name": "坏", "valid_from": "2030-01-01", "village_min_area": "-5"},
        content_type=JSON,
    )
    assert response.status_code == 422
    assert "village_min_area" in response.json()["errors"]


def test_renovation_recorded_in_scope_only(hexi, hexi_center, nankai_center, login):
    client = login(hexi)
    mine = client.post(
        f"/api/v1/standards/centers/{hexi_center.pk}/renovation",
        {"accepted_on": "2024-05-01", "note": "验收"},
        content_type=JSON,
    )
    assert mine.status_code == 201 and mine.json()["level"] == Level.RENOVATION
    theirs = client.post(
        f"/api/v1/standards/centers/{nankai_center.pk}/renovation",
        {"accepted_on": "2024-05-01"},
        content_type=JSON,
    )
    assert theirs.status_code == 404
    assert not LevelRecord.objects.filter(center=nankai_center).exists()
    records = client.get(f"/api/v1/standards/centers/{hexi_center.pk}/records").json()
    assert [(r["level"], r["since"]) for r in records] == [("renovation", "2024-05-01")]


def test_assess_area_uses_the_rule_in_force(hexi, hexi_center, login):
    response = login(hexi).post(
        f"/api/v1/standards/centers/{hexi_center.pk}/assess-area", content_type=JSON
    )
    assert response.status_code == 201
    body = response.json()
    # 1,000 households × 30 m² per 100 = 300 m² required; 400 m² built.
    assert (body["rule_set"], body["required_area"], body["compliant"]) == (
        "tj-current",
        "300.00",
        True,
    )


def test_the_inspector_reads_but_cannot_record(inspector, hexi_center, login):
    client = login(inspector)
    assert client.get(f"/api/v1/standards/centers/{hexi_center.pk}/records").status_code == 200
    refused = client.post(
        f"/api/v1/standards/centers/{hexi_center.pk}/renovation",
        {"accepted_on": "2024-05-01"},
        content_type=JSON,
    )
    assert refused.status_code == 403


def test_checklists_carry_their_items(hexi, login):
    checklist = login(hexi).get("/api/v1/standards/checklists/ten-haves").json()
    assert len(checklist["items"]) == 14
    assert checklist["items"][0]["code"] == "signage" and checklist["items"][0]["required"]


def test_inspections_and_follow_ups_filter_by_region(city, hexi_center, nankai_center, login):
    from datetime import date

    from lianxin.centers.models import Checklist, FollowUp, Inspection, InspectionItem

    checklist = Checklist.objects.get(code="ten-haves")
    for center in (hexi_center, nankai_center):
        inspection = Inspection.objects.create(
            center=center,
            region_path=center.region_path,
            checklist=checklist,
            inspected_on=date(2024, 5, 1),
            score=50,
            passed=False,
            signature=f"签名{center.pk}",
        )
        item = InspectionItem.objects.create(
            inspection=inspection, item=checklist.items.first(), result="fail"
        )
        FollowUp.objects.create(
            center=center, region_path=center.region_path, inspection_item=item, description="x"
        )
    client = login(city)
    for url in ("/api/v1/standards/inspections", "/api/v1/standards/follow-ups"):
        both = {r["center_id"] for r in client.get(url).json()}
        assert {hexi_center.pk, nankai_center.pk} <= both
        for code, center in (("120103", hexi_center), ("120104000000", nankai_center)):
            rows = client.get(f"{url}?region={code}").json()
            assert {r["center_id"] for r in rows} == {center.pk}, (url, code)
