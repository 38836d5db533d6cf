"""Who last edited a course item on the web, and when: for the import's conflict lines."""

from __future__ import annotations

from sqlalchemy import select

from lms.auth.models import User
from lms.courses.models import ContentEdit, Course, Lesson
from lms.extensions import db
from lms.i18n import format_datetime

UNKNOWN = ("?", "?")


def _edit(course: Course, *conditions: object) -> ContentEdit | None:
    return db.session.scalar(select(ContentEdit).where(
        ContentEdit.course_id == course.id, ContentEdit.action != "course.import",
        *conditions).order_by(ContentEdit.created_at.desc(), ContentEdit.id.desc()).limit(1))


def last_web_edit(course: Course, kind: str, key: str) -> tuple[str, str]:
    """``(full name, "dd/mm/yyyy hh:mm")`` of the item's last web edit, or ``("?", "?")``."""
    from lms.quizzes.models import Question

    edit: ContentEdit | None = None
    if kind == "lesson":
        lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id,
                                                        Lesson.slug == key))
        edit = _edit(course, ContentEdit.lesson_id == lesson.id) if lesson else None
    elif kind == "question":
        question = db.session.scalar(select(Question).where(Question.course_id == course.id,
                                                            Question.idnumber == key))
        version = question.current_version if question else None
        if version is not None and version.created_by_id is not None:
            author = db.session.get(User, version.created_by_id)
            return (author.full_name if author else "?"), format_datetime(version.created_at)
        edit = _edit(course, ContentEdit.detail == key)
    elif kind == "legal":
        edit = _edit(course, ContentEdit.action.startswith("legal"))
    elif kind in ("quiz", "attachment"):
        edit = _edit(course, ContentEdit.action.startswith(kind), ContentEdit.detail == key)
    else:
        edit = _edit(course, ContentEdit.lesson_id.is_(None))
    if edit is None:
        return UNKNOWN
    name = edit.user.full_name if edit.user else "?"
    return name, format_datetime(edit.created_at)
