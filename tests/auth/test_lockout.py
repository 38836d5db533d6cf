"""Lockout as a weapon (issue 15): failures count per account AND address, plus per
address, so an attacker cannot lock an account's owner out; /auth/password is throttled."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD, Auth, csrf_from, make_user

ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"
WRONG = "sai-mat-khau-1"
GENERIC = "Tên đăng nhập hoặc mật khẩu không đúng."


def _client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _limit(app: Flask, key: str) -> int:
    return int(app.config[key].split()[0])


def _lock_from(app: Flask, username: str, address: str = ATTACKER) -> Auth:
    attacker = Auth(_client_at(app, address))
    for _ in range(_limit(app, "LMS_LOGIN_LIMIT_ACCOUNT")):
        response = attacker.login(username, WRONG)
        assert response.status_code == 200
        assert GENERIC in response.get_data(as_text=True)  # the generic message, always
    return attacker


def test_failures_from_one_address_do_not_lock_the_owner_out(app) -> None:
    make_user("learner", username="an.nv")
    attacker = _lock_from(app, "an.nv")
    assert attacker.login("an.nv", PASSWORD).status_code == 429  # the attacker waits
    owner = Auth(_client_at(app, OWNER))
    assert owner.login("an.nv", PASSWORD).status_code == 302  # the owner gets in


def test_an_admin_is_not_locked_out_either(app) -> None:
    make_user("admin", username="quantri")
    _lock_from(app, "quantri")
    assert Auth(_client_at(app, OWNER)).login("quantri", PASSWORD).status_code == 302


def test_the_owner_can_still_fail_a_few_times_from_their_address(app) -> None:
    make_user("learner", username="binh.tt")
    _lock_from(app, "binh.tt")
    owner = Auth(_client_at(app, OWNER))
    assert owner.login("binh.tt", WRONG).status_code == 200
    assert owner.login("binh.tt", PASSWORD).status_code == 302


def test_one_address_is_still_capped_across_accounts(app) -> None:
    attacker = Auth(_client_at(app, ATTACKER))
    for i in range(_limit(app, "LMS_LOGIN_LIMIT_IP")):
        assert attacker.login(f"khong-co-{i}", WRONG).status_code == 200
    make_user("learner", username="chi.lt")
    assert attacker.login("chi.lt", PASSWORD).status_code == 429
    assert Auth(_client_at(app, OWNER)).login("chi.lt", PASSWORD).status_code == 302


def _change(client: FlaskClient, current: str, new: str = "mat-khau-moi-2026") -> int:
    return client.post("/auth/password", data={
        "current_password": current, "new_password": new, "confirm": new,
        "csrf_token": csrf_from(client, "/auth/password")}).status_code


def test_guessing_the_current_password_is_throttled(app, auth: Auth, client) -> None:
    auth.login_as(make_user("learner"))
    for i in range(_limit(app, "LMS_LOGIN_LIMIT_ACCOUNT")):
        assert _change(client, f"doan-mat-khau-{i}") == 200
    assert _change(client, PASSWORD) == 429  # even the right one waits now
    assert client.get("/auth/password").status_code == 200  # the page itself is not limited


def test_the_password_throttle_counts_only_wrong_current_passwords(app, auth: Auth,
                                                                  client) -> None:
    auth.login_as(make_user("learner"))
    for _ in range(_limit(app, "LMS_LOGIN_LIMIT_ACCOUNT") + 2):
        assert _change(client, PASSWORD, "ngan") == 200  # too short: not a guess
    assert _change(client, PASSWORD) == 302


def test_the_password_throttle_is_per_account(app, auth: Auth, client) -> None:
    auth.login_as(make_user("learner"))
    for i in range(_limit(app, "LMS_LOGIN_LIMIT_ACCOUNT")):
        _change(client, f"doan-mat-khau-{i}")
    other = app.test_client()
    Auth(other).login_as(make_user("learner"))
    assert _change(other, PASSWORD) == 302
