"""Quiz burst: a class starts, autosaves and submits the final test at once.

    .venv/bin/python benchmarks/quiz_burst.py [--learners 200] [--db sqlite|postgresql]
        [--answers 30] [--workers 2] [--concurrency 32] [--seed 1]

For each database (default: both; ``--db`` may be repeated) the script

* creates a scratch database: a SQLite file (WAL, as the app configures it) in a temp
  directory, or a fresh PostgreSQL database on ``--pg-admin-url`` that it drops at the end;
* builds the schema (Alembic, in-process), imports the shipped course from ``courses/``
  and seeds N learners enrolled in one class, each with an API token, in ONE process
  through the app factory and the services (fast password hashing, for seeding only);
* serves the app exactly as in production: ``gunicorn -w WORKERS wsgi:app`` with
  ``LMS_ENV=production``, on a free port of 127.0.0.1;
* runs four phases with ``--concurrency`` concurrent clients (closed loop: a client
  sends its next request as soon as the previous answer arrived):

  1. ``start``    every learner starts ``kiem-tra-cuoi-khoa``; ~10 % double-click (two
                  concurrent POSTs, which must return the same attempt);
  2. ``autosave`` every learner saves ``--answers`` answers, cycling over the 20 slots with
                  an increasing ``seq``; responses are built from the question payload.
                  ~10 % of learners send, for up to 3 slots, the older save *after* the newer
                  one (the guard must answer ``saved: false``) and another ~10 % send two
                  saves of one slot concurrently (a race; the newest must win);
  3. ``submit``   every learner submits; ~10 % submit twice concurrently;
  4. ``bare``     as many ``GET /healthz`` (one ``SELECT 1``) as autosave sent, same
                  clients, same concurrency, same server: the ceiling of this stack;

* stops gunicorn, then checks the database: one attempt per learner, 20 slot rows per
  attempt, every slot holding the highest ``seq`` the client was acknowledged
  (``saved: true``) with that save's response (``lost`` otherwise), every attempt finished
  with a score;
* probes the hot path in-process (Flask test client, same config, no contention): the
  SQL statements each endpoint issues and its single-request service time.

Human-readable progress goes to stderr; the LAST stdout line is one JSON object
``{"learners", ..., "db": {"sqlite": {...}, "postgresql": {...}}}``; each database has,
per phase, ``{"requests", "throughput_rps", "p50_ms", "p95_ms", "p99_ms", "errors", ...}``,
plus ``lost_answers``, ``duplicated_answers``, ``duplicate_attempts``,
``unscored_attempts``, ``autosave_vs_bare`` and ``targets`` (0 errors, 0 lost/duplicated,
autosave_vs_bare >= 0.30, autosave p99 <= 100 ms).

Reading the numbers: the load is closed-loop, so by Little's law the mean latency is about
``concurrency / throughput`` (``queue_bound_ms`` in the JSON). With 2 sync workers most of
a request's latency at 32 clients is time in gunicorn's listen queue, so the p99 target is
in practice a throughput target. Each phase also reports the CPU seconds of the client, of
gunicorn (master + workers), of PostgreSQL (the postmaster and its backends) and
``foreign_s``, everything else on the machine. This shows whether the 2 cores were saturated
and how much the load generator took. The machine is shared, so before each database the
script also samples how busy the machine is for a second (``machine_busy_pct_before``, a
warning above 10 %). A database is flagged ``"disturbed": true`` (with a warning on stderr)
when any phase shows foreign work above 10 % of the machine: its numbers are then not
trustworthy; rerun.

Why this load generator: a small HTTP/1.1 client on raw blocking sockets, driven by
``--concurrency`` threads (standard library only, no install). It opens one connection per
request, which is what gunicorn's sync workers do anyway. Threads blocked in socket calls
release the GIL, so they hardly contend. Measured here against a trivial WSGI app, it costs
~60 us of CPU per request (a bare socket loop: ~45 us). An asyncio client (streams or
loop.sock_*, no uvloop) costs ~130-190 us, http.client in the same threads ~140 us. That
matters because the generator shares the 2 cores with the server. Under the full benchmark,
with both cores saturated, the client measures ~150 us per request, about 15 % of the
machine in the bare phase. This slightly understates the bare ceiling, so it slightly
flatters autosave_vs_bare; ``client_s`` shows it per phase. wrk would be lighter still, but
the scenario is stateful (attempt ids, responses built from each attempt's questions, every
acknowledgement recorded per slot for the verification), which is awkward in wrk's Lua and
would have to be scraped back out. Locust (FastHttpUser) can do it, but adds gevent, its
stats machinery and a dependency for little gain. The same client measures autosave and the
bare ceiling, so their ratio is fair.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scratch import DEFAULT_PG_ADMIN, say, scratch_database  # benchmarks/scratch.py

ROOT = Path(__file__).resolve().parent.parent
COURSE = "quan-ly-nha-nuoc-ve-co-yeu"
QUIZ = "kiem-tra-cuoi-khoa"
CLASS_CODE = "BENCH-BURST"
REQUEST_TIMEOUT_S = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the HTTP client ------------------------------------------------------------------


class Phase:
    """Latencies (every request, failed ones included) and errors of one phase."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.latencies: list[float] = []
        self.errors = 0
        self.error_samples: Counter[str] = Counter()
        self.seconds = 0.0
        self.cpu: dict[str, float] = {}
        self._lock = threading.Lock()

    def ok(self, ms: float) -> None:
        self.latencies.append(ms)  # list.append is atomic

    def fail(self, ms: float, what: str) -> None:
        with self._lock:
            self.latencies.append(ms)
            self.errors += 1
            self.error_samples[what[:160]] += 1

    def summary(self, concurrency: int) -> dict[str, Any]:
        n = len(self.latencies)
        ordered = sorted(self.latencies)

        def pct(p: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[max(0, math.ceil(p / 100 * n) - 1)], 1)

        rps = n / self.seconds if self.seconds else 0.0
        out: dict[str, Any] = {
            "requests": n,
            "throughput_rps": round(rps, 1),
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "errors": self.errors,
            "mean_ms": round(statistics.fmean(ordered), 1) if ordered else None,
            "max_ms": round(ordered[-1], 1) if ordered else None,
            "queue_bound_ms": round(1000 * concurrency / rps, 1) if rps else None,
            "seconds": round(self.seconds, 2),
            "cpu": self.cpu,
        }
        if self.error_samples:
            out["error_samples"] = dict(self.error_samples.most_common(5))
        return out


def _parse_response(buf: bytes) -> tuple[int, bytes] | None:
    """(status, body) once ``buf`` holds a whole response with a Content-Length, else None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end].lower()
    at = head.find(b"\r\ncontent-length:")
    if at < 0:
        return None
    line_end = head.find(b"\r\n", at + 2)
    length = int(head[at + 17 : line_end if line_end > 0 else None])
    if len(buf) < end + 4 + length:
        return None
    return int(buf.split(None, 2)[1]), buf[end + 4 : end + 4 + length]


def _dechunk(body: bytes) -> bytes:
    out, at = bytearray(), 0
    while True:
        eol = body.index(b"\r\n", at)
        size = int(body[at:eol].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[eol + 2 : eol + 2 + size]
        at = eol + 2 + size + 2


class Client:
    """Minimal HTTP/1.1 client on blocking sockets: one connection per request, any thread."""

    def __init__(self, port: int) -> None:
        self.host, self.port = "127.0.0.1", port

    def _roundtrip(self, raw: bytes, barrier: threading.Barrier | None) -> tuple[int, bytes, float]:
        start = time.perf_counter()
        try:
            sock = socket.create_connection((self.host, self.port), timeout=REQUEST_TIMEOUT_S)
        except BaseException:
            if barrier is not None:
                barrier.abort()
            raise
        with sock:
            if barrier is not None:  # two requests of one learner leave together
                connected = time.perf_counter() - start
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=10)
                start = time.perf_counter() - connected
            sock.sendall(raw)
            buf = b""
            while (parsed := _parse_response(buf)) is None:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
            elapsed = (time.perf_counter() - start) * 1000
        if parsed is not None:
            return parsed[0], parsed[1], elapsed
        if not buf:  # no Content-Length: the body ran to the end of the connection
            raise ConnectionError("connection closed before the status line")
        head, _, body = buf.partition(b"\r\n\r\n")
        if b"transfer-encoding: chunked" in head.lower():
            body = _dechunk(body)
        return int(head.split(None, 2)[1]), body, elapsed

    def call(
        self,
        phase: Phase,
        label: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        payload: Any = None,
        ok: tuple[int, ...] = (200,),
        barrier: threading.Barrier | None = None,
    ) -> tuple[int | None, Any]:
        """Send one request; record it in ``phase``; return (status, decoded JSON or None)."""
        body = b"" if payload is None else json.dumps(payload).encode()
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Connection: close",
            "Accept: application/json",
            f"Content-Length: {len(body)}",
        ]
        if payload is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        start = time.perf_counter()
        try:
            status, data, ms = self._roundtrip(raw, barrier)
        except Exception as exc:  # every failure is an error of the phase
            phase.fail(
                (time.perf_counter() - start) * 1000, f"{label}: {type(exc).__name__}: {exc}"
            )
            return None, None
        if status not in ok:
            phase.fail(ms, f"{label}: HTTP {status} {data[:120]!r}")
            return status, None
        try:
            decoded = json.loads(data)
        except ValueError:
            phase.fail(ms, f"{label}: HTTP {status}, body is not JSON")
            return status, None
        phase.ok(ms)
        return status, decoded


def together(*calls: Callable[[threading.Barrier | None], Any]) -> list[Any]:
    """Run the calls at the same moment (extra threads + a barrier); their results in order."""
    if len(calls) == 1:
        return [calls[0](None)]
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        results[i] = calls[i](barrier)

    extra = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(1, len(calls))]
    for t in extra:
        t.start()
    run(0)
    for t in extra:
        t.join()
    return results


def run_jobs(jobs: list[Callable[[], None]], concurrency: int) -> None:
    """Closed loop: ``concurrency`` client threads, each taking the next job when done."""
    pending, lock, failures = iter(jobs), threading.Lock(), []

    def client() -> None:
        while True:
            with lock:
                job = next(pending, None)
            if job is None:
                return
            try:
                job()
            except BaseException as exc:  # a bug of this script: stop, don't hide it
                failures.append(exc)
                return

    threads = [threading.Thread(target=client, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]


# --- CPU accounting ---------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str, float, float]]:
    """pid -> (parent pid, command, own CPU s, CPU s of its exited and waited-for children)."""
    out = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        f = stat.rsplit(")", 1)[1].split()
        out[int(entry.name)] = (
            int(f[1]),
            comm,
            (int(f[11]) + int(f[12])) / CLK_TCK,
            (int(f[13]) + int(f[14])) / CLK_TCK,
        )
    return out


def _tree_cpu_s(procs: dict[int, tuple[int, str, float, float]], roots: set[int]) -> float:
    """CPU of the roots, their exited children and their live descendants."""
    total, seen, todo = 0.0, set(), list(roots)
    children: dict[int, list[int]] = defaultdict(list)
    for pid, (ppid, *_rest) in procs.items():
        children[ppid].append(pid)
    while todo:
        pid = todo.pop()
        if pid in seen or pid not in procs:
            continue
        seen.add(pid)
        total += procs[pid][2] + procs[pid][3]
        todo.extend(children[pid])
    return total


def _machine_busy_s() -> tuple[float, float]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


def machine_busy_pct_over(seconds: float) -> float:
    """How busy the whole machine is, sampled over ``seconds`` (before we add load)."""
    busy0, total0 = _machine_busy_s()
    time.sleep(seconds)
    busy1, total1 = _machine_busy_s()
    return 100 * (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0


class CpuMeter:
    """Who used the machine during a phase: this client, gunicorn, PostgreSQL, the rest.

    ``foreign_s`` is CPU used by none of them (other jobs on the machine, kernel softirq
    work): it should be near 0; when it is not, the numbers of that phase are disturbed.
    """

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def snap(self) -> tuple[float, ...]:
        busy, total = _machine_busy_s()
        procs = _processes()
        postmasters = {
            pid
            for pid, (ppid, comm, *_rest) in procs.items()
            if comm in ("postgres", "postmaster")
            and procs.get(ppid, (0, ""))[1] not in ("postgres", "postmaster")
        }
        return (
            busy,
            total,
            time.process_time(),
            _tree_cpu_s(procs, {self.server_pid}),
            _tree_cpu_s(procs, postmasters),
        )

    def delta(self, before: tuple[float, ...], after: tuple[float, ...]) -> dict[str, float]:
        busy, total, client, server, pg = (a - b for a, b in zip(after, before, strict=True))
        return {
            "machine_busy_pct": round(100 * busy / total, 1) if total else 0.0,
            "client_s": round(client, 2),
            "server_s": round(server, 2),
            "postgres_s": round(pg, 2),
            "foreign_s": round(max(0.0, busy - client - server - pg), 2),
        }


# --- the scenario ---------------------------------------------------------------------


@dataclass
class Save:
    slot: int
    seq: int
    response: Any
    kind: str = "normal"  # normal | late (older after newer: must be refused) | race


@dataclass
class Learner:
    index: int
    user_id: int
    token: str
    double_start: bool = False
    out_of_order: bool = False
    race: bool = False
    double_submit: bool = False
    attempt_id: int | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)
    start_ids: set[int] = field(default_factory=set)
    plan: list[list[Save]] = field(default_factory=list)
    acked: dict[int, tuple[int, Any]] = field(default_factory=dict)  # slot -> (seq, response)
    submit_replies: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Tally:
    """Per-database counters of the client's own checks."""

    start_created: int = 0
    start_existing: int = 0
    start_id_mismatch: int = 0
    saves_sent: int = 0
    saves_acked: int = 0
    late_sent: int = 0
    late_refused: int = 0
    late_accepted: int = 0
    race_pairs: int = 0
    unexpected_refusals: int = 0
    seq_echo_mismatch: int = 0
    submit_not_finished: int = 0
    submit_inconsistent: int = 0


def _natural(option_id: str) -> tuple[str, int]:
    head = option_id.rstrip("0123456789")
    tail = option_id[len(head) :]
    return head, int(tail) if tail else -1


def make_response(question: dict[str, Any], seq: int, rng: random.Random) -> Any:
    """A valid response for the question, distinct per seq where the type allows it."""
    kind = question["type"]
    ids = [o["id"] for o in question.get("options", [])]
    if kind == "single_choice":
        return rng.choice(ids)
    if kind == "multiple_choice":
        return sorted(rng.sample(ids, rng.randint(1, len(ids))), key=_natural)
    if kind == "true_false":
        return rng.random() < 0.5
    if kind == "short_answer":
        return f"Trả lời lần {seq}: cơ yếu"
    if kind == "essay":
        return f"Bài làm lần {seq}: quản lý nhà nước về cơ yếu."
    if kind == "numerical":
        return seq + 0.25
    if kind == "matching":
        return {item["id"]: rng.choice(ids) for item in question.get("items") or []}
    raise ValueError(f"unknown question type {kind!r}")


def same_response(stored: Any, sent: Any) -> bool:
    """Compare as the server normalises (lists of ids sorted, numbers as floats, NFC)."""
    if isinstance(sent, list) and isinstance(stored, list):
        return sorted(stored) == sorted(sent)
    if isinstance(sent, bool) or isinstance(stored, bool):
        return stored is sent
    if isinstance(sent, int | float) and isinstance(stored, int | float):
        return float(stored) == float(sent)
    if isinstance(sent, str) and isinstance(stored, str):
        return unicodedata.normalize("NFC", stored) == unicodedata.normalize("NFC", sent)
    return stored == sent


def build_plan(learner: Learner, answers: int, rng: random.Random) -> list[list[Save]]:
    """The learner's saves in sending order; a step with two saves is sent concurrently."""
    questions = [
        q
        for q in learner.questions
        if q["type"]
        in (
            "single_choice",
            "multiple_choice",
            "true_false",
            "short_answer",
            "essay",
            "numerical",
            "matching",
        )
    ]
    if not questions:
        return []
    saves = []
    for k in range(answers):
        q = questions[k % len(questions)]
        saves.append(Save(q["slot"], k + 1, make_response(q, k + 1, rng)))
    by_slot: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(saves):
        by_slot[s.slot].append(i)
    repeated = [idx for idx in by_slot.values() if len(idx) >= 2]
    if learner.out_of_order and repeated:
        # For up to 3 slots, the first save is sent right after the last one (older after newer).
        moved = {idx[0]: idx[-1] for idx in rng.sample(repeated, min(3, len(repeated)))}
        after: dict[int, Save] = {}
        for first, last in moved.items():
            saves[first].kind = "late"
            after[last] = saves[first]
        steps = []
        for i, s in enumerate(saves):
            if i in moved:
                continue
            steps.append([s])
            if i in after:
                steps.append([after[i]])
        return steps
    if learner.race and repeated:
        # One slot's first save goes out together with its last save (two in flight).
        idx = rng.choice(repeated)
        first, last = idx[0], idx[-1]
        saves[first].kind = saves[last].kind = "race"
        return [[s, saves[first]] if i == last else [s] for i, s in enumerate(saves) if i != first]
    return [[s] for s in saves]


class Scenario:
    def __init__(
        self, client: Client, learners: list[Learner], quiz_id: int, args: Any, meter: CpuMeter
    ) -> None:
        self.client, self.learners, self.quiz_id = client, learners, quiz_id
        self.args, self.meter, self.tally = args, meter, Tally()
        self.phases = {name: Phase(name) for name in ("start", "autosave", "submit", "bare")}
        self.lock = threading.Lock()  # guards the tally and the learners' acknowledgements

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            setattr(self.tally, name, getattr(self.tally, name) + n)

    def _phase(self, name: str, jobs: list[Callable[[], None]]) -> Phase:
        phase = self.phases[name]
        say(f"  {name}: {len(jobs)} learners, {self.args.concurrency} concurrent clients ...")
        before = self.meter.snap()
        start = time.perf_counter()
        run_jobs(jobs, self.args.concurrency)
        phase.seconds = time.perf_counter() - start
        phase.cpu = self.meter.delta(before, self.meter.snap())
        s = phase.summary(self.args.concurrency)
        say(
            f"  {name}: {s['requests']} requests in {s['seconds']} s = {s['throughput_rps']} "
            f"req/s; p50 {s['p50_ms']} p95 {s['p95_ms']} p99 {s['p99_ms']} max {s['max_ms']} "
            f"ms; errors {s['errors']}; cpu {phase.cpu}"
        )
        return phase

    # 1. start
    def start(self, learner: Learner) -> None:
        phase, path = self.phases["start"], f"/api/v1/quizzes/{self.quiz_id}/attempts"

        def post(barrier: threading.Barrier | None) -> tuple[int | None, Any]:
            return self.client.call(
                phase, "start", "POST", path, token=learner.token, ok=(200, 201), barrier=barrier
            )

        for status, data in together(*[post] * (2 if learner.double_start else 1)):
            if data is None:
                continue
            learner.start_ids.add(data["id"])
            self.count("start_created" if status == 201 else "start_existing")
            if not learner.questions or status == 201:
                learner.attempt_id, learner.questions = data["id"], data["questions"]
        if len(learner.start_ids) > 1:
            self.count("start_id_mismatch")

    # 2. autosave
    def _save(self, learner: Learner, save: Save, barrier: threading.Barrier | None) -> None:
        _, data = self.client.call(
            self.phases["autosave"],
            "autosave",
            "PUT",
            f"/api/v1/attempts/{learner.attempt_id}/answers/{save.slot}",
            token=learner.token,
            payload={"response": save.response, "seq": save.seq},
            barrier=barrier,
        )
        self.count("saves_sent")
        if data is None:
            return
        with self.lock:
            t = self.tally
            if data.get("saved"):
                t.saves_acked += 1
                t.seq_echo_mismatch += data.get("seq") != save.seq
                if save.seq > learner.acked.get(save.slot, (0, None))[0]:
                    learner.acked[save.slot] = (save.seq, save.response)
                t.late_accepted += save.kind == "late"
            elif save.kind == "late":
                t.late_refused += 1
            elif save.kind != "race":
                t.unexpected_refusals += 1

    def autosave(self, learner: Learner) -> None:
        for step in learner.plan:
            if len(step) > 1:
                self.count("race_pairs")
            together(*[lambda b, s=s: self._save(learner, s, b) for s in step])
        self.count("late_sent", sum(1 for step in learner.plan for s in step if s.kind == "late"))

    # 3. submit
    def submit(self, learner: Learner) -> None:
        def post(barrier: threading.Barrier | None) -> tuple[int | None, Any]:
            return self.client.call(
                self.phases["submit"],
                "submit",
                "POST",
                f"/api/v1/attempts/{learner.attempt_id}/submit",
                token=learner.token,
                barrier=barrier,
            )

        for _, data in together(*[post] * (2 if learner.double_submit else 1)):
            if data is None:
                continue
            learner.submit_replies.append(data)
            if data.get("state") != "finished" or data.get("score10") is None:
                self.count("submit_not_finished")
        if len({(r.get("points"), r.get("score10")) for r in learner.submit_replies}) > 1:
            self.count("submit_inconsistent")

    # 4. bare
    def bare(self, count: int) -> None:
        for _ in range(count):
            self.client.call(self.phases["bare"], "healthz", "GET", "/healthz")

    def run(self) -> None:
        self._phase("start", [lambda x=x: self.start(x) for x in self.learners])
        rng = random.Random(self.args.seed)
        started = [x for x in self.learners if x.attempt_id is not None]
        for learner in started:
            learner.plan = build_plan(learner, self.args.answers, rng)
        self._phase("autosave", [lambda x=x: self.autosave(x) for x in started])
        self._phase("submit", [lambda x=x: self.submit(x) for x in started])
        # Same volume and shape as autosave: per learner, as many sequential requests.
        counts = [sum(len(step) for step in x.plan) for x in started]
        self._phase("bare", [lambda n=n: self.bare(n) for n in counts])


# --- databases, seeding, server ---------------------------------------------------------


def _environ(url: str) -> dict[str, str]:
    return {
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": "quiz-burst-benchmark",
        "LMS_DATABASE_URL": url,
    }


def seed(url: str, n: int) -> tuple[Any, list[Learner], dict[str, tuple[int, str]]]:
    """Schema, course, class, N learners with tokens (+2 probe learners), in one process."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.services import create_token
    from lms.classes.services import ClassData, create_class, enrol
    from lms.courses.sync import import_course
    from lms.extensions import db
    from lms.users.services import UserData, create_user

    app = create_app(config={"LMS_PASSWORD_HASH_FAST": True}, environ=_environ(url))
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        import_course(ROOT / "courses" / COURSE)
        klass = create_class(
            ClassData(code=CLASS_CODE, name="Lớp đo tải bài kiểm tra", course_slug=COURSE)
        )
        learners, probes = [], {}
        for i in range(n + 2):
            name = f"hv{i:04d}" if i < n else f"probe{i - n}"
            user = create_user(
                name, "mat-khau-do-tai", UserData(full_name=f"Học viên {i:04d}", unit="Ban Cơ yếu")
            )
            enrol(klass, user)
            _, token = create_token(user, "quiz-burst")
            if i < n:
                learners.append(Learner(index=i, user_id=user.id, token=token))
            else:
                probes[name] = (user.id, token)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # no connection of ours stays open while the server runs
    say(f"  seeded course + {n} learners in {time.perf_counter() - started:.1f} s")
    return app, learners, probes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """``gunicorn -w N wsgi:app`` in its own process group; always stopped."""

    def __init__(self, url: str, workers: int, log_path: Path) -> None:
        self.url, self.workers, self.log_path = url, workers, log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = free_port()

    def start(self) -> None:
        exe = Path(sys.executable).with_name("gunicorn")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "gunicorn"]
        cmd += ["-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", "wsgi:app"]
        # gunicorn 27 otherwise opens ~/.gunicorn/gunicorn.ctl, shared with any other
        # gunicorn of this user; the control interface plays no part in serving requests.
        cmd.append("--no-control-socket")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        env.update(_environ(self.url))
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 30.0) -> None:
        client, probe = Client(self.port), Phase("ready")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                break
            status, _ = client.call(probe, "ready", "GET", "/healthz")
            if status == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not come up; log:\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


# --- verification and the in-process probe ----------------------------------------------


def verify(app: Any, learners: list[Learner], quiz_id: int) -> dict[str, Any]:
    """Compare the database with what the clients were acknowledged."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.quizzes.attempt_models import Attempt, AttemptSlot

    with app.app_context():
        user_ids = [x.user_id for x in learners]
        attempts = db.session.execute(
            select(Attempt.id, Attempt.user_id, Attempt.state, Attempt.score10).where(
                Attempt.quiz_id == quiz_id, Attempt.user_id.in_(user_ids)
            )
        ).all()
        rows = db.session.execute(
            select(
                AttemptSlot.attempt_id, AttemptSlot.slot, AttemptSlot.seq, AttemptSlot.response
            ).where(AttemptSlot.attempt_id.in_([a.id for a in attempts]))
        ).all()
        db.session.remove()
        db.engine.dispose()
    by_user: dict[int, list[Any]] = defaultdict(list)
    for a in attempts:
        by_user[a.user_id].append(a)
    slots_of: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        slots_of[r.attempt_id].append(r)
    out = Counter()
    for learner in learners:
        mine = by_user.get(learner.user_id, [])
        out["duplicate_attempts"] += max(0, len(mine) - 1)
        out["missing_attempts"] += not mine
        out["unscored_attempts"] += sum(
            1 for a in mine if a.state != "finished" or a.score10 is None
        )
        for a in mine:
            stored = slots_of.get(a.id, [])
            expected_slots = len(learner.questions) or 20
            distinct = {r.slot for r in stored}
            out["duplicated_answers"] += len(stored) - len(distinct)
            out["duplicated_answers"] += sum(1 for s in distinct if not 1 <= s <= expected_slots)
            out["attempts_with_wrong_slot_count"] += len(stored) != expected_slots
        if learner.attempt_id is None:
            continue
        stored_by_slot = {r.slot: r for r in slots_of.get(learner.attempt_id, [])}
        for slot, (seq, response) in learner.acked.items():
            row = stored_by_slot.get(slot)
            if row is None or row.seq != seq or not same_response(row.response, response):
                out["lost_answers"] += 1
        for slot, row in stored_by_slot.items():
            if row.seq > learner.acked.get(slot, (0, None))[0]:
                out["stored_unacknowledged"] += 1  # committed although the client saw an error
    keys = (
        "lost_answers",
        "duplicated_answers",
        "duplicate_attempts",
        "unscored_attempts",
        "missing_attempts",
        "attempts_with_wrong_slot_count",
        "stored_unacknowledged",
    )
    return {k: out[k] for k in keys} | {
        "attempts_in_db": len(attempts),
        "slot_rows_in_db": len(rows),
    }


def probe_hot_path(app: Any, quiz_id: int, probes: dict[str, tuple[int, str]]) -> dict[str, Any]:
    """SQL statements per endpoint and single-request service time, in-process."""
    from sqlalchemy import event

    from lms.extensions import db

    _, token = probes["probe0"]
    auth = {"Authorization": f"Bearer {token}"}
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect

        def on_execute(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
            statements.append(
                " ".join(statement.split()[:2]).upper()
                if statement.upper().startswith("BEGIN")
                else statement.split(None, 1)[0].upper()
            )

        def on_begin(conn: Any) -> None:
            if dialect.name != "sqlite":  # SQLite's BEGIN is a statement seen above
                statements.append("BEGIN")

        original_ping = dialect.do_ping

        def counting_ping(dbapi_connection: Any) -> bool:
            statements.append("PING")
            return original_ping(dbapi_connection)

        event.listen(engine, "before_cursor_execute", on_execute)
        event.listen(engine, "begin", on_begin)
        event.listen(engine, "commit", lambda _c: statements.append("COMMIT"))
        event.listen(engine, "rollback", lambda _c: statements.append("ROLLBACK"))
        dialect.do_ping = counting_ping  # type: ignore[method-assign]
    client = app.test_client()

    def traced(fn: Callable[[], Any]) -> tuple[Any, str]:
        """The reply, and the statements as one line: "BEGIN SELECT×3 COMMIT | BEGIN ..."."""
        statements.clear()
        reply = fn()
        words: list[str] = []
        for kind in statements:
            if words and words[-1].split("×")[0] == kind and kind != "PING":
                head, _, n = words[-1].partition("×")
                words[-1] = f"{head}×{int(n or 1) + 1}"
            else:
                words.append(("| " if kind == "PING" and words else "") + kind)
        line = " ".join(words)
        for end in ("COMMIT ", "ROLLBACK "):  # one transaction per segment
            line = line.replace(end + "BEGIN", end + "| BEGIN").replace(end + "| | ", end + "| ")
        return reply, line

    result: dict[str, Any] = {
        "pool_pre_ping": bool(app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"))
    }
    client.get("/healthz")  # warm the pool
    _, result["healthz"] = traced(lambda: client.get("/healthz"))
    reply, result["start_new"] = traced(
        lambda: client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=auth)
    )
    attempt = reply.get_json()
    question = attempt["questions"][0]
    rng = random.Random(0)
    put = f"/api/v1/attempts/{attempt['id']}/answers/{question['slot']}"
    _, result["autosave"] = traced(
        lambda: client.put(
            put, headers=auth, json={"response": make_response(question, 1, rng), "seq": 1}
        )
    )
    _, result["autosave_refused_older"] = traced(
        lambda: client.put(
            put, headers=auth, json={"response": make_response(question, 1, rng), "seq": 1}
        )
    )

    def median_ms(fn: Callable[[], Any], n: int = 60) -> float:
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        return round(statistics.median(times), 2)

    seqs = iter(range(2, 10**6))
    result["inprocess_median_ms"] = {
        "healthz": median_ms(lambda: client.get("/healthz")),
        "autosave": median_ms(
            lambda: client.put(
                put,
                headers=auth,
                json={"response": make_response(question, 2, rng), "seq": next(seqs)},
            )
        ),
    }
    _, result["submit"] = traced(
        lambda: client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=auth)
    )
    with app.app_context():
        dialect.do_ping = original_ping  # type: ignore[method-assign]
        db.session.remove()
        db.engine.dispose()
    return result


# --- one database ------------------------------------------------------------------------


def discover_quiz(port: int, token: str) -> int:
    phase = Phase("setup")
    _, quizzes = Client(port).call(
        phase, "quizzes", "GET", f"/api/v1/courses/{COURSE}/quizzes", token=token
    )
    if not quizzes:
        raise RuntimeError(f"could not list the quizzes: {dict(phase.error_samples)}")
    return next(q["id"] for q in quizzes if q["slug"] == QUIZ)


def warm_up(port: int, quiz_id: int, token: str, workers: int) -> None:
    """Let every worker serve each route once (lazy imports, pools), untimed."""
    client, phase = Client(port), Phase("warm-up")
    for _ in range(10 * workers):
        client.call(phase, "healthz", "GET", "/healthz")
    _, attempt = client.call(
        phase, "start", "POST", f"/api/v1/quizzes/{quiz_id}/attempts", token=token, ok=(200, 201)
    )
    if attempt:
        q = attempt["questions"][0]
        rng = random.Random(0)
        for seq in range(1, 4 * workers + 1):
            client.call(
                phase,
                "autosave",
                "PUT",
                f"/api/v1/attempts/{attempt['id']}/answers/{q['slot']}",
                token=token,
                payload={"response": make_response(q, seq, rng), "seq": seq},
            )
    if phase.errors:
        say(f"  warm-up errors: {dict(phase.error_samples)}")


def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    idle_busy = machine_busy_pct_over(1.0)
    if idle_busy > 10:
        say(f"WARNING: the machine is already {idle_busy:.0f}% busy before the {kind} run")
    say(
        f"== {kind}: {args.learners} learners, {args.answers} answers each, "
        f"{args.workers} gunicorn workers, {args.concurrency} concurrent clients"
    )
    with (
        scratch_database(kind, args.pg_admin_url, "quiz-burst") as url,
        tempfile.TemporaryDirectory(prefix="quiz-burst-log-") as logdir,
    ):
        app, learners, probes = seed(url, args.learners)
        pick = random.Random(args.seed)
        for learner in learners:  # disjoint groups for out-of-order saves and races
            learner.double_start = pick.random() < 0.10
            learner.double_submit = pick.random() < 0.10
            roll = pick.random()
            learner.out_of_order, learner.race = roll < 0.10, 0.10 <= roll < 0.20
        server = Gunicorn(url, args.workers, Path(logdir) / "gunicorn.log")
        try:
            server.start()
            assert server.proc is not None
            server.wait_ready()
            say(f"  gunicorn pid {server.proc.pid} on 127.0.0.1:{server.port}")
            quiz_id = discover_quiz(server.port, learners[0].token)
            warm_up(server.port, quiz_id, probes["probe1"][1], args.workers)
            scenario = Scenario(
                Client(server.port), learners, quiz_id, args, CpuMeter(server.proc.pid)
            )
            scenario.run()
        except BaseException:
            say(f"  gunicorn log tail:\n{server.log_tail()}")
            raise
        finally:
            server.stop()
        checks = verify(app, learners, quiz_id)
        say(f"  verification: {checks}")
        hot_path = probe_hot_path(app, quiz_id, probes)
        say(f"  hot path (in-process): {hot_path}")
    phases = {name: p.summary(args.concurrency) for name, p in scenario.phases.items()}
    bare_rps = phases["bare"]["throughput_rps"]
    ratio = round(phases["autosave"]["throughput_rps"] / bare_rps, 3) if bare_rps else None
    errors = sum(p["errors"] for p in phases.values())
    t = scenario.tally
    targets = {
        "zero_errors": errors == 0,
        "zero_lost_duplicated": checks["lost_answers"] == 0
        and checks["duplicated_answers"] == 0
        and checks["duplicate_attempts"] == 0,
        "autosave_vs_bare_ge_0_30": ratio is not None and ratio >= 0.30,
        "autosave_p99_le_100ms": (phases["autosave"]["p99_ms"] or math.inf) <= 100,
    }
    targets["all_met"] = all(targets.values())
    say(f"  targets: {targets}")
    capacity = os.cpu_count() or 1
    foreign = {
        name: round(p["cpu"]["foreign_s"] / (p["seconds"] * capacity), 3) if p["seconds"] else 0
        for name, p in phases.items()
    }
    disturbed = any(share > 0.10 for share in foreign.values())
    if disturbed:
        say(
            f"  WARNING: other work on the machine disturbed this run (foreign CPU share per "
            f"phase: {foreign}); rerun on a quiet machine"
        )
    return {
        **phases,
        "lost_answers": checks["lost_answers"],
        "duplicated_answers": checks["duplicated_answers"],
        "duplicate_attempts": checks["duplicate_attempts"],
        "unscored_attempts": checks["unscored_attempts"],
        "autosave_vs_bare": ratio,
        "targets": targets,
        "checks": checks
        | {
            "start_created_201": t.start_created,
            "start_existing_200": t.start_existing,
            "start_id_mismatch": t.start_id_mismatch,
            "saves_sent": t.saves_sent,
            "saves_acked": t.saves_acked,
            "out_of_order_sent": t.late_sent,
            "out_of_order_refused": t.late_refused,
            "out_of_order_accepted": t.late_accepted,
            "race_pairs": t.race_pairs,
            "unexpected_refusals": t.unexpected_refusals,
            "seq_echo_mismatch": t.seq_echo_mismatch,
            "submit_not_finished": t.submit_not_finished,
            "submit_inconsistent": t.submit_inconsistent,
        },
        "hot_path": hot_path,
        "machine_busy_pct_before": round(idle_busy, 1),
        "foreign_cpu_share": foreign,
        "disturbed": disturbed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument(
        "--db",
        action="append",
        choices=("sqlite", "postgresql"),
        help="database to test (repeatable; default: both)",
    )
    parser.add_argument("--answers", type=int, default=30, help="saves per learner")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=1, help="randomness of the scenario")
    parser.add_argument(
        "--pg-admin-url", default=DEFAULT_PG_ADMIN, help="libpq URL allowed to CREATE/DROP DATABASE"
    )
    args = parser.parse_args(argv)
    if args.learners < 1 or args.answers < 1 or args.concurrency < 1 or args.workers < 1:
        parser.error("--learners, --answers, --workers and --concurrency must be positive")

    def on_sigterm(*_: Any) -> None:
        raise SystemExit(143)  # unwinds through the finally blocks: server stopped, DB dropped

    signal.signal(signal.SIGTERM, on_sigterm)
    started = time.perf_counter()
    results = {
        kind: run_database(kind, args)
        for kind in dict.fromkeys(args.db or ["sqlite", "postgresql"])
    }
    say(f"done in {time.perf_counter() - started:.0f} s")
    print(
        json.dumps(
            {
                "learners": args.learners,
                "answers": args.answers,
                "workers": args.workers,
                "concurrency": args.concurrency,
                "cpus": os.cpu_count(),
                "db": results,
                "targets_met": all(r["targets"]["all_met"] for r in results.values()),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
