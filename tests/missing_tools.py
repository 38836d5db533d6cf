"""Tests skipped because a tool is missing (a pytest plugin, loaded by tests/conftest.py).

A skip because a tool is missing (chromium, pdftotext, zbarimg, redis-server, an importable
package) is fine on a laptop, but easy to miss in a long run. The run ends with a block
that lists those tests under the Debian package that provides the tool, and the one
``apt-get install`` command that installs them all. Under ``LMS_TEST_STRICT=1`` (set by
``.ci/run``) such a skip fails the session: CI must not pass without running the test.

A skip counts as "missing a tool" when its reason says so (``needs …``, ``… missing``,
``could not import``, ``does not answer``); the tool is recognised by its name in the
reason (:data:`PACKAGES`).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from typing import Any

import pytest

MISSING_TOOL = re.compile(r"\bneeds\b|\bmissing\b|could not import|does not answer", re.I)

#: A word of a skip reason → the Debian package that provides the tool (the same packages
#: as the README's apt-get line and .ci/run).
PACKAGES: dict[str, str] = {
    "chromium": "chromium",
    "pdftotext": "poppler-utils",
    "pdffonts": "poppler-utils",
    "pdfsig": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "poppler": "poppler-utils",
    "certutil": "libnss3-tools",
    "zbarimg": "zbar-tools",
    "zbar": "zbar-tools",
    "redis-server": "redis-server",
    "redis": "redis-server",
    "make": "make",
    "psql": "postgresql-client",
    "pango": "libpango-1.0-0 libpangoft2-1.0-0",
    "harfbuzz": "libharfbuzz-subset0",
    "noto": "fonts-noto-core",
    "softhsm2": "softhsm2",
    "softhsm2-util": "softhsm2",
    "libsofthsm2": "softhsm2",
}
PYTHON_HINT = "Python packages: `make dev` installs them (.venv/bin/pip install -e '.[dev]')"
SHOWN_PER_TOOL = 5

def package_of(reason: str) -> str:
    """The Debian packages whose tools a skip reason names ("" for none), space-separated."""
    words = set(re.findall(r"[a-z][a-z0-9-]*", reason.lower()))
    return " ".join(sorted({package for word, package in PACKAGES.items() if word in words}))


class MissingTools:
    """The skips of one pytest session (an instance per config: pytester's runs inside the
    suite keep their own)."""

    def __init__(self) -> None:
        self.skips: set[tuple[str, str]] = set()  # (test id, reason)

    def _remember(self, nodeid: str, longrepr: Any) -> None:
        if isinstance(longrepr, tuple) and len(longrepr) == 3:
            reason = str(longrepr[2]).removeprefix("Skipped: ")
            if MISSING_TOOL.search(reason):
                self.skips.add((nodeid, reason))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Remember a test skipped for a missing tool."""
        if report.skipped:
            self._remember(report.nodeid, report.longrepr)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Remember a module skipped at collection (``pytest.importorskip``)."""
        if report.skipped:
            self._remember(report.nodeid, report.longrepr)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Under LMS_TEST_STRICT=1, a skip for a missing tool fails the run."""
        if os.environ.get("LMS_TEST_STRICT") == "1" and self.skips:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """End the run with the tests skipped for a missing tool and how to install it."""
        if self.skips:
            write_summary(terminalreporter, sorted(self.skips))


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(MissingTools(), "lms-missing-tools")


def write_summary(terminalreporter: Any, skips: list[tuple[str, str]]) -> None:
    """The block: tests grouped by the package of their tool, then the apt-get command."""
    by_package: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for nodeid, reason in skips:
        by_package[package_of(reason)].append((nodeid, reason))
    strict = os.environ.get("LMS_TEST_STRICT") == "1"
    title = "tests skipped for a missing tool" + (" (LMS_TEST_STRICT: the run fails)"
                                                   if strict else "")
    terminalreporter.section(title, yellow=not strict, red=strict, bold=True)
    for package in sorted(by_package, key=lambda p: (p == "", p)):
        found = by_package[package]
        label = package or "other (see the reasons)"
        terminalreporter.write_line(f"{label}: {len(found)} test(s)")
        for nodeid, reason in found[:SHOWN_PER_TOOL]:
            terminalreporter.write_line(f"  {nodeid}: {reason}")
        if len(found) > SHOWN_PER_TOOL:
            terminalreporter.write_line(f"  … and {len(found) - SHOWN_PER_TOOL} more")
    packages = sorted({word for p in by_package if p for word in p.split()})
    if packages:
        terminalreporter.write_line("Install the missing tools (Debian/Ubuntu), then rerun:")
        terminalreporter.write_line(f"  sudo apt-get install -y {' '.join(packages)}")
    if any(re.search(r"could not import|playwright", r, re.I) for _n, r in skips):
        terminalreporter.write_line(PYTHON_HINT)
