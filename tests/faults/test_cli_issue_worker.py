"""``lms certificates issue --class C`` with ``lms worker`` running (issue 15, "The worker
path on SQLite"): queue, poll, done, with real processes.

On the default SQLite database the command used to poll inside one long transaction
(opened with ``BEGIN IMMEDIATE``, as CLI work declares a write), holding the write lock
while it slept: the worker failed with "database is locked" and the command gave up after
two minutes. Here a class of 12 learners who completed the course is issued through the
real command and a real worker, on SQLite (jobs in the default SQLite queue beside it)
and on PostgreSQL (jobs on a private Redis). The command must end by itself, saying every
certificate was issued, and the database must hold one valid certificate per learner.
Waiting is bounded by deadlines on the processes, never by fixed sleeps.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import report
from tests.faults.procs import PG_ADMIN_URL, ROOT, kill_group, qb, wait_for

LEARNERS = 12
CLASS_CODE = "FAULT-CLI"
# The command gives up by itself after 2 minutes without progress; this is the outer bound.
COMMAND_DEADLINE_S = 170


def lms_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``lms ARGS`` from this checkout (not the installed copy), in its own process group."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")} | env
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", "from lms.cli import main; main()", *args],
            cwd=ROOT,
            env=full,
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def certificates_of(app, class_id: int) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from lms.certificates.models import Certificate
    from lms.extensions import db

    with app.app_context():
        try:
            return [
                tuple(r)
                for r in db.session.execute(
                    select(Certificate.user_id, Certificate.status).where(
                        Certificate.class_id == class_id
                    )
                )
            ]
        finally:
            db.session.remove()


@pytest.mark.faults
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_issue_command_with_a_running_worker_finishes(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from flask_migrate import upgrade

    from lms import create_app
    from lms.certificates.signer import generate_demo_keys
    from lms.extensions import db
    from tests.certificates.conftest import completed_class

    key, cert = generate_demo_keys(tmp_path / "keys")
    worker_log, command_log = tmp_path / "worker.log", tmp_path / "command.log"
    worker = command = None
    with qb.scratch_database(kind, PG_ADMIN_URL, "faults-cli") as url:
        env = qb._environ(url) | {
            "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
            "LMS_SIGNING_KEY": str(key),
            "LMS_SIGNING_CERT": str(cert),
            "LMS_BASE_URL": "https://coyeu-faults.test",
        }
        if kind == "postgresql":
            env["LMS_REDIS_URL"] = request.getfixturevalue("private_redis")
        app = create_app(config={"LMS_PASSWORD_HASH_FAST": True}, environ=env)
        with app.app_context():
            upgrade()
            klass, learners = completed_class(LEARNERS, CLASS_CODE, mode="manual")
            db.session.commit()
            class_id, user_ids = klass.id, sorted(u.id for u in learners)
            db.session.remove()
        try:
            worker = lms_process(["worker", "--workers", "1"], env, worker_log)
            wait_for(
                lambda: "lms worker:" in worker_log.read_text(errors="replace"),
                60,
                "the worker to start",
            )
            started = time.monotonic()
            command = lms_process(
                ["certificates", "issue", "--class", CLASS_CODE], env, command_log
            )
            try:
                returncode = command.wait(timeout=COMMAND_DEADLINE_S)
            except subprocess.TimeoutExpired:
                returncode = None
            elapsed = time.monotonic() - started
            output = command_log.read_text(errors="replace")
            worker_output = worker_log.read_text(errors="replace")
        finally:
            kill_group(command, signal.SIGKILL)
            kill_group(worker, signal.SIGKILL)
        rows = certificates_of(app, class_id)
        with app.app_context():
            db.engine.dispose()

    report(
        f"cli_issue_worker[{kind}]: `lms certificates issue` with `lms worker` for "
        f"{LEARNERS} learners: exit {returncode} after {elapsed:.1f} s; "
        f"{sum(1 for r in rows if r[1] == 'valid')} valid certificates"
    )
    detail = f"command:\n{output[-2000:]}\nworker:\n{worker_output[-3000:]}"
    assert "database is locked" not in worker_output, detail
    assert returncode == 0, detail
    assert f"{LEARNERS} certificates issued" in output, detail
    assert sorted(r[0] for r in rows if r[1] == "valid") == user_ids, detail
    assert len(rows) == LEARNERS, detail


@pytest.mark.faults
def test_a_started_worker_leaves_sqlite_writable(tmp_path: Path) -> None:
    """``lms worker`` reads the signing-key history at start-up (check, render pool); on
    SQLite that read began ``IMMEDIATE`` in the consumer's main thread and was never ended,
    so every request and job after it found "database is locked"."""
    import sqlite3

    from flask_migrate import upgrade

    from lms import create_app
    from lms.certificates.signer import generate_demo_keys

    key, cert = generate_demo_keys(tmp_path / "keys")
    log = tmp_path / "worker.log"
    worker = None
    with qb.scratch_database("sqlite", PG_ADMIN_URL, "faults-start") as url:
        env = qb._environ(url) | {
            "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
            "LMS_SIGNING_KEY": str(key),
            "LMS_SIGNING_CERT": str(cert),
            "LMS_BASE_URL": "https://coyeu-faults.test",
            "LMS_CERT_WORKERS": "2",  # the render pool is warmed at start-up
        }
        app = create_app(config={"LMS_PASSWORD_HASH_FAST": True}, environ=env)
        with app.app_context():
            upgrade()
            path = app.extensions["sqlalchemy"].engine.url.database
        try:
            worker = lms_process(["worker", "--workers", "1"], env, log)
            wait_for(
                lambda: "render processes ready" in log.read_text(errors="replace"),
                90,
                "the worker to warm its render processes",
            )
            other = sqlite3.connect(path, timeout=10)  # a job may hold it a moment
            try:
                other.execute("BEGIN IMMEDIATE")  # "database is locked" if held for good
                other.rollback()
            finally:
                other.close()
        finally:
            kill_group(worker, signal.SIGKILL)
