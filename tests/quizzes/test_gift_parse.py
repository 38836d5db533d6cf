"""GIFT parsing of every question type: the rich sample and Moodle's own test cases."""

from __future__ import annotations

import pytest

from lms.quizzes.gift import parse_gift
from lms.quizzes.parsed import CATCH_ALL, ParsedQuestion
from tests.quizzes.conftest import RICH


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
