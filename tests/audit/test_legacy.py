"""Databases from before keys: their unkeyed chain is verified as legacy; the keyed chain
starts from an ``audit_keyed`` marker that seals the legacy count and head (migration
0026_audit_keyed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import JSON, DateTime, Integer, String, column, select, table, text

from lms.audit.chain import MARKER, legacy_hash
from lms.audit.models import GENESIS, AuditEntry, AuditHead
from lms.audit.services import record
from lms.audit.verify import verify_chain
from lms.extensions import db
from tests.audit.conftest import cli
from tests.conftest import make_app

#: audit_log as the code before 0026 knew it (no key_id).
LEGACY_TABLE = table(
    "audit_log",
    column("created_at", DateTime(timezone=True)),
    column("actor_id", Integer),
    column("action", String),
    column("target", String),
    column("details", JSON),
    column("prev_hash", String),
    column("hash", String),
)
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def _legacy(conn, n: int, head_has_entries: bool = True) -> list[tuple[int, str]]:
    """``n`` entries as the unkeyed code wrote them (key_id NULL), and the head: their ids
    and hashes."""
    prev, hashes = GENESIS, []
    for i in range(n):
        at = T0 + timedelta(minutes=i)
        details = {"extra_minutes": i}
        digest = legacy_hash(prev, at, None, "accommodation", f"hv{i}", details)
        conn.execute(
            LEGACY_TABLE.insert().values(
                created_at=at,
                actor_id=None,
                action="accommodation",
                target=f"hv{i}",
                details=details,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
        hashes.append((conn.execute(text("SELECT MAX(id) FROM audit_log")).scalar(), digest))
    values = {"id": hashes[-1][0], "h": prev}
    if head_has_entries:
        conn.execute(
            text("UPDATE audit_head SET last_id = :id, last_hash = :h, entries = :n"),
            values | {"n": n},
        )
    else:
        conn.execute(text("UPDATE audit_head SET last_id = :id, last_hash = :h"), values)
    return hashes


def test_the_migration_keeps_a_legacy_chain_verifiable(tmp_path: Path) -> None:
    app = make_app(
        f"sqlite:///{tmp_path / 'legacy.sqlite3'}",
        LMS_AUDIT_CHECKPOINT_FILE=str(tmp_path / "cp.jsonl"),
    )
    with app.app_context():
        upgrade(revision="0024_quiz_marks")
        with db.engine.begin() as conn:
            _legacy(conn, 3, head_has_entries=False)
        upgrade()
        assert db.session.get(AuditHead, 1).entries == 3
        result = verify_chain()
        assert result.ok and result.entries == 3, result.reason
        record("accommodation", None, "sau", extra_minutes=9)
        db.session.commit()
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [r.key_id is None for r in rows] == [True, True, True, False, False]
        assert rows[3].action == MARKER
        assert rows[3].details == {"legacy_entries": 3, "legacy_head": rows[2].hash}
        assert rows[3].prev_hash == rows[2].hash and rows[4].prev_hash == rows[3].hash
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0, result.output
        assert "nguyên vẹn: 5 mục" in result.output
        db.session.remove()
        db.engine.dispose()


def test_a_legacy_chain_verifies_then_the_keyed_chain_starts_with_a_marker(app) -> None:
    _legacy(db.session, 3)
    assert verify_chain().ok
    entry = record("accommodation", None, "sau", extra_minutes=9)
    marker = db.session.get(AuditEntry, entry.id - 1)
    assert marker.action == MARKER and marker.key_id == entry.key_id is not None
    result = verify_chain()
    assert result.ok and result.entries == 5


def test_a_naive_edit_of_a_legacy_entry(runner) -> None:
    legacy = _legacy(db.session, 3)
    record("accommodation", None, "sau", extra_minutes=9)
    db.session.execute(
        text("UPDATE audit_log SET target = 'x' WHERE id = :id"), {"id": legacy[1][0]}
    )
    result = cli(runner, "verify")
    assert result.exit_code == 1 and "(edited)" in result.output
    assert f"mục #{legacy[1][0]} đã bị sửa trực tiếp" in result.output


def test_the_legacy_part_rewritten_after_the_switch(runner) -> None:
    """Legacy entries are unkeyed: anyone can recompute them, but not the marker."""
    _legacy(db.session, 3)
    record("accommodation", None, "sau", extra_minutes=9)
    marker = db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == MARKER))
    head = db.session.execute(text("SELECT last_id, last_hash, entries FROM audit_head")).one()
    db.session.execute(text("DELETE FROM audit_log WHERE key_id IS NULL"))
    hashes = _legacy(db.session, 2)  # a shorter legacy history, correctly chained...
    # ...placed before the marker (ids are not the attacker's problem: order is)
    db.session.execute(text("UPDATE audit_log SET id = id + 1000 WHERE key_id IS NOT NULL"))
    db.session.execute(
        text("UPDATE audit_log SET prev_hash = :h WHERE id = :id"),
        {"h": hashes[-1][1], "id": marker + 1000},
    )
    marker += 1000
    db.session.execute(
        text("UPDATE audit_head SET last_id = :i, last_hash = :h, entries = :n"),
        {"i": head.last_id + 1000, "h": head.last_hash, "n": 4},
    )
    result = cli(runner, "verify")
    assert result.exit_code == 1 and "(recomputed)" in result.output
    assert f"mục đánh dấu #{marker}" in result.output


def test_the_marker_cannot_be_written_by_callers() -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown audit action"):
        record(MARKER)
