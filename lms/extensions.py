"""Unbound Flask extensions, bound to an application in :func:`lms.create_app`.

Keeping them here (and not in ``lms/__init__.py``) lets every feature package import
them without import cycles, and nothing is configured at import time.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.globals import request_ctx
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lms.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class RouteLimiter(Limiter):
    """Flask-Limiter for route limits only: no check on requests to unlimited routes.

    Flask-Limiter installs a ``before_request`` check that resolves the limits of every
    request (≈0.3 ms each), although this application declares no default, application
    or blueprint limit: each limited view is decorated with ``@limiter.limit``, and that
    decorator checks its limits itself when the view runs. So the global check is left
    out, and the after-request and teardown steps (conditional deductions, headers, the
    per-request state) run only for requests the limiter actually looked at.
    """

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        check = self._check_request_limit
        before = app.before_request_funcs.get(None, [])
        app.before_request_funcs[None] = [f for f in before if f != check]
        for hooks in (app.after_request_funcs, app.teardown_request_funcs):
            funcs = hooks.get(None, [])
            hooks[None] = [_only_when_limited(f) if _is_limiter_hook(f, self) else f
                           for f in funcs]


def _is_limiter_hook(func: Any, owner: Limiter) -> bool:
    bound = getattr(func, "__self__", None) or (getattr(func, "args", None) or (None,))[0]
    return bound is owner and not getattr(func, "lms_only_when_limited", False)


def _only_when_limited(hook: Any) -> Any:
    def gated(arg: Any) -> Any:
        # The limiter keeps its per-request state on the request context; absent, it did
        # nothing during this request and has nothing to deduct, add or reset.
        if not hasattr(request_ctx, "_limiter_request_context"):
            return arg
        return hook(arg)

    gated.lms_only_when_limited = True  # type: ignore[attr-defined]
    return gated


# Limits are declared per route (login, verification); nothing is limited by default.
limiter = RouteLimiter(key_func=get_remote_address, default_limits=[])
