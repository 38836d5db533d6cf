"""Security headers on every page of the matrix world, cookie flags over HTTPS, and the
throttling of login, activation and certificate verification."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.http import parse_cookie

from lms.certificates.views import VERIFY_LIMIT
from tests.conftest import PASSWORD, csrf_from, make_user
from tests.security.html_checks import inline_scripts
from tests.security.world import ROLES, app_rules, build_world, log_in, rule_url

pytestmark = pytest.mark.security


def _directives(csp: str) -> dict[str, list[str]]:
    parts = (part.split() for part in csp.split(";") if part.strip())
    return {words[0].lower(): words[1:] for words in parts}


def _assert_hardened(response: Any, where: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    csp = headers.get("Content-Security-Policy")
    assert csp, f"{where}: no CSP"
    directives = _directives(csp)
    script_src = directives.get("script-src", directives.get("default-src", []))
    assert script_src, f"{where}: no script-src"
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(script_src), where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("object-src") == ["'none'"], where


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_world_is_hardened(app: Flask, client: Any, role: str) -> None:
    world = build_world()
    log_in(client, world, role)
    html_pages = 0
    for rule, method in app_rules(app):
        if method != "GET" or rule.endpoint == "auth.login":
            continue  # the login page is checked below
        url = rule_url(rule, world.url_values(rule.endpoint))
        headers = {} if role == "anonymous" or not url.startswith("/api/") else {
            "Authorization": f"Bearer {world.tokens[role]}"}
        response = client.get(url, headers=headers)
        _assert_hardened(response, f"{role} GET {url} ({response.status_code})")
        if response.mimetype == "text/html":
            html_pages += 1
            assert not inline_scripts(response.get_data(as_text=True)), url
    assert html_pages >= (5 if role == "anonymous" else 15)
    _assert_hardened(client.get("/auth/login"), "login")
    _assert_hardened(client.get("/no/such/page"), "404 page")


def test_error_pages_and_files_are_hardened(client: Any) -> None:
    _assert_hardened(client.post("/locale"), "CSRF 400")
    _assert_hardened(client.get("/api/v1/me"), "API 401")
    _assert_hardened(client.get("/static/no-such-file.css"), "static 404")


def _set_cookies(response: Any) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _assert_cookie_flags(header: str) -> None:
    attributes = {part.strip().split("=")[0].lower(): part.strip()
                  for part in header.split(";")[1:]}
    assert "secure" in attributes, header
    assert "httponly" in attributes, header
    assert attributes.get("samesite", "").lower() == "samesite=lax", header


def test_cookies_over_https_are_secure_httponly_lax(app: Flask) -> None:
    user = make_user("learner", username="https.hv")
    https = app.test_client()
    token = csrf_from(https, "https://lms.test/auth/login")
    form = {"username": "https.hv", "password": PASSWORD, "csrf_token": token}
    # Over HTTPS the CSRF check also wants a same-origin Referer.
    assert https.post("/auth/login", base_url="https://lms.test", data=form,
                      headers={"Referer": "https://evil.example/"}).status_code == 400
    login = https.post("/auth/login", base_url="https://lms.test", data=form,
                       headers={"Referer": "https://lms.test/auth/login"})
    assert login.status_code == 302 and _set_cookies(login)
    for header in _set_cookies(login):
        _assert_cookie_flags(header)
    assert "lms_session" in parse_cookie(_set_cookies(login)[0])
    home = https.get("/", base_url="https://lms.test")
    assert home.status_code == 200 and user.full_name in home.get_data(as_text=True)
    assert "max-age=" in home.headers["Strict-Transport-Security"]


def _login(client: Any, username: str, password: str, ip: str) -> int:
    token = csrf_from(client, "/auth/login")
    return client.post("/auth/login", environ_base={"REMOTE_ADDR": ip}, data={
        "username": username, "password": password, "csrf_token": token}).status_code


def _count(limit: str) -> int:
    return int(limit.split()[0])


def test_login_is_throttled_per_account_and_address(app: Flask, client: Any) -> None:
    # Issue 15: failures count per (account, address), so that an attacker's failures
    # cannot lock the account's owner out ("lockout as a weapon"); one address is still
    # capped across accounts by the per-address limit below.
    make_user("learner", username="bi.khoa")
    for _ in range(_count(app.config["LMS_LOGIN_LIMIT_ACCOUNT"])):
        assert _login(client, "bi.khoa", "sai-mat-khau", "10.0.0.1") == 200
    assert _login(client, "bi.khoa", PASSWORD, "10.0.0.1") == 429  # even the right one
    assert _login(client, "BI.KHOA ", "sai-mat-khau", "10.0.0.1") == 429  # same account
    assert _login(client, "nguoi.khac", "sai-mat-khau", "10.0.0.1") == 200
    assert _login(client, "bi.khoa", PASSWORD, "10.0.1.1") == 302  # the owner, elsewhere


def test_login_is_throttled_per_address(app: Flask, client: Any) -> None:
    for i in range(_count(app.config["LMS_LOGIN_LIMIT_IP"])):
        assert _login(client, f"khong.co.{i}", "sai-mat-khau", "10.9.9.9") == 200
    assert _login(client, "khong.co.x", "sai-mat-khau", "10.9.9.9") == 429
    assert _login(client, "khong.co.x", "sai-mat-khau", "10.9.9.10") == 200


def test_activation_is_throttled_per_address(app: Flask, client: Any) -> None:
    def attempt() -> int:
        token = csrf_from(client, "/auth/activate")
        return client.post("/auth/activate", environ_base={"REMOTE_ADDR": "10.7.7.7"}, data={
            "username": "ai.do", "code": "ABCD-EFGH-JK", "new_password": "mat-khau-moi-dai-9",
            "confirm": "mat-khau-moi-dai-9", "csrf_token": token}).status_code

    for _ in range(_count(app.config["LMS_LOGIN_LIMIT_IP"])):
        assert attempt() == 200
    assert attempt() == 429


@pytest.mark.parametrize("kind", ["page", "form", "api"])
def test_verification_is_throttled(client: Any, kind: str) -> None:
    token = csrf_from(client, "/verify")

    def attempt(i: int) -> Any:
        if kind == "page":
            return client.get(f"/verify/KHONGCO{i}")
        if kind == "api":
            return client.get(f"/api/v1/certificates/KHONGCO{i}")
        return client.post("/verify", data={"csrf_token": token})

    statuses = [attempt(i).status_code for i in range(_count(VERIFY_LIMIT))]
    assert 429 not in statuses
    throttled = attempt(99)
    assert throttled.status_code == 429
    if kind == "api":
        assert throttled.json["error"]["code"] == "rate_limited"
    assert "Retry-After" in throttled.headers or "X-RateLimit-Reset" in throttled.headers
