"""Weights Moodle refuses are refused (issue 12): Moodle accepts only its list of grade
fractions (100 %, 90 %, 83.33333 %, 80 %, …, 5 %, their negatives and 0), matched within
0.00001. The finding: 33 % + 33.33333 % + 33.33333 % made full marks impossible."""

from __future__ import annotations

import pytest

from lms.quizzes.gift import GiftError, parse_gift
from lms.quizzes.parsed import MOODLE_FRACTIONS


def test_the_finding_is_refused_with_its_line() -> None:
    source = ("::ok:: Chọn ba {~%33.33333%A ~%33.33333%B ~%33.33333%C ~%-100%D}\n\n"
              "::sai:: Chọn ba {~%33%A ~%33.33333%B ~%33.33333%C ~%-100%D}\n")
    with pytest.raises(GiftError) as err:
        parse_gift(source, "bank.gift")
    assert str(err.value).startswith("bank.gift:3:"), str(err.value)
    assert "33%" in str(err.value)


@pytest.mark.parametrize("weight", ["12", "33", "66.6", "-12", "101"])
def test_weights_off_the_list_are_refused(weight: str) -> None:
    with pytest.raises(GiftError):
        parse_gift(f"Hỏi? {{=Đúng ~%{weight}%Gần đúng ~Sai}}")


@pytest.mark.parametrize("weight", ["90", "83.33333", "75", "66.66667", "14.28571", "12.5",
                                    "11.11111", "5", "-50", "-100", "0"])
def test_weights_on_the_list_are_accepted(weight: str) -> None:
    (question,) = parse_gift(f"Hỏi? {{=Đúng ~%{weight}%Gần đúng ~Sai}}")
    assert abs(question.answers[1].fraction * 100 - float(weight)) < 0.001


def test_the_list_is_moodles() -> None:
    positive = sorted(f for f in MOODLE_FRACTIONS if f > 0)
    assert len(positive) == 20 and positive[0] == 0.05 and positive[-1] == 1.0
    assert sorted(-f for f in MOODLE_FRACTIONS if f < 0) == positive and 0.0 in MOODLE_FRACTIONS
