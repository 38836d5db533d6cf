"""Fault injection: real processes (gunicorn, ``lms worker``), real databases, real faults.

The quiz scenarios reuse ``benchmarks/quiz_burst.py``: its scratch databases, seeding,
gunicorn wrapper and raw-socket HTTP client. What the faults need on top lives in helper
modules beside this one: ``procs.py`` (the processes, and process-group helpers that never
leave a process behind) and ``autosave.py`` (learners autosaving, and the checks of what
the database holds). This module has the fixtures; figures go through
:func:`tests.conftest.report`, which the terminal summary repeats.

Every app built in these tests rebinds the process-wide Huey queue; an autouse fixture puts
it back as it was, so the rest of the suite keeps its immediate (inline) jobs.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.procs import kill_group, qb, wait_for


@pytest.fixture(autouse=True)
def _restore_job_queue() -> Iterator[None]:
    """Put the global Huey queue and the jobs' app back after each test."""
    import lms.jobs as jobs

    huey = jobs.huey
    saved = (huey._immediate, huey.storage, huey.storage_class, huey.storage_kwargs,
             huey.immediate_use_memory, jobs._app)
    try:
        yield
    finally:
        (huey._immediate, huey.storage, huey.storage_class, huey.storage_kwargs,
         huey.immediate_use_memory, jobs._app) = saved



@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[str]:
    """A Redis no other run shares: a ``redis-server`` of this test on a free port.

    Parallel runs on one machine (other engineers' suites, e2e) run ``lms worker``s too;
    on a shared Redis database a foreign worker takes our jobs and runs them against its
    own database. ``LMS_FAULTS_REDIS_URL`` forces a given database instead (flushed).
    """
    import shutil

    import redis

    forced = os.environ.get("LMS_FAULTS_REDIS_URL")
    if forced:
        client = redis.Redis.from_url(forced)
        client.flushdb()
        try:
            yield forced
        finally:
            client.flushdb()
            client.close()
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("needs redis-server (or LMS_FAULTS_REDIS_URL)")
    port = qb.free_port()
    url = f"redis://127.0.0.1:{port}/0"
    log = tmp_path / "redis.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
    try:
        def answers() -> bool:
            try:
                with redis.Redis.from_url(url, socket_connect_timeout=1) as client:
                    return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(answers, 15, f"redis-server on port {port}", interval=0.05)
        yield url
    finally:
        kill_group(proc, signal.SIGTERM, timeout=10)
