"""Classes (lớp) of a course and the enrolments of learners and lecturers in them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.courses.models import Course
from lms.db import utcnow
from lms.extensions import db


class ClassStatus(StrEnum):
    """Life cycle of a class."""

    PLANNED = "planned"
    ACTIVE = "active"
    CLOSED = "closed"


class EnrolmentRole(StrEnum):
    """The part a person plays in one class."""

    LEARNER = "learner"
    LECTURER = "lecturer"


class EnrolmentState(StrEnum):
    """Enrolments are never deleted: their state records the history."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class Class(db.Model):
    """A class taking a course, e.g. ``K74-HN`` of the Advanced Political Theory programme."""

    __tablename__ = "classes"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'active', 'closed')", name="status_valid"),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date",
            name="dates_ordered",
        ),
        CheckConstraint("certificate_mode IN ('auto', 'manual')", name="certificate_mode_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="RESTRICT"), index=True
    )
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default=ClassStatus.ACTIVE.value)
    # None: the course's default from course.toml. Else {"lessons": "all" | [slugs],
    # "quizzes": [{"slug": …, "pass_mark10": …}]}.
    completion_rule: Mapped[dict | None] = mapped_column(JSON)
    # Certificates: issued automatically at completion, or by an admin.
    certificate_mode: Mapped[str] = mapped_column(String(8), default="auto")
    certificate_issuer: Mapped[str] = mapped_column(
        String(300), default="HỌC VIỆN CHÍNH TRỊ QUỐC GIA HỒ CHÍ MINH")
    certificate_issuer_parent: Mapped[str] = mapped_column(String(300), default="")
    certificate_signer_name: Mapped[str] = mapped_column(String(200), default="")
    certificate_signer_title: Mapped[str] = mapped_column(String(200), default="GIÁM ĐỐC")
    certificate_place: Mapped[str] = mapped_column(String(100), default="Hà Nội")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    course: Mapped[Course] = relationship()
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="klass", foreign_keys="Enrolment.class_id")

    def __repr__(self) -> str:
        return f"<Class {self.code}>"


class Enrolment(db.Model):
    """One person in one class, as learner or lecturer; unique per class and user."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("class_id", "user_id"),
        CheckConstraint("role IN ('learner', 'lecturer')", name="role_valid"),
        CheckConstraint("state IN ('active', 'withdrawn', 'completed')", name="state_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(16), default=EnrolmentRole.LEARNER.value)
    state: Mapped[str] = mapped_column(String(16), default=EnrolmentState.ACTIVE.value)
    # A learner moved to another class of the course: this (withdrawn) row points there.
    moved_to_class_id: Mapped[int | None] = mapped_column(
        ForeignKey("classes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    klass: Mapped[Class] = relationship(back_populates="enrolments", foreign_keys=[class_id])
    user: Mapped[User] = relationship()
    moved_to: Mapped[Class | None] = relationship(foreign_keys=[moved_to_class_id])

    def __repr__(self) -> str:
        return f"<Enrolment class={self.class_id} user={self.user_id} {self.role}/{self.state}>"


class CompletionStatus(StrEnum):
    """A learner's standing in a class, recomputed at every relevant event."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"


class ClassCompletion(db.Model):
    """Completion of one learner in one class, kept current in the event's transaction."""

    __tablename__ = "class_completions"
    __table_args__ = (
        UniqueConstraint("class_id", "user_id"),
        CheckConstraint("status IN ('not_started', 'in_progress', 'completed', 'failed')",
                        name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12), default=CompletionStatus.NOT_STARTED.value)
    lessons_done: Mapped[int] = mapped_column(Integer, default=0)
    lessons_total: Mapped[int] = mapped_column(Integer, default=0)
    quizzes_passed: Mapped[int] = mapped_column(Integer, default=0)
    quizzes_total: Mapped[int] = mapped_column(Integer, default=0)
    best_score10: Mapped[float | None] = mapped_column(Float)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class ActivationCode(db.Model):
    """A one-time code for a roster-created account's first login; stored hashed."""

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RosterImport(db.Model):
    """A record of each roster import: who, when, what it did."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    created_accounts: Mapped[int] = mapped_column(Integer)
    linked_accounts: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
