"""Quiz settings changed on the web: timing, attempts, grading, open and close times,
marks, the review matrix, the published state, and each class's own window. Every change
is audited (``quiz_settings``; a class's window: ``quiz_window``) and, being part of the
quiz's file, recorded as a web edit of the quiz for course sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from textwrap import shorten
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from lms.audit.services import changes, record
from lms.auth.models import User
from lms.classes.models import Class
from lms.courses.services import log_edit
from lms.db import aware
from lms.errors import InvalidInput
from lms.extensions import db
from lms.quizzes.marks import with_marks
from lms.quizzes.models import Question, QuestionVersion, Quiz, QuizWindow
from lms.quizzes.pools import category_sizes, exam_pools, fixed_categories, forbidden_sources
from lms.quizzes.windows import Window, combine, set_window


@dataclass
class QuizSettings:
    """What the settings form sets (times aware, in UTC; marks None: the default)."""

    title: str
    time_limit_seconds: int | None
    attempts_allowed: int
    pass_mark10: float
    grading: str
    on_expiry: str
    shuffle_questions: bool
    shuffle_options: bool
    opens_at: datetime | None
    closes_at: datetime | None
    review: dict[str, list[str]]
    draw_marks: dict[str, float | None]  # by category
    fixed_marks: dict[str, float | None]  # by question key


def _plain(value: Any) -> Any:
    """A value as the audit log keeps it."""
    return aware(value).isoformat() if isinstance(value, datetime) else value


def save_settings(quiz: Quiz, settings: QuizSettings, actor: User) -> list[str]:
    """Apply the settings; returns the names of the columns that changed.

    :raises InvalidInput: (field ``review``) the review matrix shows right answers,
        feedback or correctness before the close while the quiz uses an exam pool.
    """
    misused = forbidden_sources(
        settings.review, {rule["category"]: rule["count"] for rule in quiz.draw},
        fixed_categories(quiz.course_id, quiz.fixed_questions), exam_pools(quiz.course_id),
        settings.attempts_allowed, category_sizes(quiz.course_id))
    if misused:
        raise InvalidInput("review", _(
            "“%(field)s”: this quiz shows right answers, feedback or correctness before it "
            "closes, so it may not use the exam pool: %(sources)s. Show them only after the "
            "quiz closes, or draw from practice categories.",
            field=_("What learners may review"), sources=", ".join(misused)))
    new = {
        "title": settings.title, "time_limit_seconds": settings.time_limit_seconds,
        "attempts_allowed": settings.attempts_allowed, "pass_mark10": settings.pass_mark10,
        "grading": settings.grading, "on_expiry": settings.on_expiry,
        "shuffle_questions": settings.shuffle_questions,
        "shuffle_options": settings.shuffle_options,
        "opens_at": settings.opens_at, "closes_at": settings.closes_at,
        "review": settings.review, "draw": with_marks(quiz.draw, settings.draw_marks),
        "fixed_marks": {key: float(mark) for key, mark in settings.fixed_marks.items()
                        if mark is not None and key in quiz.fixed_questions},
    }
    changed = changes({name: _plain(getattr(quiz, name)) for name in new},
                      {name: _plain(value) for name, value in new.items()})
    for name in changed:
        setattr(quiz, name, new[name])
    db.session.flush()
    if changed:
        record("quiz_settings", actor.id, f"quiz:{quiz.slug}", changes=changed)
        log_edit(quiz.course, actor, "quiz.save", None, quiz.slug, audited=True)
    return list(changed)


def set_published(quiz: Quiz, published: bool, actor: User) -> bool:
    """Show the quiz to learners or hide it; False if it was so already."""
    if quiz.published == published:
        return False
    quiz.published = published
    db.session.flush()
    record("quiz_settings", actor.id, f"quiz:{quiz.slug}", published=published)
    log_edit(quiz.course, actor, "quiz.save", None, quiz.slug, audited=True)
    return True


@dataclass(frozen=True)
class ClassWindow:
    """A class of the quiz's course: its own times (None: the default) and the window in
    effect, with where its close comes from: ``class`` (its own), ``quiz``, ``class_end``
    (the end of the class's last day) or ``""`` (it never closes)."""

    klass: Class
    own_opens: datetime | None
    own_closes: datetime | None
    window: Window
    closes_by: str


def class_windows(quiz: Quiz) -> list[ClassWindow]:
    """Every class of the quiz's course with its window (two statements)."""
    classes = db.session.scalars(select(Class).where(Class.course_id == quiz.course_id)
                                 .order_by(Class.code)).all()
    own = {w.class_id: w for w in db.session.scalars(
        select(QuizWindow).where(QuizWindow.quiz_id == quiz.id))}
    rows = []
    for klass in classes:
        mine = own.get(klass.id)
        opens, closes = (aware(mine.opens_at), aware(mine.closes_at)) if mine else (None, None)
        window = combine(quiz.opens_at, quiz.closes_at, opens, closes, klass.end_date,
                         overridden=mine is not None)
        # As :func:`lms.quizzes.windows.combine` chooses: own, the quiz's, the class end.
        by = "class" if closes else "quiz" if quiz.closes_at else \
            "class_end" if klass.end_date else ""
        rows.append(ClassWindow(klass, opens, closes, window, by))
    return rows


def save_class_windows(quiz: Quiz, wanted: dict[int, tuple[datetime | None, datetime | None]],
                       actor: User) -> int:
    """Give classes their own times (both None: back to the defaults); each change is
    audited. Returns how many classes changed.

    :raises InvalidInput: (field ``class_closes_<id>``) a class's window would close
        before it opens.
    """
    changed = 0
    for row in class_windows(quiz):
        opens, closes = wanted.get(row.klass.id, (row.own_opens, row.own_closes))
        opens, closes = aware(opens), aware(closes)
        if (opens, closes) == (row.own_opens, row.own_closes):
            continue
        window = combine(quiz.opens_at, quiz.closes_at, opens, closes, row.klass.end_date)
        if window.opens_at and window.closes_at and window.closes_at <= window.opens_at:
            raise InvalidInput(f"class_closes_{row.klass.id}", _(
                "Class %(code)s: the quiz would close before it opens.", code=row.klass.code))
        set_window(row.klass, quiz, opens, closes, actor.id)
        changed += 1
    return changed


def fixed_rows(quiz: Quiz) -> list[tuple[str, str, str]]:
    """(key, text, category) of the quiz's fixed questions in the quiz's order: the text
    of their current version, shortened (one statement)."""
    found = {row[0]: row for row in db.session.execute(
        select(Question.idnumber, QuestionVersion.text, Question.category)
        .outerjoin(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.course_id == quiz.course_id,
               Question.idnumber.in_(quiz.fixed_questions or [""])))}
    return [(key, shorten(found[key][1] or "", 90), found[key][2]) if key in found
            else (key, key, "") for key in quiz.fixed_questions]
