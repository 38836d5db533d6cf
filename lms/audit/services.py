"""Appending to and verifying the audit chain.

``hash = sha256(prev_hash | canonical JSON of the entry)``. Appends lock the chain head
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers already), so concurrent
requests cannot fork the chain. Editing, deleting or inserting a row breaks the chain at
that row, and ``lms audit verify`` names it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from lms.audit.models import GENESIS, AuditEntry, AuditHead
from lms.db import aware, utcnow
from lms.extensions import db

log = logging.getLogger(__name__)

ACTIONS = ("login", "login_failed", "role_change", "grade", "regrade", "manual_grade",
           "accommodation", "roster_import", "certificate_issue", "certificate_revoke",
           "certificate_reissue", "learner_withdraw", "lesson_marked_done", "legal_status",
           "legal_review", "quiz_window", "lecturer_assign", "lecturer_remove", "learner_enrol",
           "learner_move", "quiz_settings", "signing_key_rotate")


def _payload(created_at: datetime, actor_id: int | None, action: str, target: str,
             details: dict[str, Any]) -> bytes:
    stamp = aware(created_at).isoformat(timespec="microseconds")
    return json.dumps([stamp, actor_id, action, target, details], sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), default=str).encode()


def chain_hash(prev_hash: str, created_at: datetime, actor_id: int | None, action: str,
               target: str, details: dict[str, Any]) -> str:
    """The hash of an entry given the previous one's."""
    return hashlib.sha256(prev_hash.encode() + b"|" +
                          _payload(created_at, actor_id, action, target, details)).hexdigest()


def record(action: str, actor_id: int | None = None, target: str = "",
           **details: Any) -> AuditEntry:
    """Append an event to the chain (in the caller's transaction)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    head = db.session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        db.session.add(head)
        db.session.flush()
    # JSON round trip: what is hashed is exactly what the database gives back later.
    details = json.loads(json.dumps(details, default=str, ensure_ascii=False))
    created_at = utcnow()
    digest = chain_hash(head.last_hash, created_at, actor_id, action, target[:200], details)
    entry = AuditEntry(created_at=created_at, actor_id=actor_id, action=action,
                       target=target[:200], details=details, prev_hash=head.last_hash,
                       hash=digest)
    db.session.add(entry)
    db.session.flush()
    head.last_id, head.last_hash = entry.id, digest
    db.session.flush()
    return entry


@dataclass
class ChainCheck:
    """Result of walking the chain."""

    ok: bool
    entries: int
    broken_id: int | None = None
    reason: str = ""


def verify_chain(batch: int = 5000) -> ChainCheck:
    """Walk the whole chain in id order; the first broken row and why."""
    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.id > last_id)
                                  .order_by(AuditEntry.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            if row.prev_hash != prev:
                return ChainCheck(False, count, row.id,
                                  "previous hash does not match: a row before it was "
                                  "deleted, inserted or changed")
            expected = chain_hash(row.prev_hash, row.created_at, row.actor_id, row.action,
                                  row.target, row.details)
            if row.hash != expected:
                return ChainCheck(False, count, row.id, "content does not match its hash: "
                                  "the row was edited")
            prev, count, last_id = row.hash, count + 1, row.id
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.last_hash != prev or head.last_id != last_id):
        return ChainCheck(False, count, head.last_id,
                          "the chain ends before its recorded head: rows were deleted")
    return ChainCheck(True, count)


def _on_attempt_graded(sender: Any, user_id: int, quiz_id: int, **_: Any) -> None:
    record("grade", None, f"attempt:{sender.id}", user_id=user_id, quiz_id=quiz_id,
           state=sender.state, score10=sender.score10, needs_grading=sender.needs_grading)


def connect_events() -> None:
    """Grades are recorded wherever they happen (submit, finalising, regrade, marks)."""
    from lms.events import attempt_graded

    attempt_graded.connect(_on_attempt_graded)
