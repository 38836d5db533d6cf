"""The end-of-run block for tests skipped because a tool is missing (issue 14): which tests,
for which tool, and the apt-get command that installs it; LMS_TEST_STRICT=1 fails the run."""

from __future__ import annotations

import pytest

from tests.missing_tools import package_of

pytest_plugins = ["pytester"]

SKIPPING = '''
import pytest

def test_pdf():
    pytest.skip("needs pdftotext (poppler-utils)")

def test_qr():
    pytest.skip("real QR decoding needs pdftoppm (poppler-utils) and zbarimg (zbar-tools)")

@pytest.mark.skipif(True, reason="e2e needs Debian's chromium at /usr/bin/chromium")
def test_browser():
    pass

def test_optional_package():
    pytest.importorskip("no_such_module_for_this_test")

@pytest.mark.skip(reason="SQLite only")
def test_not_a_tool():
    pass

def test_runs():
    pass
'''


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
         strict: bool) -> pytest.RunResult:
    pytester.makeconftest('pytest_plugins = ["tests.missing_tools"]')
    pytester.makepyfile(test_tools=SKIPPING)
    monkeypatch.setenv("LMS_TEST_STRICT", "1" if strict else "0")
    return pytester.runpytest("-p", "no:cacheprovider")


def test_the_run_ends_with_what_is_missing_and_how_to_install_it(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, strict=False)
    result.assert_outcomes(passed=1, skipped=5)
    assert result.ret == 0
    out = result.stdout.str()
    block = out[out.index("tests skipped for a missing tool"):]
    result.stdout.fnmatch_lines([
        "*tests skipped for a missing tool*",
        "chromium: 1 test(s)",
        "  test_tools.py::test_browser: e2e needs Debian's chromium at /usr/bin/chromium",
        "poppler-utils: 1 test(s)",
        "  test_tools.py::test_pdf: needs pdftotext (poppler-utils)",
        "poppler-utils zbar-tools: 1 test(s)",
        "other (see the reasons): 1 test(s)",
        "  test_tools.py::test_optional_package: could not import*",
        "Install the missing tools (Debian/Ubuntu), then rerun:",
        "  sudo apt-get install -y chromium poppler-utils zbar-tools",
        "Python packages: `make dev` installs them*",
    ])
    assert "SQLite only" not in block  # a skip for another reason is not a missing tool


def test_strict_mode_fails_the_run(pytester: pytest.Pytester,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, strict=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*tests skipped for a missing tool (LMS_TEST_STRICT*"])


def test_nothing_missing_no_block(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["tests.missing_tools"]')
    pytester.makepyfile(test_fine="def test_ok():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == 0
    assert "missing tool" not in result.stdout.str()


@pytest.mark.parametrize(("reason", "package"), [
    ("needs pdftotext (poppler-utils)", "poppler-utils"),
    ("pdfsig (poppler-utils) missing", "poppler-utils"),
    ("needs redis-server (or LMS_FAULTS_REDIS_URL)", "redis-server"),
    ("needs GNU make", "make"),
    ("e2e needs the lms command", ""),
])
def test_package_of(reason: str, package: str) -> None:
    assert package_of(reason) == package
