"""Signed checkpoints outside the database: when they are made, what they hold, where
they go (the file, syslog), and that two writers never fork the chain."""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from flask_migrate import upgrade
from sqlalchemy import func, select

from lms.audit import checkpoints
from lms.audit.chain import key_id, sign
from lms.audit.models import AuditEntry, AuditHead
from lms.audit.services import record
from lms.audit.tasks import daily_audit_checkpoint
from lms.audit.verify import verify_chain
from lms.extensions import db
from tests.audit.conftest import cli, committed
from tests.conftest import make_app


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_every_n_entries_and_when_the_chain_starts(app, checkpoint_file, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LMS_AUDIT_CHECKPOINT_EVERY", 3)
    rows = committed(7)
    lines = _lines(checkpoint_file)
    assert [c["entries"] for c in lines] == [1, 3, 6]
    assert [c["last_id"] for c in lines] == [rows[0].id, rows[2].id, rows[5].id]
    assert [c["head"] for c in lines] == [rows[0].hash, rows[2].hash, rows[5].hash]
    assert {c["key_id"] for c in lines} == {key_id()}
    good, bad = checkpoints.read()
    assert len(good) == 3 and bad == []
    body = {k: v for k, v in lines[1].items() if k != "mac"}
    assert lines[1]["mac"] == sign(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())


def test_a_rolled_back_entry_is_never_checkpointed(checkpoint_file) -> None:
    record("accommodation", None, "hv", extra_minutes=1)
    db.session.rollback()
    assert not checkpoint_file.exists()
    assert verify_chain().ok


def test_the_file_is_private_and_only_appended_to(checkpoint_file, runner) -> None:
    committed(2)
    assert cli(runner, "checkpoint").exit_code == 0
    assert stat.S_IMODE(os.stat(checkpoint_file).st_mode) == 0o600
    first = checkpoint_file.read_text()
    assert cli(runner, "checkpoint").exit_code == 0
    assert checkpoint_file.read_text().startswith(first)
    assert [c["entries"] for c in _lines(checkpoint_file)] == [1, 2, 2]


def test_the_command_checkpoints_the_committed_head(runner, checkpoint_file) -> None:
    rows = committed(4)
    with time_machine.travel("2026-12-05 16:30:00+00:00", tick=False):
        result = cli(runner, "checkpoint")
    assert result.exit_code == 0
    assert f"đã ghi điểm kiểm tra: 4 mục, đầu chuỗi {rows[-1].hash[:16]}" in result.output
    last = _lines(checkpoint_file)[-1]
    assert (last["entries"], last["last_id"], last["head"]) == (4, rows[-1].id, rows[-1].hash)
    assert last["at"] == "2026-12-05T16:30:00+00:00"


def test_the_daily_task(checkpoint_file) -> None:
    committed(2)
    task = daily_audit_checkpoint.task_class()
    assert task.validate_datetime(datetime(2026, 12, 5, 17, 5))  # 00:05 in Vietnam
    assert not task.validate_datetime(datetime(2026, 12, 5, 17, 6))
    assert not task.validate_datetime(datetime(2026, 12, 5, 5, 5))
    assert daily_audit_checkpoint.call_local()["entries"] == 2
    assert _lines(checkpoint_file)[-1]["entries"] == 2


def test_checkpoints_also_go_to_syslog(app, tmp_path, monkeypatch) -> None:
    path = str(tmp_path / "log.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(path)
    listener.settimeout(5)
    monkeypatch.setitem(app.config, "LMS_AUDIT_SYSLOG", path)
    try:
        made = checkpoints.make_checkpoint()
        message = listener.recv(65536).decode()
    finally:
        listener.close()
    assert "lms-audit-checkpoint" in message
    assert json.loads(message[message.index("{") :].rstrip("\x00"))["head"] == made.head


def test_an_unreachable_syslog_does_not_lose_the_checkpoint(
    app, checkpoint_file, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "LMS_AUDIT_SYSLOG", "/nonexistent/log.sock")
    checkpoints.make_checkpoint()
    assert len(_lines(checkpoint_file)) == 1


@pytest.mark.postgres
def test_concurrent_writers_do_not_fork_the_chain(scratch_url: str, tmp_path: Path) -> None:
    """Writers on their own connections (as processes are) append at once: one chain."""
    app = make_app(
        scratch_url,
        LMS_AUDIT_CHECKPOINT_FILE=str(tmp_path / "cp.jsonl"),
        LMS_AUDIT_CHECKPOINT_EVERY=10,
    )
    with app.app_context():
        upgrade()
        db.session.remove()
    writers, each = 4, 15
    barrier = threading.Barrier(writers, timeout=30)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                for i in range(each):
                    record("accommodation", None, f"w{n}-{i}", extra_minutes=i)
                    db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with app.app_context():
        result = verify_chain()
        assert result.ok, result.reason
        assert result.entries == writers * each
        prevs = db.session.scalars(select(AuditEntry.prev_hash)).all()
        assert len(prevs) == len(set(prevs))  # no two entries follow the same one
        assert db.session.get(AuditHead, 1).entries == writers * each
        assert db.session.scalar(select(func.count(AuditEntry.id))) == writers * each
        made = sorted(c["entries"] for c in _lines(tmp_path / "cp.jsonl"))
        assert made == [1, 10, 20, 30, 40, 50, 60]
        db.session.remove()
        db.engine.dispose()


def test_an_entry_rolled_back_to_a_savepoint_is_never_checkpointed(
    app, checkpoint_file, monkeypatch
) -> None:
    """A view may roll back part of its work (a savepoint) and commit the rest: the
    checkpoint must not name an entry that was never committed."""
    monkeypatch.setitem(app.config, "LMS_AUDIT_CHECKPOINT_EVERY", 2)
    committed(1)
    nested = db.session.begin_nested()
    record("accommodation", None, "undone", extra_minutes=1)  # entry 2: a checkpoint is due
    nested.rollback()
    db.session.commit()
    assert [c["entries"] for c in _lines(checkpoint_file)] == [1]
    assert verify_chain().ok
    nested = db.session.begin_nested()
    record("accommodation", None, "undone", extra_minutes=1)
    nested.rollback()
    record("accommodation", None, "kept", extra_minutes=2)  # entry 2 again: due again
    db.session.commit()
    lines = _lines(checkpoint_file)
    assert [c["entries"] for c in lines] == [1, 2]
    kept = db.session.scalars(select(AuditEntry).where(AuditEntry.target == "kept")).one()
    assert lines[-1]["head"] == kept.hash
    assert verify_chain().ok


def test_a_savepoint_rolled_back_later_keeps_the_checkpoint_due_before_it(
    app, checkpoint_file, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "LMS_AUDIT_CHECKPOINT_EVERY", 2)
    rows = committed(1)
    rows.append(record("accommodation", None, "kept", extra_minutes=1))  # entry 2: due
    nested = db.session.begin_nested()
    record("accommodation", None, "undone", extra_minutes=2)  # entry 3: none due
    nested.rollback()
    db.session.commit()
    lines = _lines(checkpoint_file)
    assert [c["entries"] for c in lines] == [1, 2]
    assert lines[-1]["head"] == rows[-1].hash
    assert verify_chain().ok
