"""Moodle XML question files (``<quiz><question type="…">``), read and written.

Reads the types the LMS has: ``multichoice`` (``<single>`` picks single or multiple choice),
``truefalse``, ``shortanswer`` (``<usecase>``), ``numerical``, ``matching``, ``essay`` (with its
``<responsetemplate>`` and ``<graderinfo>``) and ``description``, plus
``category`` pseudo-questions (``$course$/top/X`` becomes category ``X``), ``<tags>``, per-answer
``fraction`` (percent) and ``<feedback>``, ``<generalfeedback>`` and ``questiontext format``,
and embedded ``<file>``s (:mod:`lms.quizzes.embedded`).
Other types (cloze, calculated, drag and drop …) are refused with an error.

Extension: ``<ignorediacritics>1</ignorediacritics>`` on a short-answer question (Moodle
ignores unknown elements, so files stay importable there).

Security: the file is parsed by :mod:`defusedxml` with DTDs forbidden, so entity expansion
("billion laughs"), external entities and external DTDs are refused before anything is
expanded or fetched.  It is the XML parser this project depends on; ``lxml`` is present only
as a transitive dependency and its safety would rest on parser flags we would have to keep
right.  Line numbers come from expat, which both parsers share.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, TreeBuilder, indent, tostring
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from flask_babel import gettext as _

from lms.quizzes.embedded import EmbeddedFileError, read_files, write_files
from lms.quizzes.parsed import (
    CATCH_ALL,
    ParsedAnswer,
    ParsedHint,
    ParsedQuestion,
    QuestionFormatError,
    format_number,
    format_percent,
    normalise_category,
    parse_number,
    validate,
)

__all__ = ["MoodleXmlError", "dump_moodle_xml", "parse_moodle_xml"]

_FORMATS_IN = {
    "html": "html",
    "moodle_auto_format": "moodle",
    "plain_text": "plain",
    "markdown": "markdown",
}
_FORMATS_OUT = {v: k for k, v in _FORMATS_IN.items()}
_TYPES_IN = {
    "multichoice": "single_choice",  # or multiple_choice, from <single>
    "truefalse": "true_false",
    "shortanswer": "short_answer",
    "numerical": "numerical",
    "matching": "matching",
    "essay": "essay",
    "description": "description",
}
_TYPES_OUT = {v: k for k, v in _TYPES_IN.items()} | {"multiple_choice": "multichoice"}


class MoodleXmlError(QuestionFormatError):
    """A Moodle XML file is invalid: ``str(err) == f"{filename}:{line}: {reason}"``."""


class _LineTreeBuilder(TreeBuilder):
    """Builds the tree and records the source line of every element's start tag."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Element, int] = {}
        self.expat: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        self.lines[element] = self.expat.CurrentLineNumber
        return element


def parse_moodle_xml(data: bytes, filename: str = "<xml>",
                     skipped: list[QuestionFormatError] | None = None,
                     not_kept: list[QuestionFormatError] | None = None) -> list[ParsedQuestion]:
    """Parse a Moodle XML export; raise :class:`MoodleXmlError` if it is invalid or unsafe.

    A question of a type we do not grade (cloze, calculated, drag and drop …) is an error,
    unless ``skipped`` is given: then it is left out and reported there as
    ``file:line: type``, and the rest is imported (as Moodle imports what it can).
    """
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.expat = parser.parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException:
        line = builder.expat.CurrentLineNumber
        reason = _("DOCTYPE and entity declarations are not allowed in question files.")
        raise MoodleXmlError(filename, line, reason) from None
    except ParseError as exc:
        reason = _("Malformed XML: %(problem)s.", problem=ErrorString(exc.code))
        raise MoodleXmlError(filename, exc.position[0], reason) from None
    if root.tag != "quiz":
        reason = _("The root element must be <quiz>, not <%(tag)s>.", tag=root.tag)
        raise MoodleXmlError(filename, builder.lines[root], reason)
    questions: list[ParsedQuestion] = []
    errors: list[QuestionFormatError] = []
    category = ""
    for element in root.iterfind("question"):
        line = builder.lines[element]
        try:
            if element.get("type") == "category":
                category = normalise_category(_text(element, "category"))
                continue
            question = _question(element, builder.lines)
        except _UnsupportedError as exc:
            target = errors if skipped is None else skipped
            target.append(MoodleXmlError(filename, line, exc.reason))
            continue
        except (_InvalidError, EmbeddedFileError) as exc:
            errors.append(MoodleXmlError(filename, exc.line or line, exc.reason))
            continue
        question.category, question.line = category, line
        if not_kept is not None:  # never dropped without a word
            not_kept.extend(MoodleXmlError(filename, line, reason)
                            for reason in _not_kept(element))
        problem = validate(question)
        if problem:
            errors.append(MoodleXmlError(filename, line, problem))
        else:
            questions.append(question)
    if errors:
        raise MoodleXmlError.combine(errors)
    return questions


class _InvalidError(Exception):
    """Abandon the current question (``line`` 0 means the question's own line)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(line, reason)
        self.line = line
        self.reason = reason


class _UnsupportedError(_InvalidError):
    """A question type we do not grade."""


def _text(element: Element, path: str) -> str:
    """Trimmed ``path/text`` content (Moodle trims), "" if absent."""
    return (element.findtext(f"{path}/text") or "").strip()


def _own(element: Element | None, path: str, question_format: str) -> str:
    """The format of ``path`` (an answer, a feedback) under ``element``: "" when it is
    the question's (Moodle's default for a text without ``format``)."""
    found = None if element is None else (element if path == "." else element.find(path))
    if found is None or found.get("format") is None:
        return ""
    fmt = _FORMATS_IN.get(found.get("format", ""), "html")
    return "" if fmt == question_format else fmt


def _question(element: Element, lines: dict[Element, int]) -> ParsedQuestion:
    kind = element.get("type", "")
    if kind not in _TYPES_IN:
        raise _UnsupportedError(0, _("Unsupported question type “%(type)s”.", type=kind))
    text_element = element.find("questiontext")
    fmt = "html" if text_element is None else text_element.get("format", "html")
    q = ParsedQuestion(
        type=_TYPES_IN[kind],  # type: ignore[arg-type]
        text=_text(element, "questiontext"),
        name=_text(element, "name"),
        idnumber=(element.findtext("idnumber") or "").strip(),
        text_format=_FORMATS_IN.get(fmt, "html"),  # type: ignore[arg-type]
        tags=[t for t in (_text(tag, ".") for tag in element.iterfind("tags/tag")) if t],
        general_feedback=_text(element, "generalfeedback"),
    )
    q.general_feedback_format = _own(element, "generalfeedback", q.text_format)
    answers = element.findall("answer")
    if kind == "multichoice":
        single = (element.findtext("single") or "true").strip() not in ("false", "0", "")
        q.type = "single_choice" if single else "multiple_choice"
    if kind == "truefalse":
        for position, answer in enumerate(answers):
            said = _text(answer, ".")
            is_true = said == "true" or (said != "false" and position == 0)  # Moodle's fallback
            right = _fraction(answer, lines) == 1
            q.correct = right if is_true else not right
            side = "feedback_true" if is_true else "feedback_false"
            setattr(q, side, _text(answer, "feedback"))
            setattr(q, f"{side}_format", _own(answer, "feedback", q.text_format))
    elif kind == "matching":
        for sub in element.iterfind("subquestion"):
            pair = ParsedAnswer(text=_text(sub, "."), match=_text(sub, "answer"),
                                text_format=_own(sub, ".", q.text_format))
            if pair.text or pair.match:
                q.answers.append(pair)
    elif kind != "essay":
        q.answers = [_answer(kind, answer, lines) for answer in answers]
        for answer, element_ in zip(q.answers, answers, strict=True):
            answer.text_format = _own(element_, ".", q.text_format)
            answer.feedback_format = _own(element_, "feedback", q.text_format)
    _combined_and_hints(q, element)
    if kind == "essay":
        q.response_template = _text(element, "responsetemplate")
        q.grader_info = _text(element, "graderinfo")
    if kind == "shortanswer":
        q.case_sensitive = _flag(element, "usecase")
        q.ignore_diacritics = _flag(element, "ignorediacritics")
    q.files = read_files(element, lines)
    return q


def _not_kept(element: Element) -> list[str]:
    """What Moodle says of a question that the LMS does not keep (reported on import)."""
    grade = parse_number((element.findtext("defaultgrade") or "1").strip())
    if grade is not None and grade != 1:
        return [_("the default mark %(mark)s is not kept: marks are set by each quiz",
                  mark=format_number(grade))]
    return []


#: Moodle's types whose hints have parts (show the number right, clear the wrong ones).
_WITH_PARTS = ("single_choice", "multiple_choice", "matching")
_COMBINED = {"correct_feedback": "correctfeedback",
             "partially_correct_feedback": "partiallycorrectfeedback",
             "incorrect_feedback": "incorrectfeedback"}


def _combined_and_hints(q: ParsedQuestion, element: Element) -> None:
    for attr, tag in _COMBINED.items():
        setattr(q, attr, _text(element, tag))
    q.show_num_correct = element.find("shownumcorrect") is not None
    parts = q.type in _WITH_PARTS
    q.hints = [ParsedHint(_text(h, "."), _own(h, ".", q.text_format),
                          parts and h.find("shownumcorrect") is not None,
                          parts and h.find("clearwrong") is not None)
               for h in element.iterfind("hint")]


def _dump_combined_and_hints(q: ParsedQuestion, element: Element) -> None:
    fmt = _FORMATS_OUT[q.text_format]
    for attr, tag in _COMBINED.items():
        if getattr(q, attr):
            _add_text(element, tag, getattr(q, attr), format=fmt)
    if q.show_num_correct:
        SubElement(element, "shownumcorrect")
    for hint in q.hints:
        added = _add_text(element, "hint", hint.text,
                          format=_FORMATS_OUT[hint.text_format or q.text_format])
        if hint.show_num_correct:
            SubElement(added, "shownumcorrect")
        if hint.clear_wrong:
            SubElement(added, "clearwrong")


def _flag(element: Element, tag: str) -> bool:
    return (element.findtext(tag) or "0").strip() not in ("0", "false", "")


def _fraction(answer: Element, lines: dict[Element, int]) -> float:
    raw = answer.get("fraction", "0").strip()
    value = parse_number(raw)
    if value is None or not -100 <= value <= 100:
        reason = _("Invalid fraction “%(fraction)s”: use a percentage, -100 to 100.", fraction=raw)
        raise _InvalidError(lines[answer], reason)
    return value / 100


def _answer(kind: str, element: Element, lines: dict[Element, int]) -> ParsedAnswer:
    fraction = _fraction(element, lines)
    answer = ParsedAnswer(_text(element, "."), fraction, _text(element, "feedback"))
    if kind != "numerical":
        return answer
    if answer.text in ("", CATCH_ALL):
        answer.text = CATCH_ALL
        return answer
    tolerance_text = (element.findtext("tolerance") or "0").strip()
    answer.value, answer.tolerance = parse_number(answer.text), parse_number(tolerance_text)
    if answer.value is None or answer.tolerance is None or answer.tolerance < 0:
        reason = _(
            "“%(value)s” ± “%(tolerance)s” is not a number with a tolerance of at least 0.",
            value=answer.text,
            tolerance=tolerance_text,
        )
        raise _InvalidError(lines[element], reason)
    answer.text = ""
    return answer


def dump_moodle_xml(questions: Iterable[ParsedQuestion]) -> bytes:
    """Write ``questions`` as Moodle XML (UTF-8) that :func:`parse_moodle_xml` reads back.

    Numerical ranges are written as value ± tolerance, as Moodle stores them.
    """
    quiz = Element("quiz")
    category = ""
    for q in questions:
        if q.category != category:
            category = q.category
            element = SubElement(quiz, "question", type="category")
            _add_text(element, "category", f"$course$/top/{category}".rstrip("/"))
        problem = validate(q)
        if problem:
            raise ValueError(f"{q.name or q.text[:40]!r}: {problem}")
        quiz.append(_dump_question(q))
    indent(quiz)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(quiz, encoding="unicode").encode()


def _add_text(parent: Element, tag: str, text: str, **attrs: str) -> Element:
    element = SubElement(parent, tag, attrs)
    SubElement(element, "text").text = text
    return element


def _dump_question(q: ParsedQuestion) -> Element:
    element = Element("question", type=_TYPES_OUT[q.type])
    _add_text(element, "name", q.name)
    _add_text(element, "questiontext", q.text, format=_FORMATS_OUT[q.text_format])
    fmt = q.text_format
    _add_text(element, "generalfeedback", q.general_feedback,
              format=_FORMATS_OUT[q.general_feedback_format or fmt])
    if q.idnumber:
        SubElement(element, "idnumber").text = q.idnumber
    if q.type in ("single_choice", "multiple_choice"):
        SubElement(element, "single").text = "true" if q.type == "single_choice" else "false"
    if q.type == "essay":
        if q.response_template:
            _add_text(element, "responsetemplate", q.response_template, format=_FORMATS_OUT[fmt])
        if q.grader_info:
            _add_text(element, "graderinfo", q.grader_info, format=_FORMATS_OUT[fmt])
    if q.type == "short_answer":
        SubElement(element, "usecase").text = "1" if q.case_sensitive else "0"
        if q.ignore_diacritics:
            SubElement(element, "ignorediacritics").text = "1"
    answers = q.answers
    if q.type == "true_false":
        answers = [
            ParsedAnswer("true", float(q.correct), q.feedback_true,
                         feedback_format=q.feedback_true_format),
            ParsedAnswer("false", float(not q.correct), q.feedback_false,
                         feedback_format=q.feedback_false_format),
        ]
    for a in answers:
        text_format = _FORMATS_OUT[a.text_format or fmt]
        if q.type == "matching":
            sub = _add_text(element, "subquestion", a.text, format=text_format)
            _add_text(sub, "answer", a.match)
            continue
        text = a.text if a.value is None else format_number(a.value)
        answer = _add_text(element, "answer", text, fraction=format_percent(a.fraction),
                           format=text_format)
        if a.value is not None:
            SubElement(answer, "tolerance").text = format_number(a.tolerance or 0.0)
        _add_text(answer, "feedback", a.feedback,
                  format=_FORMATS_OUT[a.feedback_format or fmt])
    _dump_combined_and_hints(q, element)
    if q.tags:
        tags = SubElement(element, "tags")
        for tag in q.tags:
            _add_text(tags, "tag", tag)
    write_files(element, q.files)
    return element
