"""Moodle XML import/export, including refusal of hostile XML."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.gift import parse_gift
from lms.quizzes.moodlexml import MoodleXmlError, dump_moodle_xml, parse_moodle_xml
from lms.quizzes.parsed import CATCH_ALL, ParsedQuestion, QuestionFormatError

DATA = Path(__file__).parent / "data"
SAMPLE = (DATA / "sample.xml").read_bytes()


@pytest.fixture(scope="module")
def sample() -> dict[str, ParsedQuestion]:
    return {q.name: q for q in parse_moodle_xml(SAMPLE, "sample.xml")}


def test_every_type_is_read_with_its_line() -> None:
    questions = parse_moodle_xml(SAMPLE, "sample.xml")
    assert [(q.line, q.type, q.category) for q in questions] == [
        (14, "single_choice", "Cơ yếu/Chương 1"),
        (48, "multiple_choice", "Cơ yếu/Chương 1"),
        (57, "true_false", "Cơ yếu/Chương 1"),
        (68, "short_answer", "Chương 2"),
        (76, "numerical", "Chương 2"),
        (85, "matching", "Chương 2"),
        (94, "essay", "Chương 2"),
    ]


def test_single_choice_text_format_feedback_and_tags(sample: dict) -> None:
    q = sample["Khái niệm"]
    assert q.text == "<p>Cơ quan nào <b>quản lý nhà nước</b> về cơ yếu?</p>"
    assert q.text_format == "html"
    assert q.general_feedback == "Xem Luật Cơ yếu 2011."
    assert q.tags == ["cơ bản", "chương-1"]
    assert [(a.text, a.fraction, a.feedback) for a in q.answers] == [
        ("Bộ Quốc phòng", 1.0, "Đúng."),
        ("Bộ Công an", 0.0, ""),
    ]


def test_multiple_choice_and_true_false(sample: dict) -> None:
    multi = sample["Nhiều đáp án"]
    assert multi.text_format == "markdown"
    assert [a.fraction for a in multi.answers] == pytest.approx([0.5, 0.5, -0.3333333])
    assert multi.answers[2].feedback == "Sai"
    tf = sample["Đúng sai"]
    assert (tf.correct, tf.feedback_true, tf.feedback_false) == (False, "Sai rồi.", "Chính xác!")
    assert tf.text_format == "moodle"


def test_short_answer_numerical_matching_essay(sample: dict) -> None:
    short = sample["Điền từ"]
    assert (short.text_format, short.case_sensitive) == ("plain", True)
    assert [(a.text, a.fraction) for a in short.answers] == [("BCY", 1.0), ("CY", 0.5)]
    numeric = sample["Năm"].answers
    assert [(a.text, a.value, a.tolerance, a.fraction) for a in numeric] == [
        ("", 2011.0, 0.0, 1.0),
        ("", 2011.0, 1.0, 0.5),
        (CATCH_ALL, None, None, 0.0),
    ]
    matching = sample["Ghép nối"].answers
    assert [(a.text, a.match) for a in matching] == [
        ("Ban Cơ yếu Chính phủ", "Quản lý"),
        ("Học viện Kỹ thuật mật mã", "Đào tạo"),
        ("", "Kinh doanh"),
    ]
    essay = sample["Tự luận"]
    assert essay.text == "<p>Trình bày vai trò của cơ yếu &amp; an ninh.</p>"
    assert (essay.answers, essay.general_feedback) == ([], "Nêu 3 ý.")


def test_xml_round_trip() -> None:
    parsed = parse_moodle_xml(SAMPLE)
    assert parse_moodle_xml(dump_moodle_xml(parsed)) == parsed


def test_gift_and_xml_agree_on_the_rich_gift_sample() -> None:
    from_gift = parse_gift((DATA / "rich.gift").read_text(encoding="utf-8"))
    # Moodle XML stores a range as value ± tolerance, so low/high do not survive.
    expected = [
        dataclasses.replace(
            q, answers=[dataclasses.replace(a, low=None, high=None) for a in q.answers]
        )
        for q in from_gift
    ]
    assert parse_moodle_xml(dump_moodle_xml(from_gift)) == expected


# --- Hostile or broken files ------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<quiz><question type="essay"><questiontext><text>&lol9;</text></questiontext></question></quiz>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><questiontext><text>&secret;</text></questiontext></question></quiz>
"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE quiz SYSTEM "http://example.invalid/quiz.dtd">
<quiz/>
"""


@pytest.mark.parametrize(
    "data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD], ids=["bomb", "xxe", "dtd"]
)
def test_dangerous_xml_is_refused(data: bytes) -> None:
    with pytest.raises(MoodleXmlError) as caught:
        parse_moodle_xml(data, "evil.xml")
    assert caught.value.line == 2
    assert str(caught.value) == (
        "evil.xml:2: DOCTYPE and entity declarations are not allowed in question files."
    )


def question_xml(body: str, kind: str = "multichoice") -> bytes:
    return (
        '<?xml version="1.0"?>\n<quiz>\n'
        f'<question type="{kind}">\n<questiontext><text>Q</text></questiontext>\n{body}\n'
        "</question>\n</quiz>\n"
    ).encode()


BAD = [
    ("malformed", b"<quiz>\n<question>\n</quiz>", 3, "Malformed XML: mismatched tag"),
    ("undefined entity", b"<quiz>\n&nbsp;</quiz>", 2, "Malformed XML: undefined entity"),
    ("empty file", b"", 1, "Malformed XML"),
    ("wrong root", b"<?xml version='1.0'?>\n<questions/>", 2, "must be <quiz>"),
    ("unsupported type", question_xml("", "calculated"), 3, "Unsupported question type"),
    ("bad fraction", question_xml('<answer fraction="x"><text>a</text></answer>'), 5, "“x”"),
    ("fraction too big", question_xml('<answer fraction="150"><text>a</text></answer>'), 5, "150"),
    (
        "no 100% option",
        question_xml(
            '<answer fraction="50"><text>a</text></answer><answer><text>b</text></answer>'
        ),
        3,
        "needs an option worth 100%",
    ),
    (
        "numerical not a number",
        question_xml('<answer fraction="100"><text>3,5</text></answer>', "numerical"),
        5,
        "“3,5”",
    ),
    (
        "matching one pair",
        question_xml(
            "<subquestion><text>a</text><answer><text>b</text></answer></subquestion>", "matching"
        ),
        3,
        "at least 2 pairs",
    ),
]


@pytest.mark.parametrize(("data", "line", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_invalid_files_report_line_and_reason(data: bytes, line: int, reason: str) -> None:
    with pytest.raises(MoodleXmlError) as caught:
        parse_moodle_xml(data, "bank.xml")
    err = caught.value
    assert (err.filename, err.line) == ("bank.xml", line), err.reason
    assert reason in err.reason
    assert str(err) == f"bank.xml:{line}: {err.reason}"
    assert isinstance(err, QuestionFormatError)


XML_PIECES = [
    *SAMPLE.decode().split(">"),
    "<quiz>",
    "</quiz>",
    '<question type="numerical">',
    "</question>",
    '<answer fraction="1e999">',
    "&amp;",
    "&x;",
    "<!DOCTYPE q>",
    "\x00",
]


@pytest.mark.fuzz
@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        st.lists(st.sampled_from(XML_PIECES), max_size=40).map(lambda p: ">".join(p).encode()),
    )
)
def test_any_bytes_parse_or_raise_moodle_xml_error(data: bytes) -> None:
    try:
        result = parse_moodle_xml(data)
    except MoodleXmlError as err:
        message = str(err)
    else:
        assert all(isinstance(q, ParsedQuestion) for q in result)
        return
    assert message.startswith("<xml>:")
