"""Public certificate verification in the JSON API (no token needed, rate-limited)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from pydantic import BaseModel
from spectree import Response

from lms.api import bp
from lms.api.spec import ErrorOut, spec
from lms.auth.services import user_for_token
from lms.certificates.services import by_code, details_visible
from lms.errors import APIError
from lms.extensions import limiter


class CertificateOut(BaseModel):
    """A certificate as anyone may verify it."""

    serial: str
    status: str
    holder: str
    course: str
    class_: str | None = None
    issued_at: str
    score10: float | None
    classification: str | None

    model_config = {"populate_by_name": True}


@bp.get("/certificates/<code>")
@limiter.limit("30 per minute")
@spec.validate(resp=Response(HTTP_200=None, HTTP_404=ErrorOut, HTTP_429=ErrorOut),
               tags=["certificates"], security={})
def certificate(code: str) -> Any:
    """Verify a certificate by its code: ``{"serial", "status", "holder", "course", "class",
    "issued_at", "score10", "classification"}``; an unknown code is 404. The score and
    classification are null for the public (shown to the class's staff, by token or
    session, or to everyone with ``LMS_VERIFY_SHOW_DETAILS``)."""
    item = by_code(code)
    if item is None:
        raise APIError(404, "not_found", "Not found.")
    s = item.snapshot
    details = details_visible(item, _caller())
    return {"serial": item.serial, "status": item.status, "holder": s["holder_name"],
            "course": s["course_title"], "class": s["class_name"],
            "issued_at": item.issued_at.isoformat(),
            "score10": s.get("score10") if details else None,
            "classification": s.get("classification", "") if details else None}


def _caller() -> Any:
    """Who asks, if anyone: a valid bearer token's owner, or the signed-in user."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return user_for_token(raw.strip())
    return current_user if current_user.is_authenticated else None
