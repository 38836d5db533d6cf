"""API authentication: a bearer token, or the browser session with a CSRF header."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from lms.api import bp
from lms.auth.models import User
from lms.auth.services import Identity, user_for_token
from lms.errors import APIError
from lms.extensions import csrf

PUBLIC_ENDPOINTS = {"api.openapi", "api.certificate"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Token clients send no cookies, so CSRF does not apply to them; browser calls that
# ride on the session cookie are checked below instead.
csrf.exempt(bp)


@bp.before_request
def authenticate_request() -> None:
    """Resolve the caller into ``g.api_user`` or answer 401."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, raw = header.partition(" ")
        user = user_for_token(raw.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise APIError(401, "unauthorized", "Missing, invalid or revoked token.")
        _refuse_forced_change(user)
        g.api_user = user
        return
    if current_user.is_authenticated:
        _refuse_forced_change(current_user)
        if request.method not in SAFE_METHODS:
            csrf.protect()
        g.api_user = current_user._get_current_object()
        return
    raise APIError(401, "unauthorized", "Authentication required: send a bearer token.")


def _refuse_forced_change(user: User | Identity) -> None:
    # A temporary password (an admin's reset, a new account) opens the password page
    # and nothing else: the API is closed until the user chooses their own.
    if user.must_change_password:
        raise APIError(403, "password_change_required",
                       "Change your password on the website before using the API.")


def api_user() -> User | Identity:
    """The authenticated caller: the session's User, or a token's lightweight Identity."""
    return g.api_user
