"""GIFT error reporting: file names, line numbers and reasons, for any input text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.gift import GiftError, parse_gift
from lms.quizzes.parsed import ParsedQuestion, QuestionFormatError

# --- Errors -----------------------------------------------------------------------------------

OK = "::Ok:: Hợp lệ {=a ~b}\n\n"  # puts every faulty question on line 3 or later

ERRORS = [
    ("unclosed brace", OK + "Q {\n=a\n~b", 3, "Unclosed answer block, opened at line 3"),
    ("close without open", OK + "Q } x {=a ~b}", 3, "without a matching “{”"),
    ("close after block", OK + "Q {=a ~b}\n}", 4, "without a matching “{”"),
    ("nested open", OK + "Q {=a\n{~b}", 4, "“{” inside an answer block"),
    ("unknown format", OK + "[htm]Q {=a ~b}", 3, "Unknown text format [htm]"),
    ("mis-cased format", OK + "Q {\n=[HTML]a\n~b}", 4, "Unknown text format [HTML]"),
    ("weight not a number", OK + "Q {\n=a\n~%abc%b}", 5, "Invalid weight “%abc%”"),
    ("weight too big", OK + "Q {~%150%a ~b}", 3, "Invalid weight “%150%”"),
    ("weight not closed", OK + "Q {=a\n~%50 b}", 4, "Invalid weight"),
    ("short answer weight", OK + "Q {=a\n=%x%b}", 4, "Invalid weight “%x%”"),
    ("no correct option", OK + "Q {\n~a\n~b}", 3, "No correct option"),
    ("two correct options", OK + "Q {\n=a\n=b\n~c}", 5, "More than one correct option"),
    ("weights not 100", OK + "Q {~%50%a ~%40%b}", 3, "add up to 90%"),
    ("one option", OK + "Q {~%100%a}", 3, "at least 2 options"),
    ("numeric not a number", OK + "Q {#\n=abc}", 4, "“abc” is not a number"),
    ("decimal comma", OK + "Q {#3,5}", 3, "“3,5” is not a number"),
    ("bad tolerance", OK + "Q {#3:x}", 3, "is not a number"),
    ("infinity", OK + "Q {#inf}", 3, "“inf” is not a number"),
    ("digit separator", OK + "Q {#1_000}", 3, "“1_000” is not a number"),
    ("non-ASCII digits", OK + "Q {#٣}", 3, "“٣” is not a number"),
    ("negative tolerance", OK + "Q {#3:-1}", 3, "is not a number"),
    ("range backwards", OK + "Q {#\n=%50%1..2\n=5..1}", 5, "Invalid range “5..1”"),
    ("range not numbers", OK + "Q {#1..x}", 3, "Invalid range"),
    ("numeric junk after ~", OK + "Q {#5 ~ other}", 3, "“~” takes only #feedback"),
    ("numeric without answer", OK + "Q {#}", 3, "has no answer"),
    ("pair without arrow", OK + "Q {\n=a -> 1\n=b 2\n=c -> 3}", 5, "needs “->”"),
    ("too few pairs", OK + "Q {=a -> 1 = -> 2}", 3, "at least 2 pairs"),
    ("empty option", OK + "Q {\n=a\n~#why}", 5, "An option has no text"),
    ("empty short answer", OK + "Q {=a =}", 3, "An option has no text"),
    ("true/false junk", OK + "Q\n{TRUE or not}", 4, "Expected T, TRUE, F or FALSE"),
    ("lower-case true", OK + "Q {true}", 3, "Expected T, TRUE, F or FALSE"),
    ("text before options", OK + "Q {junk ~a =b}", 3, "Unexpected text “junk”"),
    ("unterminated title", OK + "::Title Q {=a ~b}", 3, "title is not closed"),
    ("empty question text", OK + "::T:: {=a ~b}", 3, "question text is empty"),
    ("two questions glued", OK + "Q1 {=a ~b}\nQ2 {=c ~d}", 4, "second answer block"),
    ("text after category", OK + "$CATEGORY: X\nQ {=a ~b}", 4, "blank line before and after"),
    ("category mid-question", OK + "Q {=a ~b}\n$CATEGORY: X", 4, "blank line before and after"),
    ("directive on wrong type", OK + "// lms: ignore-diacritics\nQ {T}", 3, "only applies"),
    ("unknown directive", OK + "// lms: ignore-accents\nQ {=a}", 3, "Unknown directive"),
    ("directive after question", OK + "Q {\n// lms: case-sensitive\n=a}", 4, "must come before"),
    ("directive alone", OK + "// lms: case-sensitive\n", 3, "must come before"),
]


@pytest.mark.parametrize(
    ("source", "line", "reason"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_error_line_and_reason(source: str, line: int, reason: str) -> None:
    with pytest.raises(GiftError) as caught:
        parse_gift(source, "bank.gift")
    err = caught.value
    assert (err.filename, err.line) == ("bank.gift", line), err.reason
    assert reason in err.reason
    assert str(err) == f"bank.gift:{line}: {err.reason}"
    assert isinstance(err, QuestionFormatError)


def test_all_bad_questions_are_reported_at_once() -> None:
    with pytest.raises(GiftError) as caught:
        parse_gift("Q1 {=a ~b\n\nQ2 {=a ~b}\n\nQ3 {#x}\n", "b.gift")
    assert str(caught.value).splitlines() == [
        "b.gift:1: Unclosed answer block, opened at line 1.",
        f"b.gift:5: {caught.value.errors[1].reason}",
    ]
    assert caught.value.line == 1


# --- Properties -------------------------------------------------------------------------------

GIFT_ALPHABET = [*"{}=~#:%->.[]\\n /$_TF0123456789aăâđ\t\n\r", "::", "//", "####", "->"]


@pytest.mark.fuzz
@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.lists(st.sampled_from(GIFT_ALPHABET), max_size=60).map("".join)))
def test_any_text_parses_or_raises_gift_error(text: str) -> None:
    try:
        result = parse_gift(text)
    except GiftError as err:
        message, line = str(err), err.line
    else:
        assert all(isinstance(q, ParsedQuestion) for q in result)
        return
    assert message.startswith(f"<gift>:{line}: ")
