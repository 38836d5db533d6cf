"""The processes of the fault-injection tests, and helpers that never leave one behind.

The servers are the ones of ``benchmarks/quiz_burst.py`` (imported here as ``qb``, with
``benchmarks/`` put on ``sys.path``): its gunicorn wrapper, scratch databases and free
ports; :data:`PG_ADMIN_URL` is the PostgreSQL they run against. Every process is started
in a session of its own, so that :func:`kill_group` can signal it together with its
children (gunicorn's workers) and wait until none of them is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))

import quiz_burst as qb  # noqa: E402

PG_ADMIN_URL = os.environ.get("LMS_FAULTS_PG_ADMIN_URL", qb.DEFAULT_PG_ADMIN)


def wait_for(condition: Callable[[], Any], timeout: float, what: str,
             interval: float = 0.02) -> Any:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)  # polling interval, not a decision


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_group(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL,
               timeout: float = 15.0) -> None:
    """Signal a process group (started with ``start_new_session``) and reap its leader.

    Waits until no process of the group is left (workers of a killed master included).
    """
    if proc is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    deadline = time.monotonic() + timeout
    while group_alive(proc.pid) and time.monotonic() < deadline:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.02)


def children_of(pid: int) -> set[int]:
    """Live child processes of ``pid`` (gunicorn's workers, for its master)."""
    try:
        return {int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def stop_gunicorn(server: qb.Gunicorn | None) -> None:
    """Stop gunicorn (TERM, then KILL) and make sure its whole group is gone."""
    if server is None:
        return
    proc = server.proc
    server.stop()
    if proc is not None:
        kill_group(proc, signal.SIGKILL, timeout=5)


@contextlib.contextmanager
def running_gunicorn(url: str, logdir: Path, name: str, workers: int = 2
                     ) -> Iterator[qb.Gunicorn]:
    """A gunicorn serving ``url``, ready; always stopped (whole group) on exit."""
    server = qb.Gunicorn(url, workers, logdir / f"{name}.log")
    try:
        server.start()
        server.wait_ready()
        yield server
    finally:
        stop_gunicorn(server)
