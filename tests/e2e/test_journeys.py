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
    """Lesson with live preview, saved and published; GIFT import; GIFT editor; a quiz
    built from the bank and previewed."""
    scenario.run("lecturer")


def test_keyboard_only_quiz_with_a_polite_countdown(scenario: Any) -> None:
    """Log in, start, answer and submit a timed quiz with the keyboard alone; every Tab
    stop shows the focus; the countdown speaks at 5 minutes left (page clock moved)."""
    scenario.run("keyboard")
    assert scenario.state["keyboard_stops"] >= 8  # login, start, 3 answers, submit at least


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
