"""API endpoints of the platform foundation."""

from __future__ import annotations

from typing import Any, Literal

from flask import current_app, jsonify
from pydantic import BaseModel
from spectree import Response

from lms.api import bp
from lms.api.auth import api_user
from lms.api.spec import ErrorOut, spec


class MeOut(BaseModel):
    """The authenticated user."""

    username: str
    full_name: str
    role: Literal["admin", "lecturer", "learner"]


@bp.get("/me")
@spec.validate(resp=Response(HTTP_200=MeOut, HTTP_401=ErrorOut), tags=["users"])
def me() -> Any:
    """The caller's identity."""
    user = api_user()
    return MeOut(username=user.username, full_name=user.full_name, role=user.role)


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI 3 document of this API."""
    document = dict(spec.spec)
    document["servers"] = [{"url": current_app.config.get("LMS_BASE_URL") or "/"}]
    return jsonify(document)
