"""Certificates carry their verification address (issue 14, "Running it"): in production
nothing is issued while LMS_BASE_URL is unset or points at this machine; `make run` on
another port points links there; `lms demo` prints the real address."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import func, select

from lms import ROOT
from lms.certificates.models import Certificate, IssueRun
from lms.certificates.services import issue_for_class
from lms.certificates.tasks import start_run
from lms.config import base_url_is_local
from lms.errors import InvalidInput
from lms.extensions import db
from tests.certificates.conftest import completed_class


@pytest.mark.parametrize(("env", "url", "local"), [
    ("production", "", True),
    ("production", "http://127.0.0.1:5000", True),
    ("production", "http://localhost:8000", True),
    ("production", "https://lms.example.gov.vn", False),
    ("development", "http://127.0.0.1:5000", False),
])
def test_what_counts_as_local(env: str, url: str, local: bool) -> None:
    assert base_url_is_local({"LMS_ENV": env, "LMS_BASE_URL": url}) is local


def test_production_refuses_to_issue_towards_localhost(app, runner) -> None:
    klass, _learners = completed_class(n=1)
    db.session.commit()
    app.config.update(LMS_ENV="production", LMS_BASE_URL="http://127.0.0.1:5000")
    try:
        with pytest.raises(InvalidInput, match="LMS_BASE_URL"):
            issue_for_class(klass, None)
        with pytest.raises(InvalidInput):
            start_run(klass, None, "issue")
        result = runner.invoke(args=["certificates", "issue", "--class", klass.code, "--inline"])
        assert result.exit_code != 0 and "LMS_BASE_URL" in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output  # one line
    finally:
        app.config.update(LMS_ENV="testing", LMS_BASE_URL="http://lms.test")
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert db.session.scalar(select(func.count()).select_from(IssueRun)) == 0


def test_make_run_points_links_at_its_port() -> None:
    def base_url(*args: str, env: dict[str, str] | None = None) -> str:
        return subprocess.run(
            ["make", "-s", "-f", "Makefile", "--eval=show: ; @echo $(LMS_BASE_URL)", "show",
             *args], cwd=ROOT, capture_output=True, text=True, check=True,
            env={"PATH": "/usr/bin:/bin", **(env or {})}).stdout.strip()

    assert base_url() == "http://127.0.0.1:5000"
    assert base_url("PORT=5088") == "http://127.0.0.1:5088"
    assert base_url("HOST=0.0.0.0", "PORT=8080") == "http://0.0.0.0:8080"
    assert base_url("PORT=5088", env={"LMS_BASE_URL": "https://lms.example.gov.vn"}) == \
        "https://lms.example.gov.vn"


def test_demo_prints_the_real_address(app, runner) -> None:
    app.config["LMS_BASE_URL"] = "http://127.0.0.1:5088"
    try:
        result = runner.invoke(args=["demo"])
    finally:
        app.config["LMS_BASE_URL"] = "http://lms.test"
    assert "http://127.0.0.1:5088" in result.output

