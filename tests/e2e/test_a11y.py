"""Accessibility: axe-core on every page the journeys visit, as the user who visits it.

Each key page of :data:`tests.e2e.a11y.PAGES` is checked in the state the journey leaves it
in (forms with errors, previews, offline banner...); every other page a journey loaded is
revisited afterwards by the same user and checked too (one case per journey).
Zero violations of impact "serious" or "critical" are allowed. Known template bugs are
listed in :data:`tests.e2e.a11y.KNOWN_BUGS` and run as strict xfails. The counts by
impact are printed at the end of the run and written to
``test-artifacts/e2e/a11y-report.json``.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from tests.e2e.a11y import JOURNEYS, KNOWN_BUGS, PAGES, REGISTRY

pytestmark = [pytest.mark.e2e, pytest.mark.a11y]


def _marks(key: str) -> list[Any]:
    if key not in KNOWN_BUGS:
        return []
    return [pytest.mark.xfail(strict=True, reason=f"A11Y BUG: {KNOWN_BUGS[key]}")]


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.page_id, marks=_marks(c.page_id)) for c in PAGES])
def test_no_serious_or_critical_violations(scenario: Any, case: Any) -> None:
    scenario.run(case.journey)
    check = REGISTRY.checks.get(case.page_id)
    assert check is not None, f"the {case.journey} journey did not check {case.page_id}"
    assert not check.blocking(), (
        f"{case.page_id} ({case.what}, as {check.user}) {check.url}:\n{check.describe()}")


@pytest.mark.parametrize(
    "journey", [pytest.param(j, id=j, marks=_marks(f"{j}/visited")) for j in JOURNEYS])
def test_every_other_visited_page_has_no_serious_or_critical_violations(
        scenario: Any, journey: str) -> None:
    """The pages a journey loaded besides its key pages, revisited by the same user."""
    scenario.run(journey)
    assert journey not in REGISTRY.sweep_errors, REGISTRY.sweep_errors[journey]
    bad = [c for c in REGISTRY.swept.get(journey, []) if c.blocking()]
    assert not bad, "\n".join(f"{c.url} (as {c.user}):\n{c.describe()}" for c in bad)
