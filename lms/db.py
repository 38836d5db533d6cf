"""Database plumbing: the declarative base, naming conventions and engine tuning.

SQLite is the embedded default, so its connections are tuned for a web server with
several writers: WAL journal, a busy timeout, foreign keys on, and write transactions
opened with ``BEGIN IMMEDIATE`` so that concurrent writers queue on the lock instead of
failing with ``database is locked`` when a deferred transaction tries to upgrade.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints make migrations reviewable and errors greppable (as in Indico).
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime (the only clock models use)."""
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every stored time is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Whether the current unit of work intends to write. Safe HTTP methods clear it, so
# that page views read concurrently; everything else (POST, CLI, jobs) writes. ``None``:
# the reads of a :func:`read_first` view, each a statement of its own (no transaction).
write_intent: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
    "write_intent", default=True)

SQLITE_BUSY_TIMEOUT_MS = 15_000


def engine_options(url: str) -> dict[str, Any]:
    """Return ``create_engine`` keyword arguments suited to the database behind ``url``."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    # pool_pre_ping survives PostgreSQL restarts and idle-connection reaping.
    return {"pool_pre_ping": True, "pool_recycle": 1800}


def configure_engine(engine: Engine) -> None:
    """Install the SQLite connection tuning on ``engine`` (no-op for other backends)."""
    if engine.dialect.name != "sqlite":
        return
    if event.contains(engine, "connect", _sqlite_on_connect):
        return
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, emit BEGIN, so that we can choose IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    intent = write_intent.get()
    if intent is None:
        # Statement-level reads: without BEGIN, SQLite runs each statement in its own
        # implicit read transaction, and the later COMMIT has nothing to do.
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if intent else "BEGIN")


WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def read_first(view: Any) -> Any:
    """Mark a write endpoint whose reads run before its write lock (see :func:`writing`).

    On SQLite a write request otherwise holds the database's single write lock from its
    first statement (the token lookup) to its commit; such views read without it and take
    it only around the write. Their reads (single statements: the token, the row to
    check) run outside any transaction, so the request has one transaction, the write.
    """
    view.lms_read_first = True
    return view


@contextmanager
def writing() -> Iterator[None]:
    """Do a write from a read-only request (e.g. recording a page view) safely.

    Ends the current read transaction and runs the block in a write transaction that
    commits, so on SQLite the write takes the lock up front (``BEGIN IMMEDIATE``) and
    waits its turn instead of failing to upgrade a stale read snapshot.
    """
    from lms.db_prepared import run
    from lms.extensions import db

    if db.session.get_bind().dialect.name != "sqlite":
        # PostgreSQL has row locks and MVCC: one transaction is cheaper than two.
        yield
        db.session.commit()
        return
    connection = db.session.connection()
    if write_intent.get() is None and not connection.connection.dbapi_connection.in_transaction:
        # A read_first view: its reads ran statement by statement on this connection,
        # which holds no transaction; take the write lock on the same connection.
        # Straight to the driver: this runs on every autosave (see lms.db_prepared).
        run(connection, "BEGIN IMMEDIATE").close()
    else:
        db.session.commit()
    token = write_intent.set(True)
    try:
        yield
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        write_intent.reset(token)
