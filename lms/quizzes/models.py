"""Question bank (versioned questions) and quiz settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Course
from lms.db import utcnow
from lms.extensions import db

TYPES_SQL = ("'single_choice', 'multiple_choice', 'true_false', 'short_answer', 'numerical', "
             "'matching', 'essay', 'description'")


class Question(db.Model):
    """A question's identity in a course bank; its content lives in versions."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("course_id", "idnumber"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    #: The question's identity in its course (:mod:`lms.quizzes.identity`): its Moodle ID
    #: number, or its place in its file with its name. Names may repeat.
    idnumber: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(200), default="", index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where the question lives in the course files, to export them back the same way.
    source_path: Mapped[str] = mapped_column(String(200), default="")
    source_order: Mapped[int] = mapped_column(Integer, default=0)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    course: Mapped[Course] = relationship()
    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.name}>"


class QuestionCategory(db.Model):
    """What a course says of a question category: whether it is an exam pool.

    Quizzes whose review shows right answers or feedback before they close may not draw
    from an exam pool (nor fix its questions), so practice never hands out the exam.
    """

    __tablename__ = "question_categories"
    __table_args__ = (UniqueConstraint("course_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    exam_pool: Mapped[bool] = mapped_column(Boolean, default=False,
                                            server_default=text("false"))

    def __repr__(self) -> str:
        return f"<QuestionCategory {self.name}{' exam' if self.exam_pool else ''}>"


class QuestionVersion(db.Model):
    """Immutable content of a question; attempts keep the version they were given."""

    __tablename__ = "question_versions"
    __table_args__ = (
        UniqueConstraint("question_id", "number"),
        CheckConstraint(f"type IN ({TYPES_SQL})", name="type_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    text_format: Mapped[str] = mapped_column(String(10), default="markdown")
    general_feedback: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    question: Mapped[Question] = relationship(foreign_keys=[question_id])

    def __repr__(self) -> str:
        return f"<QuestionVersion q={self.question_id} v{self.number} {self.type}>"


@event.listens_for(QuestionVersion, "before_update")
def _versions_are_immutable(_mapper: object, _conn: object, target: QuestionVersion) -> None:
    raise ValueError(f"question versions are immutable ({target!r})")


class QuestionFileBlob(db.Model):
    """The bytes of a file embedded in a question (an image, a sound), stored once per
    question and content; each version names its files in ``data["files"]`` as
    ``{name: sha256}``, so an old version keeps showing the file it was written with."""

    __tablename__ = "question_files"
    __table_args__ = (
        UniqueConstraint("question_id", "sha256"),
        CheckConstraint("size >= 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Quiz(db.Model):
    """A quiz of a course: timing, attempts, grading, draw rules and review options."""

    __tablename__ = "quizzes"
    __table_args__ = (
        UniqueConstraint("course_id", "slug"),
        CheckConstraint("grading IN ('highest', 'last', 'first', 'average')",
                        name="grading_valid"),
        CheckConstraint("on_expiry IN ('autosubmit', 'grace', 'abandon')",
                        name="on_expiry_valid"),
        CheckConstraint("pass_mark10 >= 0 AND pass_mark10 <= 10", name="pass_mark_range"),
        CheckConstraint("attempts_allowed >= 0", name="attempts_positive"),
        CheckConstraint("time_limit_seconds IS NULL OR time_limit_seconds > 0",
                        name="time_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    time_limit_seconds: Mapped[int | None] = mapped_column(Integer)
    attempts_allowed: Mapped[int] = mapped_column(Integer, default=0)  # 0 = unlimited
    pass_mark10: Mapped[float] = mapped_column(Float, default=5.0)
    grading: Mapped[str] = mapped_column(String(10), default="highest")
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=True)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=True)
    on_expiry: Mapped[str] = mapped_column(String(12), default="autosubmit")
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # {"during": [...], "immediately": [...], "later": [...], "after_close": [...]}
    review: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # [{category, count, mark?}]: ``mark`` is what each drawn question is worth (absent:
    # its type's default, see :func:`lms.quizzes.marks.slot_mark`).
    draw: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    fixed_questions: Mapped[list[str]] = mapped_column(JSON, default=list)  # question keys
    #: What fixed questions are worth, by key (absent: their type's default).
    fixed_marks: Mapped[dict[str, float]] = mapped_column(JSON, default=dict,
                                                          server_default=text("'{}'"))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # Learners see a quiz only once it is published; a quiz made on the web starts hidden.
    published: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    course: Mapped[Course] = relationship()

    def __repr__(self) -> str:
        return f"<Quiz {self.id} {self.slug}>"


class QuizWindow(db.Model):
    """A class's own open and close times for a quiz (Moodle's group override). A time
    left empty falls back to the quiz's; the class's close falls back to the end of its
    last day (see :mod:`lms.quizzes.windows`)."""

    __tablename__ = "quiz_windows"
    __table_args__ = (
        UniqueConstraint("class_id", "quiz_id"),
        CheckConstraint("opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at",
                        name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), index=True
    )
    quiz_id: Mapped[int] = mapped_column(
        ForeignKey("quizzes.id", ondelete="CASCADE"), index=True
    )
    opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
