"""Shared by the benchmark scripts: progress lines, scratch databases, an app on them.

The scripts run as ``python benchmarks/NAME.py``, so this directory is on ``sys.path``
and they import this module as ``scratch``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any

DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def say(message: str) -> None:
    """Progress goes to stderr: stdout ends with the JSON result."""
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def scratch_database(kind: str, pg_admin_url: str, name: str) -> Iterator[str]:
    """A fresh, empty database URL (SQLite file or new PostgreSQL database) for the
    benchmark ``name``; removed afterwards whatever happens."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
            yield f"sqlite:///{tmp}/lms.sqlite3"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    database = f"lms_{name.replace('-', '_')}_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    say(f"  created PostgreSQL database {database}")
    try:
        yield (
            make_url(pg_admin_url)
            .set(drivername="postgresql+psycopg", database=database)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        say(f"  dropped PostgreSQL database {database}")


_AUDIT: dict[str, str] = {}


def audit_environ() -> dict[str, str]:
    """An audit key and a checkpoint file for this run (production requires the key), the
    same for every app and server this process starts, never in the checkout."""
    if not _AUDIT:
        folder = tempfile.mkdtemp(prefix="lms-bench-audit-")
        _AUDIT.update(LMS_AUDIT_KEY=secrets.token_hex(32),
                      LMS_AUDIT_CHECKPOINT_FILE=os.path.join(folder, "audit-checkpoints.jsonl"))
    return dict(_AUDIT)


def make_app(url: str, name: str) -> Any:
    """The app on ``url`` in testing mode (fast hashing, memory rate limits)."""
    from lms import create_app

    secret = f"{name}-benchmark"
    return create_app(
        config={"TESTING": True, "LMS_PASSWORD_HASH_FAST": True, "SECRET_KEY": secret,
                "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://",
                "SESSION_COOKIE_SECURE": False},
        environ={"LMS_ENV": "testing", "LMS_DATABASE_URL": url, "LMS_SECRET_KEY": secret,
                 **audit_environ()},
    )


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """``--db`` (default: both) and ``--pg-admin-url``."""
    parser.add_argument("--db", choices=("sqlite", "postgresql"),
                        help="database to measure (default: both)")
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN,
                        help="libpq URL allowed to CREATE/DROP DATABASE")


def run_each_database(run: Callable[[str, Any], Any], args: argparse.Namespace) -> int:
    """``run(kind, args)`` on ``--db`` or on both databases; the JSON result is printed
    as the last line of stdout. SIGTERM unwinds normally, so scratch databases go."""

    def on_sigterm(*_: Any) -> None:
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, on_sigterm)
    started = time.perf_counter()
    if args.db:
        output = run(args.db, args)
    else:
        output = {kind: run(kind, args) for kind in ("sqlite", "postgresql")}
    say(f"done in {time.perf_counter() - started:.0f} s")
    print(json.dumps(output, ensure_ascii=False))
    return 0
