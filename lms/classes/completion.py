"""Class completion, evaluated at the event — never by a cron job.

When a lesson is completed, an attempt is graded, a rule or an enrolment changes, the
affected learners' rows in ``class_completions`` are recomputed in the same transaction.
Computing is batched: a fixed number of statements for one learner or for a whole class.
The nightly reconcile job only checks for drift and reports it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from lms.classes.models import (
    Class,
    ClassCompletion,
    CompletionStatus,
    Enrolment,
    EnrolmentRole,
    EnrolmentState,
)
from lms.courses.models import Lesson, LessonProgress, LessonStatus
from lms.db import utcnow
from lms.db_upsert import insert_for
from lms.events import attempt_graded, lesson_completed
from lms.extensions import db
from lms.quizzes.attempt_models import Accommodation, Attempt, AttemptState
from lms.quizzes.grading import quiz_grade
from lms.quizzes.models import Quiz
from lms.quizzes.timing import attempts_limit, aware

log = logging.getLogger(__name__)

DEFAULT_RULE: dict[str, Any] = {"lessons": "all", "quizzes": []}


def rule_of(klass: Class) -> dict[str, Any]:
    """The class's completion rule, or its course's default."""
    return klass.completion_rule or klass.course.completion_policy or DEFAULT_RULE


@dataclass
class Outcome:
    """A learner's computed standing."""

    status: str
    lessons_done: int
    lessons_total: int
    quizzes_passed: int
    quizzes_total: int
    best_score10: float | None
    completed_at: datetime | None
    last_activity_at: datetime | None

    def as_row(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _required_lessons(klass: Class, rule: dict[str, Any]) -> list[int]:
    query = select(Lesson.id, Lesson.slug).where(
        Lesson.course_id == klass.course_id, Lesson.status == LessonStatus.PUBLISHED.value)
    rows = db.session.execute(query).all()
    if rule.get("lessons", "all") == "all":
        return [r.id for r in rows]
    wanted = set(rule["lessons"])
    return [r.id for r in rows if r.slug in wanted]


def _required_quizzes(klass: Class, rule: dict[str, Any]) -> list[tuple[Quiz, float]]:
    wanted = {q["slug"]: float(q.get("pass_mark10", 5.0)) for q in rule.get("quizzes", [])}
    if not wanted:
        return []
    quizzes = db.session.scalars(select(Quiz).where(
        Quiz.course_id == klass.course_id, Quiz.slug.in_(list(wanted)))).all()
    return [(q, wanted[q.slug]) for q in quizzes]


def compute(klass: Class, user_ids: Iterable[int]) -> dict[int, Outcome]:
    """Compute the standing of ``user_ids`` in ``klass`` with a fixed number of queries."""
    users = list(user_ids)
    if not users:
        return {}
    rule = rule_of(klass)
    lesson_ids = _required_lessons(klass, rule)
    quizzes = _required_quizzes(klass, rule)
    done: dict[int, tuple[int, datetime | None]] = {}
    activity: dict[int, datetime | None] = {}
    for row in db.session.execute(
        select(LessonProgress.user_id,
               func.count(LessonProgress.id).filter(
                   LessonProgress.status == "done",
                   LessonProgress.lesson_id.in_(lesson_ids or [-1])),
               func.max(LessonProgress.completed_at).filter(
                   LessonProgress.lesson_id.in_(lesson_ids or [-1])),
               func.max(LessonProgress.last_seen_at))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id.in_(users), Lesson.course_id == klass.course_id)
        .group_by(LessonProgress.user_id)
    ):
        done[row[0]] = (row[1], aware(row[2]))
        activity[row[0]] = aware(row[3])
    attempts: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    if quizzes:
        for attempt in db.session.scalars(select(Attempt).where(
                Attempt.quiz_id.in_([q.id for q, _ in quizzes]), Attempt.user_id.in_(users),
                Attempt.preview.is_(False)).order_by(Attempt.number)):
            attempts[(attempt.user_id, attempt.quiz_id)].append(attempt)
            moment = aware(attempt.finished_at or attempt.started_at)
            if activity.get(attempt.user_id) is None or moment > activity[attempt.user_id]:
                activity[attempt.user_id] = moment
    # This class's accommodations (a per-quiz one wins over the class-wide one).
    accommodations: dict[tuple[int, int | None], Accommodation] = {
        (a.user_id, a.quiz_id): a for a in db.session.scalars(
            select(Accommodation).where(Accommodation.class_id == klass.id,
                                        Accommodation.user_id.in_(users)))} if quizzes else {}
    out = {}
    for user_id in users:
        out[user_id] = _outcome(user_id, len(lesson_ids), done.get(user_id, (0, None)),
                                quizzes, attempts, accommodations, activity.get(user_id))
    return out


def _outcome(user_id: int, lessons_total: int, lessons: tuple[int, datetime | None],
             quizzes: list[tuple[Quiz, float]], attempts: dict[tuple[int, int], list[Attempt]],
             accommodations: dict[tuple[int, int | None], Accommodation],
             last_activity: datetime | None) -> Outcome:
    lessons_done, lessons_at = lessons
    passed, failed, best, moments = 0, False, None, [lessons_at]
    for index, (quiz, pass_mark) in enumerate(quizzes):
        mine = attempts.get((user_id, quiz.id), [])
        grade = quiz_grade(mine, quiz.grading)
        if index == 0:
            best = grade
        if grade is not None and grade + 1e-9 >= pass_mark:
            passed += 1
            # The true completion moment: the first finished attempt reaching the mark.
            first_pass = next((a for a in mine if a.state == AttemptState.FINISHED.value
                               and a.score10 is not None and a.score10 + 1e-9 >= pass_mark),
                              None)
            moments.append(aware(first_pass.finished_at) if first_pass else None)
            continue
        accommodation = accommodations.get((user_id, quiz.id)) or accommodations.get(
            (user_id, None))
        limit = attempts_limit(quiz, accommodation)
        closed = [a for a in mine if a.state in (AttemptState.FINISHED.value,
                                                 AttemptState.ABANDONED.value)]
        still_open = any(a.state in (AttemptState.IN_PROGRESS.value,
                                     AttemptState.OVERDUE.value) for a in mine)
        pending = any(a.needs_grading for a in mine)
        if limit and len(closed) >= limit and not still_open and not pending:
            failed = True
    # Nothing required (an empty course) completes nobody.
    complete = (lessons_total + len(quizzes) > 0 and lessons_done >= lessons_total
                and passed == len(quizzes))
    if complete:
        status = CompletionStatus.COMPLETED
        known = [m for m in moments if m is not None]
        completed_at = max(known) if known else utcnow()
    elif failed:
        status, completed_at = CompletionStatus.FAILED, None
    elif last_activity is not None:
        status, completed_at = CompletionStatus.IN_PROGRESS, None
    else:
        status, completed_at = CompletionStatus.NOT_STARTED, None
    return Outcome(status.value, lessons_done, lessons_total, passed, len(quizzes), best,
                   completed_at, last_activity)


def _learner_ids(klass: Class) -> list[int]:
    return list(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.class_id == klass.id, Enrolment.role == EnrolmentRole.LEARNER.value,
        Enrolment.state != EnrolmentState.WITHDRAWN.value)))


def recompute(klass: Class, user_ids: Iterable[int] | None = None) -> dict[int, Outcome]:
    """Recompute and store completion rows (all learners when ``user_ids`` is None)."""
    ids = _learner_ids(klass) if user_ids is None else list(user_ids)
    outcomes = compute(klass, ids)
    if not outcomes:
        return {}
    now = utcnow()
    table = ClassCompletion.__table__
    rows = [{"class_id": klass.id, "user_id": uid, "updated_at": now, **o.as_row()}
            for uid, o in outcomes.items()]
    stmt = insert_for(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["class_id", "user_id"],
        set_={c: stmt.excluded[c] for c in (*Outcome.__dataclass_fields__, "updated_at")})
    db.session.execute(stmt, rows)
    # The enrolment mirrors completion (kept, never deleted).
    for enrolment in db.session.scalars(select(Enrolment).where(
            Enrolment.class_id == klass.id, Enrolment.user_id.in_(list(outcomes)),
            Enrolment.role == EnrolmentRole.LEARNER.value,
            Enrolment.state != EnrolmentState.WITHDRAWN.value)):
        complete = outcomes[enrolment.user_id].status == CompletionStatus.COMPLETED.value
        enrolment.state = (EnrolmentState.COMPLETED if complete else EnrolmentState.ACTIVE).value
    db.session.flush()
    from lms.events import completion_changed

    completion_changed.send(klass, outcomes=outcomes)
    return outcomes


def classes_of(user_id: int, course_id: int) -> list[Class]:
    """The classes of a course the learner is (still) enrolled in."""
    return list(db.session.scalars(select(Class).join(Enrolment, Enrolment.class_id == Class.id)
                                   .where(Class.course_id == course_id,
                                          Enrolment.user_id == user_id,
                                          Enrolment.role == EnrolmentRole.LEARNER.value,
                                          Enrolment.state != EnrolmentState.WITHDRAWN.value)))


def _on_lesson_completed(sender: Any, user_id: int, lesson_id: int, **_: Any) -> None:
    course_id = db.session.scalar(select(Lesson.course_id).where(Lesson.id == lesson_id))
    for klass in classes_of(user_id, course_id):
        recompute(klass, [user_id])


def _on_attempt_graded(sender: Any, user_id: int, quiz_id: int, **_: Any) -> None:
    course_id = db.session.scalar(select(Quiz.course_id).where(Quiz.id == quiz_id))
    for klass in classes_of(user_id, course_id):
        recompute(klass, [user_id])


def connect_events() -> None:
    """Subscribe to the domain events (idempotent; called by the app factory)."""
    lesson_completed.connect(_on_lesson_completed)
    attempt_graded.connect(_on_attempt_graded)


def drift(klass: Class) -> list[int]:
    """Learners whose stored row differs from a fresh computation (reported, not fixed)."""
    fresh = compute(klass, _learner_ids(klass))
    stored = {row.user_id: row for row in db.session.scalars(
        select(ClassCompletion).where(ClassCompletion.class_id == klass.id))}
    out = []
    for user_id, outcome in fresh.items():
        row = stored.get(user_id)
        if row is None or (row.status, row.lessons_done, row.lessons_total, row.best_score10) != (
                outcome.status, outcome.lessons_done, outcome.lessons_total,
                outcome.best_score10):
            out.append(user_id)
    return out
