"""CSRF, security headers, secure cookies and role separation."""

from __future__ import annotations

import pytest

from lms.security import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD, Auth, csrf_from, make_class, make_course, make_user


def test_login_without_csrf_token_is_refused_with_a_clear_page(client) -> None:
    make_user("learner", username="an")
    response = client.post("/auth/login", data={"username": "an", "password": PASSWORD})
    assert response.status_code == 400
    assert "csrf" in response.get_data(as_text=True).lower() or \
        "token" in response.get_data(as_text=True).lower()


def test_forged_csrf_token_is_refused(client) -> None:
    make_user("learner", username="an")
    response = client.post("/auth/login", data={
        "username": "an", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/locale", "/admin/users/new", "/auth/password"])
def test_state_changing_forms_need_csrf(auth: Auth, client, url: str) -> None:
    auth.login_as(make_user("admin"))
    assert client.post(url, data={"locale": "en"}).status_code == 400


def test_security_headers(client) -> None:
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    script_src = next(p for p in csp.split("; ") if p.startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script at all


def test_cookies_are_secure_over_https(app) -> None:
    https = app.test_client()
    https.get("/auth/login", base_url="https://lms.test")
    cookie = https.get_cookie("lms_session", domain="lms.test")
    assert cookie is not None and cookie.secure and cookie.http_only
    assert cookie.same_site == "Lax"
    plain = app.test_client()
    plain.get("/auth/login")
    assert not plain.get_cookie("lms_session").secure
    response = https.get("/auth/login", base_url="https://lms.test")
    assert "max-age" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize("url", ["/admin/users/", "/admin/users/new", "/admin/users/1"])
@pytest.mark.parametrize("role", ["learner", "lecturer"])
def test_non_admins_get_403_on_admin_pages(auth: Auth, client, url: str, role: str) -> None:
    auth.login_as(make_user(role))
    assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get("/admin/users/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_admin_reaches_admin_pages(auth: Auth, client) -> None:
    auth.login_as(make_user("admin"))
    assert client.get("/admin/users/").status_code == 200


def test_other_peoples_classes_are_404(auth: Auth, client) -> None:
    course = make_course()
    lecturer, other_lecturer = make_user("lecturer"), make_user("lecturer")
    learner, outsider = make_user("learner"), make_user("learner")
    make_class(course, "K1", lecturer=lecturer, learners=(learner,))
    make_class(course, "K2", lecturer=other_lecturer)
    auth.login_as(outsider)
    assert client.get("/classes/K1").status_code == 404
    assert client.get(f"/courses/{course.slug}").status_code == 404
    auth.logout()
    auth.login_as(learner)
    assert client.get("/classes/K1").status_code == 200
    assert client.get("/classes/K2").status_code == 404
    assert client.get(f"/courses/{course.slug}").status_code == 200
    auth.logout()
    auth.login_as(lecturer)
    assert client.get("/classes/K1").status_code == 200
    assert client.get("/classes/K2").status_code == 404


def test_learner_does_not_see_the_roster(auth: Auth, client) -> None:
    course = make_course()
    learner = make_user("learner", full_name="Trần Thị Bích")
    peer = make_user("learner", full_name="Phạm Văn Cường")
    make_class(course, "K1", learners=(learner, peer))
    auth.login_as(learner)
    page = client.get("/classes/K1").get_data(as_text=True)
    assert "Phạm Văn Cường" not in page


def test_admin_creates_deactivates_and_resets_users(auth: Auth, client) -> None:
    auth.login_as(make_user("admin"))
    token = csrf_from(client, "/admin/users/new")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "vana", "full_name": "Nguyễn Văn A",
        "password": "tam-thoi-123", "role": "learner", "locale": "vi", "active": "y",
        "date_of_birth": "31/12/1975"})
    assert response.status_code == 302
    from lms.users.services import find_user

    user = find_user("vana")
    assert user is not None and user.must_change_password and user.active
    assert user.date_of_birth.isoformat() == "1975-12-31"
    token = csrf_from(client, f"/admin/users/{user.id}")
    client.post(f"/admin/users/{user.id}", data={
        "csrf_token": token, "full_name": "Nguyễn Văn A", "role": "learner", "locale": "vi"})
    assert not find_user("vana").active
    user.must_change_password = False
    old_hash = user.password_hash
    response = client.post(f"/admin/users/{user.id}/reset-password", data={"csrf_token": token})
    assert response.status_code == 302
    user = find_user("vana")
    assert user.must_change_password and user.password_hash != old_hash


def test_duplicate_username_in_admin_form_names_the_field(auth: Auth, client) -> None:
    auth.login_as(make_user("admin"))
    make_user("learner", username="trung")
    token = csrf_from(client, "/admin/users/new")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "trung", "full_name": "Lê Trung",
        "password": "tam-thoi-123", "role": "learner", "locale": "vi"})
    assert response.status_code == 200
    assert 'id="username"' in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_a_nul_character_in_a_form_is_refused_naming_the_field(client) -> None:
    token = csrf_from(client, "/auth/login")
    response = client.post("/auth/login", data={"csrf_token": token, "username": "ad\x00min",
                                                "password": "x" * 10})
    assert response.status_code == 400
    assert "“username”" in response.get_data(as_text=True)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"query_string": {"q": "a\x00"}}, "q"),
    ({"method": "POST", "data": {"ok": "x", "full_name": "Lê\x00"}}, "full_name"),
    # JSON is checked where a route that takes it parses it, after authentication.
    ({"method": "PUT", "json": {"k\x00": 1}}, None),
])
def test_nul_field_names_the_place(app, kwargs: dict, field: str | None) -> None:
    from flask import request

    from lms.security import nul_field

    with app.test_request_context("/api/v1/x", **kwargs):
        assert nul_field(request) == field


@pytest.mark.parametrize(("body", "field"), [
    ({"response": ["a", {"b": "c\x00"}]}, "response.1.b"),
    ({"k\x00": 1}, "k\x00"),
    ("\x00", "body"),
    ({"response": "Việt Nam", "seq": 1}, None),
])
def test_json_nul_names_the_place(body: object, field: str | None) -> None:
    from lms.security import json_nul

    assert json_nul(body, "") == field
