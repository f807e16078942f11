"""The supervision API: leaders and assignments, visits with findings, rectification items,
meetings with action items, and statistics; scope-enforced (404 outside, 403 read-only) and
422 with the fields named."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lianxin.campaign.models import (
    ActionItem,
    Leader,
    LeaderAssignment,
    Meeting,
    Rectification,
    RectificationStatus,
    Visit,
)
from lianxin.core.tests.factories import (
    HEXI,
    HEXI_STREET,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    NANKAI,
    NANKAI_VILLAGE,
)

from . import factories as f

pytestmark = pytest.mark.django_db

JSON = "application/json"
API = "/api/v1/campaign"


def _post(client, url, body):
    return client.post(f"{API}{url}", body, content_type=JSON)


def test_leaders_created_read_edited_and_assigned(hexi, nankai, inspector, login):
    client = login(hexi)
    created = _post(
        client,
        "/leaders",
        {"name": "周包保", "position": "区委常委", "region": HEXI, "user": "inspector"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["region"] == HEXI and body["user"] == "inspector" and body["assignments"] == []
    pk = body["id"]

    bad = _post(client, "/leaders", {"name": "", "position": "", "region": HEXI})
    assert bad.status_code == 422 and {"name", "position"} <= set(bad.json()["errors"])
    assert (
        _post(client, "/leaders", {"name": "x", "position": "y", "region": NANKAI}).status_code
        == 404
    )
    denied = _post(login(inspector), "/leaders", {"name": "x", "position": "y", "region": HEXI})
    assert denied.status_code == 403 and "数据范围" in denied.json()["detail"]

    assigned = _post(
        client, f"/leaders/{pk}/assignments", {"region": HEXI_STREET, "since": "2019-01-07"}
    )
    assert assigned.status_code == 201 and assigned.json()["region"] == HEXI_STREET
    again = _post(
        client, f"/leaders/{pk}/assignments", {"region": HEXI_STREET, "since": "2019-02-01"}
    )
    assert again.status_code == 422 and "region" in again.json()["errors"]
    detail = client.get(f"{API}/leaders/{pk}").json()
    assert [a["region"] for a in detail["assignments"]] == [HEXI_STREET]
    ended = _post(client, f"/assignments/{assigned.json()['id']}/end", {"valid_to": "2020-01-01"})
    assert ended.status_code == 200 and ended.json()["valid_to"] == "2020-01-01"
    on = client.get(f"{API}/assignments?on=2020-06-01&leader={pk}").json()
    assert on == []

    patched = client.patch(f"{API}/leaders/{pk}", {"position": "副区长"}, content_type=JSON)
    assert patched.status_code == 200 and patched.json()["position"] == "副区长"
    moved = client.patch(f"{API}/leaders/{pk}", {"region": NANKAI}, content_type=JSON)
    assert moved.status_code == 404
    assert Leader.objects.get(pk=pk).region_path.startswith("120000000000/120103000000/")
    assert login(nankai).get(f"{API}/leaders/{pk}").status_code == 404
    listed = client.get(f"{API}/leaders?q=周").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == pk


def test_a_visit_with_findings(hexi, center_staff, region, make_center, login):
    make_center(region(HEXI_VILLAGE))
    leader = f.leader(region(HEXI))
    client = login(hexi)
    body = {
        "region": HEXI_VILLAGE,
        "kind": "unannounced",
        "visited_on": "2024-05-06",
        "leader": leader.pk,
        "summary": "暗访",
        "findings": [
            {"finding": "标识不统一", "owner": "center_jjl", "due_on": "2024-06-01"},
            {"finding": "制度未上墙", "owner_name": "李主任", "due_on": "2024-06-10"},
        ],
    }
    created = _post(client, "/visits", body)
    assert created.status_code == 201, created.content
    visit = created.json()
    assert visit["kind"] == "unannounced" and visit["leader_name"] == leader.name
    assert [
        (r["finding"], r["owner"], r["owner_name"], r["status"]) for r in visit["rectifications"]
    ] == [
        ("标识不统一", "center_jjl", "center_jjl", "open"),
        ("制度未上墙", None, "李主任", "open"),
    ]
    assert client.get(f"{API}/visits?kind=unannounced").json()["count"] == 1
    assert client.get(f"{API}/visits?kind=announced").json()["count"] == 0
    assert client.get(f"{API}/visits/{visit['id']}").json()["id"] == visit["id"]


@pytest.mark.parametrize(
    "change,field",
    [
        (
            {"findings": [{"finding": "x", "owner_name": "李", "due_on": "2024-05-01"}]},
            "findings.0.due_on",
        ),
        (
            {"findings": [{"finding": "", "owner_name": "李", "due_on": "2024-06-01"}]},
            "findings.0.finding",
        ),
        (
            {"findings": [{"finding": "x", "owner": "nobody", "due_on": "2024-06-01"}]},
            "findings.0.owner",
        ),
        ({"kind": "party"}, "kind"),
        ({"visited_on": "2024-13-01"}, "visited_on"),
        ({"team": ""}, "team"),
    ],
    ids=["deadline before visit", "empty finding", "unknown owner", "kind", "bad date", "no team"],
)
def test_bad_visits_get_422_naming_the_field(hexi, region, login, change, field):
    body = {
        "region": HEXI_VILLAGE,
        "kind": "announced",
        "visited_on": "2024-05-06",
        "team": "督导组",
    }
    response = _post(login(hexi), "/visits", body | change)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not Visit.objects.exists() and not Rectification.objects.exists()


def test_visits_outside_scope_and_by_read_only_roles(hexi, inspector, login):
    body = {"region": NANKAI_VILLAGE, "kind": "announced", "visited_on": "2024-05-06", "team": "组"}
    assert _post(login(hexi), "/visits", body).status_code == 404
    denied = _post(login(inspector), "/visits", body | {"region": HEXI_VILLAGE})
    assert denied.status_code == 403
    assert not Visit.objects.exists()


def test_closing_a_rectification_needs_evidence(hexi, inspector, nankai, region, login):
    v = f.visit(region(HEXI_VILLAGE), visited_on=date(2024, 5, 6))
    item = v.rectifications.create(
        region_path=v.region_path, finding="未挂牌", due_on=date(2024, 6, 1)
    )
    client = login(hexi)
    url = f"/rectifications/{item.pk}/close"
    empty = _post(client, url, {"closed_on": "2024-05-20"})
    assert empty.status_code == 422 and "closed_note" in empty.json()["errors"]
    assert _post(login(inspector), url, {"closed_on": "2024-05-20", "note": "x"}).status_code == 403
    assert _post(login(nankai), url, {"closed_on": "2024-05-20", "note": "x"}).status_code == 404

    photo_url = f"{API}/rectifications/{item.pk}/photos"
    fake = client.post(photo_url, {"image": SimpleUploadedFile("x.png", b"not an image")})
    assert fake.status_code == 422 and "photos" in fake.json()["errors"]
    added = client.post(photo_url, {"image": f.png()})
    assert added.status_code == 201
    closed = _post(client, url, {"closed_on": "2024-05-20"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["photos"] == 1
    listed = client.get(f"{API}/rectifications?status=closed").json()
    assert [r["id"] for r in listed["items"]] == [item.pk]
    assert Rectification.objects.get(pk=item.pk).status == RectificationStatus.CLOSED


def test_meetings_action_items_and_the_carried_agenda(hexi, inspector, region, login):
    client = login(hexi)
    body = {
        "region": HEXI,
        "title": "第一次例会",
        "held_on": "2024-05-06",
        "decisions": "倒排工期",
        "action_items": [
            {"text": "落实房源", "owner_name": "张科长", "due_on": "2024-06-01"},
            {"text": "方案设计", "owner": "inspector", "due_on": "2024-06-10"},
        ],
    }
    created = _post(client, "/meetings", body)
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert [i["text"] for i in meeting["action_items"]] == ["落实房源", "方案设计"]
    bad = _post(
        client,
        "/meetings",
        body | {"action_items": [{"text": "x", "owner_name": "张", "due_on": "2024-01-01"}]},
    )
    assert bad.status_code == 422 and "action_items.0.due_on" in bad.json()["errors"]

    carried = client.get(f"{API}/meetings/carried?region={HEXI}").json()
    assert [i["text"] for i in carried["items"]] == ["落实房源", "方案设计"]
    assert "落实房源" in carried["agenda"]
    first_item = meeting["action_items"][0]["id"]
    closed = _post(
        client, f"/action-items/{first_item}/close", {"done_on": "2024-05-20", "note": "已落实"}
    )
    assert closed.status_code == 200 and closed.json()["status"] == "done"
    carried = client.get(f"{API}/meetings/carried?region={HEXI}").json()
    assert [i["text"] for i in carried["items"]] == ["方案设计"]

    second = _post(
        client, "/meetings", {"region": HEXI, "title": "第二次例会", "held_on": "2024-06-03"}
    )
    assert [i["text"] for i in second.json()["carried"]] == ["方案设计"]

    pk = meeting["id"]
    ok = client.patch(f"{API}/meetings/{pk}", {"version": 1, "decisions": "改"}, content_type=JSON)
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(
        f"{API}/meetings/{pk}", {"version": 1, "decisions": "旧"}, content_type=JSON
    )
    assert stale.status_code == 409
    assert Meeting.objects.get(pk=pk).decisions == "改"

    added = _post(
        client,
        f"/meetings/{pk}/action-items",
        {"text": "补充", "owner_name": "王", "due_on": "2024-07-01"},
    )
    assert added.status_code == 201
    assert client.get(f"{API}/action-items?status=open&meeting={pk}").json()["count"] == 2
    denied = _post(
        login(inspector), f"/action-items/{added.json()['id']}/close", {"done_on": "2024-07-01"}
    )
    assert denied.status_code == 403
    assert ActionItem.objects.get(pk=added.json()["id"]).status == "open"


def test_statistics_per_leader_and_district(hexi, city, region, login):
    a = f.leader(region(HEXI), name="统计甲")
    b = f.leader(region(HEXI), name="统计乙")
    nk = f.leader(region(NANKAI), name="南开统计")
    for leader, village, n in (
        (a, HEXI_VILLAGE, 3),
        (b, HEXI_VILLAGE_2, 2),
        (nk, NANKAI_VILLAGE, 4),
    ):
        for i in range(n):
            f.visit(region(village), leader=leader, kind="unannounced" if i == 0 else "announced")
    LeaderAssignment.objects.create(
        leader=a,
        region=region(HEXI_STREET),
        region_path=region(HEXI_STREET).path,
        since=date(2019, 1, 1),
    )
    f.plan(region(HEXI_VILLAGE))

    rows = {r["name"]: r for r in login(hexi).get(f"{API}/supervision-stats/leaders").json()}
    assert set(rows) == {"统计甲", "统计乙"}
    assert (rows["统计甲"]["visits"], rows["统计甲"]["unannounced"], rows["统计甲"]["plans"]) == (
        3,
        1,
        1,
    )
    assert rows["统计乙"]["visits"] == 2

    districts = {
        r["region"]: r for r in login(city).get(f"{API}/supervision-stats/districts").json()
    }
    assert (
        districts[HEXI]["visits"],
        districts[HEXI]["leaders"],
        districts[HEXI]["unannounced"],
    ) == (5, 2, 2)
    assert districts[NANKAI]["visits"] == 4 and districts[None]["visits"] == 9
    mine = login(hexi).get(f"{API}/supervision-stats/districts").json()
    assert [r["region"] for r in mine] == [HEXI, None]
    organizers = login(city).get(f"{API}/supervision-stats/organizers").json()
    assert sum(o["visits"] for o in organizers) == 9
