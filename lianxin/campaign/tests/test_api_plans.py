"""The campaign API for campaigns, commitments, plans, milestones and progress reports: scope
(another district's rows are 404), read-only roles (403 on writes), bad input (422 naming the
field, nothing written), concurrent edits (409), and the numbers it reports. The sign-off steps
are in test_signoff.py."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lianxin.campaign import services
from lianxin.campaign.models import Milestone, Plan, ProgressPhoto, ProgressReport
from lianxin.core.models import AuditLog
from lianxin.core.tests.factories import (
    HEXI_STREET,
    HEXI_STREET_2,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    NANKAI_VILLAGE,
)
from lianxin.core.workdays import WorkingCalendar

from . import factories as f

API = "/api/v1/campaign"
CAL = WorkingCalendar()
ESCAPED_CJK = re.compile(rb"\\u[4-9a-f][0-9a-f]{3}", re.IGNORECASE)


def _json(client, method, url, body):
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.fixture
def plans(region):
    """Two plans in 河西区 (two streets) and one in 南开区."""
    return {
        "a": f.plan(region(HEXI_VILLAGE), notes="甲计划"),
        "b": f.plan(region("120103002001"), works_type="build", notes="乙计划"),
        "n": f.plan(region(NANKAI_VILLAGE), notes="南开计划"),
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


# -- campaigns and commitments ------------------------------------------------------------------


def test_campaigns_report_progress_in_the_users_scope(plans, hexi, city, login):
    Plan.objects.filter(pk=plans["a"].pk).update(signed_off_on=date(2020, 3, 2), health="done")
    body = login(hexi).get(f"{API}/campaigns").json()
    (campaign,) = [c for c in body if c["code"] == "test-campaign"]
    assert campaign["progress"]["plans"] == 2 and campaign["progress"]["signed_off"] == 1
    assert campaign["progress"]["done"] == 1
    city_body = login(city).get(f"{API}/campaigns/{campaign['id']}").json()
    assert city_body["progress"]["plans"] == 3 and city_body["region"]["code"] == "120000000000"


def test_commitments_against_actual_progress(plans, hexi, nankai, login, region):
    campaign = f.campaign()
    services.save_commitment(
        hexi,
        campaign,
        region("120103"),
        {"secretary": "河西书记", "target_count": 1, "target_date": date(2020, 4, 30)},
    )
    services.save_commitment(
        nankai,
        campaign,
        region("120104"),
        {"secretary": "南开书记", "target_count": 5, "target_date": date(2020, 4, 30)},
    )
    client = login(hexi)
    (c,) = client.get(f"{API}/campaigns/{campaign.pk}/commitments").json()
    assert c["secretary"] == "河西书记" and c["plans"] == 2
    assert (c["signed_off"], c["signed_off_by_target"], c["met"]) == (0, 0, False)

    Plan.objects.filter(pk=plans["a"].pk).update(signed_off_on=date(2020, 4, 30))
    Plan.objects.filter(pk=plans["b"].pk).update(signed_off_on=date(2020, 5, 6))  # late
    (c,) = client.get(f"{API}/campaigns/{campaign.pk}").json()["commitments"]
    assert (c["signed_off"], c["signed_off_by_target"], c["met"]) == (2, 1, True)
    assert "南开书记" not in client.get(f"{API}/campaigns/{campaign.pk}").content.decode()


def test_setting_a_commitment(hexi, street_staff, inspector, login):
    campaign = f.campaign()
    url = f"{API}/campaigns/{campaign.pk}/commitments"
    body = {"district": "120103", "secretary": "张书记", "target_count": 30}
    response = _json(login(hexi), "post", url, body | {"target_date": "2020-04-30"})
    assert response.status_code == 201, response.content
    assert response.json()["district"] == {"code": "120103000000", "name": "河西区"}
    response = _json(login(hexi), "post", url, {"district": "120103", "target_count": 40})
    assert response.status_code == 200 and response.json()["target_count"] == 40
    assert response.json()["secretary"] == "张书记"  # what was not sent stays

    audits = AuditLog.objects.count()
    assert _json(login(hexi), "post", url, body | {"district": "120104"}).status_code == 404
    # The district is above a street's scope: not even shown to exist.
    assert _json(login(street_staff), "post", url, body).status_code == 404
    assert _json(login(inspector), "post", url, body).status_code == 403
    response = _json(login(hexi), "post", url, body | {"district": HEXI_STREET})
    assert response.status_code == 422 and "district" in response.json()["errors"]
    response = _json(login(hexi), "post", url, body | {"target_count": -1})
    assert response.status_code == 422 and "target_count" in response.json()["errors"]
    assert _json(login(hexi), "post", f"{API}/campaigns/99999/commitments", body).status_code == 404
    assert AuditLog.objects.count() == audits


# -- the plan list ------------------------------------------------------------------------------


def test_plan_list_is_scoped(plans, hexi, street_staff, center_staff, city, norole, login):
    assert _ids(login(hexi).get(f"{API}/plans")) == {plans["a"].pk, plans["b"].pk}
    assert _ids(login(street_staff).get(f"{API}/plans")) == {plans["a"].pk}
    assert _ids(login(center_staff).get(f"{API}/plans")) == {plans["a"].pk}
    assert _ids(login(city).get(f"{API}/plans")) == {p.pk for p in plans.values()}
    assert _ids(login(norole).get(f"{API}/plans")) == set()


def test_plan_list_filters(plans, hexi, street_staff, login):
    client = login(hexi)
    a, b = plans["a"], plans["b"]

    def ids(query):
        return _ids(client.get(f"{API}/plans?{query}"))

    assert ids(f"street={HEXI_STREET}") == {a.pk}
    assert ids(f"street={HEXI_STREET_2}") == {b.pk}
    assert ids("district=120103") == {a.pk, b.pk}
    assert ids("district=120104") == set()
    assert ids(f"region={HEXI_STREET}") == {a.pk}
    assert ids("works_type=build") == {b.pk}
    assert ids(f"campaign={a.campaign_id}") == {a.pk, b.pk}
    assert ids("campaign=99999") == set()

    Plan.objects.filter(pk=b.pk).update(signed_off_on=date(2020, 1, 6), health="done")
    assert ids("signed_off=true") == {b.pk}
    assert ids("signed_off=false") == {a.pk}
    assert ids("health=done") == {b.pk} and ids("health=green") == {a.pk}

    # Overdue: a milestone past its planned completion and not done.
    design = a.milestones.get(code="design")
    Milestone.objects.filter(pk=design.pk).update(due_on=date(2024, 1, 5))
    assert ids("overdue=true") == {a.pk}
    assert ids("overdue=false") == {b.pk}
    services.report_progress(street_staff, design, 100)
    assert ids("overdue=true") == set()


def test_plan_list_search(plans, hexi, login):
    client = login(hexi)
    a = plans["a"]
    assert _ids(client.get(f"{API}/plans?q=九江路")) == {a.pk}
    assert _ids(client.get(f"{API}/plans?q=jjl")) == {a.pk}  # pinyin initials
    assert _ids(client.get(f"{API}/plans?q={HEXI_VILLAGE}")) == {a.pk}  # the unit's code
    assert _ids(client.get(f"{API}/plans?q=乙计划")) == {plans["b"].pk}  # the notes
    assert _ids(client.get(f"{API}/plans?q=南开计划")) == set()  # not in scope


def test_plan_list_pages_and_sorts(plans, city, login):
    client = login(city)
    body = client.get(f"{API}/plans?page_size=2&sort=code").json()
    assert body["count"] == 3 and body["page_size"] == 2 and len(body["items"]) == 2
    second = client.get(f"{API}/plans?page_size=2&page=2&sort=code").json()
    assert len(second["items"]) == 1
    codes = [i["center"]["code"] for i in body["items"] + second["items"]]
    assert codes == sorted(codes)
    assert client.get(f"{API}/plans?page_size=100000").json()["page_size"] == 500
    assert client.get(f"{API}/plans?page=0").json()["page"] == 1
    backwards = client.get(f"{API}/plans?sort=-code").json()["items"]
    assert [i["center"]["code"] for i in backwards] == sorted(codes, reverse=True)
    assert client.get(f"{API}/plans?overdue=maybe").status_code == 422


def test_plan_list_query_count_does_not_grow(
    plans, region, city, login, django_assert_max_num_queries
):
    client = login(city)
    client.get(f"{API}/plans")  # warm the session and the user's scope
    for code in ("120103002003", "120103002005", "120103002010"):
        f.plan(region(code))
    with django_assert_max_num_queries(8):
        body = client.get(f"{API}/plans").json()
    assert body["count"] == 6


# -- one plan -----------------------------------------------------------------------------------


def test_plan_detail(plans, hexi, login):
    a = plans["a"]
    body = login(hexi).get(f"{API}/plans/{a.pk}").json()
    assert body["center"]["code"] == HEXI_VILLAGE and body["notes"] == "甲计划"
    assert [m["code"] for m in body["milestones"]] == [
        "design",
        "approval",
        "construction",
        "acceptance",
        "move_in",
    ]
    assert body["milestones"][-1]["due_on"] == a.deadline.isoformat()
    assert body["signoff"]["status"] == "draft"
    assert {c["code"] for c in body["signoff"]["criteria"]} == {
        "area",
        "renovation",
        "signage",
        "rooms",
        "evidence",
    }
    assert body["signoff"]["allowed_actions"] == ["submit"]
    assert not ESCAPED_CJK.search(login(hexi).get(f"{API}/plans/{a.pk}").content)


def test_plan_detail_flags_a_schedule_that_starts_in_the_past(region, hexi, login):
    soon = CAL.add_working_days(timezone.localdate(), 20)
    plan = f.plan(region(HEXI_VILLAGE), deadline=soon)  # 70 working days do not fit
    body = login(hexi).get(f"{API}/plans/{plan.pk}").json()
    first = body["milestones"][0]
    assert first["starts_in_past"] and first["overdue"]  # flagged, not hidden
    assert body["overdue"] >= 1 and body["health"] == "red"


def test_another_districts_plan_is_404(plans, hexi, street_staff, login):
    n, b = plans["n"], plans["b"]
    for url in (f"{API}/plans/{n.pk}", f"{API}/plans/{n.pk}/milestones", f"{API}/plans/99999"):
        assert login(hexi).get(url).status_code == 404
    # Street staff of 大营门 do not see 下瓦房's plan either.
    assert login(street_staff).get(f"{API}/plans/{b.pk}").status_code == 404


def test_patching_a_plan_moves_its_schedule(plans, hexi, login):
    a = plans["a"]
    client = login(hexi)
    response = _json(
        client,
        "patch",
        f"{API}/plans/{a.pk}",
        {"version": 1, "deadline": "2030-10-15", "budget": "350000.50", "premises": "原幼儿园"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2 and body["deadline"] == "2030-10-15"
    assert body["budget"] == "350000.50" and body["premises"] == "原幼儿园"
    assert body["milestones"][-1]["due_on"] == "2030-10-15"
    a.refresh_from_db()
    assert str(a.budget) == "350000.50"
    row = AuditLog.objects.filter(target_type="campaign.plan", target_id=str(a.pk)).latest("id")
    assert row.actor == hexi and row.changes["deadline"] == ["2030-06-28", "2030-10-15"]


def test_the_second_editor_is_told_not_overwritten(plans, hexi, street_staff, login):
    a = plans["a"]
    url = f"{API}/plans/{a.pk}"
    assert _json(login(hexi), "patch", url, {"version": 1, "notes": "先到"}).status_code == 200
    response = _json(login(street_staff), "patch", url, {"version": 1, "notes": "后到"})
    assert response.status_code == 409 and "他人修改" in response.json()["detail"]
    a.refresh_from_db()
    assert a.notes == "先到" and a.version == 2


def test_bad_plan_edits_are_422_naming_the_field_and_nothing_is_written(plans, hexi, login):
    a = plans["a"]
    url = f"{API}/plans/{a.pk}"
    client = login(hexi)
    before = list(Milestone.objects.filter(plan=a).values_list("starts_on", "due_on"))
    audits = AuditLog.objects.count()
    cases = [
        ({"notes": "没有版本"}, "version"),
        ({"version": 1, "starts_on": "2030-07-01"}, "deadline"),  # deadline before the start
        ({"version": 1, "starts_on": "2030-06-01"}, "deadline"),  # durations do not fit
        ({"version": 1, "works_type": "demolish"}, "works_type"),
        ({"version": 1, "deadline": "not a date"}, "deadline"),
        ({"version": 1, "budget": "-"}, "budget"),
        ({"version": 1, "leader_id": 999999}, "leader"),
    ]
    for body, field in cases:
        response = _json(client, "patch", url, body)
        assert response.status_code == 422, (body, response.content)
        assert field in response.json()["errors"], (body, response.json())
    a.refresh_from_db()
    assert a.version == 1 and a.starts_on is None
    assert list(Milestone.objects.filter(plan=a).values_list("starts_on", "due_on")) == before
    assert AuditLog.objects.count() == audits


def test_read_only_roles_and_other_districts_cannot_edit(plans, inspector, nankai, login):
    a = plans["a"]
    body = {"version": 1, "notes": "越权"}
    assert _json(login(inspector), "patch", f"{API}/plans/{a.pk}", body).status_code == 403
    assert _json(login(nankai), "patch", f"{API}/plans/{a.pk}", body).status_code == 404
    a.refresh_from_db()
    assert a.notes == "甲计划"


def test_a_signed_off_plan_is_not_edited(plans, hexi, login):
    a = plans["a"]
    Plan.objects.filter(pk=a.pk).update(signed_off_on=date(2020, 3, 2))
    response = _json(login(hexi), "patch", f"{API}/plans/{a.pk}", {"version": 1, "notes": "改"})
    assert response.status_code == 422 and "销号" in response.json()["errors"]["__all__"][0]


def test_creating_one_plan(region, make_center, hexi, nankai, inspector, login):
    center = make_center(region(HEXI_VILLAGE_2))
    body = {
        "campaign": f.campaign().pk,
        "center": center.pk,
        "works_type": "expand",
        "deadline": "2030-06-28",
        "target_area": "320",
    }
    assert _json(login(nankai), "post", f"{API}/plans", body).status_code == 404
    assert _json(login(inspector), "post", f"{API}/plans", body).status_code == 403
    response = _json(login(hexi), "post", f"{API}/plans", body)
    assert response.status_code == 201, response.content
    assert len(response.json()["milestones"]) == 6 and response.json()["target_area"] == "320.00"
    response = _json(login(hexi), "post", f"{API}/plans", body)
    assert response.status_code == 422  # one plan per site
    assert Plan.objects.filter(center=center).count() == 1


# -- bulk creation ------------------------------------------------------------------------------


def test_bulk_create_in_scope(region, make_center, hexi, nankai, login):
    mine = make_center(region(HEXI_VILLAGE), floor_area=100, households=500)
    other_street = make_center(region("120103002001"))
    theirs = make_center(region(NANKAI_VILLAGE))
    campaign = f.campaign()
    response = _json(
        login(hexi),
        "post",
        f"{API}/plans/bulk",
        {"campaign": campaign.pk, "within": HEXI_STREET, "deadline": "2030-06-28"},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["created"] == 1
    assert Plan.objects.get(pk=created["ids"][0]).center == mine
    response = _json(login(hexi), "post", f"{API}/plans/bulk", {"campaign": campaign.pk})
    assert response.json()["created"] == 1  # the other street's site; never 南开's
    assert Plan.objects.filter(center=other_street).exists()
    assert not Plan.objects.filter(center=theirs).exists()
    response = _json(login(hexi), "post", f"{API}/plans/bulk", {"campaign": campaign.pk})
    assert response.json() == {"created": 0, "ids": []}  # one plan per site
    response = _json(login(nankai), "post", f"{API}/plans/bulk", {"campaign": campaign.pk})
    assert response.json()["created"] == 1


def test_bulk_create_refusals(region, make_center, hexi, inspector, norole, login):
    make_center(region(HEXI_VILLAGE))
    campaign = f.campaign()
    url = f"{API}/plans/bulk"
    assert _json(login(inspector), "post", url, {"campaign": campaign.pk}).status_code == 403
    assert _json(login(norole), "post", url, {"campaign": campaign.pk}).status_code == 403
    body = {"campaign": campaign.pk, "within": "120104"}
    assert _json(login(hexi), "post", url, body).status_code == 404
    assert _json(login(hexi), "post", url, {"campaign": 99999}).status_code == 404
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = _json(login(hexi), "post", url, {"campaign": campaign.pk, "deadline": yesterday})
    assert response.status_code == 422 and "deadline" in response.json()["errors"]
    assert not Plan.objects.exists()


# -- milestones and progress --------------------------------------------------------------------


def test_changing_a_duration(plans, hexi, inspector, nankai, login):
    a = plans["a"]
    construction = a.milestones.get(code="construction")
    design_before = a.milestones.get(code="design")
    url = f"{API}/milestones/{construction.pk}"
    response = _json(login(hexi), "patch", url, {"duration_days": 50, "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["duration_days"] == 50
    assert response.json()["due_on"] == construction.due_on.isoformat()  # the deadline side holds
    design = a.milestones.get(code="design")  # ten more working days: it starts ten earlier
    assert CAL.working_days_between(design.starts_on, design_before.starts_on) == 10
    a.refresh_from_db()
    assert a.version == 2

    assert _json(login(hexi), "patch", url, {"duration_days": 60, "version": 1}).status_code == 409
    response = _json(login(hexi), "patch", url, {"duration_days": -3})
    assert response.status_code == 422 and "duration_days" in response.json()["errors"]
    response = _json(login(hexi), "patch", url, {"duration_days": 5000})
    assert response.status_code == 422 and "duration_days" in response.json()["errors"]
    assert _json(login(inspector), "patch", url, {"duration_days": 60}).status_code == 403
    assert (
        _json(login(inspector), "patch", url, {"duration_days": 9, "version": 1}).status_code == 403
    )
    assert _json(login(nankai), "patch", url, {"duration_days": 60}).status_code == 404
    assert Milestone.objects.get(pk=construction.pk).duration_days == 50


def test_reporting_progress_as_json(plans, street_staff, login):
    design = plans["a"].milestones.get(code="design")
    response = _json(
        login(street_staff),
        "post",
        f"{API}/milestones/{design.pk}/reports",
        {"progress": 60, "note": "方案已初审", "reported_on": "2026-01-05"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["progress"] == 60 and body["reported_by"] == "street_dym"
    assert body["reported_on"] == "2026-01-05" and body["photos"] == []
    design.refresh_from_db()
    assert design.progress == 60 and design.completed_on is None
    reports = login(street_staff).get(f"{API}/plans/{plans['a'].pk}/reports").json()
    assert [r["note"] for r in reports] == ["方案已初审"]


def test_reporting_progress_from_a_phone_with_photos(plans, street_staff, hexi, nankai, login):
    design = plans["a"].milestones.get(code="design")
    response = login(street_staff).post(
        f"{API}/milestones/{design.pk}/reports",
        {"progress": "100", "note": "完成", "photos": [f.png("a.png"), f.png("b.png")]},
    )
    assert response.status_code == 201, response.content
    photos = response.json()["photos"]
    assert len(photos) == 2
    design.refresh_from_db()
    assert design.completed_on == timezone.localdate()
    download = login(hexi).get(photos[0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == f.PNG
    assert login(nankai).get(photos[0]["url"]).status_code == 404


@pytest.mark.parametrize(
    "data,field",
    [
        ({"progress": "101"}, "progress"),
        ({"progress": "-1"}, "progress"),
        ({"progress": "half"}, "progress"),
        ({}, "progress"),
        ({"progress": "10", "reported_on": "2099-01-01"}, "reported_on"),
        ({"progress": "10", "photos": "not-a-photo"}, "photos"),
        ({"progress": "10", "photos": "too-many"}, "photos"),
        ({"progress": "10", "photos": "too-big"}, "photos"),
    ],
)
def test_bad_progress_reports_are_refused_whole(plans, street_staff, login, data, field):
    design = plans["a"].milestones.get(code="design")
    photos = {
        "not-a-photo": [f.png(), SimpleUploadedFile("x.jpg", b"GIF89a not allowed")],
        "too-many": [f.png(f"{i}.png") for i in range(10)],
        "too-big": [SimpleUploadedFile("big.png", f.PNG + b"0" * (10 * 1024 * 1024))],
    }
    if "photos" in data:
        data = data | {"photos": photos[data["photos"]]}
    audits = AuditLog.objects.count()
    response = login(street_staff).post(f"{API}/milestones/{design.pk}/reports", data)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not ProgressReport.objects.exists() and not ProgressPhoto.objects.exists()
    assert AuditLog.objects.count() == audits
    assert Milestone.objects.get(pk=design.pk).progress == 0


def test_progress_report_refusals(plans, inspector, nankai, login):
    design = plans["a"].milestones.get(code="design")
    url = f"{API}/milestones/{design.pk}/reports"
    assert _json(login(inspector), "post", url, {"progress": 10}).status_code == 403
    assert _json(login(nankai), "post", url, {"progress": 10}).status_code == 404
    assert login(inspector).post(url, {"progress": "10", "photos": f.png()}).status_code == 403
    response = login(nankai).post(url, "[1, 2]", content_type="application/json")
    assert response.status_code == 404
    response = login(inspector).get(f"{API}/plans/{plans['a'].pk}/reports")
    assert response.status_code == 200 and response.json() == []
    assert not ProgressReport.objects.exists()


def test_a_body_that_is_not_json_is_422(plans, street_staff, login):
    design = plans["a"].milestones.get(code="design")
    url = f"{API}/milestones/{design.pk}/reports"
    client = login(street_staff)
    assert client.post(url, "{oops", content_type="application/json").status_code == 422
    assert client.post(url, "[1, 2]", content_type="application/json").status_code == 422


def test_residents_and_strangers_get_401(plans, resident, login):
    for user in (resident, None):
        client = login(user)
        assert client.get(f"{API}/plans").status_code == 401
        assert client.get(f"{API}/campaigns").status_code == 401
        response = _json(client, "patch", f"{API}/plans/{plans['a'].pk}", {"version": 1})
        assert response.status_code == 401


def test_the_openapi_document_lists_the_campaign_endpoints(hexi, login):
    paths = login(hexi).get("/api/v1/openapi.json").json()["paths"]
    expected = {
        f"{API}/campaigns": {"get"},
        f"{API}/campaigns/{{campaign_id}}": {"get"},
        f"{API}/campaigns/{{campaign_id}}/commitments": {"get", "post"},
        f"{API}/plans": {"get", "post"},
        f"{API}/plans/{{plan_id}}": {"get", "patch"},
        f"{API}/plans/bulk": {"post"},
        f"{API}/plans/{{plan_id}}/milestones": {"get"},
        f"{API}/milestones/{{milestone_id}}": {"patch"},
        f"{API}/milestones/{{milestone_id}}/reports": {"post"},
        f"{API}/plans/{{plan_id}}/reports": {"get"},
        f"{API}/plans/{{plan_id}}/signoff": {"get"},
        f"{API}/plans/{{plan_id}}/signoff/photos": {"post"},
        f"{API}/plans/{{plan_id}}/signoff/{{action}}": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    report = paths[f"{API}/milestones/{{milestone_id}}/reports"]["post"]["requestBody"]
    assert {"application/json", "multipart/form-data"} <= set(report["content"])
    params = {p["name"] for p in paths[f"{API}/plans"]["get"]["parameters"]}
    assert {"campaign", "district", "street", "works_type", "health", "signed_off"} <= params
    assert {"overdue", "q", "page", "page_size"} <= params
