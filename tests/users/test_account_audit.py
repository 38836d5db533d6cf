"""Account actions are audited (issue 15), each as a Vietnamese sentence."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.audit.sentences import describe
from lms.auth.models import User
from lms.classes.models import ActivationCode
from lms.classes.roster import hash_code
from lms.db import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, Auth, csrf_from, make_user

NEW_PASSWORD = "mat-khau-moi-2026"


def _sentences(app: Flask, action: str) -> list[str]:
    rows = db.session.execute(select(AuditEntry, User)
                              .outerjoin(User, User.id == AuditEntry.actor_id)
                              .where(AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()
    with app.test_request_context(), force_locale("vi"):
        return [line.sentence for line in describe((e, u) for e, u in rows)]


def _admin(app: Flask) -> tuple[Auth, User]:
    admin = make_user("admin", username="quantri")
    admin.full_name = "Nguyễn Văn An"
    auth = Auth(app.test_client())
    auth.login_as(admin)
    return auth, admin


def _learner() -> User:
    learner = make_user("learner", username="hv.binh")
    learner.full_name = "Lê Thị Bình"
    db.session.commit()
    return learner


def test_admin_password_reset_is_audited(app) -> None:
    admin_auth, _admin_user = _admin(app)
    learner = _learner()
    admin_auth.post(f"/admin/users/{learner.id}/reset-password",
                    form_url=f"/admin/users/{learner.id}")
    assert _sentences(app, "password_reset") == [
        "Nguyễn Văn An đã đặt lại mật khẩu của Lê Thị Bình."]


def test_deactivate_and_reactivate_are_audited(app) -> None:
    admin_auth, _admin_user = _admin(app)
    learner = _learner()
    url = f"/admin/users/{learner.id}"
    profile = {"full_name": learner.full_name, "role": "learner", "locale": "vi"}
    admin_auth.post(url, data=profile, form_url=url)
    admin_auth.post(url, data={**profile, "active": "y"}, form_url=url)
    admin_auth.post(url, data={**profile, "active": "y"}, form_url=url)  # no change: no entry
    assert _sentences(app, "account_deactivate") == [
        "Nguyễn Văn An đã vô hiệu hóa tài khoản của Lê Thị Bình."]
    assert _sentences(app, "account_reactivate") == [
        "Nguyễn Văn An đã kích hoạt lại tài khoản của Lê Thị Bình."]


def test_account_creation_is_audited_admins_included(app) -> None:
    admin_auth, _admin_user = _admin(app)
    for username, role in (("gv.chi", "lecturer"), ("qt.dung", "admin")):
        response = admin_auth.post("/admin/users/new", data={
            "username": username, "password": NEW_PASSWORD, "full_name": "Trần Văn Chí",
            "role": role, "locale": "vi", "active": "y"}, form_url="/admin/users/new")
        assert response.status_code == 302
    assert _sentences(app, "account_create") == [
        "Nguyễn Văn An đã tạo tài khoản gv.chi (Giảng viên) cho Trần Văn Chí.",
        "Nguyễn Văn An đã tạo tài khoản qt.dung (Quản trị viên) cho Trần Văn Chí."]


def test_account_creation_from_the_shell_is_audited(app, runner) -> None:
    result = runner.invoke(args=["users", "create", "--username", "qt.em", "--password",
                                 NEW_PASSWORD, "--role", "admin", "--full-name", "Phạm Em"])
    assert result.exit_code == 0, result.output
    assert _sentences(app, "account_create") == [
        "Hệ thống đã tạo tài khoản qt.em (Quản trị viên) cho Phạm Em."]


def test_own_password_change_and_a_wrong_current_password_are_audited(app, auth: Auth,
                                                                      client) -> None:
    auth.login_as(_learner())
    for current in ("doan-sai-1", PASSWORD):
        client.post("/auth/password", data={
            "current_password": current, "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD, "csrf_token": csrf_from(client, "/auth/password")})
    assert _sentences(app, "password_check_failed") == [
        "Lê Thị Bình đã nhập sai mật khẩu hiện tại khi đổi mật khẩu."]
    assert _sentences(app, "password_change") == ["Lê Thị Bình đã đổi mật khẩu của mình."]


def test_sign_out_everywhere_is_audited(app, auth: Auth) -> None:
    auth.login_as(_learner())
    auth.post("/auth/sessions/end", form_url="/auth/password")
    assert _sentences(app, "sessions_end") == ["Lê Thị Bình đã đăng xuất khỏi mọi thiết bị."]


def test_login_with_an_activation_code_is_audited(app, client) -> None:
    learner = make_user("learner", username="hv.cuong", password=None)
    learner.full_name = "Đỗ Văn Cường"
    db.session.add(ActivationCode(user_id=learner.id, code_hash=hash_code("ABCD-EFGH"),
                                  expires_at=utcnow() + timedelta(days=7)))
    db.session.commit()
    response = client.post("/auth/activate", data={
        "username": "hv.cuong", "code": "ABCD-EFGH", "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD, "csrf_token": csrf_from(client, "/auth/activate")})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # logged in, with a login session
    assert _sentences(app, "login_activation") == [
        "Đỗ Văn Cường đã kích hoạt tài khoản bằng mã kích hoạt và đăng nhập."]
