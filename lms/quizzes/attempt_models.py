"""Attempts, their question slots (one row per attempt and slot holds the answer), and
learners' accommodations."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.quizzes.models import Question, QuestionVersion, Quiz


class AttemptState(StrEnum):
    """Moodle's attempt life cycle."""

    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"  # time is up, the grace policy still allows submitting
    FINISHED = "finished"
    ABANDONED = "abandoned"  # never submitted in time (policy "abandon", or grace ran out)


OPEN_STATES = (AttemptState.IN_PROGRESS.value, AttemptState.OVERDUE.value)


class Attempt(db.Model):
    """One learner's attempt at a quiz."""

    __tablename__ = "attempts"
    __table_args__ = (
        UniqueConstraint("quiz_id", "user_id", "number"),
        CheckConstraint("state IN ('in_progress', 'overdue', 'finished', 'abandoned')",
                        name="state_valid"),
        # At most one open attempt per learner and quiz: a double click or a second tab
        # gets the same attempt (insert … on conflict do nothing against this index).
        Index("uq_attempts_one_open", "quiz_id", "user_id", unique=True,
              sqlite_where=text("state IN ('in_progress', 'overdue')"),
              postgresql_where=text("state IN ('in_progress', 'overdue')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12), default=AttemptState.IN_PROGRESS.value)
    preview: Mapped[bool] = mapped_column(Boolean, default=False)  # staff previews don't count
    seed: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float, default=0.0)
    score10: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    needs_grading: Mapped[bool] = mapped_column(Boolean, default=False)
    # The class the learner took it in (its window applies); None for a staff preview.
    class_id: Mapped[int | None] = mapped_column(
        ForeignKey("classes.id", ondelete="SET NULL"), index=True
    )

    quiz: Mapped[Quiz] = relationship()
    user: Mapped[User] = relationship()
    slots: Mapped[list[AttemptSlot]] = relationship(
        back_populates="attempt", order_by="AttemptSlot.slot", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Attempt {self.id} quiz={self.quiz_id} user={self.user_id} {self.state}>"


class AttemptSlot(db.Model):
    """A question of an attempt and the learner's latest answer to it.

    Saves are upserts guarded by the client's sequence number, so a late older save never
    overwrites a newer one, and there is exactly one row per (attempt, slot).
    """

    __tablename__ = "attempt_slots"
    __table_args__ = (
        UniqueConstraint("attempt_id", "slot"),
        CheckConstraint("seq >= 0", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    slot: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="RESTRICT"), index=True
    )
    option_order: Mapped[list[str]] = mapped_column(JSON, default=list)
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    saved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    max_points: Mapped[float] = mapped_column(Float, default=1.0)
    fraction: Mapped[float | None] = mapped_column(Float)
    points: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    graded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    attempt: Mapped[Attempt] = relationship(back_populates="slots")
    question: Mapped[Question] = relationship()
    version: Mapped[QuestionVersion] = relationship()


class Accommodation(db.Model):
    """A learner's accommodation in one class: more time and/or more attempts on the
    class's quizzes, or on one quiz of it (``quiz_id``). A per-quiz row wins over the
    class-wide one. It applies only while the learner is in that class."""

    __tablename__ = "accommodations"
    __table_args__ = (
        CheckConstraint("extra_minutes >= 0", name="extra_minutes_positive"),
        CheckConstraint("time_multiplier >= 1 AND time_multiplier <= 5", name="multiplier_range"),
        CheckConstraint("extra_attempts >= 0", name="extra_attempts_positive"),
        Index("uq_accommodations_class_wide", "user_id", "class_id", unique=True,
              sqlite_where=text("quiz_id IS NULL"), postgresql_where=text("quiz_id IS NULL")),
        Index("uq_accommodations_per_quiz", "user_id", "class_id", "quiz_id", unique=True,
              sqlite_where=text("quiz_id IS NOT NULL"),
              postgresql_where=text("quiz_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    class_id: Mapped[int] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), index=True
    )
    quiz_id: Mapped[int | None] = mapped_column(
        ForeignKey("quizzes.id", ondelete="CASCADE"), index=True
    )
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    time_multiplier: Mapped[float] = mapped_column(Float, default=1.0)
    extra_attempts: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
