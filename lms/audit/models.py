"""Audit entries and the chain head.

``key_id`` is NULL on legacy entries (before 0026_audit_keyed: an unkeyed SHA-256 chain)
and the id of the HMAC key on keyed ones; see :mod:`lms.audit.chain`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import utcnow
from lms.extensions import db

GENESIS = "0" * 64


class AuditEntry(db.Model):
    """A security- or grade-relevant event; ``hash`` covers it and the previous hash."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[str | None] = mapped_column(String(16), default=None)


class AuditHead(db.Model):
    """The single row holding the chain's last hash; locking it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    entries: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    #: The key of the last entry; NULL while the chain is legacy (the next append starts
    #: the keyed chain). A hint for writers only: verify never trusts it.
    key_id: Mapped[str | None] = mapped_column(String(16), default=None)
