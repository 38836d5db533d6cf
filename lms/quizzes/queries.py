"""Read helpers for quiz pages."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.attempt_models import Attempt, AttemptSlot
from lms.quizzes.attempts import can_manage, can_take, can_take_course
from lms.quizzes.models import Quiz


def course_quizzes(course: Course, user: User) -> list[Quiz]:
    """Quizzes of ``course`` the user may take or manage."""
    quizzes = db.session.scalars(select(Quiz).where(
        Quiz.course_id == course.id, Quiz.archived.is_(False)).order_by(Quiz.slug)).all()
    if not quizzes:
        return []
    if user.is_admin or can_manage(user, quizzes[0]):
        return list(quizzes)
    # Learners see the published ones only (a hidden quiz answers them 404).
    return [q for q in quizzes if q.published] if user.is_learner and \
        can_take_course(user.id, course.id) else []


def quiz_for(quiz_id: int, user: User, *, manage: bool = False) -> Quiz:
    """A quiz the user may take (or manage); 404 otherwise."""
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or quiz.archived:
        abort(404)
    allowed = can_manage(user, quiz) if manage else (can_take(user, quiz) or
                                                      can_manage(user, quiz))
    if not allowed:
        abort(404)
    return quiz


def own_attempt(attempt_id: int, user: User) -> Attempt:
    """The user's own attempt with its slots and versions; 404 for anyone else's."""
    attempt = db.session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.user_id == user.id)
        .options(selectinload(Attempt.slots).selectinload(AttemptSlot.version),
                 selectinload(Attempt.quiz))
    )
    if attempt is None:
        abort(404)
    return attempt


def my_attempts(quiz: Quiz, user: User) -> list[Attempt]:
    """The user's attempts at ``quiz``, newest first."""
    return list(db.session.scalars(select(Attempt).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id).order_by(Attempt.number.desc())))
