"""Learners' lesson progress: visits, time spent and completion, written at once.

Time spent is measured on the server: each event (page view, heartbeat, completion) adds
the time since the learner's previous event on any lesson, capped, so an idle tab does not
count for hours, lessons open side by side share one clock, and a tampered client cannot
claim more than the wall clock allows.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from lms.auth.models import User
from lms.courses.files_model import DEFAULT_MIN_READ_SHARE
from lms.courses.models import Course, Lesson, LessonProgress, LessonRevision, ProgressStatus
from lms.db import utcnow
from lms.db_upsert import insert_for
from lms.events import lesson_completed
from lms.extensions import db

#: Longest gap between two events still counted as reading (a heartbeat comes every 60 s).
MAX_GAP = timedelta(seconds=150)


class NotReadYet(Exception):  # noqa: N818 (a state, read as "raise NotReadYet")
    """A learner asked to complete a lesson before reading it long enough."""

    def __init__(self, seconds_needed: int) -> None:
        super().__init__(f"{seconds_needed} s of reading still needed")
        self.seconds_needed = seconds_needed


def required_seconds(lesson_id: int) -> int:
    """Reading time a lesson needs before it counts as done: the course's
    ``min_read_share`` of the published revision's estimated minutes (one statement)."""
    row = db.session.execute(
        select(func.coalesce(LessonRevision.minutes, Lesson.minutes), Course.completion_policy)
        .select_from(Lesson).join(Course, Course.id == Lesson.course_id)
        .outerjoin(LessonRevision, LessonRevision.id == Lesson.published_revision_id)
        .where(Lesson.id == lesson_id)).first()
    if row is None:
        return 0
    return reading_seconds(*row)


def reading_seconds(minutes: int | None, policy: dict[str, Any] | None) -> int:
    """Reading time a lesson of ``minutes`` estimated minutes needs in a course with this
    completion ``policy`` (its ``min_read_share``)."""
    share = (policy or {}).get("min_read_share")
    share = DEFAULT_MIN_READ_SHARE if share is None else float(share)
    return max(0, math.ceil((minutes or 0) * 60 * share))


def _as_aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored as UTC.
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def reading_left_message(seconds: int) -> str:
    """What a learner is told when completing a lesson too early."""
    from flask_babel import gettext as _

    return _("Keep reading: %(minutes)s more minutes on this lesson before it counts as "
             "done.", minutes=max(1, math.ceil(seconds / 60)))


def record_activity(user_id: int, lesson_id: int, *, complete: bool = False,
                    now: datetime | None = None, enforce_reading: bool = True) -> LessonProgress:
    """Record a visit, heartbeat or completion of a lesson by a learner.

    One upsert on (user, lesson): concurrent tabs never create two rows. Completion is
    sticky; ``completed_at`` keeps the first completion time.

    :raises NotReadYet: completion asked before the reading time the course requires
        (the event still counts as activity; ``enforce_reading=False`` is for staff
        marking a lesson done, audited by the caller).
    """
    now = now or utcnow()
    # One learner's events are counted one at a time: parallel heartbeats would each add
    # the same gap (PostgreSQL; SQLite serialises writers already).
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())
    table = LessonProgress.__table__
    existing = db.session.scalar(
        select(LessonProgress).where(LessonProgress.user_id == user_id,
                                     LessonProgress.lesson_id == lesson_id)
    )
    added = 0
    previous_status = existing.status if existing is not None else None
    if existing is not None:
        # Time since the learner's latest event on *any* lesson: six lessons kept open
        # side by side share one clock instead of counting six times.
        latest = db.session.scalar(select(func.max(LessonProgress.last_seen_at)).where(
            LessonProgress.user_id == user_id))
        gap = now - _as_aware(max(latest or existing.last_seen_at, existing.last_seen_at))
        added = int(min(max(gap, timedelta(0)), MAX_GAP).total_seconds())
    done = ProgressStatus.DONE.value
    if complete and previous_status != done and enforce_reading:
        spent = (existing.seconds_spent if existing is not None else 0) + added
        needed = required_seconds(lesson_id) - spent
        if needed > 0:
            record_activity(user_id, lesson_id, now=now)
            raise NotReadYet(needed)
    values = {
        "user_id": user_id, "lesson_id": lesson_id,
        "status": done if complete else ProgressStatus.IN_PROGRESS.value,
        "seconds_spent": 0, "started_at": now, "last_seen_at": now,
        "completed_at": now if complete else None,
    }
    stmt = insert_for(table).values(**values)
    excluded = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "lesson_id"],
        set_={
            "last_seen_at": now,
            "seconds_spent": table.c.seconds_spent + added,
            "status": case((table.c.status == done, done), else_=excluded.status),
            "completed_at": func.coalesce(table.c.completed_at, excluded.completed_at),
        },
    )
    db.session.execute(stmt)
    progress = db.session.scalar(
        select(LessonProgress)
        .where(LessonProgress.user_id == user_id, LessonProgress.lesson_id == lesson_id)
        .execution_options(populate_existing=True)
    )
    assert progress is not None
    if complete and previous_status != done:
        lesson_completed.send(progress, user_id=user_id, lesson_id=lesson_id)
    return progress


def mark_done_by_staff(learner: Any, lesson: Any, actor: Any, reason: str) -> LessonProgress:
    """A lecturer or admin marks a lesson done for a learner, with a reason (audited);
    the reading-time rule does not apply. The caller checks who may do it."""
    from flask_babel import gettext as _

    from lms.audit.services import record
    from lms.errors import InvalidInput
    from lms.vietnamese import clean_text

    reason = clean_text(reason or "")
    if not reason:
        raise InvalidInput("reason", _("Give the reason for marking the lesson done."))
    row = record_activity(learner.id, lesson.id, complete=True, enforce_reading=False)
    record("lesson_marked_done", actor.id, learner.username, lesson=lesson.slug,
           reason=reason[:300], seconds_spent=row.seconds_spent)
    return row


def progress_by_lesson(user_id: int, lesson_ids: list[int]) -> dict[int, LessonProgress]:
    """The user's progress rows for these lessons, in one query."""
    if not lesson_ids:
        return {}
    rows = db.session.scalars(
        select(LessonProgress).where(LessonProgress.user_id == user_id,
                                     LessonProgress.lesson_id.in_(lesson_ids))
    )
    return {row.lesson_id: row for row in rows}
