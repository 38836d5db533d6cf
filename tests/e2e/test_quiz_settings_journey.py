"""Journey ``settings`` (:mod:`tests.e2e.journeys_settings`): quiz settings on the web and
a lesson draft with the Markdown toolbar, on desktop and on a 390 px phone.
Screenshots: ``test-artifacts/e2e/settings-<step>-<desktop|phone>.png``."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from tests.e2e.a11y import IMPACTS, PAGES, REGISTRY

pytestmark = pytest.mark.e2e


def test_lecturer_sets_quiz_times_marks_review_and_publishes(scenario: Any) -> None:
    """Dates, a class override, marks, the review matrix, hide and publish; the exam-pool
    refusal; a lesson draft with its state and toolbar. axe: 0 violations on each page."""
    scenario.run("settings")
    for case in (c for c in PAGES if c.journey == "settings"):
        check = REGISTRY.checks[case.page_id]
        assert not check.violations, f"{case.page_id}:\n{check.describe(IMPACTS)}"
