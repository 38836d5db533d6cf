"""No English on Vietnamese pages, in a real browser (issue 14): each role of the demo walks
the pages its links reach, posts one invalid form, and nothing English or internal shows;
the audit log reads as sentences on desktop and on a 390 px phone.

The journey is :mod:`tests.e2e.journeys_no_english`; the test-client crawler that runs in
``make test`` is tests/test_no_english.py. Screenshots: ``test-artifacts/e2e/no-english-*``.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from tests.e2e.a11y import REGISTRY

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("username", ["admin", "giangvien", "hocvien"])
def test_no_english_in_the_browser(scenario: Any, username: str) -> None:
    scenario.run("no-english")
    result = scenario.state["no_english"][username]
    assert result["pages"] >= 5 and result["vi"], result
    assert not result["leaks"], "\n".join(result["leaks"])


@pytest.mark.parametrize("page_id", ["no-english/audit", "no-english/audit-phone",
                                     "no-english/class", "no-english/form-errors"])
def test_audit_log_class_page_and_form_errors_pass_axe(scenario: Any, page_id: str) -> None:
    scenario.run("no-english")
    check = REGISTRY.checks[page_id]
    assert not check.violations, check.describe(("critical", "serious", "moderate", "minor"))
