"""Courses and the lecturers assigned to them (lessons arrive with the content pipeline)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db import utcnow
from lms.extensions import db


class Course(db.Model):
    """A course, such as the module “Quản lý nhà nước về Cơ yếu”; keyed by its slug."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="vi")
    version: Mapped[str] = mapped_column(String(32), default="")
    lecturers_note: Mapped[str] = mapped_column(Text, default="")
    # {"lessons": "all" | [slug, …], "quizzes": [{"slug": …, "pass_mark10": …}]}
    completion_policy: Mapped[dict] = mapped_column(JSON, default=dict)
    #: When the course's legal basis (legal.toml) was last checked; ``None``: no registry.
    legal_reviewed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    lecturers: Mapped[list[CourseLecturer]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseLecturer(db.Model):
    """A lecturer who may edit a course's content (lessons, questions, quizzes)."""

    __tablename__ = "course_lecturers"
    __table_args__ = (UniqueConstraint("course_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    course: Mapped[Course] = relationship(back_populates="lecturers")
    user: Mapped[User] = relationship()


class LessonStatus(StrEnum):
    """A lesson is drafted, then published (learners see its published revision)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Lesson(db.Model):
    """A lesson of a course: a working draft plus a pointer to its published revision."""

    __tablename__ = "lessons"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("status IN ('draft', 'published', 'archived')", name="status_valid"),
        CheckConstraint("minutes >= 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=LessonStatus.DRAFT.value)
    # The draft (working copy) edited by lecturers.
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    #: Numbers of the documents of the course's legal basis the draft rests on.
    legal: Mapped[list[str]] = mapped_column(JSON, default=list)
    draft_updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("lesson_revisions.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    available_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    course: Mapped[Course] = relationship()
    published_revision: Mapped[LessonRevision | None] = relationship(
        foreign_keys=[published_revision_id], post_update=True
    )

    def __repr__(self) -> str:
        return f"<Lesson {self.id} {self.slug} {self.status}>"


class LessonRevision(db.Model):
    """An immutable snapshot of a lesson, made at each publication (or import)."""

    __tablename__ = "lesson_revisions"
    __table_args__ = (UniqueConstraint("lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    objectives: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    legal: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="web")  # web | import | restore
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<LessonRevision lesson={self.lesson_id} #{self.number}>"


@event.listens_for(LessonRevision, "before_update")
def _revisions_are_immutable(_mapper: object, _conn: object, target: LessonRevision) -> None:
    raise ValueError(f"lesson revisions are immutable ({target!r})")


class Attachment(db.Model):
    """A file lessons link to (slides, documents); stored in the database with the course."""

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("course_id", "name"),
        CheckConstraint("size >= 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProgressStatus(StrEnum):
    """A learner's state on one lesson (no row means not started)."""

    IN_PROGRESS = "in_progress"
    DONE = "done"


class LessonProgress(db.Model):
    """One learner's progress on one lesson; written at once, by upsert."""

    __tablename__ = "lesson_progress"
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        CheckConstraint("status IN ('in_progress', 'done')", name="status_valid"),
        CheckConstraint("seconds_spent >= 0", name="seconds_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ProgressStatus.IN_PROGRESS.value)
    seconds_spent: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ContentEdit(db.Model):
    """Who changed which content, and when (lessons, attachments, imports)."""

    __tablename__ = "content_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("lessons.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship()


class CourseSyncBase(db.Model):
    """The content hash of one course item (the course file, a lesson, a question, a quiz,
    an attachment) as of the last import or export: the base of the three-way comparison
    that tells a web edit from a file change."""

    __tablename__ = "course_sync_bases"
    __table_args__ = (UniqueConstraint("course_id", "kind", "key"),
                      CheckConstraint("kind IN ('course', 'lesson', 'question', 'quiz', "
                                      "'attachment', 'legal')", name="kind_valid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(300))
    hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
