"""Course and lesson endpoints of the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from spectree import Response
from sqlalchemy import func, select

from lms.api import bp
from lms.api.auth import api_user
from lms.api.spec import ErrorOut, spec
from lms.courses.models import Course, Lesson, LessonProgress, LessonStatus
from lms.courses.progress import NotReadYet, reading_left_message, record_activity
from lms.courses.queries import outline, visible_lessons
from lms.errors import APIError
from lms.extensions import db
from lms.permissions import can_edit_course, visible_courses


class CourseOut(BaseModel):
    """A course the caller may see, with their lesson count."""

    slug: str
    title: str
    lessons_total: int
    lessons_done: int


class LessonOut(BaseModel):
    """A lesson in course order, with the caller's status."""

    id: int
    slug: str
    title: str
    position: int
    minutes: int
    status: Literal["not_started", "in_progress", "done"]


class ProgressOut(BaseModel):
    """The caller's progress on one lesson."""

    lesson_id: int
    status: Literal["in_progress", "done"]
    seconds_spent: int
    completed_at: datetime | None


def _lesson_counts(user_id: int, course_ids: list[int]) -> tuple[dict[int, int], dict[int, int]]:
    published = (Lesson.status == LessonStatus.PUBLISHED.value)
    totals = dict(db.session.execute(
        select(Lesson.course_id, func.count(Lesson.id))
        .where(Lesson.course_id.in_(course_ids), published).group_by(Lesson.course_id)
    ).all())
    done = dict(db.session.execute(
        select(Lesson.course_id, func.count(LessonProgress.id))
        .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .where(Lesson.course_id.in_(course_ids), published, LessonProgress.user_id == user_id,
               LessonProgress.status == "done")
        .group_by(Lesson.course_id)
    ).all())
    return totals, done


@bp.get("/courses")
@spec.validate(resp=Response(HTTP_200=list[CourseOut], HTTP_401=ErrorOut), tags=["courses"])
def courses() -> Any:
    """Courses the caller may see."""
    user = api_user()
    rows = db.session.scalars(visible_courses(user).order_by(Course.title)).all()
    totals, done = _lesson_counts(user.id, [c.id for c in rows])
    return [CourseOut(slug=c.slug, title=c.title, lessons_total=totals.get(c.id, 0),
                      lessons_done=done.get(c.id, 0)) for c in rows]


@bp.get("/courses/<slug>/lessons")
@spec.validate(resp=Response(HTTP_200=list[LessonOut], HTTP_401=ErrorOut, HTTP_404=ErrorOut),
               tags=["courses"])
def course_lessons(slug: str) -> Any:
    """The lessons of a course in order, with the caller's status on each."""
    user = api_user()
    course = db.session.scalar(visible_courses(user).where(Course.slug == slug))
    if course is None:
        raise APIError(404, "not_found", "No such course.")
    items = outline(course, user, staff=can_edit_course(user, course))
    return [LessonOut(id=i.lesson.id, slug=i.lesson.slug,
                      title=(i.revision or i.lesson).title, position=i.lesson.position,
                      minutes=(i.revision or i.lesson).minutes, status=i.status)  # type: ignore[arg-type]
            for i in items]


def _learner_lesson(lesson_id: int) -> Lesson:
    """A lesson the caller, a learner, may read now; 404 otherwise."""
    user = api_user()
    lesson = db.session.get(Lesson, lesson_id)
    course = None
    if lesson is not None:
        course = db.session.scalar(visible_courses(user).where(Course.id == lesson.course_id))
    if lesson is None or course is None or not user.is_learner or lesson not in visible_lessons(
            course, staff=False):
        raise APIError(404, "not_found", "No such lesson.")
    return lesson


def _progress_out(row: LessonProgress) -> ProgressOut:
    return ProgressOut(lesson_id=row.lesson_id, status=row.status,  # type: ignore[arg-type]
                       seconds_spent=row.seconds_spent, completed_at=row.completed_at)


@bp.post("/lessons/<int:lesson_id>/complete")
@spec.validate(resp=Response(HTTP_200=ProgressOut, HTTP_401=ErrorOut, HTTP_404=ErrorOut,
                             HTTP_409=ErrorOut),
               tags=["courses"])
def complete_lesson(lesson_id: int) -> Any:
    """Mark a lesson done for the calling learner (idempotent).

    409 ``not_read_yet``, with ``seconds_needed``, until the learner has spent the
    course's share of the lesson's estimated time on it (heartbeats count)."""
    lesson = _learner_lesson(lesson_id)
    try:
        row = record_activity(api_user().id, lesson.id, complete=True)
    except NotReadYet as exc:
        db.session.commit()  # the call still counts as activity
        raise APIError(409, "not_read_yet", reading_left_message(exc.seconds_needed),
                       seconds_needed=exc.seconds_needed) from exc
    db.session.commit()
    return _progress_out(row)



@bp.post("/lessons/<int:lesson_id>/heartbeat")
@spec.validate(resp=Response(HTTP_200=ProgressOut, HTTP_401=ErrorOut, HTTP_404=ErrorOut),
               tags=["courses"])
def lesson_heartbeat(lesson_id: int) -> Any:
    """Count reading time while the lesson page is open (sent every minute)."""
    lesson = _learner_lesson(lesson_id)
    row = record_activity(api_user().id, lesson.id)
    db.session.commit()
    return _progress_out(row)
