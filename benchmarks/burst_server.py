"""The server side of quiz_burst.py: gunicorn as in production, and who used the CPU.

:class:`Gunicorn` runs ``gunicorn -w N wsgi:app`` with ``LMS_ENV=production`` on a free port
of 127.0.0.1, in its own process group, and always stops it. :class:`CpuMeter` splits the
CPU of a phase between this client, gunicorn (master + workers), PostgreSQL (postmasters and
their backends) and everything else (``foreign_s``), from ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from burst_client import Client, Phase
from scratch import audit_environ

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- gunicorn ---------------------------------------------------------------------------


def _environ(url: str) -> dict[str, str]:
    return {
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": "quiz-burst-benchmark",
        "LMS_DATABASE_URL": url,
        **audit_environ(),
    }


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
