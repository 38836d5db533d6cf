"""Migrations bring an empty database to head and match the models."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from lms.extensions import db
from tests.conftest import make_app

EXPECTED_TABLES = {
    "users", "api_tokens", "courses", "course_lecturers", "classes", "enrolments", "lessons",
    "lesson_revisions", "attachments", "lesson_progress", "content_edits", "questions",
    "question_versions", "quizzes", "attempts", "attempt_slots", "accommodations",
    "class_completions", "activation_codes", "roster_imports", "export_jobs", "certificates",
    "certificate_events", "certificate_serials", "certificate_runs", "audit_log", "audit_head",
}


def _upgrade_and_check(url: str) -> None:
    app = make_app(url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert tables >= EXPECTED_TABLES
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert not EXPECTED_TABLES & set(inspect(db.engine).get_table_names())
        upgrade()
        db.engine.dispose()


def test_sqlite_empty_to_head(tmp_path: Path) -> None:
    _upgrade_and_check(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")


def test_cli_upgrade(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "users" in inspect(db.engine).get_table_names()
        db.engine.dispose()


@pytest.mark.postgres
def test_postgresql_empty_to_head() -> None:
    base = os.environ.get("LMS_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("set LMS_TEST_DATABASE_URL to a PostgreSQL database")
    name = f"lms_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _upgrade_and_check(base.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
