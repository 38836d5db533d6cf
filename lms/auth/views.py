"""Login, logout and password views (thin: forms in, services out)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from lms.audit.services import record
from lms.auth import bp
from lms.auth.forms import ChangePasswordForm, EmptyForm, LoginForm
from lms.auth.login import safe_next_url
from lms.auth.services import authenticate, change_password, normalise_username
from lms.auth.sessions import end_session, end_sessions, session_id_of, start_session
from lms.errors import InvalidInput
from lms.extensions import db, limiter

_ALLOWED_WHEN_FORCED = {"auth.password", "auth.logout", "static", "core.set_language",
                        "auth.activate", "auth.end_sessions"}
_NEVER_FORCED = {None, "core.healthz", "core.favicon"}


def _login_account_key() -> str:
    # Per account AND address: failures from an attacker's address do not lock the
    # account's owner out when they log in from another one (the per-address limit
    # below still caps how many guesses one address makes across accounts).
    username = normalise_username(request.form.get("username", ""))[:64]
    return f"login-account:{username}@{get_remote_address()}"


def _password_account_key() -> str:
    # Only the session's holder can fail this check, so the account alone is the key.
    return f"password-account:{getattr(current_user, 'id', '-')}"


def _login_failed(response: Any) -> bool:
    # Only failures count against the limits: a successful login redirects.
    return response.status_code != 302


def _password_check_failed(_response: Any) -> bool:
    return bool(g.get("password_check_failed"))


def _log_in(user: Any) -> None:
    """A fresh session (no fixation of earlier state) bound to a new login session."""
    session.clear()
    start_session(user, request.remote_addr, request.user_agent.string)
    login_user(user)


@bp.before_app_request
def _force_password_change() -> Any:
    # Cheap tests first: the user is loaded only for a page of a logged-in session (the
    # API, the health check, static files and anonymous visitors never need it).
    if (
        request.path.startswith("/api/")
        or request.endpoint in _ALLOWED_WHEN_FORCED
        or request.endpoint in _NEVER_FORCED
        or ("_user_id" not in session and current_app.config.get(
            "REMEMBER_COOKIE_NAME", "remember_token") not in request.cookies)
    ):
        return None
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LMS_LOGIN_LIMIT_ACCOUNT"],
    key_func=_login_account_key, methods=["POST"], deduct_when=_login_failed,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LMS_LOGIN_LIMIT_IP"],
    methods=["POST"], deduct_when=_login_failed, scope="login-ip",
)
def login() -> Any:
    """Log in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.username.data or "", form.password.data or "")
        if user is None:
            # One message for unknown user, wrong password and inactive account.
            record("login_failed", None, (form.username.data or "")[:64],
                   ip=request.remote_addr)
            db.session.commit()
            flash(_("Wrong username or password."), "error")
            return render_template("auth/login.html", form=form), 200
        _log_in(user)
        record("login", user.id, user.username, ip=request.remote_addr)
        db.session.commit()
        return redirect(safe_next_url(form.next.data) or url_for("core.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Log out (POST with CSRF, so a link on another site cannot log you out)."""
    form = EmptyForm()
    if form.validate_on_submit():
        end_session(session_id_of(current_user))  # a copy of the cookie dies with it
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LMS_LOGIN_LIMIT_ACCOUNT"], key_func=_password_account_key,
    methods=["POST"], deduct_when=_password_check_failed, scope="password-account",
)
@limiter.limit(
    lambda: current_app.config["LMS_LOGIN_LIMIT_IP"],
    methods=["POST"], deduct_when=_password_check_failed, scope="password-ip",
)
@login_required
def password() -> Any:
    """Change one's own password; every other session of the account is signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            ended = change_password(user, form.current_password.data or "",
                                    form.new_password.data or "", keep=session_id_of(user))
        except InvalidInput as exc:
            getattr(form, exc.field).errors.append(exc.message)
            if exc.field == "current_password":
                g.password_check_failed = True
                record("password_check_failed", user.id, user.username,
                       ip=request.remote_addr)
                db.session.commit()
        else:
            record("password_change", user.id, user.username, ip=request.remote_addr,
                   sessions_ended=ended)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("core.index"))
    return render_template("auth/password.html", form=form, sessions_form=EmptyForm())


@bp.route("/sessions/end", methods=["POST"], endpoint="end_sessions")
@login_required
def end_sessions_view() -> Any:
    """Sign out everywhere: every login session of the account ends, this one too."""
    if EmptyForm().validate_on_submit():
        user = current_user._get_current_object()
        ended = end_sessions(user.id)
        record("sessions_end", user.id, user.username, ip=request.remote_addr,
               sessions_ended=ended)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have been signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/activate", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LMS_LOGIN_LIMIT_IP"], methods=["POST"],
               deduct_when=_login_failed, scope="activate-ip")
def activate() -> Any:
    """First login with an activation code: choose a password, then you are in."""
    from lms.auth.forms import ActivateForm
    from lms.auth.services import set_password
    from lms.classes.roster import activate as use_code

    form = ActivateForm()
    if form.validate_on_submit():
        user = use_code(form.username.data or "", form.code.data or "")
        if user is None:
            flash(_("This code is not valid, has expired or was already used."), "error")
            return render_template("auth/activate.html", form=form), 200
        try:
            set_password(user, form.new_password.data or "")
        except InvalidInput as exc:
            db.session.rollback()
            form.new_password.errors.append(exc.message)
            return render_template("auth/activate.html", form=form), 200
        _log_in(user)
        record("login_activation", user.id, user.username, ip=request.remote_addr)
        db.session.commit()
        flash(_("Your account is active. Welcome!"), "success")
        return redirect(url_for("core.index"))
    return render_template("auth/activate.html", form=form)
