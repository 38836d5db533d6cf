"""CSRF: every state-changing rule of the url_map refuses a request without a token.

Pages check the form's ``csrf_token``; the JSON API, when called with the browser session
instead of a bearer token, checks the ``X-CSRFToken`` header. The sweep is built from the
url_map, so a new write route is covered the day it appears. Bodies are ones that would
change something if the token were not checked; the database must be byte-for-byte the same
after the refused request, and the same request with the token must not be refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lms.classes.models import ActivationCode
from lms.classes.roster import hash_code
from lms.db import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, make_user
from tests.security.world import (
    BODIES,
    PDF_BYTES,
    World,
    build_world,
    collected_rules,
    log_in,
    rule_url,
)

pytestmark = pytest.mark.security

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
NEW_PASSWORD = "mat-khau-moi-rat-dai-7"
CSRF_MESSAGES = ("thiếu mã bảo mật", "lacks its security token")  # the page, vi or en

# Bodies that would take effect, were the token not checked.
EFFECTIVE: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("auth.login", "POST"): lambda w: {"username": w.users["learner_owner"].username,
                                       "password": PASSWORD},
    ("auth.password", "POST"): lambda w: {"current_password": PASSWORD,
                                          "new_password": NEW_PASSWORD,
                                          "confirm": NEW_PASSWORD},
    ("core.set_language", "POST"): lambda w: {"locale": "en"},
    ("auth.end_sessions", "POST"): lambda w: {},  # ends the admin's login sessions
    ("users.new", "POST"): lambda w: {"username": "moi.tao", "password": NEW_PASSWORD,
                                      "full_name": "Người Mới", "role": "admin",
                                      "locale": "vi", "active": "y"},
    ("users.edit", "POST"): lambda w: {"full_name": "Đã Đổi Tên", "role": "admin",
                                       "locale": "vi", "active": "y"},
    ("classes.new", "POST"): lambda w: {"code": "K9", "name": "Lớp mới",
                                        "course": w.course.slug},
    ("classes.settings", "POST"): lambda w: {"certificate_mode": "auto",
                                             "certificate_signer_name": "Ai Đó"},
    ("courses.new_lesson", "POST"): lambda w: {"title": "Bài mới", "minutes": "10",
                                               "body": "Nội dung"},
    ("courses.edit_lesson", "POST"): lambda w: {"title": "Đổi", "minutes": "10",
                                                "body": "Đổi", "action": "publish"},
    ("courses.schedule_lesson", "POST"): lambda w: {"available_from": "01/01/2030 08:00"},
    ("courses.move_lesson", "POST"): lambda w: {"direction": "up"},
    ("courses.upload_attachment", "POST"): lambda w: {
        "file": (BytesIO(PDF_BYTES), "moi.pdf"), "name": "moi.pdf"},
    ("quizzes.edit_question", "POST"): lambda w: {"source": "::moi::Câu mới? {T}",
                                                  "name": "moi", "category": "bai-02"},
    ("quizzes.write_question", "POST"): lambda w: {
        "type": "single_choice", "name": "moi", "category": "bai-02", "text": "Câu mới?",
        "right": "0", "answers-0-text": "Có", "answers-1-text": "Không", "action": "save"},
    ("quizzes.import_questions", "POST"): lambda w: {
        "file": (BytesIO("::nhap::Câu nhập? {T}".encode()), "nhap.gift")},
    ("quizzes.build", "POST"): lambda w: {"slug": "moi", "title": "Bài kiểm tra mới",
                                          "draw-bai-01": "2", "attempts": "1",
                                          "pass_mark10": "5"},
    ("quizzes.accommodation", "POST"): lambda w: {"extra_minutes": "60",
                                                  "time_multiplier": "2",
                                                  "extra_attempts": "3"},
    ("api.complete_lesson", "POST"): lambda w: {},
}

# Effective bodies that still change nothing for an admin (so the control cannot show it).
NO_CHANGE_WHEN_ADMIN = {"auth.login", "courses.move_lesson", "api.complete_lesson"}


def fingerprint() -> str:
    """A digest of every row of every table."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(
            select(table).order_by(*table.primary_key.columns)).all()
        digest.update(repr((table.name, rows)).encode())
    return digest.hexdigest()


def _write_cases() -> list[Any]:
    return [pytest.param(path, endpoint, method, id=f"{method} {path}")
            for path, endpoint, method in collected_rules() if method in WRITE_METHODS]


def _body(world: World, endpoint: str, method: str) -> dict[str, Any]:
    body = BODIES.get((endpoint, method), lambda _w: {})(world)
    body.update(EFFECTIVE.get((endpoint, method), lambda _w: {})(world))
    return body


def _send(client: Any, url: str, method: str, body: dict[str, Any],
          token: str | None) -> Any:
    if url.startswith("/api/"):  # the session cookie, no bearer token
        headers = {"X-CSRFToken": token} if token else {}
        return client.open(url, method=method, json=body, headers=headers)
    data = dict(body)
    if token:
        data["csrf_token"] = token
    return client.open(url, method=method, data=data)


def _is_csrf_refusal(response: Any) -> bool:
    if response.status_code != 400:
        return False
    if response.is_json:
        return response.json["error"]["code"] == "csrf_failed"
    return any(message in response.get_data(as_text=True) for message in CSRF_MESSAGES)


def _assert_refused_for_csrf(response: Any) -> None:
    assert _is_csrf_refusal(response), (response.status_code, response.get_data()[:300])


@pytest.mark.parametrize(("path", "endpoint", "method"), _write_cases())
def test_write_without_token_is_refused_and_changes_nothing(
        app: Flask, client: Any, path: str, endpoint: str, method: str) -> None:
    world = build_world()
    token = log_in(client, world, "admin")
    rule = next(r for r in app.url_map.iter_rules()
                if r.rule == path and r.endpoint == endpoint)
    url = rule_url(rule, world.url_values(endpoint))
    before = fingerprint()
    _assert_refused_for_csrf(_send(client, url, method, _body(world, endpoint, method), None))
    assert fingerprint() == before, f"{method} {path} changed the database without a token"
    assert client.get("/api/v1/me").json["username"] == world.users["admin"].username
    # Control: the token is what made the difference.
    response = _send(client, url, method, _body(world, endpoint, method), token)
    assert not _is_csrf_refusal(response)
    if (endpoint, method) in EFFECTIVE and endpoint not in NO_CHANGE_WHEN_ADMIN:
        assert fingerprint() != before, f"the control request to {path} changed nothing"


@pytest.mark.parametrize("token", ["", "forged-token", "IjEyMyI.Zm9v.YmFy"])
def test_forged_or_empty_tokens_are_refused(client: Any, token: str) -> None:
    world = build_world()
    log_in(client, world, "admin")
    before = fingerprint()
    response = client.post("/admin/users/new", data={
        **EFFECTIVE[("users.new", "POST")](world), "csrf_token": token})
    _assert_refused_for_csrf(response)
    assert fingerprint() == before


def test_a_token_from_another_session_is_refused(app: Flask, client: Any) -> None:
    world = build_world()
    other = app.test_client()
    foreign = log_in(other, world, "lecturer_right")
    log_in(client, world, "admin")
    before = fingerprint()
    response = client.post("/admin/users/new", data={
        **EFFECTIVE[("users.new", "POST")](world), "csrf_token": foreign})
    _assert_refused_for_csrf(response)
    assert fingerprint() == before


def test_login_form_without_token_does_not_log_in(client: Any) -> None:
    world = build_world()
    before = fingerprint()
    response = client.post("/auth/login", data=EFFECTIVE[("auth.login", "POST")](world))
    _assert_refused_for_csrf(response)
    assert fingerprint() == before
    assert client.get("/").status_code == 302  # still anonymous
    assert client.get("/api/v1/me").status_code == 401


def test_activation_form_without_token_does_not_activate(client: Any) -> None:
    learner = make_user("learner", username="moi.kich.hoat")
    db.session.add(ActivationCode(user_id=learner.id, code_hash=hash_code("ABCD-EFGH-JK"),
                                  expires_at=utcnow() + timedelta(days=7)))
    db.session.commit()
    before = fingerprint()
    response = client.post("/auth/activate", data={
        "username": "moi.kich.hoat", "code": "ABCD-EFGH-JK", "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD})
    _assert_refused_for_csrf(response)
    assert fingerprint() == before
    assert client.get("/").status_code == 302
    # Control: with the token the very same form activates the account.
    token = log_in(client, build_world(), "anonymous")
    response = client.post("/auth/activate", data={
        "username": "moi.kich.hoat", "code": "ABCD-EFGH-JK", "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("url", ["/auth/logout", "/locale", "/verify"])
def test_anonymous_forms_without_token_are_refused(client: Any, url: str) -> None:
    _assert_refused_for_csrf(client.post(url, data={"locale": "en", "code": "X"}))


def test_logout_without_token_keeps_the_session(client: Any) -> None:
    world = build_world()
    log_in(client, world, "learner_owner")
    _assert_refused_for_csrf(client.post("/auth/logout"))
    assert client.get("/").status_code == 200


def test_api_with_a_bearer_token_needs_no_csrf_token(client: Any) -> None:
    """Token clients send no cookies: CSRF does not apply to them."""
    world = build_world()
    response = client.post(f"/api/v1/lessons/{world.lesson.id}/heartbeat",
                           headers={"Authorization": f"Bearer {world.tokens['learner_other']}"})
    assert response.status_code == 200


def test_sweep_covers_every_write_route(app: Flask) -> None:
    from tests.security.world import app_rules

    live = {(r.rule, m) for r, m in app_rules(app) if m in WRITE_METHODS}
    assert live == {(p, m) for p, _e, m in collected_rules() if m in WRITE_METHODS}
    assert len(live) > 30
