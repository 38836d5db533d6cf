"""Login, logout, generic failures, throttling and forced password change."""

from __future__ import annotations

from lms.auth.models import User
from lms.extensions import db
from lms.users.services import set_active
from tests.conftest import PASSWORD, Auth, csrf_from, make_user


def _failure_text(response) -> str:
    body = response.get_data(as_text=True)
    start = body.index('class="flashes"')
    return body[start:body.index("</div>", start)]


def test_login_and_logout(auth: Auth, client) -> None:
    user = make_user("learner", username="an")
    response = auth.login("an")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert db.session.get(User, user.id).last_login_at is not None
    auth.logout()
    assert client.get("/").status_code == 302


def test_username_is_case_insensitive(auth: Auth) -> None:
    make_user("learner", username="binh")
    assert auth.login("  BINH ").status_code == 302


def test_failures_are_indistinguishable(auth: Auth) -> None:
    make_user("learner", username="chi")
    inactive = make_user("learner", username="dung")
    set_active(inactive, False)
    wrong = auth.login("chi", "sai-mat-khau")
    unknown = auth.login("khong-ton-tai", PASSWORD)
    disabled = auth.login("dung", PASSWORD)
    assert wrong.status_code == unknown.status_code == disabled.status_code == 200
    assert _failure_text(wrong) == _failure_text(unknown) == _failure_text(disabled)


def test_logout_requires_post_with_csrf(auth: Auth, client) -> None:
    auth.login_as(make_user("learner"))
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400  # no CSRF token
    assert client.get("/").status_code == 200  # still logged in


def test_failed_logins_are_throttled_per_account(app, auth: Auth) -> None:
    make_user("learner", username="em")
    limit = int(app.config["LMS_LOGIN_LIMIT_ACCOUNT"].split()[0])
    for _ in range(limit):
        assert auth.login("em", "sai-mat-khau").status_code == 200
    assert auth.login("em", PASSWORD).status_code == 429  # even the right password waits
    # Another account from the same address is not locked by em's failures.
    make_user("learner", username="giang")
    assert auth.login("giang").status_code == 302


def test_failed_logins_are_throttled_per_address(app, auth: Auth) -> None:
    limit = int(app.config["LMS_LOGIN_LIMIT_IP"].split()[0])
    for i in range(limit):
        assert auth.login(f"nobody{i}", "sai-mat-khau").status_code == 200
    make_user("learner", username="hoa")
    assert auth.login("hoa").status_code == 429


def test_successful_logins_are_not_counted(app, auth: Auth) -> None:
    make_user("learner", username="khanh")
    limit = int(app.config["LMS_LOGIN_LIMIT_ACCOUNT"].split()[0])
    for _ in range(limit + 2):
        assert auth.login("khanh").status_code == 302
        auth.logout()


def test_open_redirect_after_login_is_refused(client) -> None:
    make_user("learner", username="lan")
    token = csrf_from(client)
    response = client.post("/auth/login", data={
        "username": "lan", "password": PASSWORD, "csrf_token": token,
        "next": "https://evil.example/phish",
    })
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_change_password(auth: Auth, client) -> None:
    user = auth.login_as(make_user("learner", username="minh"))
    token = csrf_from(client, "/auth/password")
    weak = client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": "ngan", "confirm": "ngan",
        "csrf_token": token})
    assert weak.status_code == 200
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": "mat-khau-moi-2025",
        "confirm": "mat-khau-moi-2025", "csrf_token": token})
    assert response.status_code == 302
    auth.logout()
    assert auth.login(user.username, PASSWORD).status_code == 200
    assert auth.login(user.username, "mat-khau-moi-2025").status_code == 302


def test_wrong_current_password_is_refused(auth: Auth, client) -> None:
    auth.login_as(make_user("learner"))
    token = csrf_from(client, "/auth/password")
    response = client.post("/auth/password", data={
        "current_password": "khong-dung-9", "new_password": "mat-khau-moi-2025",
        "confirm": "mat-khau-moi-2025", "csrf_token": token})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_forced_password_change_redirects_everywhere(auth: Auth, client) -> None:
    user = make_user("learner")
    user.must_change_password = True
    auth.login_as(user)
    response = client.get("/courses/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/password")
