"""Progress and time spent: written at once, capped, sticky completion, one row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lms.courses.models import LessonProgress
from lms.courses.progress import MAX_GAP, record_activity
from lms.courses.services import LessonDraft, create_lesson, publish
from lms.db import utcnow
from lms.events import lesson_completed
from lms.extensions import db
from tests.conftest import make_course, make_user


def _lesson():
    course, author = make_course(), make_user("lecturer")
    lesson = create_lesson(course, author, LessonDraft("Bài", 10, [], "x"))
    publish(lesson, author)
    return lesson


def test_time_spent_accumulates_with_a_cap(app) -> None:
    lesson, learner = _lesson(), make_user("learner")
    start = utcnow()
    record_activity(learner.id, lesson.id, now=start)
    record_activity(learner.id, lesson.id, now=start + timedelta(seconds=60))
    row = record_activity(learner.id, lesson.id, now=start + timedelta(seconds=120))
    assert row.seconds_spent == 120 and row.status == "in_progress"
    # A tab left open overnight counts at most MAX_GAP.
    row = record_activity(learner.id, lesson.id, now=start + timedelta(hours=10))
    assert row.seconds_spent == 120 + int(MAX_GAP.total_seconds())


def test_completion_is_sticky_and_signalled_once(app) -> None:
    lesson, learner = _lesson(), make_user("learner")
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    lesson_completed.connect(listener)
    try:
        start = utcnow()
        first = record_activity(learner.id, lesson.id, complete=True, now=start)
        completed_at = first.completed_at
        again = record_activity(
            learner.id, lesson.id, complete=True, now=start + timedelta(minutes=5)
        )
        later = record_activity(learner.id, lesson.id, now=start + timedelta(minutes=6))
    finally:
        lesson_completed.disconnect(listener)
    assert again.completed_at == completed_at and later.status == "done"
    assert received == [{"user_id": learner.id, "lesson_id": lesson.id}]
    count = db.session.scalar(
        select(func.count(LessonProgress.id)).where(LessonProgress.user_id == learner.id)
    )
    assert count == 1
