"""Error types shared by services, and the HTML/JSON error handlers.

Services raise :class:`InvalidInput` naming the field at fault; views turn it into a form
error or a 422 JSON error. Anything under ``/api/`` gets JSON errors of the shape
``{"error": {"code": ..., "message": ...}}``; pages get Vietnamese-first error pages.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class InvalidInput(ValueError):  # noqa: N818 (reads as a sentence: raise InvalidInput)
    """Bad input detected by a service; ``field`` names where (a form field, a JSON key)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class APIError(Exception):
    """An error answered as JSON by the API blueprint."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def _messages() -> dict[int, tuple[str, str]]:
    # Built per call so that gettext sees the request's locale.
    return {
        400: (_("Bad request"), _("The request could not be understood.")),
        401: (_("Login required"), _("Please log in to continue.")),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (_("Page not found"), _("The page you asked for does not exist or is not yours.")),
        405: (_("Method not allowed"), _("This action is not allowed here.")),
        409: (_("Conflict"), _("The request conflicts with the current state.")),
        413: (_("File too large"), _("The uploaded file is larger than allowed.")),
        422: (_("Invalid data"), _("Some of the data sent is not valid.")),
        429: (_("Too many attempts"), _("Too many attempts. Please wait a while and try again.")),
        500: (_("Server error"), _("Something went wrong on our side. Please try again later.")),
        503: (_("Service unavailable"), _("The service is temporarily unavailable.")),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, message: str | None = None, code: str | None = None) -> Any:
    """Render the error page (or JSON error) for ``status``."""
    title, default = _messages().get(status, (str(status), ""))
    message = message or default
    if wants_json():
        code = code or title.lower().replace(" ", "_")
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return error_response(
            400,
            _("Your form has expired or lacks its security token. Go back, reload the page "
              "and try again."),
            code="csrf_failed",
        )

    @app.errorhandler(APIError)
    def api_error(exc: APIError) -> Any:
        body = {"error": {"code": exc.code, "message": exc.message, **exc.extra}}
        return jsonify(body), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if status == 429:
            return error_response(429, code="rate_limited")
        description = exc.description if wants_json() and status in (401, 409, 422) else None
        return error_response(status, description)

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError) -> Any:
        # A dropped or unreachable database is an outage, not a bug: 503, retry later.
        from lms.extensions import db

        log.warning("Database unavailable on %s %s: %s", request.method, request.path,
                    str(exc).splitlines()[0])
        db.session.rollback()
        return error_response(503, code="database_unavailable")

    @app.errorhandler(Exception)
    def server_error(exc: Exception) -> Any:
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, code="server_error")
