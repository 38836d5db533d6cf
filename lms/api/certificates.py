"""Public certificate verification in the JSON API (no token needed, rate-limited)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from spectree import Response

from lms.api import bp
from lms.api.spec import ErrorOut, spec
from lms.certificates.services import by_code
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
    classification: str

    model_config = {"populate_by_name": True}


@bp.get("/certificates/<code>")
@limiter.limit("30 per minute")
@spec.validate(resp=Response(HTTP_200=None, HTTP_404=ErrorOut, HTTP_429=ErrorOut),
               tags=["certificates"], security={})
def certificate(code: str) -> Any:
    """Verify a certificate by its code: ``{"serial", "status", "holder", "course", "class",
    "issued_at", "score10", "classification"}``; an unknown code is 404."""
    item = by_code(code)
    if item is None:
        raise APIError(404, "not_found", "Not found.")
    s = item.snapshot
    return {"serial": item.serial, "status": item.status, "holder": s["holder_name"],
            "course": s["course_title"], "class": s["class_name"],
            "issued_at": item.issued_at.isoformat(), "score10": s.get("score10"),
            "classification": s.get("classification", "")}
