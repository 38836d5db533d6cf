"""A fresh database of its own for a test that commits for real from several connections:
PostgreSQL when the suite runs on it (created and dropped here), else a SQLite file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


@contextmanager
def scratch_database(tmp_path: Path, prefix: str) -> Iterator[str]:
    """The URL of an empty database named ``<prefix>_<random>`` on the suite's server."""
    base = os.environ.get("LMS_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    server = base.rsplit("/", 1)[0]
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
