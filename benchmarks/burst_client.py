"""The load generator of quiz_burst.py: a stdlib HTTP/1.1 client and latency statistics.

:class:`Client` sends one request per connection on a blocking socket, from any thread;
:class:`Phase` records every request's latency and errors and summarises them (p50/p95/p99,
throughput, ``queue_bound_ms``); :func:`together` sends a learner's requests at the same
moment and :func:`run_jobs` drives the closed loop of ``--concurrency`` client threads.

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

import contextlib
import json
import math
import socket
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

REQUEST_TIMEOUT_S = 60.0


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
