"""Journey ``editor`` (:mod:`tests.e2e.journeys_editor`): the question form editor on a
desktop and a 390 px phone. Screenshots: ``test-artifacts/e2e/editor-<step>-<device>.png``;
axe-core on every key page (``editor/*`` in :data:`tests.e2e.a11y.PAGES`)."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from tests.e2e.a11y import IMPACTS, PAGES, REGISTRY

pytestmark = pytest.mark.e2e


def test_lecturer_writes_questions_in_the_form_and_finds_them_lettered(scenario: Any) -> None:
    """Single choice and matching written, previewed and saved; lettered in the bank and
    the picker; no axe violation (any impact) on the editor's pages."""
    scenario.run("editor")
    for case in (c for c in PAGES if c.journey == "editor"):
        check = REGISTRY.checks[case.page_id]
        assert not check.violations, f"{case.page_id}:\n{check.describe(IMPACTS)}"
