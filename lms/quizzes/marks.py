"""What a quiz's questions are worth. A draw rule may carry a ``mark`` for each question
it draws, and a fixed question its own in ``Quiz.fixed_marks``; without one a question is
worth its type's default. Attempts keep the marks they started with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lms.courses.files_model import MAX_MARK
from lms.quizzes.types import get_type


def slot_mark(kind: str, mark: float | None) -> float:
    """What a question of this type is worth in a new attempt, given the quiz's mark for
    it (None: the type's default; a description stays at 0)."""
    default = get_type(kind).max_points
    return float(mark) if default and mark is not None else default


def valid_mark(value: Any) -> bool:
    """A mark is a number above 0 and at most :data:`MAX_MARK`."""
    return isinstance(value, int | float) and not isinstance(value, bool) and \
        0 < value <= MAX_MARK


def with_marks(draw: list[dict[str, Any]], marks: Mapping[str, float | None]
               ) -> list[dict[str, Any]]:
    """The draw rules with the marks given by category (None: back to the default)."""
    out = []
    for rule in draw:
        rule = {"category": rule["category"], "count": rule["count"]}
        if marks.get(rule["category"]) is not None:
            rule["mark"] = float(marks[rule["category"]])  # type: ignore[arg-type]
        out.append(rule)
    return out
