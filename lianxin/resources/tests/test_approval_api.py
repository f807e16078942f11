"""The joint-review API: scope-enforced lists and details, submit, give an opinion (403 for the
wrong department, 404 out of scope, 422 naming the field), resubmit, the queue."""

from __future__ import annotations

import pytest

from lianxin.resources.models import ApprovalCase

from .approval_helpers import *  # noqa: F403 (the fixtures)

pytestmark = pytest.mark.django_db
API = "/api/v1/resources/approvals"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_list_and_detail_are_scoped(login, nankai, hexi, city, nankai_case):
    mine = login(nankai).get(API).json()
    assert [c["id"] for c in mine["items"]] == [nankai_case.pk]
    assert login(hexi).get(API).json()["count"] == 0
    assert (
        login(city).get(API + "?status=open&department=planning&overdue=true").json()["count"] == 1
    )
    detail = login(nankai).get(f"{API}/{nankai_case.pk}").json()
    assert len(detail["opinions"]) == 5 and detail["status"] == "reviewing"
    assert login(hexi).get(f"{API}/{nankai_case.pk}").status_code == 404


def test_submit(login, nankai, hexi, nankai_plan, reviewers):
    assert _post(login(hexi), API, {"plan": nankai_plan.pk}).status_code == 404
    bad = _post(login(nankai), API, {"plan": nankai_plan.pk, "departments": ["nope"]})
    assert bad.status_code == 422 and "departments" in bad.json()["errors"]
    ok = _post(login(nankai), API, {"plan": nankai_plan.pk, "departments": ["planning", "housing"]})
    assert ok.status_code == 201 and len(ok.json()["opinions"]) == 2
    again = _post(login(nankai), API, {"plan": nankai_plan.pk})
    assert again.status_code == 422 and "plan" in again.json()["errors"]


def test_give_opinion_and_resubmit(login, nankai, hexi, nankai_case, reviewers):
    planning = nankai_case.opinions.get(department__code="planning")
    url = f"{API}/opinions/{planning.pk}"
    assert _post(login(hexi), url, {"decision": "approve"}).status_code == 404
    assert _post(login(reviewers["housing"]), url, {"decision": "approve"}).status_code == 403
    client = login(reviewers["planning"])
    bad = _post(client, url, {"decision": "approve", "letter_in_lieu": True})
    assert bad.status_code == 422 and "letter_no" in bad.json()["errors"]
    assert _post(client, url, {"decision": "later"}).status_code == 422
    returned = _post(client, url, {"decision": "return", "comment": "补充图纸"})
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert _post(client, url, {"decision": "approve"}).status_code == 422  # final for the round
    queue = login(reviewers["housing"]).get(f"{API}/queue").json()
    assert [o["department"] for o in queue] == ["housing"]
    assert _post(login(nankai), f"{API}/{nankai_case.pk}/resubmit", {"note": ""}).status_code == 422
    again = _post(login(nankai), f"{API}/{nankai_case.pk}/resubmit", {"note": "已补充"})
    assert again.status_code == 200 and again.json()["round"] == 2
    assert login(reviewers["planning"]).get(f"{API}/queue").json()[0]["round"] == 2
    given = _post(
        client,
        url,
        {"decision": "approve", "letter_in_lieu": True, "letter_no": "南规函〔2025〕5号"},
    )
    body = given.json()
    opinion = next(o for o in body["opinions"] if o["department"] == "planning")
    assert opinion["letter_in_lieu"] and opinion["permit_replaced"] == "建设工程规划许可证"
    withdrawn = _post(login(nankai), f"{API}/{nankai_case.pk}/withdraw", {"note": "x"})
    assert withdrawn.json()["status"] == "withdrawn"
    assert ApprovalCase.objects.get(pk=nankai_case.pk).status == "withdrawn"


def test_departments(login, nankai):
    codes = [d["code"] for d in login(nankai).get("/api/v1/resources/departments").json()]
    assert codes == ["organization", "civil_affairs", "finance", "planning", "housing"]
