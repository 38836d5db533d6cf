"""GIFT import/export: Moodle-compatible parsing, error reporting and round trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.quizzes.gift import GiftError, dump_gift, parse_gift
from lms.quizzes.gift_dump import WS
from lms.quizzes.parsed import (
    CATCH_ALL,
    QUESTION_TYPES,
    ParsedAnswer,
    ParsedQuestion,
    QuestionFormatError,
    QuestionType,
    numeric_range,
)

RICH = (Path(__file__).parent / "data" / "rich.gift").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rich() -> dict[str, ParsedQuestion]:
    return {q.name or q.text[:10]: q for q in parse_gift(RICH, "rich.gift")}


def pairs(q: ParsedQuestion) -> list[tuple[str, float, str]]:
    return [(a.text, a.fraction, a.feedback) for a in q.answers]


# --- The rich sample ------------------------------------------------------------------------


def test_rich_sample_has_every_question_in_order() -> None:
    questions = parse_gift(RICH, "rich.gift")
    assert [(q.line, q.type) for q in questions] == [
        (8, "single_choice"),
        (15, "multiple_choice"),
        (23, "true_false"),
        (25, "true_false"),
        (27, "numerical"),
        (29, "numerical"),
        (31, "numerical"),
        (37, "numerical"),
        (41, "matching"),
        (49, "short_answer"),
        (54, "single_choice"),
        (56, "essay"),
        (62, "single_choice"),
    ]


def test_single_choice_with_formats_feedback_tags_and_category(rich: dict) -> None:
    q = rich["Khái niệm"]
    assert q.text == "Cơ quan nào **quản lý nhà nước** về cơ yếu?"
    assert q.text_format == "markdown"
    assert q.category == "Cơ yếu/Chương 1"  # "$course$/top/" dropped
    assert q.tags == ["cơ bản", "chương-1"]  # Moodle's // [tag:…] comments
    assert pairs(q) == [
        ("Bộ Quốc phòng", 1.0, "Đúng: theo Luật Cơ yếu."),
        ("Bộ Công an", 0.0, "Sai."),
        ("Bộ Nội vụ", 0.0, ""),  # the [plain] prefix is stripped, as Moodle does
    ]
    assert q.general_feedback == "Xem Luật Cơ yếu 2011, Điều 5."


def test_multiple_choice_weights(rich: dict) -> None:
    q = rich["Nhiều đáp án"]
    assert q.text == "Những hoạt động nào thuộc lĩnh vực cơ yếu?"
    assert q.text_format == "moodle"
    assert [a.fraction for a in q.answers] == pytest.approx([0.5, 0.5, -0.3333333, -0.6666667])
    assert [a.feedback for a in q.answers] == ["Đúng", "Đúng", "Sai", ""]


def test_true_false_feedback_follows_moodle(rich: dict) -> None:
    t = rich["Đúng sai 1"]
    assert (t.correct, t.feedback_true, t.feedback_false, t.answers) == (True, "", "", [])
    f = rich["Đúng sai 2"]
    assert f.text == "<p>Mật mã <b>dân sự</b> thuộc cơ yếu.</p>"
    assert f.text_format == "html"
    # {FALSE#wrong#right}: answering True is wrong, answering False is right.
    assert (f.correct, f.feedback_true, f.feedback_false) == (False, "Sai rồi.", "Chính xác!")
    assert f.general_feedback == "Phân biệt với mật mã dân sự."


def test_numerical_values_tolerances_ranges_and_catch_all(rich: dict) -> None:
    year = rich["Năm ban hành"].answers
    assert [(a.value, a.tolerance, a.fraction) for a in year] == [(2011.0, 0.0, 1.0)]
    (span,) = rich["Khoảng"].answers
    assert (span.low, span.high, span.value, span.tolerance) == (1.0, 5.0, 3.0, 2.0)
    pi = rich["Số pi"].answers
    assert [(a.text, a.value, a.tolerance, a.fraction, a.feedback) for a in pi] == [
        ("", 3.1416, 0.0001, 1.0, "Chính xác"),
        ("", 3.14, 0.01, 0.5, "Gần đúng"),
        (CATCH_ALL, None, None, 0.0, "Sai hoàn toàn"),
    ]
    assert [(a.value, a.tolerance) for a in rich["Nhiệt độ"].answers] == [(-15.0, 0.5)]


def test_matching_pairs_and_distractor(rich: dict) -> None:
    q = rich["Ghép nối"]
    assert q.text_format == "plain"
    assert q.category == "Chương 2"
    assert [(a.text, a.match) for a in q.answers] == [
        ("Ban Cơ yếu Chính phủ", "Tham mưu, quản lý"),
        ("Cục Quản lý mật mã dân sự", "Cấp phép"),
        ("Học viện Kỹ thuật mật mã", "Đào tạo"),
        ("", "Kinh doanh"),
    ]


def test_short_answer_weights_and_diacritics_directive(rich: dict) -> None:
    q = rich["Điền từ"]
    assert q.ignore_diacritics is True
    assert q.case_sensitive is False
    assert pairs(q) == [
        ("Ban Cơ yếu Chính phủ", 1.0, ""),
        ("Ban Cơ yếu", 0.5, 'Thiếu "Chính phủ".'),
    ]


def test_missing_word_gets_a_blank(rich: dict) -> None:
    q = rich["Ngày truyề"]
    assert q.name == ""
    assert q.text == (
        "Ngày truyền thống của ngành Cơ yếu là _____, do Chủ tịch Hồ Chí Minh quyết định."
    )
    assert [a.text for a in q.answers if a.fraction == 1] == ["12/9/1945"]


def test_multi_line_essay_drops_comment_lines_but_keeps_urls(rich: dict) -> None:
    q = rich["Tự luận"]
    assert q.type == "essay"
    # Lines are trimmed and a comment line becomes " ", exactly as in Moodle.
    assert q.text == (
        "Trình bày vai trò của cơ yếu\ntrong bảo vệ thông tin bí mật nhà nước.\n \n"
        "Xem https://example.vn/luat-co-yeu (tối đa 500 từ)."
    )
    assert q.general_feedback == "Bài làm cần nêu 3 ý."


def test_escapes(rich: dict) -> None:
    q = rich["Ký tự : đặc biệt"]
    assert q.text == "Biểu thức 1 = 1, {a}, a ~ b, # và \\ đều là văn bản\nDòng thứ hai."
    assert pairs(q) == [("Đúng\\sai", 1.0, "Dấu \\n giữ nguyên"), ("Sai", 0.0, "")]


def test_windows_line_endings_and_bom_change_nothing() -> None:
    windows = "\ufeff" + RICH.replace("\n", "\r\n")
    assert parse_gift(windows) == parse_gift(RICH)
    assert [q.line for q in parse_gift(windows)] == [q.line for q in parse_gift(RICH)]


# --- Cases from Moodle's own giftformat_test.php ---------------------------------------------


def test_moodle_match_with_item_formats_and_distractor() -> None:
    (q,) = parse_gift(
        "// question: 2  name: Moodle activities\n"
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        "    =[html]An activity supporting asynchronous discussions. -> Forum\n"
        "    =[moodle]A teacher asks a question. -> Choice\n"
        "    = -> Chat\n"
        "}"
    )
    assert (q.type, q.text_format) == ("matching", "html")
    assert q.text == "Match the <b>activity</b> to the description."
    assert [(a.text, a.match) for a in q.answers] == [
        ("An activity supporting asynchronous discussions.", "Forum"),
        ("A teacher asks a question.", "Choice"),
        ("", "Chat"),
    ]


def test_moodle_numerical_with_wrong_answer_feedback() -> None:
    (q,) = parse_gift("::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    assert [(a.text, a.value, a.tolerance, a.fraction, a.feedback) for a in q.answers] == [
        ("", 3.0, 2.0, 1.0, ""),
        (CATCH_ALL, None, None, 0.0, "Completely wrong"),
    ]


def test_moodle_short_answer_with_wildcard_and_general_feedback() -> None:
    (q,) = parse_gift(
        "::Shortanswer::Which is the best animal?{\n"
        "    =Frog#Good!\n"
        "    =%50%Cat#What is it with Moodlers and cats?\n"
        "    =%0%*#Completely wrong\n"
        "    ####[html]Here is some general feedback!\n"
        "}"
    )
    assert q.type == "short_answer"
    assert pairs(q) == [
        ("Frog", 1.0, "Good!"),
        ("Cat", 0.5, "What is it with Moodlers and cats?"),
        ("*", 0.0, "Completely wrong"),
    ]
    assert q.general_feedback == "Here is some general feedback!"


def test_moodle_backslashes_and_tags() -> None:
    (q,) = parse_gift(
        "// [tag:  basic] Here is\n// a [id: four ] que[tag:add   ]stion [tag:t\\]ag].\n"
        "::double backslash:: A \\\\ B \\\\\\\\ C{}"
    )
    assert q.text == "A \\ B \\\\ C"
    assert q.tags == ["basic", "add", "t]ag"]


@pytest.mark.parametrize("answer", ["T", "TRUE", "F", "FALSE"])
def test_true_false_spellings(answer: str) -> None:
    (q,) = parse_gift(f"::2-08 TSL::TSL is blablabla.{{{answer}}}")
    assert q.type == "true_false"
    assert q.correct is answer.startswith("T")


def test_unknown_bracket_words_stay_text() -> None:
    (q,) = parse_gift("[A] Hà Nội hay [b] Huế?{=[Note] Hà Nội ~Huế}")
    assert q.text == "[A] Hà Nội hay [b] Huế?"
    assert q.answers[0].text == "[Note] Hà Nội"


def test_case_sensitive_directive_and_comment_only_paragraphs() -> None:
    (q,) = parse_gift("// just a note\n\n// lms: case-sensitive\nMã hiệu?{=CY-01}\n\n// end\n")
    assert (q.case_sensitive, q.ignore_diacritics, q.line) == (True, False, 4)


# --- Errors -----------------------------------------------------------------------------------

OK = "::Ok:: Hợp lệ {=a ~b}\n\n"  # puts every faulty question on line 3 or later

ERRORS = [
    ("unclosed brace", OK + "Q {\n=a\n~b", 3, "Unclosed answer block, opened at line 3"),
    ("close without open", OK + "Q } x {=a ~b}", 3, "without a matching “{”"),
    ("close after block", OK + "Q {=a ~b}\n}", 4, "without a matching “{”"),
    ("nested open", OK + "Q {=a\n{~b}", 4, "“{” inside an answer block"),
    ("no answer block", OK + "// c\nJust some text", 4, "no answer block"),
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


SPECIAL = st.sampled_from(
    [*"{}=~#:\\\n[]%->", "_____", "//", "::", "####", "[html]", "$CATEGORY:", "\ufeff", "%50%"]
)
CHAR = st.one_of(SPECIAL, st.characters(exclude_categories=("Cs",), exclude_characters="\r"))
TEXT = st.lists(CHAR, min_size=1, max_size=12).map("".join).filter(lambda s: s == s.strip(WS))
SAFE_TEXT = TEXT.filter(lambda s: "->" not in s)
MAYBE = st.one_of(st.just(""), TEXT)
PERCENT = st.one_of(st.integers(-100, 100).map(float), st.sampled_from([33.33333, -12.5, 0.5]))
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
        general_feedback=draw(MAYBE),
        tags=draw(st.lists(st.text("abcđ -_]/", min_size=1).map(str.strip).filter(bool))),
    )
    if kind == "single_choice":
        others = draw(st.lists(st.builds(ParsedAnswer, TEXT, FRACTION, MAYBE), min_size=1))
        q.answers = [ParsedAnswer(draw(TEXT), 1.0, draw(MAYBE)), *others]
    elif kind == "multiple_choice":
        cut = draw(st.integers(1, 99))
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
