"""Migrations bring an empty database to head and match the models."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, create_engine, inspect, text

from lms.extensions import db
from tests.conftest import make_app

EXPECTED_TABLES = {
    "users", "api_tokens", "courses", "course_lecturers", "classes", "enrolments", "lessons",
    "lesson_revisions", "attachments", "lesson_progress", "content_edits", "questions",
    "question_versions", "quizzes", "attempts", "attempt_slots", "accommodations",
    "class_completions", "activation_codes", "roster_imports", "export_jobs", "certificates",
    "certificate_events", "certificate_serials", "certificate_runs", "audit_log", "audit_head",
    "question_categories", "course_sync_bases", "signing_keys", "certificate_pdf_versions",
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


def test_accommodations_move_into_the_learners_classes(tmp_path: Path) -> None:
    """0010: a learner's one accommodation (every quiz of every course) becomes one per
    class the learner is in, so no granted time is lost; withdrawn classes get none."""
    app = make_app(f"sqlite:///{tmp_path / 'acc.sqlite3'}")
    with app.app_context():
        upgrade(revision="0009_exam_pools")
        with db.engine.begin() as conn:
            _insert(conn, "users", id=1, username="hv", role="learner", locale="vi")
            _insert(conn, "courses", id=1, slug="c")
            for class_id, state in ((1, "active"), (2, "completed"), (3, "withdrawn")):
                _insert(conn, "classes", id=class_id, code=f"K{class_id}", course_id=1,
                        certificate_mode="auto", status="active")
                _insert(conn, "enrolments", class_id=class_id, user_id=1, role="learner",
                        state=state)
            _insert(conn, "accommodations", user_id=1, extra_minutes=15, time_multiplier=1.5,
                    extra_attempts=1)
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT class_id, quiz_id, extra_minutes, time_multiplier, extra_attempts "
                "FROM accommodations ORDER BY class_id")).all()
        assert [tuple(r) for r in rows] == [(1, None, 15, 1.5, 1), (2, None, 15, 1.5, 1)]
        db.engine.dispose()


def test_pdf_versions_start_with_each_certificate_s_current_hash(tmp_path: Path) -> None:
    """0028: the hash of every stored certificate PDF becomes its first version, so
    ``/verify`` keeps finding copies downloaded before an LTV refresh."""
    app = make_app(f"sqlite:///{tmp_path / 'versions.sqlite3'}")
    with app.app_context():
        upgrade(revision="0027_signing_keys")
        issued = datetime(2027, 3, 4, 5, 6, tzinfo=UTC)
        with db.engine.begin() as conn:
            _insert(conn, "users", id=1, username="hv", role="learner", locale="vi")
            _insert(conn, "courses", id=1, slug="c")
            _insert(conn, "classes", id=1, code="K1", course_id=1, certificate_mode="manual",
                    status="active")
            for number, digest in ((1, "a" * 64), (2, "b" * 64)):
                _insert(conn, "certificates", id=number, class_id=1, user_id=1,
                        serial=f"2027-{number}", code=f"C{number}",
                        status="valid" if number == 2 else "superseded",
                        pdf=b"%PDF", pdf_sha256=digest, issued_at=issued)
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT certificate_id, sha256, reason, pdf IS NULL, created_at "
                "FROM certificate_pdf_versions ORDER BY certificate_id")).all()
        assert [tuple(r)[:4] for r in rows] == [(1, "a" * 64, "issue", 1),
                                                (2, "b" * 64, "issue", 1)]
        assert str(rows[0][4]).startswith("2027-03-04 05:06")
        downgrade(revision="0027_signing_keys")
        assert "certificate_pdf_versions" not in inspect(db.engine).get_table_names()
        db.engine.dispose()


def _insert(conn, table: str, **values) -> None:
    """A row of the schema as it is at this revision; required columns not given get a
    plain value of their type."""
    when = datetime(2026, 1, 1, tzinfo=UTC)
    plain = {"INTEGER": 0, "BOOLEAN": False, "FLOAT": 1.0, "JSON": {}, "DATETIME": when,
             "DATE": when.date()}
    for column in inspect(conn).get_columns(table):
        name, kind = column["name"], str(column["type"]).split("(")[0]
        if name not in values and not column["nullable"] and name != "id":
            values[name] = plain.get(kind, "")
    conn.execute(Table(table, MetaData(), autoload_with=conn).insert().values(**values))


def test_search_keys_are_filled_for_existing_accounts(tmp_path: Path) -> None:
    """0029: accounts made before the column are found without diacritics at once."""
    app = make_app(f"sqlite:///{tmp_path / 'search.sqlite3'}")
    with app.app_context():
        upgrade(revision="0028_pdf_versions")
        with db.engine.begin() as conn:
            _insert(conn, "users", id=1, username="dvd", role="learner", locale="vi",
                    full_name="Đặng Văn Đức", email="Duc@Example.vn")
        upgrade()
        with db.engine.connect() as conn:
            key = conn.execute(text("SELECT search_key FROM users WHERE id = 1")).scalar()
        assert key == "dang van duc dvd duc@example.vn"
        downgrade(revision="0028_pdf_versions")
        assert "search_key" not in {c["name"] for c in inspect(db.engine).get_columns("users")}
        db.engine.dispose()
