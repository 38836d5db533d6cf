"""``lms dev-server``: the development server and the job worker, stopped together by Ctrl-C.

``make run`` ends with this command. Ctrl-C in a terminal sends SIGINT to the terminal's
whole foreground process group; when that group is make's, make dies of the signal
(status 130, "make: *** [run] Interrupt" or "Error 143" from a recipe shell killed
meanwhile) whatever its children do. So, when started from a terminal, this command
moves into a process group of its own and hands the terminal to it, as a job-control
shell does for a foreground job; make, now in the background, just waits. Ctrl-C then
reaches only this command, which passes SIGTERM to each child, each in a group of its
own: the server (werkzeug) ends silently, even while it is still starting, and so does
the worker, which takes SIGTERM as Huey's graceful stop (``--graceful-signal TERM``;
before its handlers are in place, SIGTERM ends it silently too, where SIGINT would print
"Aborted!"). Both stop cleanly (the worker takes its certificate render processes with it), the
terminal goes back to make, and the command exits 0. Without a terminal (CI, ``nohup``)
nothing moves, and SIGINT, SIGTERM or SIGHUP to this process stops both children the
same way.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import click

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_SECONDS = 0.2
STOP_TIMEOUT = 20.0  # seconds a child may take to stop before it is killed


@contextlib.contextmanager
def own_terminal() -> Iterator[None]:
    """Run in a new process group that owns the controlling terminal, if there is one."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        yield  # no controlling terminal: stay where we are
        return
    try:
        previous = os.tcgetpgrp(fd)
        # Started in the background (leave the terminal be), or already the leader of the
        # foreground group (nothing to move).
        if previous != os.getpgrp() or previous == os.getpid():
            yield
            return
        os.setpgid(0, 0)
        _set_foreground(fd, os.getpgrp())
        try:
            yield
        finally:
            with contextlib.suppress(OSError):  # the old group may be gone
                _set_foreground(fd, previous)
    finally:
        os.close(fd)


def _set_foreground(fd: int, pgrp: int) -> None:
    # A background group asking for the terminal gets SIGTTOU unless it ignores it.
    old = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(fd, pgrp)
    finally:
        signal.signal(signal.SIGTTOU, old)


def _stop(process: subprocess.Popen[bytes]) -> int:
    """One SIGTERM, then SIGKILL after a timeout."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def run_together(host: str, port: int) -> int:
    """Start the worker and the server, wait for a stop signal or a child's end, stop both.

    Each child runs in a process group of its own: a Ctrl-C reaches only this process,
    which sends one SIGTERM to each child (a second signal would cut Huey's graceful
    stop short with a traceback).
    """
    lms = [sys.executable, "-c", "from lms.cli import main; main()"]  # this very lms
    stopping: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopping.append(signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, on_signal)
    children = {
        "worker": subprocess.Popen(  # noqa: S603 - our own command line
            [*lms, "worker", "--graceful-signal", "TERM"], stdin=subprocess.DEVNULL,
            process_group=0),
        "server": subprocess.Popen(  # noqa: S603 - our own command line
            [*lms, "run", "--host", host, "--port", str(port)], stdin=subprocess.DEVNULL,
            process_group=0),
    }
    ended: str | None = None
    while not stopping and ended is None:
        time.sleep(POLL_SECONDS)
        ended = next((name for name, p in children.items() if p.poll() is not None), None)
    codes = {name: _stop(process) for name, process in children.items()}
    if ended is not None and not stopping:
        click.echo(f"lms dev-server: the {ended} stopped (status {codes[ended]}); "
                   "the other process was stopped too.", err=True)
        return 1
    return 0


@click.command("dev-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def dev_server_command(host: str, port: int) -> None:
    """Run the development server and the job worker until Ctrl-C."""
    with own_terminal():
        code = run_together(host, port)
    sys.exit(code)
