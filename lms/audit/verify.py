"""Verifying the audit chain against its key and its checkpoints.

The walk tells apart (``ChainCheck.kind``):

* ``edited``: one entry's content no longer matches its MAC, the entries after it do
  (a row changed in place);
* ``recomputed``: from an entry on, the links hold but the MACs were not made with the key
  (edited, then the chain recomputed with the unkeyed function or a guessed key), or the
  chain disagrees with a signed checkpoint, or legacy entries changed after the switch;
* ``link``: an entry's ``prev_hash`` is not the previous entry's hash (a row deleted or
  inserted in the middle);
* ``truncated``: fewer entries than a checkpoint counted, or than the head row records
  (the newest rows deleted, with or without the head);
* ``wiped``: no entries left where a checkpoint or the head counted some;
* ``checkpoint``: a checkpoint line whose MAC does not hold (forged or altered);
* ``other_key``: entries or checkpoints signed with another key (the wrong key configured).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from lms.audit import checkpoints as cps
from lms.audit.chain import MARKER, expected_hash, key_id, legacy_hash
from lms.audit.models import GENESIS, AuditEntry, AuditHead
from lms.extensions import db


@dataclass
class ChainCheck:
    """Result of walking the chain: intact, or the kind of tampering and where."""

    ok: bool
    entries: int
    broken_id: int | None = None
    reason: str = ""
    kind: str = ""
    last_checkpoint: cps.Checkpoint | None = None

    @property
    def checkpoint_text(self) -> str:
        if self.last_checkpoint is None:
            return _("no checkpoint yet")
        return _(
            "last checkpoint %(at)s (%(n)d entries)",
            at=_when(self.last_checkpoint),
            n=self.last_checkpoint.entries,
        )


def _when(checkpoint: cps.Checkpoint) -> str:
    return format_datetime(checkpoint.moment, "dd/MM/yyyy HH:mm")


def _rows(batch: int) -> Iterator[AuditEntry]:
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.id > last_id)
            .order_by(AuditEntry.id)
            .limit(batch)
            .execution_options(populate_existing=True)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def _edited(row: AuditEntry) -> tuple[str, str]:
    return "edited", _("entry %(id)d was edited: its content does not match its MAC", id=row.id)


def _recomputed(row: AuditEntry) -> tuple[str, str]:
    return "recomputed", _(
        "the chain was edited and recomputed from entry %(id)d: its MACs "
        "were not made with the audit key",
        id=row.id,
    )


def _marker_ok(row: AuditEntry, count: int, prev: str) -> bool:
    details = row.details or {}
    return (
        row.action == MARKER
        and row.prev_hash == prev
        and details.get("legacy_entries") == count
        and details.get("legacy_head") == prev
        and row.hash == expected_hash(row)
    )


@dataclass
class _Walk:
    count: int = 0
    prev: str = GENESIS
    last_id: int = 0


def _walk(
    batch: int, checkpoints: list[cps.Checkpoint], walk: _Walk
) -> tuple[str, str, int] | None:
    """Walk the rows; the first problem as (kind, reason, entry id), or None."""
    at_position: dict[int, list[cps.Checkpoint]] = defaultdict(list)
    for checkpoint in checkpoints:
        at_position[checkpoint.entries].append(checkpoint)
    mine, keyed, suspect, before_suspect = key_id(), False, None, 0
    for row in _rows(batch):
        if row.key_id is not None and row.key_id != mine:
            return (
                "other_key",
                _(
                    "entry %(id)d was signed with another audit key "
                    "(%(key)s): is LMS_AUDIT_KEY the right one?",
                    id=row.id,
                    key=row.key_id,
                ),
                row.id,
            )
        if row.key_id is not None and not keyed:
            keyed = True
            if walk.count and not _marker_ok(row, walk.count, walk.prev):
                return (
                    "recomputed",
                    _(
                        "the legacy entries were changed after the switch to the keyed chain "
                        "(marker entry %(id)d)",
                        id=row.id,
                    ),
                    row.id,
                )
        if row.prev_hash != walk.prev:
            if suspect is not None:
                walk.count = before_suspect
                if row.prev_hash == suspect.prev_hash:  # the next entry skips it
                    return (
                        "link",
                        _(
                            "entry %(id)d was inserted: it is not signed with the audit key",
                            id=suspect.id,
                        ),
                        suspect.id,
                    )
                return (*_edited(suspect), suspect.id)
            return (
                "link",
                _(
                    "the chain breaks at entry %(id)d: an entry before it was deleted or inserted",
                    id=row.id,
                ),
                row.id,
            )
        if row.key_id is None and keyed:
            return (*_recomputed(row), row.id)
        if row.hash != expected_hash(row):
            if suspect is not None:
                walk.count = before_suspect
                return (*_recomputed(suspect), suspect.id)
            suspect, before_suspect = row, walk.count
        elif suspect is not None:
            walk.count = before_suspect
            return (*_edited(suspect), suspect.id)
        walk.count += 1
        for checkpoint in at_position.get(walk.count, ()):
            if checkpoint.head != row.hash or checkpoint.last_id != row.id:
                return (
                    "recomputed",
                    _(
                        "the chain was edited and recomputed: entry number %(n)d differs from "
                        "the signed checkpoint of %(at)s",
                        n=walk.count,
                        at=_when(checkpoint),
                    ),
                    row.id,
                )
        walk.prev, walk.last_id = row.hash, row.id
    if suspect is not None:
        walk.count = before_suspect
        unkeyed = suspect.hash == legacy_hash(
            suspect.prev_hash,
            suspect.created_at,
            suspect.actor_id,
            suspect.action,
            suspect.target,
            suspect.details,
        )
        return (*(_recomputed if unkeyed else _edited)(suspect), suspect.id)
    return None


def _ending(walk: _Walk, checkpoints: list[cps.Checkpoint]) -> tuple[str, str] | None:
    """Whether the chain ends where the checkpoints and the head say it does."""
    top = max(checkpoints, key=lambda c: c.entries, default=None)
    head = db.session.get(AuditHead, 1, populate_existing=True)
    recorded = max(top.entries if top else 0, (head.entries or 0) if head else 0)
    if walk.count == 0 and recorded > 0:
        if top is not None and top.entries:
            return "wiped", _(
                "the whole audit log was deleted: the checkpoint of %(at)s "
                "counted %(n)d entries, the database has none",
                at=_when(top),
                n=top.entries,
            )
        return "wiped", _(
            "the whole audit log was deleted: the chain head counted %(n)d "
            "entries, the database has none",
            n=recorded,
        )
    if top is not None and top.entries > walk.count:
        return "truncated", _(
            "the newest entries were deleted: the checkpoint of %(at)s "
            "counted %(n)d entries, the database has %(m)d",
            at=_when(top),
            n=top.entries,
            m=walk.count,
        )
    if head is None:
        if walk.count:
            return "truncated", _(
                "the chain head row was deleted (and with it, perhaps, the newest entries)"
            )
        return None
    if (
        head.last_hash != walk.prev
        or head.last_id != walk.last_id
        or (head.entries or 0) != walk.count
    ):
        return "truncated", _(
            "the chain ends before its recorded head: the newest entries were deleted"
        )
    return None


def verify_chain(batch: int = 5000) -> ChainCheck:
    """Walk the whole chain in id order and hold it against the signed checkpoints."""
    checkpoints, bad = cps.read()
    last = max(checkpoints, key=lambda c: (c.moment, c.entries), default=None)
    if bad:
        line = bad[0]
        reason = (
            _("line %(line)d of the checkpoint file was signed with another key", line=line.number)
            if line.other_key
            else _(
                "line %(line)d of the checkpoint file is not signed with the audit key: "
                "forged or altered",
                line=line.number,
            )
        )
        return ChainCheck(
            False, 0, None, reason, "other_key" if line.other_key else "checkpoint", last
        )
    walk = _Walk()
    problem = _walk(batch, checkpoints, walk)
    if problem is not None:
        kind, reason, broken = problem
        return ChainCheck(False, walk.count, broken, reason, kind, last)
    ending = _ending(walk, checkpoints)
    if ending is not None:
        return ChainCheck(False, walk.count, None, ending[1], ending[0], last)
    return ChainCheck(True, walk.count, last_checkpoint=last)
