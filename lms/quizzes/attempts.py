"""The attempt engine: idempotent start, idempotent submit, grading, and finalising
overdue attempts by their policy (answers are graded, never blanked). The autosave hot
path is in :mod:`lms.quizzes.autosave`."""

from __future__ import annotations

import logging
import random
import secrets
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from lms.auth.models import User
from lms.classes.models import Class, Enrolment, EnrolmentRole, EnrolmentState
from lms.courses.models import CourseLecturer
from lms.db import utcnow
from lms.db_upsert import insert_for
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes.attempt_models import (
    OPEN_STATES,
    Accommodation,
    Attempt,
    AttemptSlot,
    AttemptState,
)
from lms.quizzes.draw import pick_questions, seen_questions
from lms.quizzes.models import QuestionVersion, Quiz
from lms.quizzes.timing import Timing, attempts_limit, timing_for
from lms.quizzes.types import get_type
from lms.quizzes.windows import attempt_window, learner_class, may_close, window_for

log = logging.getLogger(__name__)


class AttemptClosed(Exception):  # noqa: N818 (a state, read as "raise AttemptClosed")
    """The attempt no longer accepts this action (time is up, or it is finished)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def accommodation_id(user_id: Any, course_id: Any, quiz_id: Any) -> Any:
    """Scalar subquery: the id of the accommodation that applies to this learner on this
    quiz (columns or values): one of a class of the quiz's course that the learner is
    still in, for this quiz or for all the class's quizzes; the per-quiz one wins."""
    return (select(Accommodation.id)
            .join(Class, Class.id == Accommodation.class_id)
            .join(Enrolment, (Enrolment.class_id == Class.id)
                  & (Enrolment.user_id == Accommodation.user_id))
            .where(Accommodation.user_id == user_id, Class.course_id == course_id,
                   Enrolment.role == EnrolmentRole.LEARNER.value,
                   Enrolment.state != EnrolmentState.WITHDRAWN.value,
                   (Accommodation.quiz_id.is_(None)) | (Accommodation.quiz_id == quiz_id))
            .order_by(Accommodation.quiz_id.is_(None), Accommodation.updated_at.desc(),
                      Accommodation.id.desc())
            .limit(1).scalar_subquery())


def accommodation_for(user_id: int, quiz: Quiz) -> Accommodation | None:
    """The learner's accommodation on this quiz, if any (one statement)."""
    return db.session.scalar(select(Accommodation).where(
        Accommodation.id == accommodation_id(user_id, quiz.course_id, quiz.id)))


def learner_enrolment(user_id: Any, course_id: Any) -> Any:
    """EXISTS: the user is a learner, not withdrawn, in a class of the course (columns
    or values; usable inside a larger statement such as the autosave's)."""
    return select(Enrolment.id).join(Class, Class.id == Enrolment.class_id).where(
        Class.course_id == course_id, Enrolment.user_id == user_id,
        Enrolment.role == EnrolmentRole.LEARNER.value,
        Enrolment.state != EnrolmentState.WITHDRAWN.value).exists()


def can_take_course(user_id: int, course_id: int) -> bool:
    """Whether the user is still a learner of some class of the course."""
    return bool(db.session.scalar(select(learner_enrolment(user_id, course_id))))


def can_take(user: User, quiz: Quiz) -> bool:
    """A learner enrolled (active, or completed and still in the class) in a class of the
    quiz's course may take it once it is published; withdrawn learners may not."""
    if not user.is_learner or not quiz.published:
        return False
    return can_take_course(user.id, quiz.course_id)


def has_left(attempt: Attempt) -> bool:
    """A learner's (not a preview's) attempt whose learner was withdrawn since: saves and
    submits answer 404, and its review shows no right answers or feedback."""
    return not attempt.preview and not can_take_course(attempt.user_id,
                                                       attempt.quiz.course_id)


def close_open_attempts(user_id: int, course_id: int, now: datetime | None = None
                        ) -> list[int]:
    """Finalise the user's open attempts at the course's quizzes as they stand (graded;
    each grading is audited); returns their ids."""
    now = now or utcnow()
    closed = []
    for attempt in db.session.scalars(
            select(Attempt).join(Quiz, Quiz.id == Attempt.quiz_id)
            .where(Attempt.user_id == user_id, Quiz.course_id == course_id,
                   Attempt.state.in_(OPEN_STATES)).order_by(Attempt.id)):
        deadline = timing_of(attempt).deadline
        if _close(attempt, AttemptState.FINISHED, min(now, deadline or now)):
            closed.append(attempt.id)
    return closed


def can_manage(user: User, quiz: Quiz) -> bool:
    """Admins, the course's lecturers and lecturers of its classes manage (and preview)."""
    if user.is_admin:
        return True
    if not user.is_lecturer:
        return False
    teaches = select(Enrolment.id).join(Class, Class.id == Enrolment.class_id).where(
        Class.course_id == quiz.course_id, Enrolment.user_id == user.id,
        Enrolment.role == EnrolmentRole.LECTURER.value, Enrolment.state != "withdrawn")
    assigned = select(CourseLecturer.id).where(CourseLecturer.course_id == quiz.course_id,
                                               CourseLecturer.user_id == user.id)
    return bool(db.session.scalar(select(teaches.exists() | assigned.exists())))


def timing_of(attempt: Attempt) -> Timing:
    """The attempt's deadline and windows, with the learner's current accommodation."""
    return timing_for(attempt.quiz, attempt.started_at,
                      accommodation_for(attempt.user_id, attempt.quiz),
                      attempt_window(attempt).closes_at)


# --- start -----------------------------------------------------------------------------

def _open_attempt(quiz_id: int, user_id: int) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(
        Attempt.quiz_id == quiz_id, Attempt.user_id == user_id,
        Attempt.state.in_(OPEN_STATES)))


def start_attempt(quiz: Quiz, user: User, *, preview: bool = False,
                  now: datetime | None = None) -> tuple[Attempt, bool]:
    """Return the open attempt, or start one; ``(attempt, created)``.

    Idempotent under concurrency: a double click or two tabs race on the partial unique
    index "one open attempt per learner and quiz"; the loser gets the winner's attempt.

    :raises AttemptClosed: the quiz is not open, or no attempt is left.
    """
    now = now or utcnow()
    existing = _open_attempt(quiz.id, user.id)
    if existing is not None and finalize_if_due(existing, now):
        existing = None
    if existing is not None:
        return existing, False
    klass = None if preview else learner_class(user.id, quiz.course_id)
    window = window_for(quiz, klass)
    if window.opens_at and now < window.opens_at:
        raise AttemptClosed(_("This quiz is not open yet."))
    if window.closes_at and now >= window.closes_at:
        raise AttemptClosed(_("This quiz is closed."))
    used = db.session.scalar(select(func.count(Attempt.id)).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id,
        Attempt.preview.is_(False))) or 0
    allowed = attempts_limit(quiz, accommodation_for(user.id, quiz))
    if not preview and allowed and used >= allowed:
        raise AttemptClosed(_("You have used all your attempts."))
    seed = secrets.randbelow(2**31)
    rng = random.Random(seed)  # noqa: S311 (shuffling, not security)
    picks = pick_questions(quiz, rng, set() if preview else seen_questions(quiz, user.id))
    number = (db.session.scalar(select(func.max(Attempt.number)).where(
        Attempt.quiz_id == quiz.id, Attempt.user_id == user.id)) or 0) + 1
    table = Attempt.__table__
    stmt = insert_for(table).values(
        quiz_id=quiz.id, user_id=user.id, number=number, state=AttemptState.IN_PROGRESS.value,
        preview=preview, seed=seed, started_at=now, class_id=klass.id if klass else None,
        max_points=sum(mark for _q, _v, _kind, mark in picks),
        needs_grading=False,
    ).on_conflict_do_nothing().returning(table.c.id)
    new_id = db.session.execute(stmt).scalar()
    if new_id is None:  # another request won the race
        winner = _open_attempt(quiz.id, user.id)
        assert winner is not None
        return winner, False
    versions = {v.id: v for v in db.session.scalars(
        select(QuestionVersion).where(QuestionVersion.id.in_([p[1] for p in picks])))}
    slots = []
    for index, (question_id, version_id, kind, mark) in enumerate(picks, start=1):
        order = get_type(kind).option_ids(versions[version_id].data)
        # Matching choices are always shuffled: in file order, item i would match choice i.
        if quiz.shuffle_options or kind == "matching":
            rng.shuffle(order)
        slots.append({"attempt_id": new_id, "slot": index, "question_id": question_id,
                      "question_version_id": version_id, "option_order": order, "seq": 0,
                      "max_points": mark, "comment": ""})
    if slots:
        db.session.execute(AttemptSlot.__table__.insert(), slots)
    db.session.flush()
    attempt = db.session.get(Attempt, new_id)
    assert attempt is not None
    from lms.audit.services import record

    record("attempt_start", user.id, f"attempt:{new_id}", quiz_id=quiz.id,
           class_code=klass.code if klass else None, preview=preview)
    log.info("Attempt %s started by %s on quiz %s", new_id, user.username, quiz.slug)
    return attempt, True


# --- grading, submit, finalise -----------------------------------------------------------

def grade_slots(attempt: Attempt) -> None:
    """Grade every slot from its version; essays wait for a person."""
    points, pending = 0.0, False
    for item in attempt.slots:
        kind = get_type(item.version.type)
        if not kind.max_points:  # a description: nothing to grade, nor right or wrong
            item.fraction, item.points = None, 0.0
            continue
        if kind.manual:
            if item.fraction is None:
                pending = True
            else:
                points += item.points or 0.0
            continue
        fraction = kind.grade(item.version.data, item.response) if item.response is not None \
            else 0.0
        item.fraction = fraction
        item.points = round((fraction or 0.0) * item.max_points, 4)
        points += item.points
    attempt.max_points = sum(item.max_points for item in attempt.slots)
    attempt.needs_grading = pending
    attempt.points = round(points, 4)
    attempt.score10 = round(10 * points / attempt.max_points, 2) if attempt.max_points else 0.0
    attempt.passed = None if pending else attempt.score10 >= attempt.quiz.pass_mark10 - 1e-9


def _claim(attempt: Attempt, state: AttemptState, finished_at: datetime) -> bool:
    """Close an open attempt with one conditional UPDATE; False if another request
    closed it first (it waits for that one's row lock, then finds it closed).

    Concurrent submits of one attempt thus grade it once, with one audit row.
    """
    claimed = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.state.in_(OPEN_STATES))
        .values(state=state.value, finished_at=finished_at)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.refresh(attempt)
        return False
    set_committed_value(attempt, "state", state.value)
    set_committed_value(attempt, "finished_at", finished_at)
    return True


def _close(attempt: Attempt, state: AttemptState, finished_at: datetime) -> bool:
    """Close and grade an open attempt, once; False if it was closed meanwhile."""
    if not _claim(attempt, state, finished_at):
        return False
    _finish(attempt, state, finished_at)
    return True


def _finish(attempt: Attempt, state: AttemptState, finished_at: datetime) -> None:
    """Grade a closed attempt (again, for a regrade or a manual mark) and announce it."""
    attempt.state = state.value
    attempt.finished_at = finished_at
    grade_slots(attempt)
    db.session.flush()
    from lms.events import attempt_graded

    attempt_graded.send(attempt, user_id=attempt.user_id, quiz_id=attempt.quiz_id)


def finalize_if_due(attempt: Attempt, now: datetime | None = None) -> bool:
    """Apply the expiry policy to an open attempt whose time is up; True if it closed."""
    now = now or utcnow()
    if attempt.state not in OPEN_STATES:
        return False
    timing = timing_of(attempt)
    if timing.deadline is None or now <= timing.late_until:
        return False
    policy = attempt.quiz.on_expiry
    if policy == "autosubmit":
        _close(attempt, AttemptState.FINISHED, timing.deadline)
        return True
    if policy == "grace" and timing.overdue_until and now <= timing.overdue_until:
        if attempt.state != AttemptState.OVERDUE.value:
            attempt.state = AttemptState.OVERDUE.value
            db.session.flush()
        return False
    # "abandon", or the grace window ran out: never submitted; answers kept and graded.
    _close(attempt, AttemptState.ABANDONED, timing.deadline)
    return True


def submit_attempt(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Submit and grade; idempotent (a second submit returns the same result).

    :raises AttemptClosed: submitted after the last accepted moment.
    """
    now = now or utcnow()
    if attempt.state in (AttemptState.FINISHED.value, AttemptState.ABANDONED.value):
        return attempt
    timing = timing_of(attempt)
    if attempt.state == AttemptState.OVERDUE.value:
        if timing.overdue_until and now <= timing.overdue_until:
            _close(attempt, AttemptState.FINISHED, now)
            return attempt
    elif timing.late_until is None or now <= timing.late_until:
        _close(attempt, AttemptState.FINISHED, min(now, timing.deadline or now))
        return attempt
    finalize_if_due(attempt, now)
    raise AttemptClosed(_("Time is up: the attempt was closed by its policy."))


def finalize_overdue(now: datetime | None = None, batch: int = 500) -> int:
    """Close every open attempt whose time is up (the periodic job); returns the count."""
    now = now or utcnow()
    closed = 0
    candidates = db.session.scalars(
        select(Attempt).join(Quiz, Quiz.id == Attempt.quiz_id)
        .where(Attempt.state.in_(OPEN_STATES), may_close(Quiz, Attempt))
        .order_by(Attempt.id).limit(batch)
    ).all()
    for attempt in candidates:
        closed += finalize_if_due(attempt, now)
    return closed


def grade_manually(item: AttemptSlot, fraction: float, comment: str, grader: User) -> None:
    """A lecturer's mark for an essay (or an override); regrades the attempt total."""
    if not 0.0 <= fraction <= 1.0:
        raise InvalidInput("fraction", _("The mark must be between 0 and the maximum."))
    item.fraction = fraction
    item.points = round(fraction * item.max_points, 4)
    item.comment = comment
    item.graded_by_id, item.graded_at = grader.id, utcnow()
    db.session.flush()
    from lms.audit.services import record

    record("manual_grade", grader.id, f"attempt:{item.attempt_id}/slot:{item.slot}",
           fraction=fraction, comment=comment[:200])
    if item.attempt.state in (AttemptState.FINISHED.value, AttemptState.ABANDONED.value):
        _finish(item.attempt, AttemptState(item.attempt.state), item.attempt.finished_at)


def regrade_quiz(quiz: Quiz) -> int:
    """Move closed attempts to their questions' current versions when compatible (a
    question fix) and grade them again; returns how many attempts changed score."""
    changed = 0
    attempts = db.session.scalars(select(Attempt).where(
        Attempt.quiz_id == quiz.id,
        Attempt.state.in_((AttemptState.FINISHED.value, AttemptState.ABANDONED.value)))).all()
    for attempt in attempts:
        before = attempt.points
        for item in attempt.slots:
            current = item.question.current_version
            if current is None or current.id == item.question_version_id:
                continue
            kind = get_type(current.type)
            if current.type == item.version.type and set(kind.option_ids(current.data)) == set(
                    kind.option_ids(item.version.data)):
                item.question_version_id = current.id
                item.version = current
        db.session.flush()
        _finish(attempt, AttemptState(attempt.state), attempt.finished_at)
        changed += attempt.points != before
    return changed
