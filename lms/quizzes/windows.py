"""When a quiz is open for a class: its window.

A class may have its own open and close times for a quiz (a :class:`QuizWindow` row,
Moodle's group override). A time the class leaves empty falls back to the quiz's. When
neither sets a close, the quiz closes for the class at the end of the class's last day
(midnight after ``end_date``, in ``LMS_TIMEZONE``), so "after the quiz closes" always comes
for a class that ends. A staff preview (no class) uses the quiz's own times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from lms.classes.models import Class, Enrolment, EnrolmentRole, EnrolmentState
from lms.db import aware
from lms.db_upsert import insert_for
from lms.extensions import db
from lms.quizzes.models import Quiz, QuizWindow


@dataclass(frozen=True)
class Window:
    """A quiz's open and close times for one class (None: no bound)."""

    opens_at: datetime | None
    closes_at: datetime | None
    overridden: bool = False  # the class has its own times

    def is_open(self, now: datetime) -> bool:
        return (self.opens_at is None or now >= self.opens_at) and \
            (self.closes_at is None or now < self.closes_at)


def end_of_day(day: date | None) -> datetime | None:
    """The midnight after ``day`` in the platform's time zone, as an aware datetime."""
    if day is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def combine(quiz_opens: Any, quiz_closes: Any, own_opens: Any, own_closes: Any,
            class_end: date | None, *, overridden: bool = False) -> Window:
    """The window from its parts (usable on the columns of a joined row)."""
    opens = aware(own_opens) or aware(quiz_opens)
    closes = aware(own_closes) or aware(quiz_closes) or end_of_day(class_end)
    return Window(opens, closes, overridden)


def _cache() -> dict[tuple[int, int], Window]:
    """Windows read in this session (a request): attempts of one class share theirs."""
    return db.session.info.setdefault("lms_quiz_windows", {})


def window_for(quiz: Quiz, klass: Class | None) -> Window:
    """The quiz's window for the class (one statement per class and quiz and request;
    none without a class)."""
    if klass is None:
        return combine(quiz.opens_at, quiz.closes_at, None, None, None)
    key = (klass.id, quiz.id)
    if key not in _cache():
        own = db.session.scalar(select(QuizWindow).where(
            QuizWindow.class_id == klass.id, QuizWindow.quiz_id == quiz.id))
        _cache()[key] = combine(quiz.opens_at, quiz.closes_at, own and own.opens_at,
                                own and own.closes_at, klass.end_date,
                                overridden=own is not None)
    return _cache()[key]


def windows_for_class(klass: Class, quizzes: list[Quiz]) -> dict[int, Window]:
    """Every quiz's window for one class, by quiz id (one statement)."""
    own = {w.quiz_id: w for w in db.session.scalars(select(QuizWindow).where(
        QuizWindow.class_id == klass.id))}
    return {q.id: combine(q.opens_at, q.closes_at,
                          own[q.id].opens_at if q.id in own else None,
                          own[q.id].closes_at if q.id in own else None,
                          klass.end_date, overridden=q.id in own)
            for q in quizzes}


def prime_windows(pairs: list[tuple[Class, Quiz]]) -> None:
    """Read the windows of many (class, quiz) pairs in one statement, so that the
    :func:`window_for` calls that follow in this request read none."""
    todo = [(k, q) for k, q in pairs if (k.id, q.id) not in _cache()]
    if not todo:
        return
    own = {(w.class_id, w.quiz_id): w for w in db.session.scalars(select(QuizWindow).where(
        QuizWindow.class_id.in_(sorted({k.id for k, _q in todo})),
        QuizWindow.quiz_id.in_(sorted({q.id for _k, q in todo}))))}
    for klass, quiz in todo:
        mine = own.get((klass.id, quiz.id))
        _cache()[(klass.id, quiz.id)] = combine(
            quiz.opens_at, quiz.closes_at, mine and mine.opens_at, mine and mine.closes_at,
            klass.end_date, overridden=mine is not None)


def learner_class(user_id: int, course_id: int) -> Class | None:
    """The class of the course the user is a learner in now (the newest enrolment if
    several), or None."""
    return db.session.scalar(
        select(Class).join(Enrolment, Enrolment.class_id == Class.id)
        .where(Class.course_id == course_id, Enrolment.user_id == user_id,
               Enrolment.role == EnrolmentRole.LEARNER.value,
               Enrolment.state != EnrolmentState.WITHDRAWN.value)
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc()).limit(1))


def set_window(klass: Class, quiz: Quiz, opens_at: datetime | None,
               closes_at: datetime | None, by_user_id: int | None) -> None:
    """Give the class its own times for the quiz (both empty: back to the defaults).
    An upsert: two editors saving at once leave one row."""
    if opens_at is None and closes_at is None:
        db.session.execute(QuizWindow.__table__.delete().where(
            QuizWindow.class_id == klass.id, QuizWindow.quiz_id == quiz.id))
    else:
        table = QuizWindow.__table__
        values = {"opens_at": opens_at, "closes_at": closes_at,
                  "updated_by_id": by_user_id, "updated_at": datetime.now(UTC)}
        stmt = insert_for(table).values(class_id=klass.id, quiz_id=quiz.id, **values)
        db.session.execute(stmt.on_conflict_do_update(
            index_elements=["class_id", "quiz_id"], set_=values))
    db.session.flush()
    _cache().pop((klass.id, quiz.id), None)
    from lms.audit.services import record

    record("quiz_window", by_user_id, f"class:{klass.code}/quiz:{quiz.slug}",
           opens_at=opens_at.isoformat() if opens_at else None,
           closes_at=closes_at.isoformat() if closes_at else None)


def attempt_window(attempt: Any) -> Window:
    """The window an attempt runs in: its class's."""
    klass = db.session.get(Class, attempt.class_id) if attempt.class_id else None
    return window_for(attempt.quiz, klass)


def may_close(quiz_table: Any, attempt_table: Any) -> Any:
    """SQL condition: an open attempt that some close time may end (for the periodic job
    that finalises attempts whose time is up)."""
    own_close = select(QuizWindow.id).where(
        QuizWindow.class_id == attempt_table.class_id, QuizWindow.quiz_id == quiz_table.id,
        QuizWindow.closes_at.is_not(None)).exists()
    class_end = select(Class.id).where(Class.id == attempt_table.class_id,
                                       Class.end_date.is_not(None)).exists()
    return (quiz_table.time_limit_seconds.is_not(None) | quiz_table.closes_at.is_not(None)
            | own_close | class_end)
