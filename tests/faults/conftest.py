"""Fault injection: real processes (gunicorn, ``lms worker``), real databases, real faults.

The quiz scenarios reuse ``benchmarks/quiz_burst.py``: its scratch databases, seeding,
gunicorn wrapper and raw-socket HTTP client. This module adds what the faults need on top:

* :class:`Autosaver` — one thread per learner saving answers continuously with an
  increasing ``seq``, recording every acknowledged save and every failure (and whether the
  failure was *clean*: a connection error or a JSON 5xx);
* :func:`check_saves` — every acknowledged save is in ``attempt_slots`` (stored seq ≥ the
  acknowledged one, the same response when equal), one attempt per learner, one row per slot;
* process-group helpers that never leave a process behind.

Every app built in these tests rebinds the process-wide Huey queue; an autouse fixture puts
it back as it was, so the rest of the suite keeps its immediate (inline) jobs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "benchmarks") not in sys.path:
    sys.path.insert(0, str(ROOT / "benchmarks"))

import quiz_burst as qb  # noqa: E402

PG_ADMIN_URL = os.environ.get("LMS_FAULTS_PG_ADMIN_URL", qb.DEFAULT_PG_ADMIN)
QUIZ_TIME_LIMIT_S = 30 * 60  # kiem-tra-cuoi-khoa.toml: time_limit = "30m"


def report(message: str) -> None:
    """A figure for the report: printed (pytest -s) and kept for the terminal summary."""
    REPORT_LINES.append(message)
    print(message, file=sys.stderr, flush=True)


REPORT_LINES: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT_LINES:
        terminalreporter.section("fault injection figures")
        for line in REPORT_LINES:
            terminalreporter.write_line(line)


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


# --- the quiz world -------------------------------------------------------------------


@dataclass
class Ack:
    slot: int
    seq: int
    response: Any


@dataclass
class Taker:
    """A learner with an attempt in progress, as the client knows it."""

    learner: qb.Learner
    deadline: datetime
    started_mono: float  # client clock when the attempt's start answered
    acks: list[Ack] = field(default_factory=list)
    next_seq: int = 1


def start_all(port: int, quiz_id: int, learners: list[qb.Learner]) -> list[Taker]:
    """Every learner starts the final test (concurrently); returns their attempts."""
    client, phase = qb.Client(port), qb.Phase("start")
    takers: list[Taker] = []
    lock = threading.Lock()

    def start(learner: qb.Learner) -> None:
        _status, data = client.call(phase, "start", "POST",
                                    f"/api/v1/quizzes/{quiz_id}/attempts",
                                    token=learner.token, ok=(200, 201))
        if data is None:
            return
        learner.attempt_id, learner.questions = data["id"], data["questions"]
        taker = Taker(learner, datetime.fromisoformat(data["deadline"]), time.monotonic())
        with lock:
            takers.append(taker)

    qb.run_jobs([lambda x=x: start(x) for x in learners], 16)
    assert not phase.errors, dict(phase.error_samples)
    assert len(takers) == len(learners)
    return sorted(takers, key=lambda t: t.learner.index)


@dataclass
class Failure:
    at: float  # time.monotonic()
    status: int | None  # None: connection error
    clean: bool
    what: str


class Autosaver:
    """One thread per learner, saving answers back to back until stopped.

    Each save goes to the next question (cycling) with the learner's next ``seq``; an
    acknowledged save (``saved: true``) is recorded with its response. A failed request is
    not retried with the same seq (a real client would, but the next save supersedes it
    anyway); it is recorded as clean when the server answered a JSON 5xx or the connection
    failed (``truncated`` lists replies cut after their status line), unclean otherwise
    (4xx, a non-JSON body, or a refusal of a new seq).
    """

    def __init__(self, port: int, takers: list[Taker], seed: int = 1) -> None:
        import random

        self.client = qb.Client(port)
        self.takers = takers
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.failures: list[Failure] = []
        self.unexpected: list[str] = []
        self.truncated: list[Failure] = []
        self.sent = 0
        self.ok_at: dict[int, list[float]] = defaultdict(list)  # learner index -> ack times
        self.phase = qb.Phase("autosave")
        self.threads: list[threading.Thread] = []
        self.rngs = {t.learner.index: random.Random(seed * 1000 + t.learner.index)
                     for t in takers}

    @property
    def acked(self) -> int:
        return sum(len(t.acks) for t in self.takers)

    def save_once(self, taker: Taker) -> bool:
        """One save; True when acknowledged."""
        questions = taker.learner.questions
        seq = taker.next_seq
        taker.next_seq += 1
        question = questions[(seq - 1) % len(questions)]
        response = qb.make_response(question, seq, self.rngs[taker.learner.index])
        status, data = self.client.call(
            self.phase, "autosave", "PUT",
            f"/api/v1/attempts/{taker.learner.attempt_id}/answers/{question['slot']}",
            token=taker.learner.token, payload={"response": response, "seq": seq},
            ok=(200, 500, 502, 503, 504))
        now = time.monotonic()
        with self.lock:
            self.sent += 1
            if status == 200 and data is not None and data.get("saved") is True \
                    and data.get("seq") == seq:
                taker.acks.append(Ack(question["slot"], seq, response))
                self.ok_at[taker.learner.index].append(now)
                return True
            if status is None:
                self.failures.append(Failure(now, None, True, "connection error"))
            elif status >= 500 and data is not None and "error" in data:
                self.failures.append(Failure(now, status, True, str(data["error"])[:120]))
            elif status == 200 and data is None:
                # The status line arrived, the body did not (fewer bytes than its
                # Content-Length): the connection died mid-reply. Clean only when the
                # server was killed; the tests check when it happened.
                failure = Failure(now, status, True, "reply cut after the status line")
                self.failures.append(failure)
                self.truncated.append(failure)
            else:
                what = f"HTTP {status}: {data!r}"[:200]
                self.failures.append(Failure(now, status, False, what))
                self.unexpected.append(what)
        return False

    def _loop(self, taker: Taker) -> None:
        while not self.stop_event.is_set():
            if not self.save_once(taker):
                self.stop_event.wait(0.05)  # a client's retry pause (pacing only)

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._loop, args=(t,), daemon=True)
                        for t in self.takers]
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 90.0) -> None:
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "autosave threads did not stop"


def check_saves(app: Any, takers: list[Taker]) -> dict[str, int]:
    """Compare ``attempt_slots`` with every acknowledged save; the counts of each finding."""
    from sqlalchemy import func, select

    from lms.extensions import db
    from lms.quizzes.attempt_models import Attempt, AttemptSlot

    user_ids = [t.learner.user_id for t in takers]
    with app.app_context():
        try:
            attempts = db.session.execute(
                select(Attempt.user_id, func.count(Attempt.id))
                .where(Attempt.user_id.in_(user_ids)).group_by(Attempt.user_id)).all()
            attempt_ids = [t.learner.attempt_id for t in takers]
            rows = db.session.execute(
                select(AttemptSlot.attempt_id, AttemptSlot.slot, AttemptSlot.seq,
                       AttemptSlot.response)
                .where(AttemptSlot.attempt_id.in_(attempt_ids))).all()
        finally:
            db.session.remove()
            db.engine.dispose()
    out: Counter[str] = Counter()
    per_user = dict(attempts)
    out["attempts_missing"] = sum(1 for u in user_ids if u not in per_user)
    out["attempts_duplicated"] = sum(max(0, n - 1) for n in per_user.values())
    by_attempt: dict[int, dict[int, Any]] = defaultdict(dict)
    for row in rows:
        if row.slot in by_attempt[row.attempt_id]:
            out["slot_rows_duplicated"] += 1
        by_attempt[row.attempt_id][row.slot] = row
    for taker in takers:
        stored = by_attempt.get(taker.learner.attempt_id, {})
        out["attempts_wrong_slot_count"] += len(stored) != len(taker.learner.questions)
        for ack in taker.acks:
            out["acks_checked"] += 1
            row = stored.get(ack.slot)
            if row is None or row.seq < ack.seq:
                out["acks_lost"] += 1
            elif row.seq == ack.seq and not qb.same_response(row.response, ack.response):
                out["acks_wrong_response"] += 1
            else:
                out["acks_verified"] += 1
        highest: dict[int, int] = {}
        for ack in taker.acks:
            highest[ack.slot] = max(highest.get(ack.slot, 0), ack.seq)
        for slot, row in stored.items():
            if row.seq > highest.get(slot, 0):
                out["stored_unacknowledged"] += 1  # committed, but the reply never arrived
    for key in ("attempts_missing", "attempts_duplicated", "slot_rows_duplicated",
                "attempts_wrong_slot_count", "acks_lost", "acks_wrong_response",
                "stored_unacknowledged", "acks_checked", "acks_verified"):
        out.setdefault(key, 0)
    out["slot_rows"] = len(rows)
    return dict(out)


def check_timing(port: int, takers: list[Taker]) -> dict[str, int]:
    """``GET /api/v1/attempts/<id>`` for every attempt: same deadline, time not reset."""
    client, phase = qb.Client(port), qb.Phase("get")
    out: Counter[str] = Counter()
    problems: list[str] = []
    for taker in takers:
        status, data = client.call(phase, "get", "GET",
                                   f"/api/v1/attempts/{taker.learner.attempt_id}",
                                   token=taker.learner.token)
        elapsed = time.monotonic() - taker.started_mono
        if data is None:
            problems.append(f"attempt {taker.learner.attempt_id}: HTTP {status}")
            continue
        out["get_ok"] += 1
        deadline = datetime.fromisoformat(data["deadline"])
        server_time = datetime.fromisoformat(data["server_time"])
        remaining = (deadline - server_time).total_seconds()
        if deadline != taker.deadline:
            problems.append(f"attempt {data['id']}: deadline {deadline} != {taker.deadline}")
        if data["state"] != "in_progress":
            problems.append(f"attempt {data['id']}: state {data['state']}")
        if not server_time < deadline:
            problems.append(f"attempt {data['id']}: server_time {server_time} >= deadline")
        # Remaining time went down by at least the time that passed (2 s clock slack).
        if remaining > QUIZ_TIME_LIMIT_S - elapsed + 2:
            problems.append(f"attempt {data['id']}: {remaining:.0f} s left after "
                            f"{elapsed:.0f} s: the clock was reset")
        stored = {q["slot"]: q.get("seq") for q in data["questions"]}
        for ack in taker.acks:
            if (stored.get(ack.slot) or 0) < ack.seq:
                problems.append(f"attempt {data['id']} slot {ack.slot}: GET shows seq "
                                f"{stored.get(ack.slot)} < acknowledged {ack.seq}")
    assert not problems, problems[:10]
    return dict(out)


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
