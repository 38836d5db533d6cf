"""The legal basis of a course in the database: one row per document of its legal.toml."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db import utcnow
from lms.extensions import db
from lms.legal.model import LegalDocument

REVIEW_KINDS = ("lesson", "question")


class LegalRecord(db.Model):
    """A document a course relies on, with its status; an admin may mark it amended,
    replaced or expired on the web (``changed_by``, ``changed_at``)."""

    __tablename__ = "legal_documents"
    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        CheckConstraint("status IN ('in_force', 'amended', 'replaced', 'expired')",
                        name="status_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    number: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="in_force")
    replaced_by: Mapped[str] = mapped_column(String(60), default="")
    status_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(500))
    note: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    changed_by: Mapped[User | None] = relationship()

    def document(self) -> LegalDocument:
        """The row as the registry's dataclass."""
        return LegalDocument(
            number=self.number, kind=self.kind, title=self.title, issuer=self.issuer,
            signed=self.signed_on, effective=self.effective_on, status=self.status,
            source=self.source, replaced_by=self.replaced_by, status_date=self.status_date,
            note=self.note)


class LegalReview(db.Model):
    """A lecturer checked an item (a lesson, a question) against a changed document: the
    flag goes until the document changes again (``reviewed_at`` before its ``changed_at``).
    Written by upsert: one row per item and document."""

    __tablename__ = "legal_reviews"
    __table_args__ = (
        UniqueConstraint("kind", "item_id", "number"),
        CheckConstraint("kind IN ('lesson', 'question')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    item_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(60))
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
