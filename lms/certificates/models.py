"""Issued certificates, their serial counter, audit trail and bulk-issue runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.db import utcnow
from lms.extensions import db


class Certificate(db.Model):
    """A giấy chứng nhận: printed data snapshotted at issue, the signed PDF, a status."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("serial"),
        UniqueConstraint("code"),
        CheckConstraint("status IN ('valid', 'revoked', 'superseded')", name="status_valid"),
        # One valid certificate per learner and class, whatever runs concurrently.
        Index("uq_certificates_one_valid", "class_id", "user_id", unique=True,
              sqlite_where=text("status = 'valid'"), postgresql_where=text("status = 'valid'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    serial: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="valid")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), index=True)
    signing_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("signing_keys.id", ondelete="RESTRICT"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Certificate {self.serial} {self.status}>"


class CertificatePdfVersion(db.Model):
    """Every PDF a certificate has had: the one issued, then one per LTV refresh (a new
    document timestamp). Holders keep the copies they downloaded, so ``/verify`` finds a
    certificate by the hash of any of its versions. The earlier files are kept here
    (``pdf``); the current one's bytes are ``Certificate.pdf`` (``pdf`` here is NULL)."""

    __tablename__ = "certificate_pdf_versions"
    __table_args__ = (
        UniqueConstraint("sha256"),
        CheckConstraint("reason IN ('issue', 'ltv_refresh')", name="reason_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(12), default="issue")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class SigningKey(db.Model):
    """A signing key this installation used or uses: its certificate (kept, so the
    certificates it signed verify after a rotation), where it is, and when it was used."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        UniqueConstraint("fingerprint"),
        CheckConstraint("kind IN ('file', 'pkcs11')", name="kind_valid"),
        # At most one key in use.
        Index("uq_signing_keys_one_active", "active", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(Text)  # key file path, or the token's key label
    cert_ref: Mapped[str | None] = mapped_column(Text)  # certificate file, or its label
    cert_pem: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the certificate DER
    subject: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<SigningKey {self.id} {self.kind} {self.label}>"


class SerialCounter(db.Model):
    """The next serial number of each year, taken atomically (never duplicated)."""

    __tablename__ = "certificate_serials"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class CertificateEvent(db.Model):
    """Who issued, revoked or reissued which certificate, when and why."""

    __tablename__ = "certificate_events"
    __table_args__ = (
        CheckConstraint("action IN ('issue', 'revoke', 'reissue')", name="action_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificates.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor: Mapped[User | None] = relationship()


class IssueRun(db.Model):
    """A bulk issue (or zip download) run, with progress for the web page and the CLI."""

    __tablename__ = "certificate_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_valid"),
        CheckConstraint("kind IN ('issue', 'zip')", name="kind_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(5), default="issue")
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    user_ids: Mapped[list[int] | None] = mapped_column(JSON)  # None: the whole class
    status: Mapped[str] = mapped_column(String(8), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)  # zip runs
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
