"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint is one JSON line: the entry count, the id and hash of the last entry, the
time and the key id, with an HMAC over them (a key derived from the audit key). Lines are
appended to ``LMS_AUDIT_CHECKPOINT_FILE`` (mode 0600, one ``write`` under ``flock``, so
processes never interleave) and, with ``LMS_AUDIT_SYSLOG``, also sent to syslog, which can
forward them off the machine. They are made when the keyed chain starts, every
``LMS_AUDIT_CHECKPOINT_EVERY`` entries (after the commit: a rolled-back entry is never
checkpointed), daily (lms/audit/tasks.py) and by ``lms audit checkpoint``.

Whoever deletes the newest rows, or all of them, or rewrites the chain, cannot make the
database agree with a checkpoint already written, nor forge one without the key.
"""

from __future__ import annotations

import fcntl
import json
import logging
import logging.handlers
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lms.audit.chain import key_id, sign
from lms.audit.models import GENESIS, AuditEntry, AuditHead
from lms.db import aware, utcnow
from lms.extensions import db

log = logging.getLogger(__name__)

_PENDING = "lms_audit_checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    """What the chain looked like at ``at``: ``entries`` rows, the last one ``last_id``."""

    at: str
    entries: int
    last_id: int
    head: str
    key_id: str

    def body(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    def line(self) -> str:
        return json.dumps({**asdict(self), "mac": sign(self.body())}, sort_keys=True)

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.at)


def _path() -> Path:
    return Path(current_app.config["LMS_AUDIT_CHECKPOINT_FILE"])


def _now() -> str:
    return utcnow().isoformat(timespec="seconds")


def snapshot() -> Checkpoint:
    """The chain's head as the database has it now."""
    head = db.session.get(AuditHead, 1, populate_existing=True)
    if head is None:
        return Checkpoint(_now(), 0, 0, GENESIS, key_id())
    return Checkpoint(_now(), head.entries or 0, head.last_id, head.last_hash, key_id())


def write(checkpoint: Checkpoint) -> Checkpoint:
    """Append a checkpoint to the file (and syslog)."""
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (checkpoint.line() + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    _to_syslog(line.decode().strip())
    return checkpoint


def make_checkpoint() -> Checkpoint:
    """Checkpoint the committed head now (``lms audit checkpoint``, the daily job)."""
    return write(snapshot())


def _to_syslog(line: str) -> None:
    target = (current_app.config.get("LMS_AUDIT_SYSLOG") or "off").strip()
    if target.lower() in ("", "0", "off", "false", "no"):
        return
    address: Any
    if target.lower() in ("1", "on", "true", "yes"):
        address = "/dev/log"
    elif target.startswith("/"):
        address = target
    else:
        host, _, port = target.rpartition(":")
        address = (host or "localhost", int(port or 514))
    try:
        handler = logging.handlers.SysLogHandler(address=address)
        try:
            handler.emit(
                logging.LogRecord(
                    "lms.audit", logging.INFO, __file__, 0, "lms-audit-checkpoint %s", (line,), None
                )
            )
        finally:
            handler.close()
    except (OSError, ValueError):
        log.exception("audit checkpoint not sent to syslog %s", target)


def checkpoint_after_commit(head: AuditHead) -> None:
    """Checkpoint this head once the current transaction commits (not if the transaction,
    or the savepoint it was recorded in, is rolled back)."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append(
        (transaction, head.entries, head.last_id, head.last_hash)
    )


@event.listens_for(Session, "after_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending or not has_app_context():
        return
    try:
        for _transaction, entries, last_id, head in pending:
            write(Checkpoint(_now(), entries, last_id, head, key_id()))
    except OSError:
        # The entry is committed; the next checkpoint (every N, daily) covers it.
        log.exception("audit checkpoint not written to %s", _path())


def _within(transaction: Any, ended: Any) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction: Any) -> None:
    """Forget the checkpoints due in the transaction or savepoint rolled back."""
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [p for p in pending if not _within(p[0], previous_transaction)]


@dataclass(frozen=True)
class BadLine:
    """A checkpoint line that is not what this key wrote."""

    number: int
    other_key: bool


def read() -> tuple[list[Checkpoint], list[BadLine]]:
    """The file's checkpoints whose MAC holds, and the lines that do not."""
    path = _path()
    good: list[Checkpoint] = []
    bad: list[BadLine] = []
    if not path.exists():
        return good, bad
    mine = key_id()
    for number, raw in enumerate(path.read_text(errors="replace").splitlines(), 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            mac = data.pop("mac")
            checkpoint = Checkpoint(**data)
            datetime.fromisoformat(checkpoint.at)
        except (ValueError, TypeError, KeyError, AttributeError):
            bad.append(BadLine(number, False))
            continue
        if not isinstance(mac, str) or sign(checkpoint.body()) != mac:
            bad.append(BadLine(number, checkpoint.key_id != mine))
            continue
        good.append(checkpoint)
    return good, bad


def export_lines(since: datetime) -> Iterator[str]:
    """Entries from ``since`` on, then the checkpoints from then on, as JSON lines."""
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.created_at >= since, AuditEntry.id > last_id)
            .order_by(AuditEntry.id)
            .limit(1000)
        ).all()
        if not rows:
            break
        for row in rows:
            yield json.dumps(
                {
                    "type": "entry",
                    "id": row.id,
                    "created_at": aware(row.created_at).isoformat(timespec="microseconds"),
                    "actor_id": row.actor_id,
                    "action": row.action,
                    "target": row.target,
                    "details": row.details,
                    "prev_hash": row.prev_hash,
                    "hash": row.hash,
                    "key_id": row.key_id,
                },
                ensure_ascii=False,
                sort_keys=True,
                default=str,
            )
            last_id = row.id
    for checkpoint in read()[0]:
        if checkpoint.moment >= since:
            yield json.dumps(
                {"type": "checkpoint", **json.loads(checkpoint.line())}, sort_keys=True
            )
