"""Running a class (issue 14), in a real browser on a desktop and on a 390 px phone: the
admin assigns a lecturer, adds one learner (a new account, its code shown once), moves a
learner, withdraws one, bulk-issues and revokes certificates with confirmations; a
stranger's verification page shows no date of birth. The steps: tests/e2e/journeys_class.py;
axe-core checks its key pages (tests/e2e/a11y.py PAGES, asserted in test_a11y.py and here).
Screenshots: ``test-artifacts/e2e/class-<step>-<desktop|phone>.png``.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from tests.e2e.a11y import PAGES, REGISTRY

pytestmark = pytest.mark.e2e


def test_admin_runs_a_class_on_desktop_and_phone(scenario: Any) -> None:
    scenario.run("class")
    pages = [case.page_id for case in PAGES if case.journey == "class"]
    assert len(pages) == 18
    for page_id in pages:
        check = REGISTRY.checks.get(page_id)
        assert check is not None, f"the journey did not check {page_id}"
        every = check.describe(("critical", "serious", "moderate", "minor"))
        assert not check.violations, f"{page_id} {check.url}:\n{every}"
