"""Class endpoints of the JSON API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from spectree import Response
from sqlalchemy.orm import selectinload

from lms.api import bp
from lms.api.auth import api_user
from lms.api.spec import ErrorOut, spec
from lms.classes.models import Class
from lms.errors import APIError
from lms.extensions import db
from lms.permissions import managed_classes, visible_classes
from lms.reports.exports import to_json
from lms.reports.services import build_report


class ClassOut(BaseModel):
    """A class the caller may see."""

    code: str
    name: str
    course: str
    start_date: str | None
    end_date: str | None
    status: str


class CompletionLearner(BaseModel):
    username: str
    full_name: str
    status: str
    lessons_done: int
    lessons_total: int
    best_score10: float | None
    completed_at: str | None


class CompletionOut(BaseModel):
    """The class's completion (the same object as the JSON export)."""

    model_config = {"populate_by_name": True}

    klass: str
    learners: list[CompletionLearner]


@bp.get("/classes")
@spec.validate(resp=Response(HTTP_200=list[ClassOut], HTTP_401=ErrorOut), tags=["classes"])
def classes() -> Any:
    """Classes the caller may see."""
    rows = db.session.scalars(visible_classes(api_user()).options(selectinload(Class.course))
                              .order_by(Class.code)).all()
    return [ClassOut(code=k.code, name=k.name, course=k.course.slug,
                     start_date=k.start_date.isoformat() if k.start_date else None,
                     end_date=k.end_date.isoformat() if k.end_date else None, status=k.status)
            for k in rows]


@bp.get("/classes/<code>/completion")
@spec.validate(resp=Response(HTTP_200=None, HTTP_401=ErrorOut, HTTP_404=ErrorOut),
               tags=["classes"])
def class_completion(code: str) -> Any:
    """Completion of every learner of a class the caller manages:
    ``{"class", "learners": [{"username", "full_name", "status", "lessons_done",
    "lessons_total", "best_score10", "completed_at"}]}``."""
    klass = db.session.scalar(managed_classes(api_user()).where(Class.code == code))
    if klass is None:
        raise APIError(404, "not_found", "No such class.")
    return to_json(build_report(klass))
