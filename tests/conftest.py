"""Shared fixtures: an app on a migrated database, a transaction rolled back per test,
a client with CSRF-aware helpers, object factories and an SQL statement counter.

The suite runs on a temporary SQLite file by default and on PostgreSQL when
``LMS_TEST_DATABASE_URL`` is set (``.ci/run`` creates a fresh database for it).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings as hypothesis_settings
from sqlalchemy import event
from sqlalchemy.orm import scoped_session, sessionmaker

from lms import create_app
from lms.auth.models import User
from lms.classes.models import Class, EnrolmentRole
from lms.classes.services import ClassData, create_class, enrol
from lms.config import test_config
from lms.courses.models import Course, CourseLecturer
from lms.extensions import db, limiter
from lms.users.services import UserData, create_user

PASSWORD = "mat-khau-dung-9"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


#: Audit checkpoints of test apps go to a temporary folder, never into the repository.
_AUDIT_DIR: dict[str, Path] = {}


def audit_dir() -> Path:
    if "dir" not in _AUDIT_DIR:
        _AUDIT_DIR["dir"] = Path(tempfile.mkdtemp(prefix="lms-audit-tests-"))
        atexit.register(shutil.rmtree, _AUDIT_DIR["dir"], True)
    return _AUDIT_DIR["dir"]


def make_app(database_url: str, **overrides: Any) -> Flask:
    """An application configured for tests (no environment leaks in; the audit key comes
    with the environment, so no ``instance/audit.key`` is made)."""
    overrides.setdefault("LMS_AUDIT_CHECKPOINT_FILE", str(audit_dir() / "checkpoints.jsonl"))
    environ = {"LMS_ENV": "testing", "LMS_AUDIT_KEY": "test-audit-key-not-for-production"}
    return create_app(test_config(database_url, **overrides), environ=environ)


class IsolatedClient(FlaskClient):
    """A test client whose every request gets a fresh app context, hence a fresh ``g``.

    Tests hold an app context open; without this, requests would reuse it and share
    ``g`` (and, with it, cached values such as the CSRF token) across requests.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


class _TestScopedSession(scoped_session):
    """The test's session outlives each request: teardown must not close it."""

    def remove(self) -> None:
        pass


@pytest.fixture(scope="session")
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A demo signing key and certificate for the whole run."""
    from lms.certificates.signer import generate_demo_keys

    key, cert = generate_demo_keys(tmp_path_factory.mktemp("keys"))
    return str(key), str(cert)


@pytest.fixture(scope="session")
def app(database_url: str, signing_keys: tuple[str, str]) -> Flask:
    application = make_app(database_url, LMS_SIGNING_KEY=signing_keys[0],
                           LMS_SIGNING_CERT=signing_keys[1])
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()  # the schema comes from the migrations, as in production
    return application


@pytest.fixture(autouse=True)
def _db_transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Run each test inside a transaction that is rolled back afterwards.

    Views and services still call ``commit()``: in ``create_savepoint`` mode those
    commits only release a savepoint of the outer transaction.
    """
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = _TestScopedSession(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        )
        limiter.reset()
        # The test's entries are rolled back: so are its audit checkpoints (a file each).
        _counter["checkpoints"] = _counter.get("checkpoints", 0) + 1
        checkpoints = application.config["LMS_AUDIT_CHECKPOINT_FILE"]
        application.config["LMS_AUDIT_CHECKPOINT_FILE"] = str(
            audit_dir() / f"checkpoints-{_counter['checkpoints']}.jsonl")
        try:
            yield
        finally:
            application.config["LMS_AUDIT_CHECKPOINT_FILE"] = checkpoints
            db.session.registry().close()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def csrf_from(client: FlaskClient, url: str = "/auth/login") -> str:
    """Fetch ``url`` and return the CSRF token of its first form."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


@dataclass
class Auth:
    """Login helpers bound to a test client (flaskr's AuthActions)."""

    client: FlaskClient
    user: User | None = field(default=None)

    def login(self, username: str, password: str = PASSWORD) -> Any:
        token = csrf_from(self.client)
        return self.client.post(
            "/auth/login",
            data={"username": username, "password": password, "csrf_token": token},
        )

    def login_as(self, user: User, password: str = PASSWORD) -> User:
        response = self.login(user.username, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        self.user = user
        return user

    def logout(self) -> Any:
        return self.client.post("/auth/logout", data={"csrf_token": csrf_from(self.client, "/")})

    def post(self, url: str, data: dict[str, Any] | None = None, form_url: str = "/") -> Any:
        payload = dict(data or {})
        payload["csrf_token"] = csrf_from(self.client, form_url)
        return self.client.post(url, data=payload)


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


_counter = {"n": 0}


def make_user(role: str = "learner", username: str | None = None, password: str = PASSWORD,
              **profile: Any) -> User:
    """Create a user (flushed, not committed)."""
    _counter["n"] += 1
    username = username or f"{role}{_counter['n']}"
    profile.setdefault("full_name", f"Người Dùng {_counter['n']}")
    return create_user(username, password, UserData(role=role, **profile))


def make_course(slug: str = "khoa-hoc", title: str = "Khóa học thử") -> Course:
    course = Course(slug=slug, title=title)
    db.session.add(course)
    db.session.flush()
    return course


def make_class(course: Course, code: str = "K1", name: str = "Lớp thử",
               lecturer: User | None = None, learners: tuple[User, ...] = ()) -> Class:
    klass = create_class(ClassData(code=code, name=name, course_slug=course.slug))
    if lecturer is not None:
        enrol(klass, lecturer, EnrolmentRole.LECTURER)
    for learner in learners:
        enrol(klass, learner, EnrolmentRole.LEARNER)
    return klass


def assign_lecturer(course: Course, user: User) -> None:
    db.session.add(CourseLecturer(course=course, user=user))
    db.session.flush()


@dataclass
class StatementCounter:
    """Counts SQL statements sent to the database while active."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(app: Flask) -> Any:
    """``with count_statements() as counter: ...`` then ``counter.count``."""

    @contextmanager
    def counting(cold: bool = True) -> Iterator[StatementCounter]:
        # Start from an empty identity map, as a real request does, so that lazy
        # loads hidden by objects the test itself created are counted too.
        if cold:
            db.session.expunge_all()
        counter = StatementCounter()

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                counter.statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


# CI runs the property tests with a fixed seed, so a landing never depends on luck; local
# runs keep Hypothesis' random search, which is how new bugs are found (then pinned with
# @example, as for the NUL byte in tests/fuzz/test_imports.py).
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("LMS_TEST_STRICT") == "1":
    hypothesis_settings.load_profile("ci")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every Hypothesis property test belongs to the ``fuzz`` group (``pytest -m fuzz``)."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.fuzz)


# Tests skipped for a missing tool: listed at the end with the apt-get command, and a
# failure under LMS_TEST_STRICT=1 (tests/missing_tools.py).
pytest_plugins = ["tests.missing_tools"]


#: Figures a test reports (fault injections, fuzz case counts), repeated at the end of the
#: run so that CI logs show them without ``-s``.
FIGURES: list[str] = []


def report(message: str) -> None:
    """A figure for the report: printed at once (pytest -s) and in the terminal summary."""
    FIGURES.append(message)
    print(message, file=sys.stderr, flush=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Repeat the reported figures at the end of the run."""
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


def reading_not_required(course: Course) -> Course:
    """Let lessons count as done at once (``min_read_share = 0``): for tests of other
    things than reading time, which ``tests/courses/test_progress.py`` covers."""
    policy = dict(course.completion_policy or {"lessons": "all", "quizzes": []})
    course.completion_policy = {**policy, "min_read_share": 0}
    db.session.flush()
    return course


def shipped_copy(tmp_path: Any) -> Any:
    """A copy of the shipped course's files, to change without touching the repository."""
    import shutil

    from lms import ROOT

    source = ROOT / "courses" / "quan-ly-nha-nuoc-ve-co-yeu"
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target
