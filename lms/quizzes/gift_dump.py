"""Writes GIFT for :func:`lms.quizzes.gift.dump_gift` (the format is documented there).

The layout is Moodle's: ``// [id:…]``, ``// [tag:…]`` and ``// lms: …`` comment lines, then
``::title:: [format]text {`` with one tab-indented option per line and the general feedback
last, a blank line between questions, and ``$CATEGORY: $course$/top/…`` whenever the category
changes.  Special characters are escaped, so every text comes back exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lms.quizzes.parsed import (
    BLANK,
    CATCH_ALL,
    ParsedAnswer,
    ParsedQuestion,
    format_number,
    format_percent,
    validate,
)

__all__ = ["CATEGORY", "DIRECTIVES", "EXAM_POOL", "WS", "dump_gift"]

WS = " \t\n\r\0\x0b"
"""What PHP's ``trim()`` strips; Moodle trims with it (``str.strip()`` strips more)."""
CATEGORY = "$CATEGORY:"
DIRECTIVES = {"ignore-diacritics": "ignore_diacritics", "case-sensitive": "case_sensitive"}
EXAM_POOL = "exam-pool"  # the one directive of a $CATEGORY paragraph
"""``// lms: NAME`` comment before a short-answer question → ParsedQuestion attribute set."""

_ESCAPES = str.maketrans({c: "\\" + c for c in "\\#=~{}:"} | {"\n": "\\n", "\r": ""})
_BAD_TAG = re.compile(r"[<>`\\\x00-\x1f\x7f]")
_BAD_ID = re.compile(r"[\[\\\x00-\x1f\x7f]")


def dump_gift(questions: Iterable[ParsedQuestion]) -> str:
    """Write ``questions`` as GIFT that :func:`parse_gift` (and Moodle) read back unchanged.

    Raises :class:`ValueError` for a question GIFT cannot express: one :func:`validate`
    rejects, ``->`` in a matching item or short answer, a tag with ``<>`` or control characters.
    """
    paragraphs, category = [], ""
    for q in questions:
        if q.category != category:
            if "\n" in q.category or "\r" in q.category:
                raise ValueError(f"category {q.category!r} contains a line break")
            line = f"{CATEGORY} $course$/top/{q.category}".rstrip(WS)
            paragraphs.append(f"// lms: {EXAM_POOL}\n{line}" if q.exam_pool else line)
            category = q.category
        paragraphs.append(_dump_question(q))
    return "\n\n".join(paragraphs) + "\n" if paragraphs else ""


def _dump_question(q: ParsedQuestion) -> str:
    problem = validate(q) or unwritable(q)
    if problem:
        raise ValueError(f"{q.name or q.text[:40]!r}: {problem}")
    lines = ["// [id:" + q.idnumber.replace("]", "\\]") + "]"] if q.idnumber else []
    lines += ["// [tag:" + tag.replace("]", "\\]") + "]" for tag in q.tags]
    if q.type == "short_answer":
        lines += [f"// lms: {d}" for d, attr in DIRECTIVES.items() if getattr(q, attr)]
    title = f"::{q.name.translate(_ESCAPES)}:: " if q.name else ""
    explicit = q.text_format != "moodle" or q.text.startswith(("[", "//", "\ufeff"))
    before, after = q.text + " ", ""
    blank = q.text.find(BLANK) if q.type != "description" else -1
    if 0 <= blank < len(q.text) - len(BLANK):
        before, after = q.text[:blank], q.text[blank + len(BLANK) :]
    block = "" if q.type == "description" else _block(q)
    text = (before.translate(_ESCAPES) + block + after.translate(_ESCAPES)).rstrip(WS)
    lines.append(title + (f"[{q.text_format}]" if explicit else "") + text)
    return "\n".join(lines)


def unwritable(q: ParsedQuestion) -> str | None:
    """Why GIFT cannot hold ``q`` (Moodle XML can), or ``None``."""
    if q.idnumber and (q.idnumber != q.idnumber.strip(WS) or _BAD_ID.search(q.idnumber)):
        return "the ID number is padded, or has [, \\ or control characters"
    if any(tag != tag.strip(WS) or not tag or _BAD_TAG.search(tag) for tag in q.tags):
        return "a tag is empty, padded, or has <, >, `, \\ or control characters"
    if q.type == "description" and q.general_feedback:
        return "GIFT cannot hold a description's general feedback"
    if q.hints or q.correct_feedback or q.partially_correct_feedback or q.incorrect_feedback:
        return "GIFT cannot hold hints or combined feedback"
    if q.files:
        return "GIFT cannot hold embedded files"
    if q.response_template or q.grader_info:
        return "GIFT cannot hold an essay's response template or grader information"
    if q.type == "matching" and any("->" in a.text for a in q.answers):
        return "a matching item contains '->'"
    texts = [t for a in q.answers for t in (a.text, a.feedback)]
    if q.type == "short_answer" and any("->" in t for t in texts):
        return "a short answer or its feedback contains '->'"
    return None


def _block(q: ParsedQuestion) -> str:
    """The ``{…}`` answer block of ``q``, one option per line."""
    fmt = q.text_format
    general = (f"####{_text(q.general_feedback, fmt, q.general_feedback_format)}"
               if q.general_feedback else "")
    if q.type == "essay":
        return "{" + general + "}"
    if q.type == "true_false":
        right = (q.feedback_true, q.feedback_true_format)
        wrong = (q.feedback_false, q.feedback_false_format)
        if not q.correct:
            right, wrong = wrong, right
        parts = ["TRUE" if q.correct else "FALSE"]
        parts += [_text(f, fmt, own) for f, own in (wrong, right)][
            : 2 if right[0] else 1 if wrong[0] else 0]
        return "{" + "#".join(parts) + general + "}"
    options = []
    first_correct = next((i for i, a in enumerate(q.answers) if a.fraction == 1), -1)
    for i, a in enumerate(q.answers):
        feedback = f"#{_text(a.feedback, fmt, a.feedback_format)}" if a.feedback else ""
        text = _text(a.text, fmt, a.text_format)
        if q.type == "matching":
            options.append(f"={text} -> {a.match.translate(_ESCAPES)}")
        elif q.type == "numerical":
            options.append(_numeric(a, feedback, last=i == len(q.answers) - 1))
        elif q.type == "single_choice" and i == first_correct:
            options.append(f"={text}{feedback}")
        else:
            marker, default = ("=", 1.0) if q.type == "short_answer" else ("~", 0.0)
            options.append(f"{marker}{_weight(a.fraction, default, text)}{text}{feedback}")
    if general:
        options.append(general)
    opening = "{#" if q.type == "numerical" else "{"
    return opening + "".join(f"\n\t{o}" for o in options) + "\n}"


def _numeric(a: ParsedAnswer, feedback: str, last: bool) -> str:
    if a.text == CATCH_ALL or a.value is None:
        if last and a.fraction == 0:
            return f"~{feedback or '#'}"  # Moodle's "any other answer"
        value = CATCH_ALL
    elif a.low is not None and a.high is not None:
        value = f"{format_number(a.low)}..{format_number(a.high)}"
    else:
        value = f"{format_number(a.value)}:{format_number(a.tolerance or 0.0)}"
    return f"={_weight(a.fraction, 1.0, value)}{value}{feedback}"


def _weight(fraction: float, default: float, text: str) -> str:
    """``%n%`` unless ``fraction`` is the default and the text cannot be mistaken for one."""
    if fraction == default and not text.startswith("%"):
        return ""
    return f"%{format_percent(fraction)}%"


def _text(text: str, fmt: str, own: str = "") -> str:
    """Escape ``text``, with its own format's marker when it differs from the question's
    ``fmt``, and protecting a leading ``[`` from being read as a format."""
    marker = own if own and own != fmt else (fmt if text.startswith("[") else "")
    return (f"[{marker}]" if marker else "") + text.translate(_ESCAPES)
