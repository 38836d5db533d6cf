"""End-to-end fixtures: the platform served as in production, a real browser, the journeys.

``e2e_server`` (session) builds a fresh database (a SQLite file, or a scratch PostgreSQL
database when ``LMS_TEST_DATABASE_URL`` is set), migrates it, loads the demo and starts two
processes, each in its own process group: ``lms worker`` and ``gunicorn -w 2 wsgi:app``,
with ``LMS_ENV=production``. The job queue and rate limits live in a Redis no other run
shares (see :func:`_redis`): a private ``redis-server`` on a free port by default.

The journeys run once per session through :class:`tests.e2e.journeys.Scenario` (lazily,
prerequisites first), so ``test_journeys.py`` and ``test_a11y.py`` each work alone too.
Screenshots, server logs and the accessibility report go to ``test-artifacts/e2e/``.

Needs: ``playwright`` and ``axe-playwright-python`` (Python packages; no browser download:
Debian's ``chromium`` is launched), ``gunicorn`` and a Redis server. Missing pieces skip
the suite with the reason.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("LMS_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SHARED_REDIS = "redis://127.0.0.1:6379"
BOOT_SECONDS = 40

try:  # the suite needs both; without them it is skipped, not broken
    import axe_playwright_python  # noqa: F401
    from playwright.sync_api import sync_playwright

    MISSING: str | None = None
except ImportError as exc:  # pragma: no cover - depends on the environment
    MISSING = f"e2e needs playwright and axe-playwright-python ({exc})"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the journeys before the accessibility cases that read their results.

    (Either file alone works too: the scenario runs a journey when first needed.)
    """
    here = Path(__file__).parent

    def rank(item: pytest.Item) -> int:
        return 1 if item.path.name == "test_a11y.py" else 0

    journeys = [i for i in items if i.path.parent == here]
    if not journeys:
        return
    first = items.index(journeys[0])
    others = [i for i in items if i not in journeys]
    ordered = sorted(journeys, key=rank)  # stable: keeps the order inside each file
    items[:] = others[:first] + ordered + others[first:]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line on the accessibility checks, when the e2e suite ran."""
    if MISSING:
        return
    from tests.e2e.a11y import REGISTRY

    if REGISTRY.checks:
        terminalreporter.write_line(REGISTRY.summary_line())


# --- helpers ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tool(name: str) -> list[str]:
    """A console script of this virtualenv (the one running pytest)."""
    path = Path(sys.executable).parent / name
    if path.exists():
        return [str(path)]
    found = shutil.which(name)
    if found:
        return [found]
    pytest.skip(f"e2e needs the {name} command")
    raise AssertionError  # unreachable


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    """Stop a process group we started: TERM, then KILL if it lingers."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def _lms_env() -> dict[str, str]:
    """The environment minus the developer's own LMS_* settings (nothing leaks in)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}


CLAIM_KEY = "lms-e2e:claimed-by"


@dataclass
class _Redis:
    """The Redis of one e2e session: queue and rate limits, isolated from any other run."""

    url: str
    process: subprocess.Popen[bytes] | None = None
    claim: str | None = None  # value of CLAIM_KEY while a shared database is ours

    def flush(self) -> None:
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=5)
        try:
            client.flushdb()
            if self.claim:
                client.set(CLAIM_KEY, self.claim, ex=3600)
        finally:
            client.close()

    def release(self) -> None:
        self.claim = None
        self.flush()
        _stop(self.process)


def _answers(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.close()
        return True
    except redis.RedisError:
        return False


def _private_redis(server: str, tmp: Path) -> _Redis:
    port = _free_port()
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(tmp)],
        stdout=(tmp / "redis.log").open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True)
    private = _Redis(f"redis://127.0.0.1:{port}/0", process)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if _answers(private.url):
            return private
        time.sleep(0.2)  # waiting for our own redis-server to listen
    _stop(process)
    pytest.fail(f"the private redis-server did not start:\n{_tail(tmp / 'redis.log')}")
    raise AssertionError  # unreachable


def _redis(tmp: Path) -> _Redis:
    """A Redis no other run shares.

    Two e2e sessions on one machine (parallel developers, a full ``pytest`` beside a
    ``pytest tests/e2e``) must not share a queue: the worker of one would take the other's
    jobs and look them up in the wrong database. So: ``LMS_E2E_REDIS_URL`` when set (used
    as given, flushed); else a private ``redis-server`` on a free port; else a database of
    the local Redis (15 down to 8) claimed with a key, flushed before and after.
    """
    forced = os.environ.get("LMS_E2E_REDIS_URL")
    if forced:
        if not _answers(forced):
            pytest.skip(f"LMS_E2E_REDIS_URL={forced} does not answer")
        return _Redis(forced)
    server = shutil.which("redis-server")
    if server:
        return _private_redis(server, tmp)
    import redis

    claim = f"{socket.gethostname()}:{os.getpid()}"
    for number in range(15, 7, -1):
        url = f"{SHARED_REDIS}/{number}"
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2)
            taken = not client.set(CLAIM_KEY, claim, nx=True, ex=3600)
            client.close()
        except redis.RedisError:
            pytest.skip(f"e2e needs Redis: no redis-server command and {SHARED_REDIS} "
                        "does not answer")
        if not taken:
            return _Redis(url, claim=claim)
    pytest.skip(f"every Redis database 8-15 of {SHARED_REDIS} is claimed by another e2e run")
    raise AssertionError  # unreachable


@dataclass
class _Database:
    url: str
    drop: Any = None  # callable dropping a scratch PostgreSQL database


def _database(tmp: Path) -> _Database:
    base = os.environ.get("LMS_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        return _Database(f"sqlite:///{tmp / 'lms-e2e.sqlite3'}")
    from sqlalchemy import create_engine, text

    name = f"lms_e2e_{uuid.uuid4().hex[:8]}"
    server = base.rsplit("/", 1)[0]
    admin = create_engine(server + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return _Database(f"{server}/{name}", drop)


def _run_setup(args: list[str], env: dict[str, str], log: Path) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=180, input="y\n", check=False)
    with log.open("a") as fh:
        fh.write(f"$ {' '.join(args)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        pytest.fail(f"{' '.join(args[-2:])} failed ({result.returncode}):\n"
                    f"{result.stdout[-2000:]}{result.stderr[-2000:]}")


@dataclass
class E2EServer:
    """The running platform."""

    base_url: str
    database_url: str
    tmp: Path
    logs: dict[str, Path] = field(default_factory=dict)
    secret_key: str = ""
    restarter: Any = None  # set by the fixture: stop gunicorn, `lms demo`, start it again
    #: The course files the server compares with its database (a copy: journeys change it).
    courses_dir: Path | None = None
    cli_env: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``lms ARGS`` against the server's database (as an operator would)."""
        result = subprocess.run([*_tool("lms"), *args], cwd=ROOT, env=self.cli_env,
                                capture_output=True, text=True, timeout=180, check=False)
        with self.logs["setup"].open("a") as fh:
            fh.write(f"$ lms {' '.join(args)} (exit {result.returncode})\n"
                     f"{result.stdout}{result.stderr}\n")
        return result

    def restart(self) -> None:
        """What `make run` does on a restart: the demo step again, then serve again."""
        self.restarter()

    def logs_tail(self) -> str:
        return "\n".join(f"--- {name} ---\n{_tail(path)}" for name, path in self.logs.items())


def _wait_healthy(server: E2EServer, processes: dict[str, subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}:\n{server.logs_tail()}")
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)  # polling the server's start-up, bounded by BOOT_SECONDS
    pytest.fail(f"/healthz did not answer within {BOOT_SECONDS} s:\n{server.logs_tail()}")


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e2e_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EServer]:
    """The platform as deployed: migrated database, demo data, worker and gunicorn."""
    if MISSING:
        pytest.skip(MISSING)
    if not Path(CHROMIUM).exists():
        pytest.skip(f"e2e needs Debian's chromium at {CHROMIUM}")
    lms, gunicorn = _tool("lms"), _tool("gunicorn")
    tmp = tmp_path_factory.mktemp("e2e")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    redis_ = _redis(tmp)
    database = _database(tmp)
    port = _free_port()
    server = E2EServer(f"http://127.0.0.1:{port}", database.url, tmp,
                       {"setup": tmp / "setup.log", "worker": tmp / "worker.log",
                        "gunicorn": tmp / "gunicorn.log"})
    server.secret_key = secrets.token_urlsafe(32)
    server.courses_dir = tmp / "courses"
    shutil.copytree(ROOT / "courses", server.courses_dir)
    env = _lms_env() | {
        "LMS_COURSES_DIR": str(server.courses_dir),
        "LMS_SECRET_KEY": server.secret_key,
        "LMS_DATABASE_URL": database.url,
        # Production requires the audit key; checkpoints stay in the run's folder.
        "LMS_AUDIT_KEY": secrets.token_hex(32),
        "LMS_AUDIT_CHECKPOINT_FILE": str(tmp / "audit-checkpoints.jsonl"),
        # Production refuses to issue certificates pointing at localhost: the public
        # address is a reserved .test name (the browser itself talks to 127.0.0.1).
        "LMS_BASE_URL": f"http://coyeu-e2e.test:{port}",
        "LMS_REDIS_URL": redis_.url,
        "PYTHONUNBUFFERED": "1",
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        redis_.flush()
        # `lms demo` refuses production (public passwords): setup runs as development.
        # init-keys keeps an existing instance/ key (the app reads keys only from there
        # or from Flask config, not from the environment).
        setup_env = env | {"LMS_ENV": "development"}
        server.cli_env = setup_env
        for command in (["db", "upgrade"], ["certificates", "init-keys"], ["demo"]):
            _run_setup([*lms, *command], setup_env, server.logs["setup"])
        served = env | {"LMS_ENV": "production"}
        processes["worker"] = subprocess.Popen(
            [*lms, "worker", "--workers", "2"], cwd=ROOT, env=served,
            stdout=server.logs["worker"].open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        def serve() -> None:
            processes["gunicorn"] = subprocess.Popen(
                [*gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket",
                 "--timeout", "120", "wsgi:app"],
                cwd=ROOT, env=served, stdout=server.logs["gunicorn"].open("ab"),
                stderr=subprocess.STDOUT, start_new_session=True)
            _wait_healthy(server, processes)

        def restart() -> None:
            _stop(processes.pop("gunicorn"))
            _run_setup([*lms, "demo"], setup_env, server.logs["setup"])
            serve()

        server.restarter = restart
        serve()
        yield server
    finally:
        for process in processes.values():
            _stop(process)
        for name, path in server.logs.items():
            if path.exists():
                shutil.copyfile(path, ARTIFACTS / f"{name}.log")
        with contextlib.suppress(Exception):  # best effort: the queue's keys
            redis_.release()
        _stop(redis_.process)
        if database.drop is not None:
            database.drop()


@pytest.fixture(scope="session")
def e2e_browser(e2e_server: E2EServer) -> Iterator[Any]:
    """Headless Debian chromium (Playwright's own browser download is not used)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def scenario(e2e_server: E2EServer, e2e_browser: Any) -> Iterator[Any]:
    """The journeys, run once per session (prerequisites first) and their results."""
    from tests.e2e.a11y import REGISTRY
    from tests.e2e.journeys import Scenario

    world = Scenario(e2e_server, e2e_browser, ARTIFACTS)
    try:
        yield world
    finally:
        world.close()
        REGISTRY.write_report(ARTIFACTS / "a11y-report.json")
