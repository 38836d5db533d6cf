"""Helpers of the audit tests: entries committed as a request commits them, the CLI, the
per-test checkpoint file (tests/conftest.py gives each test its own)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from lms.audit.models import AuditEntry
from lms.audit.services import record
from lms.extensions import db


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
    base = os.environ.get("LMS_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"lms_audit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
