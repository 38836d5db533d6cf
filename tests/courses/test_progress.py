"""Progress and time spent: written at once, capped, sticky completion, one row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.courses.models import LessonProgress
from lms.courses.progress import MAX_GAP, NotReadYet, record_activity, required_seconds
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
        first = record_activity(learner.id, lesson.id, complete=True, now=start,
                                enforce_reading=False)
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


def test_completion_waits_for_the_reading_share(app) -> None:
    """Half of the lesson's 10 estimated minutes (the default share) before it is done;
    the server's own record counts, gaps capped, and the event still counts as reading."""
    lesson, learner = _lesson(), make_user("learner")
    start = utcnow()
    with pytest.raises(NotReadYet) as early:
        record_activity(learner.id, lesson.id, complete=True, now=start)
    assert early.value.seconds_needed == 300
    for minute in range(1, 5):
        record_activity(learner.id, lesson.id, now=start + timedelta(minutes=minute))
    with pytest.raises(NotReadYet) as almost:
        record_activity(learner.id, lesson.id, complete=True,
                        now=start + timedelta(minutes=4, seconds=30))
    assert almost.value.seconds_needed == 30
    row = record_activity(learner.id, lesson.id, complete=True,
                          now=start + timedelta(minutes=5))
    assert row.status == "done" and row.seconds_spent == 300


@pytest.mark.parametrize(("share", "needed"), [(0, 0), (0.25, 150), (1, 600)])
def test_the_reading_share_comes_from_the_course(app, share, needed) -> None:
    lesson = _lesson()
    lesson.course.completion_policy = {"lessons": "all", "quizzes": [],
                                       "min_read_share": share}
    db.session.flush()
    assert required_seconds(lesson.id) == needed
    if share == 0:
        row = record_activity(make_user("learner").id, lesson.id, complete=True)
        assert row.status == "done"


def test_lessons_open_side_by_side_share_one_clock(app) -> None:
    """The scripted shortcut: heartbeats to every lesson each minute would read six
    lessons in the time of one. Time is credited once, to the lesson of each event."""
    first, learner = _lesson(), make_user("learner")
    author = make_user("lecturer")
    second = create_lesson(first.course, author, LessonDraft("Bài 2", 10, [], "y"))
    publish(second, author)
    start = utcnow()
    for minute in range(11):
        for lesson in (first, second):
            record_activity(learner.id, lesson.id, now=start + timedelta(minutes=minute))
    rows = db.session.scalars(select(LessonProgress).where(
        LessonProgress.user_id == learner.id)).all()
    assert sum(row.seconds_spent for row in rows) == 600  # ten minutes of wall clock
    with pytest.raises(NotReadYet):
        record_activity(learner.id, second.id, complete=True,
                        now=start + timedelta(minutes=10, seconds=1))
