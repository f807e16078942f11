"""Open311 GeoReport v2 against the spec: the service list and definitions, creating requests
with the spec's `attribute[code]` form encoding (and JSON), errors as [{code, description}],
idempotency, the caller's data scope, and the open/closed mapping of our fine status."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lianxin.core.tests.factories import (
    HEXI_POINT,
    HEXI_VILLAGE,
    HEXI_VILLAGE_2,
    NANKAI_POINT,
    NANKAI_VILLAGE,
    make_center,
    region,
)
from lianxin.services.models import Application, Status
from lianxin.services.tests import factories as f

pytestmark = pytest.mark.django_db

BASE = "/api/v1/open311"
# A GB 11643 number with a wrong check digit (the valid one ends in X).
BAD_ID = f.ID_NUMBER[:-1] + "3"

FIELDS = (
    {"code": "household", "label": "户籍地", "datatype": "string", "required": True},
    {"code": "people", "label": "家庭人数", "datatype": "number", "required": False},
    {
        "code": "grade",
        "label": "残疾等级",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [{"key": "1", "name": "一级"}, {"key": "2", "name": "二级"}],
    },
    {
        "code": "needs",
        "label": "服务需求",
        "datatype": "multivaluelist",
        "required": False,
        "values": [{"key": "care", "name": "照护"}, {"key": "aid", "name": "辅具"}],
    },
    {"code": "since", "label": "起始日期", "datatype": "datetime", "required": False},
)


@pytest.fixture
def item():
    return f.item(
        name="残疾人证办理",
        name_en="Disability certificate",
        category="残疾人服务",
        materials=(("户口本复印件", False),),
        fields=FIELDS,
        time_limit=5,
    )


@pytest.fixture
def centers():
    hexi = make_center(
        region(HEXI_VILLAGE), name="九江路中心", longitude=HEXI_POINT[0], latitude=HEXI_POINT[1]
    )
    hexi2 = make_center(
        region(HEXI_VILLAGE_2),
        name="荣华里中心",
        longitude=HEXI_POINT[0] + Decimal("0.02"),
        latitude=HEXI_POINT[1] + Decimal("0.02"),
    )
    nankai = make_center(
        region(NANKAI_VILLAGE),
        name="光明路中心",
        longitude=NANKAI_POINT[0],
        latitude=NANKAI_POINT[1],
    )
    return {"hexi": hexi, "hexi2": hexi2, "nankai": nankai}


def token(user) -> str:
    from lianxin.accounts import services as accounts

    _token, raw = accounts.issue_token(user, "12345 热线")
    return raw


def auth(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def form(item, center, **extra) -> dict:
    data = {
        "service_code": item.code,
        "center_id": str(center.pk),
        "last_name": "王",
        "first_name": "小明",
        "phone": f.PHONE,
        "id_number": f.ID_NUMBER,
        "description": "腿脚不便，申请办理残疾人证",
        "attribute[household]": "河西区",
        "attribute[people]": "3",
        "attribute[grade]": "2",
        "attribute[needs][]": ["care", "aid"],
        "attribute[since]": "2024-05-01",
    }
    return data | extra


def post(client, data, key=None, **headers):
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(f"{BASE}/requests.json", data, **headers)


# -- services -------------------------------------------------------------------------------------


def test_service_list_maps_the_catalogue(client, item):
    bare = f.item(name="老年证办理", fields=(), materials=())
    stopped = f.item(name="停用事项", active=False, materials=())
    response = client.get(f"{BASE}/services.json")  # public, as the spec has it
    assert response.status_code == 200
    rows = {r["service_code"]: r for r in response.json()}
    assert stopped.code not in rows
    mine = rows[item.code]
    assert mine == {
        "service_code": item.code,
        "service_name": "残疾人证办理",
        "description": item.description or item.eligibility,
        "metadata": True,
        "type": "batch",
        "keywords": mine["keywords"],
        "group": "残疾人服务",
    }
    assert "残疾人服务" in mine["keywords"]
    assert rows[bare.code]["metadata"] is False


def test_service_names_in_english_when_asked(client, item):
    rows = client.get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {r["service_code"]: r["service_name"] for r in rows}[item.code] == (
        "Disability certificate"
    )


def test_service_definition_lists_the_form_fields_as_attributes(client, item):
    response = client.get(f"{BASE}/services/{item.code}.json")
    assert response.status_code == 200
    body = response.json()
    assert body["service_code"] == item.code
    attrs = body["attributes"]
    assert [a["code"] for a in attrs] == [x["code"] for x in FIELDS]
    assert [a["order"] for a in attrs] == [1, 2, 3, 4, 5]
    by_code = {a["code"]: a for a in attrs}
    assert by_code["household"] | {"datatype_description": ""} == {
        "variable": True,
        "code": "household",
        "datatype": "string",
        "required": True,
        "datatype_description": "",
        "order": 1,
        "description": "户籍地",
        "values": [],
    }
    assert by_code["grade"]["values"] == [
        {"key": "1", "name": "一级"},
        {"key": "2", "name": "二级"},
    ]
    assert by_code["needs"]["datatype"] == "multivaluelist"
    assert by_code["people"]["required"] is False
    assert "YYYY-MM-DD" in by_code["since"]["datatype_description"]
    assert body["lianxin_time_limit_days"] == 5
    assert [m["name"] for m in body["lianxin_materials"]] == ["户口本复印件"]


def test_unknown_service_is_a_404_in_the_specs_shape(client):
    response = client.get(f"{BASE}/services/NOPE.json")
    assert response.status_code == 404
    [error] = response.json()
    assert error["code"] == 404 and "NOPE" in error["description"]


# -- create -------------------------------------------------------------------------------------


def test_create_with_form_encoded_attributes(login, hexi, item, centers):
    raw = token(hexi)
    response = post(login(), form(item, centers["hexi"], api_key=raw), key="hotline-1")
    assert response.status_code == 201, response.content.decode()
    [answer] = response.json()
    app = Application.objects.get(number=answer["service_request_id"])
    assert answer["account_id"] is None  # the hotline acts for a resident without an account
    assert (
        app.number in answer["service_notice"]
        and app.deadline.isoformat() in answer["service_notice"]
    )
    assert app.channel == "open311" and app.center == centers["hexi"]
    assert app.applicant_name == "王小明" and app.id_number == f.ID_NUMBER
    assert app.received_by == hexi
    assert app.form_data == {
        "household": "河西区",
        "people": 3,
        "grade": "2",
        "needs": ["care", "aid"],
        "since": "2024-05-01",
    }
    assert app.status == Status.SUBMITTED and app.idempotency_key.endswith(":hotline-1")


def test_create_with_json_and_a_bearer_token(login, hexi, item, centers):
    body = {
        "service_code": item.code,
        "center_id": centers["hexi"].pk,
        "first_name": "小红",
        "last_name": "李",
        "phone": f.PHONE,
        "id_number": f.ID_NUMBER,
        "attribute": {"household": "河西区", "grade": "1", "needs": ["aid"]},
        "external_id": "12345-0001",
    }
    response = login().post(
        f"{BASE}/requests.json", body, content_type="application/json", **auth(token(hexi))
    )
    assert response.status_code == 201, response.content.decode()
    app = Application.objects.get(number=response.json()[0]["service_request_id"])
    assert app.form_data["needs"] == ["aid"] and app.external_id == "12345-0001"
    assert app.applicant_name == "李小红"


def test_nearest_in_use_center_from_lat_long(login, hexi, item, centers):
    data = form(item, centers["hexi"])
    del data["center_id"]
    # Nearer to 荣华里 than to 九江路.
    data |= {
        "lat": str(HEXI_POINT[1] + Decimal("0.019")),
        "long": str(HEXI_POINT[0] + Decimal("0.018")),
    }
    response = post(login(), data, **auth(token(hexi)))
    assert response.status_code == 201, response.content.decode()
    app = Application.objects.get(number=response.json()[0]["service_request_id"])
    assert app.center == centers["hexi2"]
    assert app.latitude == HEXI_POINT[1] + Decimal("0.019")


def test_missing_required_attribute_is_a_400_naming_it(login, hexi, item, centers):
    data = form(item, centers["hexi"])
    del data["attribute[grade]"]
    response = post(login(), data, **auth(token(hexi)))
    assert response.status_code == 400
    errors = response.json()
    assert all(e["code"] == 400 for e in errors)
    assert any(e["description"].startswith("attribute[grade]") for e in errors), errors
    assert not Application.objects.exists()


def test_wrong_attribute_type_and_unknown_attribute_are_named(login, hexi, item, centers):
    client, raw = login(), token(hexi)
    response = post(client, form(item, centers["hexi"], **{"attribute[people]": "三"}), **auth(raw))
    assert response.status_code == 400
    assert any(
        e["description"].startswith("attribute[people]") and "数字" in e["description"]
        for e in response.json()
    )
    response = post(client, form(item, centers["hexi"], **{"attribute[colour]": "红"}), **auth(raw))
    assert response.status_code == 400
    assert "attribute[colour]" in response.json()[0]["description"]
    assert not Application.objects.exists()


def test_id_number_with_a_wrong_check_digit_is_refused(login, hexi, item, centers):
    response = post(login(), form(item, centers["hexi"], id_number=BAD_ID), **auth(token(hexi)))
    assert response.status_code == 400
    assert any(e["description"].startswith("id_number") for e in response.json())
    assert not Application.objects.exists()


def test_double_post_with_one_key_makes_one_application(login, hexi, item, centers):
    client, raw = login(), token(hexi)
    first = post(client, form(item, centers["hexi"]), key="dup-1", **auth(raw))
    again = post(client, form(item, centers["hexi"]), key="dup-1", **auth(raw))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Application.objects.count() == 1
    # The caller's external id serves as the key when there is no header.
    by_external = [
        post(client, form(item, centers["hexi"], external_id="T-9"), **auth(raw)) for _ in (1, 2)
    ]
    assert [r.status_code for r in by_external] == [201, 200]
    assert Application.objects.count() == 2


def test_the_same_key_from_another_caller_is_another_request(login, hexi, city, item, centers):
    first = post(login(), form(item, centers["hexi"]), key="same", **auth(token(hexi)))
    other = post(login(), form(item, centers["hexi"]), key="same", **auth(token(city)))
    assert (first.status_code, other.status_code) == (201, 201)
    assert first.json()[0]["service_request_id"] != other.json()[0]["service_request_id"]


def test_create_needs_a_staff_key(login, resident, item, centers):
    data = form(item, centers["hexi"])
    # No staff credentials: 401; a key that is not a staff member's valid token: 403.
    assert post(login(), data).status_code == 401
    assert post(login(resident), data).status_code == 401
    assert post(login(), data, HTTP_AUTHORIZATION="Bearer lx_wrong").status_code == 403
    refused = post(login(), data | {"api_key": "lx_wrong"})
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
    assert not Application.objects.exists()


def test_create_outside_the_callers_scope_is_refused(login, nankai, inspector, item, centers):
    response = post(login(), form(item, centers["hexi"]), **auth(token(nankai)))
    assert response.status_code == 404
    assert (
        "center_id" in response.json()[0]["description"]
        or "中心" in response.json()[0]["description"]
    )
    # The read-only inspector sees the center but may not receive applications there.
    response = post(login(), form(item, centers["hexi"]), **auth(token(inspector)))
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_bad_json_and_bad_center_are_400(login, hexi, item, centers):
    client, raw = login(), token(hexi)
    response = client.post(
        f"{BASE}/requests.json", "{not json", content_type="application/json", **auth(raw)
    )
    assert response.status_code == 400
    response = post(client, form(item, centers["hexi"], center_id="abc"), **auth(raw))
    assert response.status_code == 400 and "center_id" in response.json()[0]["description"]
    data = form(item, centers["hexi"])
    del data["center_id"]
    response = post(client, data, **auth(raw))
    assert response.status_code == 400
    response = post(client, data | {"lat": "north", "long": "117"}, **auth(raw))
    assert response.status_code == 400 and "lat" in response.json()[0]["description"]


# -- read ---------------------------------------------------------------------------------------


def _submit(hexi_token, login, item, center, **extra):
    data = form(item, center, **extra)
    if not item.fields.exists():
        data = {k: v for k, v in data.items() if not k.startswith("attribute[")}
    response = post(login(), data, **auth(hexi_token))
    assert response.status_code == 201, response.content.decode()
    return Application.objects.get(number=response.json()[0]["service_request_id"])


def test_get_one_request(login, hexi, item, centers):
    raw = token(hexi)
    app = _submit(raw, login, item, centers["hexi"])
    response = login().get(f"{BASE}/requests/{app.number}.json", **auth(raw))
    assert response.status_code == 200
    [row] = response.json()
    assert row["service_request_id"] == app.number
    assert row["status"] == "open" and row["lianxin_status"] == "submitted"
    assert row["lianxin_status_label"] == "已提交"
    assert row["service_code"] == item.code and row["service_name"] == "残疾人证办理"
    assert row["agency_responsible"] == "九江路中心"
    assert row["expected_datetime"].startswith(app.deadline.isoformat())
    assert row["requested_datetime"].endswith("+08:00")
    assert row["lat"] == float(HEXI_POINT[1])
    # No personal data in Open311 answers.
    assert f.ID_NUMBER not in response.content.decode() and f.PHONE not in response.content.decode()
    # The spec's api_key parameter works for reads too.
    assert login().get(f"{BASE}/requests/{app.number}.json?api_key={raw}").status_code == 200


def test_another_districts_token_cannot_read_the_request(login, hexi, nankai, item, centers):
    app = _submit(token(hexi), login, item, centers["hexi"])
    theirs = token(nankai)
    response = login().get(f"{BASE}/requests/{app.number}.json", **auth(theirs))
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
    listed = login().get(f"{BASE}/requests.json", **auth(theirs))
    assert listed.status_code == 200 and listed.json() == []
    by_id = login().get(f"{BASE}/requests.json?service_request_id={app.number}", **auth(theirs))
    assert by_id.json() == []


def test_reading_needs_a_key(login, hexi, resident, item, centers):
    app = _submit(token(hexi), login, item, centers["hexi"])
    for client in (login(), login(resident)):
        response = client.get(f"{BASE}/requests/{app.number}.json")
        assert response.status_code == 401
        assert app.number not in response.content.decode()
    # A staff session is enough.
    assert login(hexi).get(f"{BASE}/requests/{app.number}.json").status_code == 200


def _move(app, *steps):
    from lianxin.services import services

    for to, kw in steps:
        app = services.transition(f.root(), app, to, **kw)
    return app


@pytest.mark.parametrize(
    "steps,coarse",
    [
        ((), "open"),
        ((("accepted", {}),), "open"),
        ((("returned", {"note": "缺材料"}),), "open"),
        ((("rejected", {"note": "不符合条件"}),), "closed"),
        ((("accepted", {}), ("in_progress", {})), "open"),
        ((("accepted", {}), ("transferred", {"note": "转街道"})), "open"),
        ((("accepted", {}), ("transferred", {}), ("concluded", {"result": "已发证"})), "closed"),
    ],
    ids=[
        "submitted",
        "accepted",
        "returned",
        "rejected",
        "in_progress",
        "transferred",
        "concluded",
    ],
)
def test_status_maps_to_open_or_closed(login, hexi, item, centers, steps, coarse):
    raw = token(hexi)
    app = _submit(raw, login, item, centers["hexi"])
    app = _move(app, *steps)
    [row] = login().get(f"{BASE}/requests/{app.number}.json", **auth(raw)).json()
    assert row["status"] == coarse
    assert row["lianxin_status"] == app.status
    if app.status == "concluded":
        assert row["status_notes"] == "已发证"
    if app.status == "returned":
        assert row["status_notes"] == "缺材料"


def test_list_filters(login, hexi, item, centers):
    raw = token(hexi)
    other = f.item(name="老年证", fields=(), materials=())
    a = _submit(raw, login, item, centers["hexi"])
    b = _submit(raw, login, item, centers["hexi"])
    c = _submit(raw, login, other, centers["hexi"])
    _move(b, ("rejected", {"note": "不符合"}))

    def numbers(query=""):
        response = login().get(f"{BASE}/requests.json{query}", **auth(raw))
        assert response.status_code == 200, response.content.decode()
        return {r["service_request_id"] for r in response.json()}

    assert numbers() == {a.number, b.number, c.number}
    assert numbers("?status=open") == {a.number, c.number}
    assert numbers("?status=closed") == {b.number}
    assert numbers("?status=open,closed") == {a.number, b.number, c.number}
    assert numbers(f"?service_code={other.code}") == {c.number}
    assert numbers(f"?service_request_id={a.number},{c.number}") == {a.number, c.number}
    assert numbers("?start_date=2000-01-01T00:00:00Z&end_date=2000-12-31T00:00:00Z") == set()
    assert numbers("?start_date=2000-01-01") == {a.number, b.number, c.number}
    bad = login().get(f"{BASE}/requests.json?status=pending", **auth(raw))
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    bad = login().get(f"{BASE}/requests.json?start_date=yesterday", **auth(raw))
    assert bad.status_code == 400 and "start_date" in bad.json()[0]["description"]


def test_openapi_documents_the_open311_paths(login, hexi):
    paths = login(hexi).get("/api/v1/openapi.json").json()["paths"]
    assert {
        f"{BASE}/services.json",
        f"{BASE}/services/{{service_code}}.json",
        f"{BASE}/requests.json",
        f"{BASE}/requests/{{service_request_id}}.json",
    } <= set(paths)
    assert "post" in paths[f"{BASE}/requests.json"]
