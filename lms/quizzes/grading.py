"""Quiz grades across attempts and the read models of the lecturer's quiz pages."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.classes.models import Class, Enrolment, EnrolmentRole, EnrolmentState
from lms.courses.models import CourseLecturer
from lms.extensions import db
from lms.quizzes.analysis import AttemptRecord, ItemResponse, QuizStatistics, analyse
from lms.quizzes.attempt_models import Attempt, AttemptSlot, AttemptState
from lms.quizzes.models import Quiz

CLOSED = (AttemptState.FINISHED.value, AttemptState.ABANDONED.value)


def quiz_grade(attempts: Sequence[Attempt], method: str) -> float | None:
    """The learner's grade on the 10-point scale by the quiz's grading method.

    Only finished, fully graded attempts count (an abandoned attempt scores nothing).
    """
    graded = sorted((a for a in attempts if a.state == AttemptState.FINISHED.value
                     and not a.needs_grading and a.score10 is not None and not a.preview),
                    key=lambda a: a.number)
    if not graded:
        return None
    if method == "first":
        return graded[0].score10
    if method == "last":
        return graded[-1].score10
    if method == "average":
        return round(fmean(a.score10 for a in graded), 2)  # type: ignore[misc]
    return max(a.score10 for a in graded)  # type: ignore[type-var]


def learner_scope(quiz: Quiz, user: Any) -> Any:
    """Which learners' attempts ``user`` may see on a quiz: ``None`` for all (admins and
    the course's lecturers), else a subquery of the learners of the classes they teach."""
    if user.is_admin:
        return None
    assigned = db.session.scalar(select(CourseLecturer.id).where(
        CourseLecturer.course_id == quiz.course_id, CourseLecturer.user_id == user.id))
    if assigned:
        return None
    mine = select(Enrolment.class_id).join(Class, Class.id == Enrolment.class_id).where(
        Class.course_id == quiz.course_id, Enrolment.user_id == user.id,
        Enrolment.role == EnrolmentRole.LECTURER.value,
        Enrolment.state != EnrolmentState.WITHDRAWN.value)
    return select(Enrolment.user_id).where(Enrolment.class_id.in_(mine),
                                           Enrolment.role == EnrolmentRole.LEARNER.value)


def _scoped(query: Any, scope: Any) -> Any:
    return query if scope is None else query.where(Attempt.user_id.in_(scope))


def closed_attempts(quiz: Quiz, scope: Any = None) -> list[Attempt]:
    """Closed, non-preview attempts of a quiz with their learners (two statements)."""
    return list(db.session.scalars(_scoped(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False),
                              Attempt.state.in_(CLOSED)), scope)
        .options(selectinload(Attempt.user)).order_by(Attempt.user_id, Attempt.number)))


def pending_grading(quiz: Quiz, scope: Any = None) -> list[AttemptSlot]:
    """Essay answers of finished attempts that still wait for a mark."""
    return list(db.session.scalars(_scoped(
        select(AttemptSlot).join(Attempt, Attempt.id == AttemptSlot.attempt_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.state.in_(CLOSED),
               Attempt.needs_grading.is_(True), AttemptSlot.fraction.is_(None)), scope)
        .options(selectinload(AttemptSlot.version), selectinload(AttemptSlot.attempt)
                 .selectinload(Attempt.user))
        .order_by(AttemptSlot.attempt_id, AttemptSlot.slot)))


def item_statistics(quiz: Quiz, scope: Any = None) -> QuizStatistics:
    """Item analysis over each learner's first closed attempt (Moodle's default)."""
    attempts = db.session.scalars(_scoped(
        select(Attempt).where(Attempt.quiz_id == quiz.id, Attempt.preview.is_(False),
                              Attempt.state.in_(CLOSED)), scope)
        .options(selectinload(Attempt.slots).selectinload(AttemptSlot.version))
        .order_by(Attempt.user_id, Attempt.number)).all()
    first: dict[int, Attempt] = {}
    for attempt in attempts:
        first.setdefault(attempt.user_id, attempt)
    records = [
        AttemptRecord(attempt_id=a.id, items=tuple(
            ItemResponse(question_id=s.question_id, fraction=s.fraction,
                         max_points=s.max_points, response=s.response,
                         option_ids=tuple(s.option_order), question_type=s.version.type)
            for s in a.slots))
        for a in first.values()]
    return analyse(records)
