"""User journeys in a real browser against the platform served by gunicorn + the worker.

The steps live in :mod:`tests.e2e.journeys`; each test runs one journey (prerequisites
first, once per session). Screenshots: ``test-artifacts/e2e/<journey>-<step>.png``.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

pytestmark = pytest.mark.e2e


def test_lecturer_writes_publishes_and_builds_the_bank(scenario: Any) -> None:
    """Lesson with live preview, saved and published; GIFT import; GIFT editor.

    Building a quiz in the UI does not exist yet, so the journey stops at the bank.
    """
    scenario.run("lecturer")


def test_admin_enrols_new_learners_with_activation_codes(scenario: Any) -> None:
    """Setup step of journey 3: a CSV roster into K74-HN gives two activation codes."""
    scenario.run("enrol")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_learner_activates_learns_passes_and_gets_the_certificate(scenario: Any,
                                                                  lang: str) -> None:
    """Activation, lessons, final test (autosave, reload, offline), certificate PDF."""
    scenario.run(f"learner-{lang}")


def test_admin_runs_classes_rosters_reports_and_certificates(scenario: Any) -> None:
    """New class, XLSX roster with a bad row then fixed, dashboard, XLSX export, revoke
    and public verification, bulk issue with progress."""
    scenario.run("admin")
