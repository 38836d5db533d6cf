"""Quiz and attempt endpoints: the contract the attempt page, the load test and
integrations use."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from pydantic import BaseModel, Field, StrictBool, ValidationError
from spectree import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.api import bp
from lms.api.auth import api_user
from lms.api.spec import ErrorOut, spec, validation_error
from lms.courses.models import Course
from lms.db import read_first, utcnow, writing
from lms.errors import APIError
from lms.extensions import db
from lms.permissions import visible_courses
from lms.quizzes.attempt_models import Attempt, AttemptSlot
from lms.quizzes.attempts import (
    AttemptClosed,
    can_manage,
    can_take,
    finalize_if_due,
    has_left,
    start_attempt,
    submit_attempt,
    timing_of,
)
from lms.quizzes.autosave import check_answer, store_answer
from lms.quizzes.flags import set_flag
from lms.quizzes.models import Quiz
from lms.quizzes.render import attempt_payload, result_payload
from lms.quizzes.types import ResponseError
from lms.request_body import takes_json


class QuizOut(BaseModel):
    """A quiz the caller may take or manage."""

    id: int
    slug: str
    title: str
    time_limit_seconds: int | None
    attempts_allowed: int
    pass_mark10: float


class OptionOut(BaseModel):
    id: str
    text_html: str


class QuestionOut(BaseModel):
    """A question of an attempt; answers, weights and feedback only as review allows."""

    slot: int
    id: int
    type: str
    text_html: str
    options: list[OptionOut]
    items: list[OptionOut] | None = Field(None, description="matching: the left items")
    response: Any = None
    seq: int | None = None
    fraction: float | None = None
    points: float | None = None
    max_points: float | None = None
    flagged: bool | None = Field(None, description="marked by the learner to look at again")
    marks: dict[str, str] | None = Field(
        None, description="when the review shows correctness: right, partial or wrong for "
                          "each option (or matching item) the learner chose")
    right_answer: str | None = None
    right_options: list[str] | None = Field(
        None, description="when the review shows right answers: the right options' ids")
    feedback: list[str] | None = None


class AttemptOut(BaseModel):
    """An attempt with its questions (and answers, on GET)."""

    id: int
    quiz_id: int
    number: int
    state: str
    deadline: str | None
    server_time: str
    questions: list[QuestionOut]
    points: float | None = None
    max_points: float | None = None
    score10: float | None = None
    passed: bool | None = None


class AnswerIn(BaseModel):
    """A saved answer: single → option id; multiple → list of ids; true_false → bool;
    short/essay → string; numerical → number; matching → {left_id: right_id}."""

    response: Any
    seq: int = Field(ge=1, le=2**31 - 1)


class FlagIn(BaseModel):
    """Whether the question is marked "xem lại sau" (to look at again)."""

    flagged: StrictBool


class FlagOut(BaseModel):
    slot: int
    flagged: bool


class SavedOut(BaseModel):
    saved: bool
    seq: int


class ResultOut(BaseModel):
    """The state of a submitted attempt; the score only when the quiz's review allows it
    at that moment (absent otherwise, never null)."""

    state: str
    points: float | None = None
    max_points: float | None = None
    score10: float | None = None
    passed: bool | None = None


def _quiz_or_404(quiz_id: int) -> tuple[Quiz, bool]:
    """The quiz and whether the caller takes it (False: a manager previewing), or 404."""
    quiz = db.session.get(Quiz, quiz_id)
    user = api_user()
    takes = quiz is not None and not quiz.archived and can_take(user, quiz)
    if quiz is None or quiz.archived or not (takes or can_manage(user, quiz)):
        raise APIError(404, "not_found", "No such quiz.")
    return quiz, takes


def _attempt_or_404(attempt_id: int) -> Attempt:
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == api_user().id)
        .options(selectinload(Attempt.slots).selectinload(AttemptSlot.version))
    )
    if attempt is None:
        raise APIError(404, "not_found", "No such attempt.")
    return attempt


@bp.get("/courses/<slug>/quizzes")
@spec.validate(resp=Response(HTTP_200=list[QuizOut], HTTP_401=ErrorOut, HTTP_404=ErrorOut),
               tags=["quizzes"])
def course_quizzes(slug: str) -> Any:
    """Quizzes of a course that the caller may take or manage."""
    user = api_user()
    course = db.session.scalar(visible_courses(user).where(Course.slug == slug))
    if course is None:
        raise APIError(404, "not_found", "No such course.")
    quizzes = db.session.scalars(select(Quiz).where(
        Quiz.course_id == course.id, Quiz.archived.is_(False)).order_by(Quiz.slug)).all()
    return [QuizOut(id=q.id, slug=q.slug, title=q.title, time_limit_seconds=q.time_limit_seconds,
                    attempts_allowed=q.attempts_allowed, pass_mark10=q.pass_mark10)
            for q in quizzes if can_take(user, q) or can_manage(user, q)]


@bp.post("/quizzes/<int:quiz_id>/attempts")
@spec.validate(resp=Response(HTTP_200=AttemptOut, HTTP_201=AttemptOut, HTTP_401=ErrorOut,
                             HTTP_404=ErrorOut, HTTP_409=ErrorOut), tags=["quizzes"])
def create_attempt(quiz_id: int) -> Any:
    """Start an attempt, or return the one in progress (idempotent: 201 new, 200 existing)."""
    quiz, takes = _quiz_or_404(quiz_id)
    try:
        attempt, created = start_attempt(quiz, api_user(), preview=not takes)
    except AttemptClosed as exc:
        db.session.commit()  # an overdue attempt may have been finalised meanwhile
        raise APIError(409, "closed", exc.message) from exc
    db.session.commit()
    attempt = _attempt_or_404(attempt.id)
    now = utcnow()
    # Plain dicts, so that absent review items stay absent (not null) in the JSON.
    payload = attempt_payload(attempt, timing_of(attempt), now, include_answers=not created)
    return payload, 201 if created else 200


@bp.get("/attempts/<int:attempt_id>")
@spec.validate(resp=Response(HTTP_200=AttemptOut, HTTP_401=ErrorOut, HTTP_404=ErrorOut),
               tags=["quizzes"])
def get_attempt(attempt_id: int) -> Any:
    """The attempt with its saved answers and the true remaining time."""
    attempt = _attempt_or_404(attempt_id)
    now = utcnow()
    if finalize_if_due(attempt, now):
        db.session.commit()
    return attempt_payload(attempt, timing_of(attempt), now, include_answers=True)


@bp.put("/attempts/<int:attempt_id>/answers/<int:slot>")
@read_first
@takes_json
# The hot path validates its body itself (one pydantic call on the parsed JSON): spectree's
# generic request validation copies every header and cookie first. The schema and the
# documented responses are spectree's as for every route.
@spec.validate(json=AnswerIn, resp=Response(HTTP_200=SavedOut, HTTP_401=ErrorOut,
                                            HTTP_404=ErrorOut, HTTP_409=ErrorOut,
                                            HTTP_422=ErrorOut),
               tags=["quizzes"], skip_validation=True)
def put_answer(attempt_id: int, slot: int) -> Any:
    """Save one answer; an older ``seq`` never overwrites a newer one. Committed before
    the reply."""
    try:
        body = AnswerIn.model_validate(request.get_json(silent=True) or {})
    except ValidationError as exc:
        validation_error(exc)
    now = utcnow()
    try:
        prepared = check_answer(attempt_id, api_user().id, slot, body.response, body.seq, now)
    except LookupError as exc:
        raise APIError(404, "not_found", "No such attempt or question.") from exc
    except AttemptClosed as exc:
        raise APIError(409, "closed", exc.message) from exc
    except ResponseError as exc:
        raise APIError(422, "invalid", f"{exc.field}: {exc.message}", field=exc.field) from exc
    with writing():  # committed before the reply
        saved, seq = store_answer(prepared, now)
    return SavedOut(saved=saved, seq=seq)


@bp.put("/attempts/<int:attempt_id>/flags/<int:slot>")
@takes_json
@spec.validate(json=FlagIn, resp=Response(HTTP_200=FlagOut, HTTP_401=ErrorOut,
                                          HTTP_404=ErrorOut, HTTP_409=ErrorOut,
                                          HTTP_422=ErrorOut), tags=["quizzes"])
def put_flag(attempt_id: int, slot: int) -> Any:
    """Flag a question of one's open attempt to look at again, or clear the flag."""
    flagged = request.context.json.flagged  # type: ignore[attr-defined]
    try:
        set_flag(attempt_id, api_user().id, slot, flagged)
    except LookupError as exc:
        raise APIError(404, "not_found", "No such attempt or question.") from exc
    except AttemptClosed as exc:
        raise APIError(409, "closed", exc.message) from exc
    db.session.commit()
    return FlagOut(slot=slot, flagged=flagged)


@bp.post("/attempts/<int:attempt_id>/submit")
@spec.validate(resp=Response(HTTP_200=ResultOut, HTTP_401=ErrorOut, HTTP_404=ErrorOut,
                             HTTP_409=ErrorOut), tags=["quizzes"])
def post_submit(attempt_id: int) -> Any:
    """Submit and grade (idempotent: a second submit returns the same result)."""
    attempt = _attempt_or_404(attempt_id)
    if has_left(attempt):
        raise APIError(404, "not_found", "No such attempt.")
    try:
        submit_attempt(attempt)
    except AttemptClosed as exc:
        db.session.commit()
        raise APIError(409, "closed", exc.message) from exc
    db.session.commit()
    current_app.logger.debug("attempt %s submitted", attempt.id)
    return result_payload(attempt, utcnow())
