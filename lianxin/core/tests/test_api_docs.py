"""The API documents itself (OpenAPI 3 at /api/v1/openapi.json, Swagger UI at /api/v1/docs) and
speaks readable Chinese: JSON is UTF-8, not \\uXXXX escapes."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db

ESCAPED_CJK = re.compile(rb"\\u[4-9a-f][0-9a-f]{3}", re.IGNORECASE)


@pytest.fixture
def openapi(login, hexi):
    response = login(hexi).get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response


def test_openapi_lists_the_endpoints(openapi):
    doc = openapi.json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    expected = {
        "/api/v1/centers/": {"get"},
        "/api/v1/centers/{center_id}": {"get", "patch"},
        "/api/v1/regions/": {"get"},
        "/api/v1/regions/{code}": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, sorted(paths)
        assert methods <= set(paths[path]), (path, sorted(paths[path]))
    params = {p["name"] for p in paths["/api/v1/centers/"]["get"]["parameters"]}
    assert {"q", "district", "street", "kind", "status", "sort", "page", "page_size"} <= params
    assert {p["name"] for p in paths["/api/v1/regions/"]["get"]["parameters"]} >= {"parent"}


def test_openapi_declares_token_and_session_auth(openapi):
    doc = openapi.json()
    schemes = doc["components"]["securitySchemes"]
    kinds = {(s["type"], s.get("scheme") or s.get("in")) for s in schemes.values()}
    assert ("http", "bearer") in kinds and ("apiKey", "cookie") in kinds
    operation = doc["paths"]["/api/v1/centers/"]["get"]
    assert operation.get("security"), "every operation needs authentication"


def test_openapi_json_has_chinese_unescaped(openapi):
    raw = openapi.content
    assert "连心桥".encode() in raw
    assert "党群服务中心".encode() in raw
    assert not ESCAPED_CJK.search(raw), ESCAPED_CJK.search(raw).group(0)
    assert json.loads(raw.decode("utf-8"))["info"]["title"] == "连心桥 Lianxin API"


@pytest.mark.parametrize(
    "url", ["/api/v1/regions/120103000000", "/api/v1/regions/?parent=120103", "/api/v1/centers/"]
)
def test_api_answers_have_chinese_unescaped(login, hexi, url):
    response = login(hexi).get(url)
    assert response.status_code == 200
    assert not ESCAPED_CJK.search(response.content)
    if "regions" in url:
        assert "河西区".encode() in response.content or "街道".encode() in response.content


def test_api_errors_are_in_chinese(login, inspector):
    from lianxin.core.tests.factories import HEXI_VILLAGE, make_center, region

    center = make_center(region(HEXI_VILLAGE))
    response = login(inspector).patch(
        f"/api/v1/centers/{center.pk}", {"version": 1}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "数据范围" in response.json()["detail"]
    assert not ESCAPED_CJK.search(response.content)


def test_docs_page_works_offline(login, hexi):
    """Swagger UI is served from the app's own static files: no CDN (intranets)."""
    response = login(hexi).get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "swagger-ui" in body.lower()
    assert "openapi.json" in body
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', body)
    assert external == [], external
