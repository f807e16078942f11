"""Signing in: staff by username, residents by phone; lockout after LOGIN_MAX_FAILURES with a
clear message; residents never reach staff pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from lianxin.accounts.models import User
from lianxin.core.models import AuditLog

pytestmark = pytest.mark.django_db

PASSWORD = "Lianxin-test-2025!"
STAFF_PAGES = [
    "/",
    "/centers/",
    "/centers/export.xlsx",
    "/regions/",
    "/regions/120103000000/",
    "/audit/",
]


def post_login(client, username, password=PASSWORD, next_url=""):
    url = "/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password})


def errors(response) -> list[str]:
    form = response.context["form"]
    return [str(e) for e in form.non_field_errors()]


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def test_login_page_renders_in_chinese(login):
    response = login().get("/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "账号或手机号" in body and "csrfmiddlewaretoken" in body


def test_staff_signs_in_with_username(login, hexi):
    client = login()
    response = post_login(client, "hexi")
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_as(client) == str(hexi.pk)
    assert client.get("/").status_code == 200
    log = AuditLog.objects.filter(action="login", target_id=str(hexi.pk)).get()
    assert log.actor == hexi


def test_next_is_followed_only_inside_the_site(login):
    client = login()
    assert post_login(client, "hexi", next_url="/centers/")["Location"] == "/centers/"
    client = login()
    assert post_login(client, "hexi", next_url="//evil.example/")["Location"] == "/"
    client = login()
    assert post_login(client, "hexi", next_url="https://evil.example/")["Location"] == "/"


def test_wrong_password_is_refused_with_a_clear_message(login, hexi):
    client = login()
    response = post_login(client, "hexi", "wrong-password")
    assert response.status_code == 200
    assert errors(response) == ["账号或密码不正确。"]
    assert signed_in_as(client) is None
    hexi.refresh_from_db()
    assert hexi.failed_logins == 1
    assert AuditLog.objects.filter(action="login_failed", target_id=str(hexi.pk)).count() == 1


def test_unknown_account_gets_the_same_message(login):
    response = post_login(login(), "nobody-here", "whatever")
    assert errors(response) == ["账号或密码不正确。"]
    failed = AuditLog.objects.filter(action="login_failed").order_by("-id").first()
    assert failed.actor is None and failed.target_repr == "nob…"


def test_success_resets_the_failure_count(login, hexi):
    post_login(login(), "hexi", "wrong-password")
    post_login(login(), "hexi", "wrong-password")
    post_login(login(), "hexi")
    hexi.refresh_from_db()
    assert hexi.failed_logins == 0


def test_lockout_after_max_failures(login, hexi):
    client = login()
    for attempt in range(1, settings.LOGIN_MAX_FAILURES + 1):
        response = post_login(client, "hexi", f"wrong-{attempt}")
        if attempt < settings.LOGIN_MAX_FAILURES:
            assert errors(response) == ["账号或密码不正确。"], attempt
    # The failure that reaches the limit says so.
    assert errors(response) == [
        f"登录失败次数过多，账号已锁定 {settings.LOGIN_LOCK_MINUTES} 分钟。"
    ]
    hexi.refresh_from_db()
    assert hexi.is_locked
    # Even the right password is refused while locked, with the time left.
    response = post_login(client, "hexi")
    assert signed_in_as(client) is None
    message = errors(response)[0]
    assert message.startswith("登录失败次数过多，账号已锁定，请 ")
    assert f"{settings.LOGIN_LOCK_MINUTES} 分钟后再试" in message
    # Once the lock has passed, the right password works again.
    User.objects.filter(pk=hexi.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert post_login(client, "hexi").status_code == 302
    assert signed_in_as(client) == str(hexi.pk)


def test_lockout_follows_the_setting(login, hexi, settings):
    settings.LOGIN_MAX_FAILURES = 2
    post_login(login(), "hexi", "wrong-1")
    hexi.refresh_from_db()
    assert not hexi.is_locked
    post_login(login(), "hexi", "wrong-2")
    hexi.refresh_from_db()
    assert hexi.is_locked


def test_lockout_of_one_account_does_not_touch_another(login, hexi, nankai):
    for attempt in range(settings.LOGIN_MAX_FAILURES):
        post_login(login(), "hexi", f"wrong-{attempt}")
    client = login()
    assert post_login(client, "nankai").status_code == 302
    assert signed_in_as(client) == str(nankai.pk)


@pytest.mark.parametrize("typed", ["13812345678", "138 1234 5678", "+86 138-1234-5678"])
def test_resident_signs_in_with_phone(login, resident, typed):
    client = login()
    response = post_login(client, typed)
    assert response.status_code == 302
    assert signed_in_as(client) == str(resident.pk)
    assert client.get("/").url == "/me/"  # home sends residents to their own page
    page = client.get("/me/", follow=True)  # their own page is the residents' site
    assert page.redirect_chain[-1][0] == "/portal/" and page.status_code == 200
    assert "138****5678" in page.content.decode()


def test_resident_wrong_password_counts_toward_lockout(login, resident):
    for attempt in range(settings.LOGIN_MAX_FAILURES):
        post_login(login(), "13812345678", f"wrong-{attempt}")
    resident.refresh_from_db()
    assert resident.is_locked


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_residents_get_no_staff_pages(login, resident, url):
    response = login(resident).get(url)
    assert response.status_code == 302 and response["Location"] == "/me/"


@pytest.mark.parametrize(
    "url", ["/api/v1/centers/", "/api/v1/regions/", "/api/v1/regions/120103000000"]
)
def test_residents_get_no_staff_api(login, resident, url):
    response = login(resident).get(url)
    assert response.status_code == 401


@pytest.mark.parametrize("url", STAFF_PAGES + ["/me/", "/account/tokens/"])
def test_anonymous_is_sent_to_login(login, url):
    response = login().get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_inactive_staff_cannot_sign_in(login, hexi):
    User.objects.filter(pk=hexi.pk).update(is_active=False)
    client = login()
    response = post_login(client, "hexi")
    assert errors(response) == ["账号或密码不正确。"] and signed_in_as(client) is None


def test_logout_needs_post(login, hexi):
    client = login(hexi)
    assert client.get("/logout/").status_code == 405
    assert signed_in_as(client) == str(hexi.pk)
    assert client.post("/logout/")["Location"] == "/login/"
    assert signed_in_as(client) is None


def test_the_admin_login_counts_failures_and_locks_too(login, root):
    client = login()
    for attempt in range(settings.LOGIN_MAX_FAILURES):
        client.post("/sysadmin/login/", {"username": "root", "password": f"wrong-{attempt}"})
    root.refresh_from_db()
    assert root.is_locked
    response = client.post(
        "/sysadmin/login/?next=/sysadmin/", {"username": "root", "password": PASSWORD}
    )
    assert response.status_code == 200 and signed_in_as(client) is None
    assert "锁定" in response.content.decode()


def test_the_admin_login_admits_only_system_administrators(login, hexi, root):
    client = login()
    client.post("/sysadmin/login/", {"username": "hexi", "password": PASSWORD})
    assert signed_in_as(client) is None
    client.post("/sysadmin/login/", {"username": "root", "password": PASSWORD})
    assert signed_in_as(client) == str(root.pk)
