"""Read models for course pages: a constant number of statements per page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.courses.models import Course, Lesson, LessonProgress, LessonRevision, LessonStatus
from lms.courses.progress import progress_by_lesson
from lms.db import utcnow
from lms.extensions import db


@dataclass
class OutlineItem:
    """A lesson as a learner (or staff) sees it in the outline."""

    lesson: Lesson
    revision: LessonRevision | None
    progress: LessonProgress | None

    @property
    def status(self) -> str:
        if self.progress is None:
            return "not_started"
        return "done" if self.progress.status == "done" else "in_progress"


def visible_lessons(course: Course, *, staff: bool, now: datetime | None = None) -> list[Lesson]:
    """Lessons in order: staff see all but archived, learners only published and due ones."""
    query = (
        select(Lesson).where(Lesson.course_id == course.id)
        .options(joinedload(Lesson.published_revision))
        .order_by(Lesson.position, Lesson.id)
    )
    if staff:
        query = query.where(Lesson.status != LessonStatus.ARCHIVED.value)
    else:
        query = query.where(
            Lesson.status == LessonStatus.PUBLISHED.value,
            or_(Lesson.available_from.is_(None), Lesson.available_from <= (now or utcnow())),
        )
    return list(db.session.scalars(query).unique())


def outline(course: Course, user: User, *, staff: bool) -> list[OutlineItem]:
    """The course outline with the user's status on each lesson (three statements)."""
    lessons = visible_lessons(course, staff=staff)
    progress = progress_by_lesson(user.id, [lesson.id for lesson in lessons])
    return [OutlineItem(lesson, lesson.published_revision, progress.get(lesson.id))
            for lesson in lessons]


def attachments_for_learners(course: Course, now: datetime | None = None) -> set[str]:
    """Names of the attachments a learner may download: those a published lesson they can
    see links to (a file uploaded for a draft, say an answer key, stays the staff's)."""
    from lms.courses.markdown import linked_attachments

    names: set[str] = set()
    for lesson in visible_lessons(course, staff=False, now=now):
        if lesson.published_revision is not None:
            names |= linked_attachments(lesson.published_revision.body)
    return names
