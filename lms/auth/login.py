"""Flask-Login wiring and the access decorators used by views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.auth.models import User
from lms.auth.sessions import load_user
from lms.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])


def init_login(app: Flask) -> None:
    """Bind Flask-Login to ``app``."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # The identifier is a login session's, checked on every request (lms.auth.sessions).
    return load_user(user_id)


def role_required(*roles: str) -> Callable[[F], F]:
    """Require a logged-in user with one of ``roles``; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = role_required("admin")
staff_required = role_required("admin", "lecturer")


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths are followed after a form (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target
