"""The learner's home in a real browser: where they stand per class, "Tiếp tục", progress
moving after reading, "Giấy chứng nhận của tôi" in the same words; on a desktop and on a
390 px phone, with axe-core reporting no violation at all on each page.
Screenshots: ``test-artifacts/e2e/home-<step>-<desktop|phone>.png``."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from tests.e2e.a11y import PAGES, REGISTRY

pytestmark = pytest.mark.e2e

HOME_PAGES = [case for case in PAGES if case.journey == "home"]


def test_learner_sees_where_they_stand_and_continues(scenario: Any) -> None:
    scenario.run("home")
    shots = sorted(p.name for p in scenario.artifacts.glob("home-*-*.png"))
    for step in ("home", "lesson", "progress", "certificates"):
        for device in ("desktop", "phone"):
            assert f"home-{step}-{device}.png" in shots, shots


@pytest.mark.parametrize("case", HOME_PAGES, ids=[c.page_id for c in HOME_PAGES])
def test_home_pages_have_no_axe_violations(scenario: Any, case: Any) -> None:
    scenario.run("home")
    check = REGISTRY.checks[case.page_id]
    every = ("critical", "serious", "moderate", "minor")
    assert not check.violations, f"{case.page_id} {check.url}:\n{check.describe(every)}"
