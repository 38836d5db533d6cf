"""Helpers of the audit tests: entries committed as a request commits them, the CLI, the
per-test checkpoint file (tests/conftest.py gives each test its own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lms.audit.models import AuditEntry
from lms.audit.services import record
from lms.extensions import db
from tests.scratch_db import scratch_database


def committed(n: int, start: int = 0) -> list[AuditEntry]:
    """``n`` entries, each committed on its own (as ``n`` requests would)."""
    rows = []
    for i in range(start, start + n):
        rows.append(record("accommodation", None, f"hv{i}", extra_minutes=i))
        db.session.commit()
    return rows


def cli(runner: Any, *args: str) -> Any:
    """Run ``lms audit …`` in the app (stderr shown with stdout)."""
    return runner.invoke(args=["audit", *args])


@pytest.fixture
def checkpoint_file(app: Flask) -> Path:
    return Path(app.config["LMS_AUDIT_CHECKPOINT_FILE"])


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """A fresh database of its own (committed for real): PostgreSQL when the suite runs on
    it, else a SQLite file."""
    with scratch_database(tmp_path, "lms_audit") as url:
        yield url
