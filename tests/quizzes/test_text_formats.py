"""Question text is rendered as Moodle renders its format (issue 12), always sanitised;
every answer and feedback keeps its own format marker through import and export."""

from __future__ import annotations

import re

from lms.quizzes.bank import content_of, to_parsed
from lms.quizzes.gift import dump_gift, parse_gift
from lms.quizzes.models import Question, QuestionVersion
from lms.quizzes.moodlexml import dump_moodle_xml, parse_moodle_xml
from lms.quizzes.render import text_html


def test_moodle_format_keeps_html_and_line_breaks_and_is_not_markdown() -> None:
    html = str(text_html("Chọn <b>một</b> đáp án:\n1. Luật Cơ yếu\n2. *Nghị định*", "moodle"))
    assert "<b>một</b>" in html and "&lt;b&gt;" not in html
    assert html.count("<br>") == 2
    assert "<ol>" not in html and "<li>" not in html and "<em>" not in html
    assert "*Nghị định*" in html


def test_moodle_format_drops_the_white_space_between_tags_as_moodle_does() -> None:
    html = str(text_html("<ul>\n<li>a</li>\n<li>b</li>\n</ul>", "moodle"))
    assert "<br>" not in html and html.count("<li>") == 2


def test_every_format_is_sanitised() -> None:
    attack = '<img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:x">l</a>'
    for fmt in ("moodle", "html", "markdown", "plain"):
        html = str(text_html(attack, fmt))
        assert not re.search(r"<[^>]*onerror", html) and "<script" not in html
        assert not re.search(r'<a [^>]*javascript', html)


def test_plain_and_markdown_formats() -> None:
    assert str(text_html("a <b>\nb", "plain")) == "a &lt;b&gt;<br>b"
    assert "<strong>x</strong>" in str(text_html("**x**", "markdown"))


GIFT = ("::q::[html]Chọn <b>một</b>? {\n\t=[plain]a <i>#[moodle]Đúng <b>!</b>\n"
        "\t~[markdown]**b**#[html]<i>Sai</i>\n\t####[markdown]Xem *Điều 5*\n}\n")


def test_gift_keeps_the_format_of_each_answer_and_feedback_both_ways() -> None:
    [q] = parse_gift(GIFT)
    assert q.text_format == "html"
    assert [(a.text_format, a.feedback_format) for a in q.answers] == [
        ("plain", "moodle"), ("markdown", "")]
    assert q.general_feedback_format == "markdown"
    assert parse_gift(dump_gift([q])) == [q]
    xml = dump_moodle_xml([q])
    assert parse_moodle_xml(xml) == [q]


def test_true_false_feedback_formats_round_trip() -> None:
    [q] = parse_gift("::tf:: Đúng không? {T#[html]<b>Sai</b>#[plain]Đúng <b>}\n")
    assert (q.feedback_false_format, q.feedback_true_format) == ("html", "plain")
    assert parse_gift(dump_gift([q])) == [q]
    assert parse_moodle_xml(dump_moodle_xml([q])) == [q]


def test_stored_questions_keep_their_formats() -> None:
    [q] = parse_gift(GIFT)
    content = content_of(q)
    version = QuestionVersion(**content)
    back = to_parsed(Question(name="q", idnumber="", category="", tags=[]), version)
    assert back == q


def test_the_review_renders_each_feedback_in_its_format(app) -> None:
    from types import SimpleNamespace

    from lms.quizzes.render import slot_payload

    [q] = parse_gift(GIFT)
    version = QuestionVersion(**content_of(q))
    item = SimpleNamespace(attempt_id=1, slot=1, question_id=1, version=version,
                           option_order=["a0", "a1"], response="a1", fraction=0.0,
                           points=0.0, max_points=1.0, comment="", seq=1)
    out = slot_payload(item, {"feedback"}, include_answer=False)
    assert out["feedback_html"] == ["<i>Sai</i>", "Xem <em>Điều 5</em>"]
    options = {o["text_html"] for o in out["options"]}
    assert options == {"a &lt;i&gt;", "<strong>b</strong>"}
