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


class StandingQuizOut(BaseModel):
    """A required quiz: attempts used of those allowed (0: unlimited); the best score
    only when the quiz's review shows it now (else null)."""

    slug: str
    title: str
    attempts_used: int
    attempts_allowed: int
    best_score10: float | None
    passed: bool
    closes_at: str | None


class StandingOut(BaseModel):
    """Where the caller stands in one of their classes (the learner's home page)."""

    code: str
    name: str
    course: str
    withdrawn: bool
    status: str
    lessons_done: int
    lessons_total: int
    reading_minutes_left: int
    quizzes: list[StandingQuizOut]
    class_end: str | None
    quiz_closes_at: str | None
    certificate: str  # not_eligible | waiting | issued | revoked
    certificate_serial: str | None
    next_step: str | None  # the "Tiếp tục" address


@bp.get("/me/classes")
@spec.validate(resp=Response(HTTP_200=list[StandingOut], HTTP_401=ErrorOut), tags=["classes"])
def my_classes() -> Any:
    """The caller's classes as a learner, with progress, requirements, dates, the next step
    and the certificate state (empty for staff)."""
    from flask import url_for

    from lms.classes.standing import standings

    user = api_user()
    out = []
    for s in standings(user) if user.is_learner else []:
        step = s.next_step
        out.append(StandingOut(
            code=s.klass.code, name=s.klass.name, course=s.klass.course.slug,
            withdrawn=s.withdrawn, status=s.status, lessons_done=s.lessons_done,
            lessons_total=len(s.lessons), reading_minutes_left=s.reading_minutes_left,
            quizzes=[StandingQuizOut(
                slug=q.quiz.slug, title=q.quiz.title, attempts_used=q.attempts_used,
                attempts_allowed=q.attempts_allowed, best_score10=q.best_score10,
                passed=q.passed,
                closes_at=q.window.closes_at.isoformat() if q.window.closes_at else None)
                for q in s.quizzes],
            class_end=s.klass.end_date.isoformat() if s.klass.end_date else None,
            quiz_closes_at=s.quiz_closes_at.isoformat() if s.quiz_closes_at else None,
            certificate=s.certificate_state,
            certificate_serial=s.certificate.serial if s.certificate else None,
            next_step=url_for(step.endpoint, **step.values) if step else None))
    return out
