"""``lms audit export --since dd/mm/yyyy [--out FILE]``: entries and checkpoints from that
day on, as JSON lines, for off-site keeping."""

from __future__ import annotations

import json

import time_machine

from lms.audit.chain import expected_hash
from lms.audit.models import AuditEntry
from tests.audit.conftest import cli, committed


def _days() -> list[AuditEntry]:
    with time_machine.travel("2026-12-03 10:00:00+00:00", tick=False):
        old = committed(2)
    # 00:30 on 05/12 in Hà Nội is still 04/12 in UTC: days are the reader's days.
    with time_machine.travel("2026-12-04 17:30:00+00:00", tick=False):
        new = committed(2, start=2)
        return old + new


def test_entries_and_checkpoints_since_a_day(runner, tmp_path) -> None:
    rows = _days()
    with time_machine.travel("2026-12-05 03:00:00+00:00", tick=False):
        assert cli(runner, "checkpoint").exit_code == 0
    out = tmp_path / "audit.jsonl"
    result = cli(runner, "export", "--since", "05/12/2026", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "đã ghi 3 dòng" in result.output
    entries = [line for line in lines if line["type"] == "entry"]
    marks = [line for line in lines if line["type"] == "checkpoint"]
    assert [e["id"] for e in entries] == [rows[2].id, rows[3].id]
    assert [c["entries"] for c in marks] == [4]  # the 03/12 start checkpoint is older
    assert entries[0]["prev_hash"] == rows[1].hash and entries[1]["hash"] == rows[3].hash
    assert entries[0]["created_at"] == "2026-12-04T17:30:00.000000+00:00"
    assert marks[0]["mac"] and marks[0]["head"] == rows[3].hash


def test_an_exported_entry_can_be_checked_again(runner) -> None:
    rows = _days()
    result = cli(runner, "export", "--since", "01/12/2026")
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["id"] for line in lines if line["type"] == "entry"] == [r.id for r in rows]
    first = next(line for line in lines if line["type"] == "entry")
    entry = AuditEntry(
        **{k: v for k, v in first.items() if k not in ("type", "created_at")},
        created_at=rows[0].created_at,
    )
    assert expected_hash(entry) == first["hash"]


def test_a_bad_date_is_refused_without_a_traceback(runner) -> None:
    for value in ("2026-12-05", "31/02/2026", ""):
        result = cli(runner, "export", "--since", value)
        assert result.exit_code == 2
        assert "Traceback" not in result.output
