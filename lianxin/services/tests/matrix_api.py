"""Permission-matrix rows for the services API (/api/v1/services/…) and Open311
(/api/v1/open311/…), built on the rows `matrix.populate` gives each side (河西 "mine", 南开
"theirs"): a district item with a required material, its devolution, an application received at
the side's center (see lianxin/core/tests/test_permission_matrix.py)."""

from __future__ import annotations

from lianxin.core.tests.test_permission_matrix import Write, api

API = "/api/v1/services"
O311 = "/api/v1/open311"


def _prefix(s):
    return "河西" if s == "mine" else "南开"


def _x(c, s, name):
    return c.extra["services"][s][name]


def applicant(c, s):
    return [f"{_prefix(s)}矩阵申请人"]


def item_name(c, s):
    return [f"{_prefix(s)}矩阵事项"]


def number(c, s):
    return [_x(c, s, "application").number]


def center_name(c, s):
    return [getattr(c, s).name]


ENDPOINTS: list = [
    api("list", "API services applications", lambda c, s: f"{API}/applications", applicant),
    api(
        "list",
        "API services applications, filtered",
        lambda c, s: f"{API}/applications?status=submitted&open=true&q=矩阵&sort=-submitted",
        applicant,
    ),
    api(
        "detail",
        "API services application",
        lambda c, s: f"{API}/applications/{_x(c, s, 'application').pk}",
        applicant,
    ),
    api("list", "API services devolutions", lambda c, s: f"{API}/devolutions", item_name),
    api("list", "API services stats by item", lambda c, s: f"{API}/stats/by-item", item_name),
    api("list", "API services stats by center", lambda c, s: f"{API}/stats/by-center", center_name),
    api("list", "Open311 requests", lambda c, s: f"{O311}/requests.json", number),
    api(
        "list",
        "Open311 requests, by id",
        lambda c, s: (
            f"{O311}/requests.json?service_request_id="
            f"{_x(c, 'mine', 'application').number},{_x(c, 'theirs', 'application').number}"
        ),
        number,
    ),
    api(
        "detail",
        "Open311 request",
        lambda c, s: f"{O311}/requests/{_x(c, s, 'application').number}.json",
        number,
    ),
]


def _open311_data(c, s):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "service_code": _x(c, s, "item").code,
        "center_id": str(getattr(c, s).pk),
        "first_name": "矩阵热线",
        "id_number": "11010519491231002X",
        "phone": "13900001111",
        "attribute[household]": "天津",
        f"material[{_x(c, s, 'material').pk}]": SimpleUploadedFile("id.pdf", b"%PDF-1.4\n%%EOF\n"),
    }


WRITES: list = [
    Write(
        "API services transition",
        "json",
        lambda c, s: f"{API}/applications/{_x(c, s, 'application').pk}/transition",
        lambda c, s: {"to_status": "accepted", "version": 1},
    ),
    Write(
        "API services reveal ID number",
        "json",
        lambda c, s: f"{API}/applications/{_x(c, s, 'application').pk}/reveal-id",
        lambda c, s: {},
    ),
    Write("Open311 create request", "post", lambda c, s: f"{O311}/requests.json", _open311_data),
]
