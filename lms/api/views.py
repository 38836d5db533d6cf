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
    document["paths"] = _with_forced_change(document["paths"])
    document["servers"] = [{"url": current_app.config.get("LMS_BASE_URL") or "/"}]
    return jsonify(document)


FORCED_CHANGE = ("Forbidden. `password_change_required`: the account has a temporary "
                 "password (new, or reset by an administrator); it must be changed on the "
                 "website before the API answers.")


def _with_forced_change(paths: dict[str, Any]) -> dict[str, Any]:
    """Every operation that needs a caller (it documents 401) may also answer 403
    ``password_change_required`` (lms/api/auth.py): say so, with the same error body."""
    out: dict[str, Any] = {}
    for path, methods in paths.items():
        out[path] = {}
        for method, operation in methods.items():
            responses = operation.get("responses", {})
            if "401" in responses:
                forbidden = dict(responses.get("403") or {"content": responses["401"]["content"]})
                described = forbidden.get("description", "")
                forbidden["description"] = (f"{described} {FORCED_CHANGE}".strip()
                                            if described and described != "Forbidden"
                                            else FORCED_CHANGE)
                operation = {**operation, "responses": {**responses, "403": forbidden}}
            out[path][method] = operation
    return out
