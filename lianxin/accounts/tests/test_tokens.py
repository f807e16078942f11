"""Personal access tokens: created on the page (shown once, stored hashed), used as a Bearer on
the API with the owner's data scope, revoked → 401."""

from __future__ import annotations

import re

import pytest

from lianxin.accounts import services
from lianxin.accounts.models import ApiToken
from lianxin.core.tests.factories import HEXI_VILLAGE, NANKAI_VILLAGE, make_center, region

pytestmark = pytest.mark.django_db


def bearer(login, key, url="/api/v1/centers/"):
    return login().get(url, HTTP_AUTHORIZATION=f"Bearer {key}")


def create_on_page(client, name="数据对接"):
    response = client.post("/account/tokens/", {"name": name})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key and key in response.content.decode()
    return key


def test_token_lifecycle(login, hexi):
    mine = make_center(region(HEXI_VILLAGE))
    theirs = make_center(region(NANKAI_VILLAGE))
    page = login(hexi)
    key = create_on_page(page)
    token = ApiToken.objects.get(user=hexi)
    # Stored as a hash, never in clear; the prefix identifies it on the page.
    assert token.key_hash == ApiToken.hash(key) and key not in token.key_hash
    assert token.prefix == key[:10] and token.name == "数据对接"
    listing = page.get("/account/tokens/").content.decode()
    assert token.prefix in listing and key not in listing  # shown once only

    # Used as a Bearer: the owner's scope.
    response = bearer(login, key)
    assert response.status_code == 200
    codes = {item["code"] for item in response.json()["items"]}
    assert mine.region.code in codes and theirs.region.code not in codes
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert bearer(login, key, f"/api/v1/centers/{theirs.pk}").status_code == 404

    # Revoked: 401.
    response = page.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(login, key).status_code == 401
    assert "已撤销" in page.get("/account/tokens/").content.decode()


def test_token_can_write_like_its_owner(login, hexi):
    center = make_center(region(HEXI_VILLAGE))
    _token, key = services.issue_token(hexi, "写入")
    response = login().patch(
        f"/api/v1/centers/{center.pk}",
        {"version": 1, "households": 321},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200, response.content
    center.refresh_from_db()
    assert (center.households, center.version) == (321, 2)


def test_unknown_or_malformed_token_is_401(login):
    assert bearer(login, "lx_not-a-real-token").status_code == 401
    assert login().get("/api/v1/centers/", HTTP_AUTHORIZATION="Token abc").status_code == 401
    assert login().get("/api/v1/centers/").status_code == 401


def test_token_of_a_deactivated_user_is_401(login, hexi):
    _token, key = services.issue_token(hexi, "离职")
    hexi.is_active = False
    hexi.save(update_fields=["is_active"])
    assert bearer(login, key).status_code == 401


def test_resident_token_opens_no_staff_api(login, resident):
    _token, key = services.issue_token(resident, "居民")
    assert bearer(login, key).status_code == 401


def test_only_the_owner_revokes(login, hexi, nankai):
    token, key = services.issue_token(hexi, "河西")
    response = login(nankai).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    assert bearer(login, key).status_code == 200
    assert login(hexi).get(f"/account/tokens/{token.pk}/revoke/").status_code == 405


def test_token_needs_a_name(login, hexi):
    response = login(hexi).post("/account/tokens/", {"name": "  "})
    assert response.status_code == 200
    assert response.context["new_key"] is None
    assert response.context["form"].errors["name"] == ["这个字段是必填项。"]
    assert not ApiToken.objects.filter(user=hexi).exists()


def test_tokens_page_lists_only_ones_own(login, hexi, nankai):
    services.issue_token(nankai, "南开的令牌")
    body = login(hexi).get("/account/tokens/").content.decode()
    assert "南开的令牌" not in body
    assert re.search(r"还没有令牌", body)


def test_residents_have_no_token_page(resident, login):
    response = login(resident).get("/account/tokens/")
    assert response.status_code == 302 and response.url.endswith("/me/")


def test_api_not_found_is_in_the_users_language(city, login):
    response = login(city).get("/api/v1/centers/999999999")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到，或不在您的数据范围内。"
