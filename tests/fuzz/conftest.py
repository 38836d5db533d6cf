"""Fuzz fixtures: the quiz world of tests/quizzes (course, bank, quiz, enrolled learner)."""

from tests.quizzes.conftest import world  # noqa: F401  (fixture re-export)
