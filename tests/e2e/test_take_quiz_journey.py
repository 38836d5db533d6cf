"""Taking a quiz in a real browser, on a desktop and a 390 px phone: the question panel,
a flag, the summary before submitting, and a review that marks the chosen options; axe
reports no violation on each page. Screenshots: ``take-<step>-<desktop|phone>.png``."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

pytestmark = pytest.mark.e2e


def test_a_learner_takes_a_quiz_as_a_moodle_user_expects(scenario: Any) -> None:
    scenario.run("take")
    shots = {p.name for p in scenario.artifacts.glob("take-*-*.png")}
    for step in ("attempt", "summary", "review"):
        for device in ("desktop", "phone"):
            assert f"take-{step}-{device}.png" in shots, shots
