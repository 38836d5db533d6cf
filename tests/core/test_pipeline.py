"""A lighter request pipeline (issue 15): each request does only the per-request work its
route uses. Counted on the real objects (the limiter, the session interface, Flask-Login's
user loader, SQLAlchemy's session events), each with a control request that does need the
work, so that a counter that never moves cannot pass for a saving."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.auth.services import create_token
from lms.extensions import db, limiter, login_manager
from tests.conftest import Auth, make_user


@pytest.fixture
def limiter_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time Flask-Limiter looks at a request (its checks all start by identifying
    the request, in the global hook as in the decorators)."""
    calls: list[str] = []
    original = limiter.identify_request

    def counting() -> str:
        calls.append("identify")
        return original()

    monkeypatch.setattr(limiter, "identify_request", counting)
    return calls


@pytest.fixture
def limiter_state(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every use of the limiter's per-request state (its checks, the after-request
    deductions and headers, and the teardown all go through it)."""
    from lms.extensions import RouteLimiter

    uses: list[str] = []
    original = RouteLimiter.context

    def counting(self: Any) -> Any:
        uses.append("context")
        return original.fget(self)

    monkeypatch.setattr(RouteLimiter, "context", property(counting))
    return uses


def test_healthz_does_not_call_the_limiter(
    auth: Auth, client, limiter_calls, limiter_state
) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code in (200, 302)  # a page, not limited
    assert limiter_calls == [] and limiter_state == []
    # Control: the login form is limited, and its limit is still checked.
    auth.login("nobody", "wrong password")
    assert limiter_calls and limiter_state


def test_healthz_opens_no_orm_session(client) -> None:
    begun: list[Any] = []
    checkouts: list[Any] = []

    def on_begin(session: Any, _transaction: Any, _connection: Any) -> None:
        begun.append(session)

    def on_checkout(*_args: Any) -> None:
        checkouts.append(1)

    event.listen(Session, "after_begin", on_begin)
    event.listen(db.engine.pool, "checkout", on_checkout)
    try:
        response = client.get("/healthz")
    finally:
        event.remove(Session, "after_begin", on_begin)
        event.remove(db.engine.pool, "checkout", on_checkout)
    assert response.json == {"status": "ok", "database": "ok"}
    assert begun == []
    assert checkouts, "the health check must still reach the database"


def test_a_bearer_call_does_not_load_the_cookie_session(
    app, auth: Auth, client, monkeypatch
) -> None:
    user = auth.login_as(make_user("learner", username="hv-pipe"))
    _token, raw = create_token(user)
    interface = app.session_interface
    loads: list[str] = []
    original = interface.get_signing_serializer

    def counting(application: Any) -> Any:
        loads.append("serializer")
        return original(application)

    monkeypatch.setattr(interface, "get_signing_serializer", counting)
    # The browser's cookie rides along; the token says who calls.
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200 and response.json["username"] == "hv-pipe"
    assert loads == []
    assert "Set-Cookie" not in response.headers
    # Control: the same call on the session cookie reads (and verifies) the cookie.
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and loads


def test_a_bad_bearer_token_with_a_session_cookie_is_still_refused(auth: Auth, client) -> None:
    auth.login_as(make_user("learner"))
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer lms_forged"})
    assert response.status_code == 401


@pytest.fixture
def user_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    loads: list[str] = []
    original = login_manager._user_callback

    def counting(user_id: str) -> Any:
        loads.append(user_id)
        return original(user_id)

    monkeypatch.setattr(login_manager, "_user_callback", counting)
    return loads


def test_forced_password_hook_loads_no_user_when_not_needed(auth: Auth, client, user_loads) -> None:
    auth.login_as(make_user("learner"))
    user_loads.clear()
    assert client.get("/healthz").status_code == 200
    assert user_loads == []
    # Control: a page of the logged-in session loads the user (once).
    assert client.get("/").status_code == 200
    assert len(user_loads) == 1


def test_forced_password_change_still_redirects(auth: Auth, client) -> None:
    user = make_user("learner")
    user.must_change_password = True
    db.session.commit()
    auth.login(user.username)
    response = client.get("/")
    assert response.status_code == 302 and response.location.endswith("/auth/password")


def test_bearer_json_calls_select_no_locale(app, client, monkeypatch) -> None:
    from flask_babel import get_babel

    user = make_user("learner")
    _token, raw = create_token(user)
    babel = get_babel(app)
    chosen: list[str] = []
    original = babel.locale_selector

    def counting() -> str:
        chosen.append("locale")
        return original()

    monkeypatch.setattr(babel, "locale_selector", counting)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert chosen == []
    # Control: a page chooses its language.
    client.get("/auth/login")
    assert chosen


def test_security_headers_in_one_pass_keep_a_views_own(app, client) -> None:
    response = client.get("/healthz")
    names = [key.lower() for key, _value in response.headers.items()]
    for header in (
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "cross-origin-opener-policy",
        "permissions-policy",
    ):
        assert names.count(header) == 1, (header, names)
    assert "strict-transport-security" not in names
    secure = client.get("/healthz", base_url="https://lms.test")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_an_autosave_on_sqlite_is_one_transaction(tmp_path) -> None:
    """The autosave reads (token, attempt) as single statements, without a read
    transaction, then writes in the one transaction that takes the write lock: one
    ``BEGIN IMMEDIATE``, no plain ``BEGIN``, one ``COMMIT`` of real work."""
    from lms.auth.models import User
    from lms.quizzes.attempts import start_attempt
    from lms.quizzes.models import Quiz
    from tests.quizzes.test_concurrency import _world

    app, (quiz_id, user_ids) = _world(f"sqlite:///{tmp_path / 'one.sqlite3'}")
    with app.app_context():
        user = db.session.get(User, user_ids[0])
        attempt, _ = start_attempt(db.session.get(Quiz, quiz_id), user)
        _token, raw = create_token(user)
        db.session.commit()
        attempt_id = attempt.id
        slot = next(s.slot for s in attempt.slots if s.version.type == "short_answer")
        db.session.remove()
        engine = db.engine
    statements: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split(None, 2)[0].upper() if statement.strip() else "")

    headers = {"Authorization": f"Bearer {raw}"}
    client = app.test_client()
    path = f"/api/v1/attempts/{attempt_id}/answers/{slot}"
    assert client.put(path, json={"response": "lần 1", "seq": 1}, headers=headers).json
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        response = client.put(path, json={"response": "lần 2", "seq": 2}, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert response.status_code == 200 and response.json == {"saved": True, "seq": 2}
    assert statements.count("BEGIN") == 1, statements  # BEGIN IMMEDIATE (first word)
    assert statements.index("BEGIN") == len(statements) - 2, statements  # just the upsert
    assert statements[-1] == "INSERT", statements
    with app.app_context():
        engine.dispose()


def test_a_requests_write_intent_ends_with_it(client) -> None:
    """The intent a request declares (``None`` for a read_first write: reads without a
    transaction) must not outlive it in the thread that served it."""
    from lms.db import write_intent

    before = write_intent.get()
    client.put("/api/v1/attempts/1/answers/1", json={"response": "x", "seq": 1})  # a 401
    assert write_intent.get() == before
    client.get("/healthz")
    assert write_intent.get() == before
