"""Schemathesis against /api/v1/openapi.json, as a learner and as an admin: no 5xx and no
response that violates the documented schema.

The operations are driven with Hypothesis directly (``operation.as_strategy()``) rather
than through schemathesis' pytest plugin, which does not support this pytest version.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from lms.auth.services import create_token
from lms.extensions import limiter
from tests.conftest import make_user, report
from tests.quizzes.conftest import QuizWorld

pytestmark = pytest.mark.fuzz

EXAMPLES = 15


def _run_all(app, headers: dict[str, str]) -> int:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    cases = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:
            nonlocal cases
            limiter.reset()  # rate limits are tested elsewhere; here they would mask bugs
            cases += 1
            case.call_and_validate(headers=headers)

        check()
    return cases


def test_api_as_a_learner(app, world: QuizWorld) -> None:
    cases = _run_all(app, world.headers)
    report(f"schemathesis as a learner: {cases} cases, 0 server errors, 0 schema violations")
    assert cases >= 10 * EXAMPLES


def test_api_as_an_admin(app, world: QuizWorld) -> None:
    admin = make_user("admin")
    cases = _run_all(app, {"Authorization": f"Bearer {create_token(admin)[1]}"})
    report(f"schemathesis as an admin: {cases} cases, 0 server errors, 0 schema violations")
    assert cases >= 10 * EXAMPLES
