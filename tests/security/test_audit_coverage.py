"""Issue 15: every state-changing route writes an audit entry, or says why it does not.

Parametrized over every POST, PUT, PATCH and DELETE rule of the live url_map (the app's
and the API's): each is a case of tests/security/audit_cases.py (sent as an authorised
user, with CSRF or a bearer token, against the IDOR matrix's world; an entry of the
expected action must appear, naming the right actor), an exemption with its reason, or
audited on another branch. A new route that is none of these fails with its name.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from lms.audit.models import AuditEntry
from lms.audit.services import ACTIONS, verify_chain
from lms.extensions import db
from tests.security.audit_cases import AUDITED_ON_ANOTHER_BRANCH, CASES, EXEMPT
from tests.security.world import app_rules, build_world, collected_rules, log_in, rule_url

pytestmark = pytest.mark.security

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _writing_rules() -> list[Any]:
    return [
        pytest.param(path, endpoint, method, id=f"{method} {path}")
        for path, endpoint, method in collected_rules()
        if method in WRITES
    ]


def _last_id() -> int:
    return db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0


@pytest.mark.parametrize(("path", "endpoint", "method"), _writing_rules())
def test_every_state_changing_route_is_audited(
    app: Flask, client: Any, path: str, endpoint: str, method: str
) -> None:
    key = f"{method} {path}"
    if key in AUDITED_ON_ANOTHER_BRANCH:
        pytest.skip(f"audited on {AUDITED_ON_ANOTHER_BRANCH[key]}; the integrator adds its case")
    if key in EXEMPT:
        assert EXEMPT[key].strip()
        return
    assert key in CASES, f"{key}: writes state but has no audit case and no exemption"
    case = CASES[key]
    world = build_world()
    csrf = log_in(client, world, case.role)
    values = world.url_values(endpoint)
    if case.prepare is not None:
        values.update(case.prepare(world, client, csrf))
    data = case.body(world, values)
    url = rule_url(
        next(r for r in app.url_map.iter_rules() if r.rule == path and r.endpoint == endpoint),
        values,
    )
    before = _last_id()
    if path.startswith("/api/"):
        response = client.open(
            url,
            method=method,
            json=data,
            headers={"Authorization": f"Bearer {world.tokens[case.role]}"},
        )
    else:
        response = client.open(url, method=method, data={**data, "csrf_token": csrf})
    assert response.status_code < 400, (
        key,
        response.status_code,
        response.get_data(as_text=True)[:300],
    )
    db.session.expire_all()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.id > before).order_by(AuditEntry.id)
    ).all()
    found = [e for e in entries if e.action == case.action]
    assert found, f"{key}: no {case.action!r} entry; written: {[e.action for e in entries]}"
    actor = case.role if case.actor == "sender" else case.actor
    expected_id = values[actor] if actor in values else world.users[actor].id if actor else None
    assert any(e.actor_id == expected_id for e in found), (
        key,
        [(e.actor_id, e.target) for e in found],
        expected_id,
    )
    assert verify_chain().ok


def test_the_lists_name_only_live_routes_once(app: Flask) -> None:
    """No stale or doubled entry: each list's routes exist (the other branch's may not yet)
    and no route is both a case and exempt."""
    live = {f"{method} {rule.rule}" for rule, method in app_rules(app) if method in WRITES}
    assert set(CASES) <= live, set(CASES) - live
    assert set(EXEMPT) <= live, set(EXEMPT) - live
    assert not set(CASES) & set(EXEMPT)
    assert not (set(CASES) | set(EXEMPT)) & set(AUDITED_ON_ANOTHER_BRANCH)
    assert {case.action for case in CASES.values()} <= set(ACTIONS)
    assert len(live) > 40


def test_an_unlisted_route_fails_with_its_name(app: Flask, client: Any) -> None:
    """The guard itself can fail: a route in none of the lists is reported by name."""
    key = "POST /classes/<code>/settings"
    saved = CASES.pop(key)
    try:
        with pytest.raises(AssertionError, match="/classes/<code>/settings"):
            test_every_state_changing_route_is_audited(
                app, client, "/classes/<code>/settings", "classes.settings", "POST"
            )
    finally:
        CASES[key] = saved
