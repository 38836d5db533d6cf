"""Server-side login sessions (issue 15): logout, a password change, an admin's reset or
deactivation end sessions on the server, and a forced password change closes the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.auth.models import ApiToken, LoginSession, User
from lms.auth.services import create_token
from lms.extensions import db
from tests.conftest import PASSWORD, Auth, csrf_from, make_user

COOKIE = "lms_session"
NEW_PASSWORD = "mat-khau-moi-2026"


def _copy(client: FlaskClient, app: Flask) -> FlaskClient:
    """A second browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def _logged_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def _admin_client(app: Flask) -> tuple[FlaskClient, Auth]:
    admin_client = app.test_client()
    auth = Auth(admin_client)
    auth.login_as(make_user("admin"))
    return admin_client, auth


def _reset(app: Flask, user: User) -> str:
    """An admin resets ``user``'s password; the temporary one, from the flash message."""
    admin_client, auth = _admin_client(app)
    response = auth.post(f"/admin/users/{user.id}/reset-password",
                         form_url=f"/admin/users/{user.id}")
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    marker = page.index(user.username) + len(user.username)
    return page[marker:].split(":", 1)[1].split()[0]


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_a_cookie_copied_before_logout_is_refused_after_it(app, auth: Auth, client) -> None:
    auth.login_as(make_user("learner"))
    thief = _copy(client, app)
    assert _logged_in(thief)  # the copy works while the session lives
    auth.logout()
    response = thief.get("/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    api = thief.get("/api/v1/me")
    assert api.status_code == 401
    assert api.json["error"]["code"] == "unauthorized"


def test_logout_ends_the_session_on_the_server(auth: Auth, client) -> None:
    user = auth.login_as(make_user("learner"))
    auth.logout()
    rows = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).all()
    assert len(rows) == 1 and rows[0].ended_at is not None


def test_a_password_change_signs_out_the_other_sessions_only(app, auth: Auth, client) -> None:
    user = make_user("learner")
    other = app.test_client()
    Auth(other).login_as(user)
    auth.login_as(user)
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf_token": csrf_from(client, "/auth/password")})
    assert response.status_code == 302
    assert _logged_in(client)  # the session that made the change stays
    assert not _logged_in(other)
    assert other.get("/api/v1/me").status_code == 401


def test_an_admin_reset_ends_every_session_and_revokes_every_token(app, auth: Auth,
                                                                   client) -> None:
    user = auth.login_as(make_user("learner"))
    _token, raw = create_token(user, "script")
    db.session.commit()
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    _reset(app, user)
    api = client.get("/api/v1/me", headers=_bearer(raw))
    assert api.status_code == 401
    assert api.json["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me").status_code == 401  # the old cookie session
    assert client.get("/").status_code == 302
    db.session.expire_all()
    assert all(t.revoked_at is not None for t in
               db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def test_after_a_reset_the_api_answers_password_change_required(app, auth: Auth,
                                                                client) -> None:
    user = make_user("learner")
    temporary = _reset(app, user)
    auth.login_as(user, temporary)
    for method, path in (("GET", "/api/v1/me"), ("GET", "/api/v1/me/classes"),
                         ("POST", "/api/v1/lessons/1/complete")):
        response = client.open(path, method=method, json={} if method == "POST" else None)
        assert response.status_code == 403, path
        assert response.json["error"]["code"] == "password_change_required"
        assert response.json["error"]["message"]
    # ... and once they chose their own password, the API is theirs again.
    client.post("/auth/password", data={
        "current_password": temporary, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
        "csrf_token": csrf_from(client, "/auth/password")})
    assert client.get("/api/v1/me").status_code == 200


def test_a_bearer_token_is_refused_while_a_password_change_is_required(client) -> None:
    user = make_user("learner")
    user.must_change_password = True  # e.g. an account an admin just created
    _token, raw = create_token(user)
    db.session.commit()
    response = client.get("/api/v1/me", headers=_bearer(raw))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "password_change_required"


def test_deactivation_signs_out_and_revokes_tokens(app, auth: Auth, client) -> None:
    user = auth.login_as(make_user("learner"))
    _token, raw = create_token(user)
    db.session.commit()
    _admin_http, admin = _admin_client(app)
    response = admin.post(f"/admin/users/{user.id}", data={
        "full_name": user.full_name, "role": "learner", "locale": "vi"},
        form_url=f"/admin/users/{user.id}")  # "active" unticked
    assert response.status_code == 302
    response = admin.post(f"/admin/users/{user.id}", data={
        "full_name": user.full_name, "role": "learner", "locale": "vi", "active": "y"},
        form_url=f"/admin/users/{user.id}")  # and active again at once
    assert response.status_code == 302
    assert not _logged_in(client)
    assert client.get("/api/v1/me", headers=_bearer(raw)).status_code == 401


def test_sign_out_everywhere(app, auth: Auth, client) -> None:
    user = make_user("learner")
    other = app.test_client()
    Auth(other).login_as(user)
    auth.login_as(user)
    page = client.get("/auth/password").get_data(as_text=True)
    assert "Đăng xuất khỏi mọi thiết bị" in page and 'action="/auth/sessions/end"' in page
    response = auth.post("/auth/sessions/end", form_url="/auth/password")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert not _logged_in(client)
    assert not _logged_in(other)
    assert auth.login(user.username).status_code == 302  # a new login works


def test_sign_out_everywhere_needs_csrf(auth: Auth, client) -> None:
    auth.login_as(make_user("learner"))
    assert client.post("/auth/sessions/end").status_code == 400
    assert _logged_in(client)


def test_a_forged_or_old_style_identifier_is_refused(auth: Auth, client) -> None:
    user = auth.login_as(make_user("learner"))
    session_id = db.session.scalar(select(LoginSession.id)
                                   .where(LoginSession.user_id == user.id))
    for forged in (str(user.id), f"{session_id}:wrong-key", f"{session_id}:", "x:y", "",
                   f"{'9' * 40}:key", f"{session_id}:{'k' * 500}"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert not _logged_in(client), forged


def _session_check_statements(count_statements: Any, client: FlaskClient,
                              **kwargs: Any) -> list[str]:
    client.get("/api/v1/me", **kwargs)  # warm: compiled queries, the limiter, templates
    with count_statements() as counter:
        response = client.get("/api/v1/me", **kwargs)
    assert response.status_code == 200
    return counter.statements


def test_the_session_check_costs_one_statement(auth: Auth, client, count_statements) -> None:
    auth.login_as(make_user("learner"))
    statements = _session_check_statements(count_statements, client)
    assert len(statements) == 1, statements
    assert "login_sessions" in statements[0] and "users" in statements[0]


def test_the_token_check_costs_one_statement(client, count_statements) -> None:
    _token, raw = create_token(make_user("learner"))
    db.session.commit()
    statements = _session_check_statements(count_statements, client, headers=_bearer(raw))
    assert len(statements) == 1, statements


def test_old_sessions_are_purged(auth: Auth, client) -> None:
    import time_machine

    from lms.auth.tasks import purge_old_sessions
    from lms.db import utcnow

    user = auth.login_as(make_user("learner"))
    auth.logout()
    auth.login_as(user)
    assert purge_old_sessions.call_local() == 0  # both are recent
    with time_machine.travel(utcnow() + timedelta(days=31)):
        assert purge_old_sessions.call_local() == 2  # the ended one, and the open one grown too old
    assert not _logged_in(client)
