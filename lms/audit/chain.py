"""The audit chain: each entry's MAC covers its content and the previous entry's MAC.

Keyed entries (``key_id`` set): ``hash = HMAC-SHA256(chain key, prev_hash | payload)``,
the chain key derived from ``LMS_AUDIT_KEY`` (or ``instance/audit.key``), which never
lives in the database: whoever can write the database but not read the key cannot
recompute the chain after an edit.

Legacy entries (``key_id`` NULL, written before migration 0026_audit_keyed) keep their
unkeyed ``sha256(prev_hash | payload)``. They all come first; when a legacy chain exists,
the keyed chain starts with an ``audit_keyed`` marker entry whose details hold the legacy
entry count and head hash: the key seals the legacy part from then on. A new
installation's keyed chain starts at the genesis hash without a marker.

Appends lock the chain head (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite write
transactions are ``BEGIN IMMEDIATE``, see lms/db.py), so concurrent writers cannot fork the
chain. Every ``LMS_AUDIT_CHECKPOINT_EVERY`` entries, and when the keyed chain starts, a
signed checkpoint is written once the transaction commits (lms/audit/checkpoints.py).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from lms.audit.models import GENESIS, AuditEntry, AuditHead
from lms.db import aware, utcnow
from lms.extensions import db

MARKER = "audit_keyed"


def _payload(
    created_at: datetime, actor_id: int | None, action: str, target: str, details: dict[str, Any]
) -> bytes:
    stamp = aware(created_at).isoformat(timespec="microseconds")
    return json.dumps(
        [stamp, actor_id, action, target, details],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode()


def legacy_hash(
    prev_hash: str,
    created_at: datetime,
    actor_id: int | None,
    action: str,
    target: str,
    details: dict[str, Any],
) -> str:
    """The unkeyed hash of a legacy entry (anyone can compute it)."""
    return hashlib.sha256(
        prev_hash.encode() + b"|" + _payload(created_at, actor_id, action, target, details)
    ).hexdigest()


#: The name this module had before keys: the unkeyed function.
chain_hash = legacy_hash


def _subkey(purpose: bytes, key: str | None = None) -> bytes:
    return _derive(key if key is not None else current_app.config["LMS_AUDIT_KEY"], purpose)


@functools.lru_cache(maxsize=16)
def _derive(key: str, purpose: bytes) -> bytes:
    """A key per purpose (entries, checkpoints, the key id), derived from the audit key."""
    return hmac.new(key.encode(), b"lms-audit/" + purpose, hashlib.sha256).digest()


def key_id(key: str | None = None) -> str:
    """A short public name of the key (tells which key signed an entry, reveals nothing)."""
    return hmac.new(_subkey(b"id", key), b"key-id", hashlib.sha256).hexdigest()[:16]


def keyed_hash(
    prev_hash: str,
    created_at: datetime,
    actor_id: int | None,
    action: str,
    target: str,
    details: dict[str, Any],
    key: str | None = None,
) -> str:
    """The MAC of a keyed entry."""
    return hmac.new(
        _subkey(b"chain", key),
        prev_hash.encode() + b"|" + _payload(created_at, actor_id, action, target, details),
        hashlib.sha256,
    ).hexdigest()


def sign(data: bytes, key: str | None = None) -> str:
    """The MAC of a checkpoint (a key separate from the chain's)."""
    return hmac.new(_subkey(b"checkpoint", key), data, hashlib.sha256).hexdigest()


def expected_hash(row: AuditEntry) -> str:
    """What a row's hash must be: keyed, or legacy for a legacy row."""
    fields = (row.prev_hash, row.created_at, row.actor_id, row.action, row.target, row.details)
    return legacy_hash(*fields) if row.key_id is None else keyed_hash(*fields)


def _locked_head() -> AuditHead:
    head = db.session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        # The migration creates the head; if it is gone, continue from the last entry
        # rather than fork the chain at genesis (verify reports the missing head).
        last = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        count = db.session.scalar(select(func.count(AuditEntry.id))) or 0
        head = AuditHead(
            id=1,
            last_id=last.id if last else 0,
            last_hash=last.hash if last else GENESIS,
            entries=count,
            key_id=last.key_id if last else None,
        )
        db.session.add(head)
        db.session.flush()
    return head


def _append(
    head: AuditHead, action: str, actor_id: int | None, target: str, details: dict[str, Any]
) -> AuditEntry:
    # JSON round trip: what is MACed is exactly what the database gives back later.
    details = json.loads(json.dumps(details, default=str, ensure_ascii=False))
    created_at = utcnow()
    target = target[:200]
    digest = keyed_hash(head.last_hash, created_at, actor_id, action, target, details)
    entry = AuditEntry(
        created_at=created_at,
        actor_id=actor_id,
        action=action,
        target=target,
        details=details,
        prev_hash=head.last_hash,
        hash=digest,
        key_id=key_id(),
    )
    db.session.add(entry)
    db.session.flush()
    head.last_id, head.last_hash = entry.id, digest
    head.entries = (head.entries or 0) + 1
    head.key_id = entry.key_id
    return entry


def append(action: str, actor_id: int | None, target: str, details: dict[str, Any]) -> AuditEntry:
    """Append a keyed entry under the head lock (in the caller's transaction)."""
    from lms.audit.checkpoints import checkpoint_after_commit

    head = _locked_head()
    starts = head.key_id is None  # the keyed chain starts here
    before = head.entries or 0
    if starts and before:
        _append(head, MARKER, None, "", {"legacy_entries": before, "legacy_head": head.last_hash})
    entry = _append(head, action, actor_id, target, details)
    db.session.flush()
    every = current_app.config.get("LMS_AUDIT_CHECKPOINT_EVERY", 1000)
    if starts or before // every != head.entries // every:
        checkpoint_after_commit(head)
    return entry
