"""Ctrl-C on ``make run`` (issue 14, "Running it"): the server and the worker stop cleanly.

``make run`` is started in a pseudo-terminal of its own, as a developer starts it in a
shell: make is the session leader and its process group owns the terminal. The test waits
until the server answers, types Ctrl-C (the terminal sends SIGINT to its whole foreground
process group) and expects make to end with status 0, no ``make: *** … Error`` and no
traceback, and no process of the session left behind (the worker and its certificate
render processes included). The database and ``instance/`` are temporary (``LMS_*``
variables), so the repository's own ``instance/`` is never touched.
"""

from __future__ import annotations

import contextlib
import os
import pty
import shutil
import signal
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.procs import qb, wait_for

ROOT = Path(__file__).resolve().parents[2]
CTRL_C = b"\x03"
# The environment of make itself: a sub-make of `make test` would print its directory.
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKE_TERMOUT",
                  "MAKE_TERMERR")


def session_processes(sid: int) -> list[str]:
    """The live (not zombie) processes of session ``sid``: ``pid command``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            text = stat.read_text()
            state, _ppid, _pgrp, session = text.rsplit(")", 1)[1].split()[:4]
            if int(session) == sid and state not in "ZX":
                cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found.append(f"{stat.parent.name} {cmdline.decode(errors='replace')}")
    return found


class Terminal:
    """``make run`` in a pseudo-terminal, its output collected by a thread."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the session leader, the pty is its terminal
            os.chdir(ROOT)
            os.execvpe(argv[0], argv, env)  # noqa: S606 - make, as a developer runs it
        self.output = bytearray()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO: every process holding the terminal has gone
                return
            if not data:
                return
            self.output += data

    @property
    def text(self) -> str:
        return bytes(self.output).decode("utf-8", errors="replace")

    def wait(self, timeout: float) -> int:
        """make's exit status (a death by signal is -signum)."""
        def ended() -> int | None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            return os.waitstatus_to_exitcode(status) if pid else None

        code = wait_for(lambda: (c := ended()) is not None and (c,), timeout, "make to end")
        return code[0]

    def kill(self) -> None:
        """Last resort after a failed assertion: nothing of the session outlives the test."""
        for line in session_processes(self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(line.split()[0]), signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        with contextlib.suppress(OSError):
            os.close(self.fd)


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[tuple[Terminal, str]]:
    if shutil.which("make") is None:
        pytest.skip("needs GNU make")
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.skip("make run uses the project's .venv: run `make dev` first")
    port = qb.free_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("LMS_") and k not in MAKE_VARIABLES}
    env |= {
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite3'}",
        "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
        "PORT": str(port),
        "TERM": "dumb",
    }
    terminal = Terminal(["make", "run"], env)
    try:
        yield terminal, f"http://127.0.0.1:{port}"
    finally:
        terminal.kill()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


@pytest.mark.faults
@pytest.mark.parametrize("moment", ["server answers", "worker ready"])
def test_ctrl_c_stops_make_run_cleanly(make_run: tuple[Terminal, str], tmp_path: Path,
                                       moment: str) -> None:
    """Ctrl-C as soon as the server answers (the worker may still be starting its render
    processes), and once the worker runs its consumer."""
    terminal, url = make_run
    wait_for(lambda: answers(url), 90, f"make run to answer at {url}\n{terminal.text}",
             interval=0.2)
    if moment == "worker ready":
        wait_for(lambda: "render processes ready" in terminal.text, 60,
                 f"the worker to start\n{terminal.text}", interval=0.2)
    os.write(terminal.fd, CTRL_C)
    status = terminal.wait(timeout=20)
    terminal.reader.join(timeout=10)
    output = terminal.text
    assert status == 0, output
    assert "Error" not in output, output
    assert "Traceback" not in output, output
    assert "Interrupt" not in output, output  # make's "*** [Makefile:…: run] Interrupt"
    assert not answers(url)
    assert session_processes(terminal.pid) == [], output
    # Everything the run wrote went to the temporary instance/ folder.
    assert (tmp_path / "instance" / "signing-key.pem").exists()


@pytest.mark.faults
def test_sigterm_without_a_terminal_stops_both(tmp_path: Path) -> None:
    """Without a terminal (CI, a service manager), SIGTERM to ``lms dev-server`` stops the
    server and the worker the same way: status 0, no traceback, nothing left."""
    import subprocess
    import sys

    port = qb.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env |= {"LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite3'}",
            "LMS_INSTANCE_PATH": str(tmp_path / "instance"), "PYTHONUNBUFFERED": "1"}
    lms = str(Path(sys.executable).parent / "lms")
    subprocess.run([lms, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    log = tmp_path / "dev-server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([lms, "dev-server", "--port", str(port)], env=env, cwd=ROOT,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(url), 90, f"lms dev-server to answer at {url}", interval=0.2)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
        text = log.read_text()
        assert "Traceback" not in text and "Aborted" not in text, text
        assert session_processes(proc.pid) == [], text
    finally:
        if proc.poll() is None or session_processes(proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
