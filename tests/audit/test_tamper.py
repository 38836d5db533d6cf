"""Issue 15: ``lms audit verify`` against a knowledgeable attacker with write access to the
database (not to the key nor the checkpoint file). Each tampering is done with SQL on the
test's real database, then judged through the CLI: the verdict is named, in Vietnamese,
and the exit status is 1. Before keys and checkpoints, (b), (c) and (d) exited 0."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from sqlalchemy import text

from lms.audit.chain import key_id, keyed_hash, legacy_hash
from lms.audit.models import AuditEntry
from lms.extensions import db
from tests.audit.conftest import cli, committed

NOW = "2026-12-05 03:00:00+00:00"  # 10:00 in Hà Nội


def _fields(row: Any, prev: str) -> tuple[Any, ...]:
    return (prev, row.created_at, row.actor_id, row.action, row.target, row.details)


def _rows() -> list[Any]:
    return db.session.execute(
        text(
            "SELECT id, created_at, actor_id, action, target, details, prev_hash, hash, key_id "
            "FROM audit_log ORDER BY id"
        )
    ).all()


def _load(row: Any) -> AuditEntry:
    """The row as the ORM gives it back (typed datetime and JSON)."""
    db.session.expire_all()
    return db.session.get(AuditEntry, row.id)


def _rechain(from_id: int, how: str) -> None:
    """What an attacker does after editing a row: recompute every hash from there on (and
    the head), with the app's own unkeyed function or a guessed key."""
    rows = [_load(r) for r in _rows()]
    prev = next((r.hash for r in reversed(rows) if r.id < from_id), "0" * 64)
    if how == "all_legacy":  # pass everything off as the legacy, unkeyed chain
        prev, from_id = "0" * 64, 0
    for row in rows:
        if row.id < from_id:
            continue
        if how == "guessed_key":
            digest, kid = keyed_hash(*_fields(row, prev), key="guessed-key-0123456789"), row.key_id
        elif how == "unkeyed_keep_id":
            digest, kid = legacy_hash(*_fields(row, prev)), row.key_id
        else:
            digest, kid = legacy_hash(*_fields(row, prev)), None
        db.session.execute(
            text("UPDATE audit_log SET prev_hash = :p, hash = :h, key_id = :k WHERE id = :id"),
            {"p": prev, "h": digest, "k": kid, "id": row.id},
        )
        prev = digest
    db.session.execute(text("UPDATE audit_head SET last_hash = :h"), {"h": prev})
    db.session.expire_all()


def test_an_intact_log_exits_zero_with_its_last_checkpoint(runner) -> None:
    with time_machine.travel(NOW, tick=False):
        committed(5)
        assert cli(runner, "checkpoint").exit_code == 0
    result = cli(runner, "verify")
    assert result.exit_code == 0, result.output
    assert (
        "nhật ký kiểm toán nguyên vẹn: 5 mục, điểm kiểm tra gần nhất 05/12/2026 10:00 (5 mục)"
    ) in result.output


def test_a_naive_edit_of_one_row(runner) -> None:
    rows = committed(5)
    db.session.execute(
        text("UPDATE audit_log SET target = 'người-khác' WHERE id = :id"), {"id": rows[2].id}
    )
    result = cli(runner, "verify")
    assert result.exit_code == 1
    assert "(edited)" in result.output
    assert f"mục #{rows[2].id} đã bị sửa trực tiếp" in result.output


@pytest.mark.parametrize("how", ["unkeyed", "unkeyed_keep_id", "guessed_key", "all_legacy"])
def test_an_edit_then_the_chain_recomputed(runner, how: str) -> None:
    rows = committed(5)
    assert cli(runner, "checkpoint").exit_code == 0
    db.session.execute(
        text("UPDATE audit_log SET target = 'người-khác' WHERE id = :id"), {"id": rows[1].id}
    )
    _rechain(rows[1].id, how)
    result = cli(runner, "verify")
    assert result.exit_code == 1, result.output
    assert "(recomputed)" in result.output
    assert "đã bị sửa rồi tính lại" in result.output


def test_the_last_row_edited_and_recomputed_without_a_newer_checkpoint(runner) -> None:
    rows = committed(3)
    db.session.execute(
        text("UPDATE audit_log SET target = 'x' WHERE id = :id"), {"id": rows[-1].id}
    )
    _rechain(rows[-1].id, "unkeyed")
    result = cli(runner, "verify")
    assert result.exit_code == 1 and "(recomputed)" in result.output
    assert f"từ mục #{rows[-1].id}" in result.output


@pytest.mark.parametrize("head", ["deleted", "rewound"])
def test_the_newest_rows_deleted_with_the_head(runner, head: str) -> None:
    with time_machine.travel(NOW, tick=False):
        rows = committed(5)
        assert cli(runner, "checkpoint").exit_code == 0
    rows += committed(3, start=5)
    db.session.execute(text("DELETE FROM audit_log WHERE id > :id"), {"id": rows[2].id})
    if head == "deleted":
        db.session.execute(text("DELETE FROM audit_head"))
    else:  # the head made to agree with what is left
        db.session.execute(
            text("UPDATE audit_head SET last_id = :id, last_hash = :h, entries = 3"),
            {"id": rows[2].id, "h": rows[2].hash},
        )
    result = cli(runner, "verify")
    assert result.exit_code == 1, result.output
    assert "(truncated)" in result.output
    assert (
        "các mục mới nhất đã bị xóa: điểm kiểm tra lúc 05/12/2026 10:00 ghi nhận 5 mục, "
        "cơ sở dữ liệu chỉ còn 3"
    ) in result.output


def test_everything_deleted(runner) -> None:
    with time_machine.travel(NOW, tick=False):
        committed(4)
        assert cli(runner, "checkpoint").exit_code == 0
    db.session.execute(text("DELETE FROM audit_log"))
    db.session.execute(text("DELETE FROM audit_head"))
    result = cli(runner, "verify")
    assert result.exit_code == 1, result.output
    assert "(wiped)" in result.output
    assert (
        "toàn bộ nhật ký kiểm toán đã bị xóa: điểm kiểm tra lúc 05/12/2026 10:00 ghi "
        "nhận 4 mục, cơ sở dữ liệu không còn mục nào"
    ) in result.output


def test_a_forged_checkpoint_line(runner, checkpoint_file) -> None:
    committed(2)
    line = checkpoint_file.read_text().splitlines()[0].replace('"entries": 1', '"entries": 0')
    with checkpoint_file.open("a") as handle:
        handle.write(line + "\n")
    result = cli(runner, "verify")
    assert result.exit_code == 1 and "(checkpoint)" in result.output
    assert "dòng 2 của tệp điểm kiểm tra không được ký bằng khóa kiểm toán" in result.output


def test_the_wrong_key_configured(app, runner, monkeypatch) -> None:
    rows = committed(2)
    monkeypatch.setitem(app.config, "LMS_AUDIT_KEY", "another-key-0123456789")
    assert key_id() != rows[0].key_id
    result = cli(runner, "verify")
    assert result.exit_code == 1 and "(other_key)" in result.output
