"""Dialect-aware ``INSERT … ON CONFLICT`` for SQLite and PostgreSQL.

Rules that must hold under concurrency (one row per learner and lesson, per attempt and
question…) are unique constraints written by upsert, never check-then-insert.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.extensions import db


def insert_for(table: Table, dialect: str | None = None) -> Any:
    """An ``insert()`` construct of the session's (or the named) dialect, supporting
    ``on_conflict_*``."""
    dialect = dialect or db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
