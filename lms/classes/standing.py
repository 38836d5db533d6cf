"""Where a learner stands in each of their classes (the learner's home page, "Giấy chứng
nhận của tôi" and ``/api/v1/me/classes``).

All the learner's classes are read with a fixed number of statements, whatever the
number of classes, lessons or attempts: classes with their completion row, the lessons of
their courses, the learner's progress, the required quizzes with the accommodation that
applies, the attempts, the quiz windows and the certificates.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.certificates.models import Certificate
from lms.classes.completion import rule_of
from lms.classes.models import (
    Class,
    ClassCompletion,
    CompletionStatus,
    Enrolment,
    EnrolmentRole,
    EnrolmentState,
)
from lms.courses.models import Lesson, LessonRevision, LessonStatus, ProgressStatus
from lms.courses.models import LessonProgress as Progress
from lms.courses.progress import reading_seconds
from lms.db import aware, utcnow
from lms.extensions import db
from lms.quizzes.attempt_models import Accommodation, Attempt, AttemptState
from lms.quizzes.attempts import accommodation_id
from lms.quizzes.grading import quiz_grade
from lms.quizzes.models import Quiz
from lms.quizzes.timing import attempts_limit, visible_review_items
from lms.quizzes.windows import Window, prime_windows, window_for

#: The certificate states, in the words of the home page and "Giấy chứng nhận của tôi".
CERTIFICATE_STATES = {
    "not_eligible": _l("Not yet eligible"),
    "waiting": _l("Completed, waiting for issue"),
    "issued": _l("Issued"),
    "revoked": _l("Revoked"),
}


@dataclass(frozen=True)
class LessonItem:
    """A required lesson as the learner stands on it."""

    id: int
    slug: str
    title: str
    done: bool
    seconds_left: int  # reading time still needed before it may count as done


@dataclass
class QuizStanding:
    """A required quiz: attempts used of those allowed, the best score when the quiz's
    review shows it now, passed or not, and its window for the class."""

    quiz: Quiz
    pass_mark10: float
    attempts_used: int
    attempts_allowed: int  # 0: unlimited
    best_score10: float | None  # None: no graded attempt, or the review hides it now
    passed: bool
    window: Window


@dataclass(frozen=True)
class NextStep:
    """Where "Tiếp tục" leads: ``url_for(endpoint, **values)``."""

    kind: str  # lesson | quiz | certificate
    title: str
    endpoint: str
    values: dict[str, Any]


@dataclass
class Standing:
    """One class of the learner."""

    klass: Class
    withdrawn: bool
    status: str
    lessons: list[LessonItem] = field(default_factory=list)
    quizzes: list[QuizStanding] = field(default_factory=list)
    certificate: Certificate | None = None  # the valid one, else the revoked one
    certificate_state: str = "not_eligible"
    next_step: NextStep | None = None

    @property
    def lessons_done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.done)

    @property
    def reading_minutes_left(self) -> int:
        return math.ceil(sum(lesson.seconds_left for lesson in self.lessons) / 60)

    @property
    def quiz_closes_at(self) -> datetime | None:
        """The close of the class's final test (the first required quiz)."""
        return self.quizzes[0].window.closes_at if self.quizzes else None

    @property
    def quiz_closed(self) -> bool:
        closes = self.quiz_closes_at
        return closes is not None and utcnow() >= closes

    @property
    def certificate_label(self) -> str:
        return str(CERTIFICATE_STATES[self.certificate_state])

    @property
    def lessons_complete(self) -> bool:
        return self.lessons_done == len(self.lessons)


def _classes(user_id: int) -> list[tuple[str, Class, ClassCompletion | None]]:
    rows = db.session.execute(
        select(Enrolment.state, Class, ClassCompletion)
        .join(Class, Class.id == Enrolment.class_id)
        .outerjoin(ClassCompletion, (ClassCompletion.class_id == Class.id)
                   & (ClassCompletion.user_id == user_id))
        .where(Enrolment.user_id == user_id, Enrolment.role == EnrolmentRole.LEARNER.value)
        .options(joinedload(Class.course))
        .order_by(Class.start_date.desc().nulls_last(), Class.code)).all()
    return [(state, klass, completion) for state, klass, completion in rows]


def _lessons(user_id: int, course_ids: set[int]) -> tuple[dict[int, list[Any]], dict[int, Any]]:
    """Published lessons per course (in order), and the learner's progress per lesson."""
    rows = db.session.execute(
        select(Lesson.id, Lesson.course_id, Lesson.slug,
               func.coalesce(LessonRevision.title, Lesson.title),
               func.coalesce(LessonRevision.minutes, Lesson.minutes))
        .outerjoin(LessonRevision, LessonRevision.id == Lesson.published_revision_id)
        .where(Lesson.course_id.in_(sorted(course_ids)),
               Lesson.status == LessonStatus.PUBLISHED.value)
        .order_by(Lesson.position, Lesson.id)).all()
    by_course: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_course[row[1]].append(row)
    progress = {row.lesson_id: row for row in db.session.execute(
        select(Progress.lesson_id, Progress.status, Progress.seconds_spent)
        .where(Progress.user_id == user_id,
               Progress.lesson_id.in_([row[0] for row in rows])))} if rows else {}
    return by_course, progress


def _quizzes(user_id: int, course_ids: set[int], slugs: set[str]) -> tuple[
        dict[tuple[int, str], tuple[Quiz, Accommodation | None]], dict[int, list[Attempt]]]:
    """Required quizzes by (course, slug) with the learner's accommodation on each (the
    one :func:`lms.quizzes.attempts.accommodation_for` finds), and the attempts."""
    if not slugs:
        return {}, {}
    quizzes = {(quiz.course_id, quiz.slug): (quiz, accommodation)
               for quiz, accommodation in db.session.execute(
                   select(Quiz, Accommodation).outerjoin(
                       Accommodation,
                       Accommodation.id == accommodation_id(user_id, Quiz.course_id, Quiz.id))
                   .where(Quiz.course_id.in_(sorted(course_ids)), Quiz.slug.in_(sorted(slugs))))}
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    if quizzes:
        for attempt in db.session.scalars(select(Attempt).where(
                Attempt.user_id == user_id, Attempt.preview.is_(False),
                Attempt.quiz_id.in_([q.id for q, _a in quizzes.values()]))
                .order_by(Attempt.number)):
            attempts[attempt.quiz_id].append(attempt)
    return quizzes, attempts


def _certificates(user_id: int, class_ids: list[int]) -> dict[int, list[Certificate]]:
    out: dict[int, list[Certificate]] = defaultdict(list)
    for certificate in db.session.scalars(select(Certificate).where(
            Certificate.user_id == user_id, Certificate.class_id.in_(class_ids))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())):
        out[certificate.class_id].append(certificate)
    return out


def certificate_state(completion_status: str, certificates: list[Certificate]) -> tuple[
        str, Certificate | None]:
    """The certificate state of one class: issued (a valid one), revoked (a revocation
    that no reissue replaced: it never turns back by itself), completed and waiting for
    issue, or not yet eligible."""
    valid = next((c for c in certificates if c.status == "valid"), None)
    if valid is not None:
        return "issued", valid
    revoked = next((c for c in certificates
                    if c.status == "revoked" and c.superseded_by_id is None), None)
    if revoked is not None:
        return "revoked", revoked
    if completion_status == CompletionStatus.COMPLETED.value:
        return "waiting", None
    return "not_eligible", None


def _quiz_standing(quiz: Quiz, pass_mark: float, accommodation: Accommodation | None,
                   mine: list[Attempt], klass: Class, now: datetime) -> QuizStanding:
    window = window_for(quiz, klass)
    grade = quiz_grade(mine, quiz.grading)
    finished = [a for a in mine if a.state == AttemptState.FINISHED.value and a.finished_at]
    latest = max(finished, key=lambda a: aware(a.finished_at)) if finished else None
    # learner_line's rule: the score as the review of the latest finished attempt allows now.
    shown = latest is not None and "score" in visible_review_items(
        quiz, latest.finished_at, now, window.closes_at)
    return QuizStanding(quiz, pass_mark, len(mine), attempts_limit(quiz, accommodation),
                        grade if shown else None,
                        grade is not None and grade + 1e-9 >= pass_mark, window)


def _next_step(standing: Standing) -> NextStep | None:
    if standing.withdrawn:
        return None
    course = standing.klass.course
    lesson = next((item for item in standing.lessons if not item.done), None)
    if lesson is not None:
        return NextStep("lesson", lesson.title, "courses.lesson",
                        {"slug": course.slug, "lesson_slug": lesson.slug})
    quiz = next((q for q in standing.quizzes if not q.passed), None)
    if quiz is not None:
        if not quiz.quiz.published:
            return None
        return NextStep("quiz", quiz.quiz.title, "quizzes.quiz", {"quiz_id": quiz.quiz.id})
    if standing.status != CompletionStatus.COMPLETED.value:
        return None
    if standing.certificate_state == "issued" and standing.certificate is not None:
        return NextStep("certificate", standing.certificate.serial, "certificates.download",
                        {"serial": standing.certificate.serial})
    return NextStep("certificate", "", "certificates.mine", {})


def standings(user: User, now: datetime | None = None) -> list[Standing]:
    """Every class the learner is (or was) in, newest first; withdrawn ones say so."""
    now = now or utcnow()
    rows = _classes(user.id)
    if not rows:
        return []
    rules = {klass.id: rule_of(klass) for _s, klass, _c in rows}
    course_ids = {klass.course_id for _s, klass, _c in rows}
    slugs = {q["slug"] for rule in rules.values() for q in rule.get("quizzes") or []}
    by_course, progress = _lessons(user.id, course_ids)
    quizzes, attempts = _quizzes(user.id, course_ids, slugs)
    prime_windows([(klass, quizzes[(klass.course_id, q["slug"])][0])
                   for _s, klass, _c in rows for q in rules[klass.id].get("quizzes") or []
                   if (klass.course_id, q["slug"]) in quizzes])
    certificates = _certificates(user.id, [klass.id for _s, klass, _c in rows])
    out = []
    for state, klass, completion in rows:
        rule = rules[klass.id]
        standing = Standing(klass, state == EnrolmentState.WITHDRAWN.value,
                            completion.status if completion
                            else CompletionStatus.NOT_STARTED.value)
        wanted = rule.get("lessons", "all")
        policy = klass.course.completion_policy
        for row in by_course.get(klass.course_id, []):
            if wanted != "all" and row[2] not in wanted:
                continue
            mine = progress.get(row[0])
            done = mine is not None and mine.status == ProgressStatus.DONE.value
            spent = mine.seconds_spent if mine is not None else 0
            standing.lessons.append(LessonItem(
                row[0], row[2], row[3], done,
                0 if done else max(0, reading_seconds(row[4], policy) - spent)))
        for required in rule.get("quizzes") or []:
            found = quizzes.get((klass.course_id, required["slug"]))
            if found is not None:
                standing.quizzes.append(_quiz_standing(
                    found[0], float(required.get("pass_mark10", 5.0)), found[1],
                    attempts.get(found[0].id, []), klass, now))
        standing.certificate_state, standing.certificate = certificate_state(
            standing.status, certificates.get(klass.id, []))
        standing.next_step = _next_step(standing)
        out.append(standing)
    return out
