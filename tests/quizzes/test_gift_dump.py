"""GIFT writing: readable output, round trips of tricky and generated questions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.quizzes.gift import dump_gift, parse_gift
from lms.quizzes.gift_dump import WS
from lms.quizzes.parsed import (
    CATCH_ALL,
    MOODLE_FRACTIONS,
    QUESTION_TYPES,
    ParsedAnswer,
    ParsedQuestion,
    QuestionType,
    numeric_range,
)
from tests.quizzes.conftest import RICH

# --- Writing and round trips --------------------------------------------------------------------


def test_round_trip_of_the_rich_sample() -> None:
    parsed = parse_gift(RICH)
    written = dump_gift(parsed)
    assert parse_gift(written) == parsed
    assert dump_gift(parse_gift(written)) == written


def test_dump_is_readable_gift() -> None:
    q = ParsedQuestion(
        type="single_choice",
        name="Q: 1",
        text="Chọn {một}",
        answers=[ParsedAnswer("A = 1", 1.0, "đúng"), ParsedAnswer("[B]", 0.0)],
    )
    assert dump_gift([q]) == "::Q\\: 1:: Chọn \\{một\\} {\n\t=A \\= 1#đúng\n\t~[moodle][B]\n}\n"


def essay(text: str, **fields: Any) -> ParsedQuestion:
    return ParsedQuestion(type="essay", text=text, **fields)


def choice(*answers: tuple[str, float], kind: QuestionType = "single_choice") -> ParsedQuestion:
    options = [ParsedAnswer(text, fraction) for text, fraction in answers]
    return ParsedQuestion(type=kind, text="Q", answers=options)


TRICKY = {
    "text looks like a comment": essay("// không phải chú thích"),
    "private-use characters": essay("\U000f0000{\U000f0001}:#\ue000"),
    "text starts with a BOM": essay("\ufeffBOM"),
    "text looks like a category": essay("$CATEGORY: x"),
    "text looks like a format": essay("[html] là chữ", text_format="markdown"),
    "blank in the middle": essay("Điền _____ vào chỗ trống"),
    "blank first": essay("_____ ở đầu"),
    "blank last": essay("ở cuối _____"),
    "title with colons and newline": essay("Q", name="a::b\nc"),
    "general feedback format word": essay("Q", general_feedback="[plain] x"),
    "short answer like a weight": ParsedQuestion(
        type="short_answer", text="Q", answers=[ParsedAnswer("%5 giảm", 1.0)]
    ),
    "choice option like a weight": choice(("%abc", 0.0), ("=x", 1.0), ("~y", 0.0)),
    "correct option like a weight": choice(("%50%", 1.0), ("b", 0.0)),
    "multi with a 100% option": choice(("a", 1.0), ("b", -0.5), kind="multiple_choice"),
    "true/false right feedback only": ParsedQuestion(
        type="true_false", text="Q", correct=False, feedback_false="đúng"
    ),
    "numerical catch-all in the middle": ParsedQuestion(
        type="numerical",
        text="Q",
        answers=[
            ParsedAnswer("", 1.0, "", -1e-7, 0.0),
            ParsedAnswer(CATCH_ALL, 0.0, "khác"),
            numeric_range(-5.0, 1e20, 0.5),
        ],
    ),
    "matching right side with arrow": ParsedQuestion(
        type="matching",
        text="Q",
        answers=[ParsedAnswer("[x]", match="[y] -> z"), ParsedAnswer("a-", match=">b")],
    ),
}


@pytest.mark.parametrize("question", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_questions_survive_a_round_trip(question: ParsedQuestion) -> None:
    assert parse_gift(dump_gift([question])) == [question]


def test_dump_rejects_what_gift_cannot_say() -> None:
    pair = [ParsedAnswer("a -> b", match="c"), ParsedAnswer("d", match="e")]
    with pytest.raises(ValueError, match="->"):
        dump_gift([ParsedQuestion(type="matching", text="Q", answers=pair)])
    with pytest.raises(ValueError, match="100%"):
        dump_gift([ParsedQuestion(type="short_answer", text="Q", answers=[ParsedAnswer("a")])])


# --- Properties -------------------------------------------------------------------------------


SPECIAL = st.sampled_from(
    [*"{}=~#:\\\n[]%->", "_____", "//", "::", "####", "[html]", "$CATEGORY:", "\ufeff", "%50%"]
)
CHAR = st.one_of(SPECIAL, st.characters(exclude_categories=("Cs",), exclude_characters="\r"))
TEXT = st.lists(CHAR, min_size=1, max_size=12).map("".join).filter(lambda s: s == s.strip(WS))
SAFE_TEXT = TEXT.filter(lambda s: "->" not in s)
MAYBE = st.one_of(st.just(""), TEXT)
# Moodle's grade list (as GIFT writes it: 33.33333 for 1/3); other weights are refused.
PERCENT = st.sampled_from(MOODLE_FRACTIONS).map(lambda f: round(f * 100, 5))
FRACTION = PERCENT.map(lambda p: p / 100)
NUMBER = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def question(draw: st.DrawFn) -> ParsedQuestion:
    kind = draw(st.sampled_from(QUESTION_TYPES))
    q = ParsedQuestion(
        type=kind,
        text=draw(TEXT),
        name=draw(MAYBE),
        text_format=draw(st.sampled_from(["moodle", "html", "plain", "markdown"])),
        # GIFT gives a description (a text without a block) no general feedback.
        general_feedback="" if kind == "description" else draw(MAYBE),
        tags=draw(st.lists(st.text("abcđ -_]/", min_size=1).map(str.strip).filter(bool))),
    )
    if kind == "single_choice":
        others = draw(st.lists(st.builds(ParsedAnswer, TEXT, FRACTION, MAYBE), min_size=1))
        q.answers = [ParsedAnswer(draw(TEXT), 1.0, draw(MAYBE)), *others]
    elif kind == "multiple_choice":
        cut = draw(st.sampled_from([10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90]))
        q.answers = [ParsedAnswer(draw(TEXT), p / 100, draw(MAYBE)) for p in (cut, 100 - cut)]
        wrong = st.builds(ParsedAnswer, TEXT, PERCENT.map(lambda p: -abs(p) / 100))
        q.answers += draw(st.lists(wrong))
    elif kind == "true_false":
        q.correct, q.feedback_true, q.feedback_false = draw(st.booleans()), draw(MAYBE), draw(MAYBE)
    elif kind == "short_answer":
        q.answers = [ParsedAnswer(draw(SAFE_TEXT), 1.0, draw(SAFE_TEXT.filter(bool) | st.just("")))]
        q.answers += draw(st.lists(st.builds(ParsedAnswer, SAFE_TEXT, FRACTION, st.just(""))))
        q.case_sensitive, q.ignore_diacritics = draw(st.booleans()), draw(st.booleans())
    elif kind == "numerical":
        exact = st.builds(
            lambda v, t, f, fb: ParsedAnswer("", f, fb, v, abs(t)), NUMBER, NUMBER, FRACTION, MAYBE
        )
        ranged = st.builds(
            lambda a, b, f, fb: numeric_range(min(a, b), max(a, b), f, fb),
            NUMBER,
            NUMBER,
            FRACTION,
            MAYBE,
        )
        q.answers = [ParsedAnswer("", 1.0, "", draw(NUMBER), 0.0)]
        q.answers += draw(st.lists(st.one_of(exact, ranged), max_size=3))
        if draw(st.booleans()):
            where = draw(st.integers(0, len(q.answers)))
            q.answers.insert(where, ParsedAnswer(CATCH_ALL, draw(FRACTION), draw(MAYBE)))
    elif kind == "matching":
        pair = st.builds(lambda a, b: ParsedAnswer(a, match=b), SAFE_TEXT, TEXT)
        q.answers = draw(st.lists(pair, min_size=2))
        q.answers += draw(st.lists(st.builds(lambda b: ParsedAnswer("", match=b), TEXT)))
    return q


CATEGORY = st.one_of(st.just(""), st.text("abc đ/_$", min_size=1).map(str.strip))


@pytest.mark.fuzz
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(question(), CATEGORY), max_size=4))
def test_dump_then_parse_gives_the_same_questions(items: list) -> None:
    questions = []
    for q, category in items:
        q.category = category
        questions.append(q)
    assert parse_gift(dump_gift(questions)) == questions
