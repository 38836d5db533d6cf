"""Format-neutral description of questions read from, or written to, question-bank files.

Every importer (:mod:`lms.quizzes.gift`, :mod:`lms.quizzes.moodlexml`) returns these plain
dataclasses and every exporter takes them, so the rest of the application never sees a file
format.  Pure Python: no application context or database is needed (messages go through
``flask_babel.gettext``, which returns English outside a request).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field, fields, replace
from typing import Any, Final, Literal, get_args

from flask_babel import gettext as _

QuestionType = Literal[
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_answer",
    "numerical",
    "matching",
    "essay",
    "description",
]
TextFormat = Literal["moodle", "html", "plain", "markdown"]

QUESTION_TYPES: Final[tuple[str, ...]] = get_args(QuestionType)
TEXT_FORMATS: Final[tuple[str, ...]] = get_args(TextFormat)
BLANK: Final = "_____"
"""Marks where the answer goes in a missing-word question (as Moodle does)."""
CATCH_ALL: Final = "*"
"""Text of a numerical answer that matches any response (Moodle's ``*``)."""

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_CONTEXT_PREFIX = re.compile(r"\$[a-z]+\$/(?:top(?:/|$))?")


@dataclass
class ParsedAnswer:
    """One option, accepted answer or matching pair of a question.

    ``fraction`` is the share of the mark, in [-1, 1] (GIFT ``%n%`` / 100).  Numerical answers
    leave ``text`` empty (or :data:`CATCH_ALL`) and use ``value`` ± ``tolerance``; a range
    ``low..high`` also sets ``value``/``tolerance`` to its midpoint and half-width.  Matching
    pairs use ``text`` (left item, empty for a distractor) and ``match`` (right item).
    """

    text: str = ""
    fraction: float = 0.0
    feedback: str = ""
    value: float | None = None
    tolerance: float | None = None
    low: float | None = None
    high: float | None = None
    match: str = ""
    #: The formats of ``text`` and ``feedback`` when they differ from the question's
    #: ("" = the question's ``text_format``), as Moodle keeps them per answer.
    text_format: str = ""
    feedback_format: str = ""


@dataclass
class ParsedHint:
    """A hint of Moodle's interactive behaviour (Moodle XML ``<hint>``), kept as it came."""

    text: str = ""
    text_format: str = ""  # "" = the question's
    show_num_correct: bool = False
    clear_wrong: bool = False


@dataclass
class ParsedFile:
    """A file embedded in a question (Moodle XML ``<file encoding="base64">``): an image or
    a sound its texts refer to as ``@@PLUGINFILE@@/<name>``.  ``name`` is the path under
    the question's file area, without a leading ``/`` (``myfolder/moodle.txt``)."""

    name: str
    data: bytes = field(repr=False)


@dataclass
class ParsedQuestion:
    """A question as read from a file; ``line`` (1-based source line) is ignored by ``==``.

    ``correct``/``feedback_true``/``feedback_false`` are for ``true_false`` (which has no
    ``answers``); ``case_sensitive``/``ignore_diacritics`` are for ``short_answer``.
    """

    type: QuestionType
    text: str
    name: str = ""
    #: Moodle's ID number (GIFT ``// [id:…]``, XML ``<idnumber>``): the question's identity
    #: in its course when given; without it, its place in its file and its name are.
    idnumber: str = ""
    text_format: TextFormat = "moodle"
    category: str = ""
    #: The category is an exam pool (``// lms: exam-pool`` above its ``$CATEGORY``):
    #: quizzes that show right answers or feedback before they close may not draw from it.
    exam_pool: bool = False
    tags: list[str] = field(default_factory=list)
    general_feedback: str = ""
    answers: list[ParsedAnswer] = field(default_factory=list)
    correct: bool = False
    feedback_true: str = ""
    feedback_false: str = ""
    #: Formats of the feedback texts when they differ from ``text_format`` ("" = the same).
    general_feedback_format: str = ""
    feedback_true_format: str = ""
    feedback_false_format: str = ""
    #: An essay's starting text for the learner, and its notes for the grader (Moodle XML).
    response_template: str = ""
    grader_info: str = ""
    #: Moodle's combined feedback (by the response's outcome) and hints, from Moodle XML.
    correct_feedback: str = ""
    partially_correct_feedback: str = ""
    incorrect_feedback: str = ""
    show_num_correct: bool = False
    hints: list[ParsedHint] = field(default_factory=list)
    #: Embedded files (Moodle XML), by name; the texts refer to them by ``@@PLUGINFILE@@``.
    files: list[ParsedFile] = field(default_factory=list)
    case_sensitive: bool = False
    ignore_diacritics: bool = False
    line: int = field(default=0, compare=False)


def nfc(question: ParsedQuestion) -> ParsedQuestion:
    """The question with every text in NFC (a file typed on a Mac comes as NFD), so that
    the same question read from any source is stored, named and compared the same way."""

    def norm(value: Any) -> Any:
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value)
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, ParsedAnswer | ParsedHint | ParsedFile):
            return replace(value, **{f.name: norm(getattr(value, f.name))
                                     for f in fields(value)})
        return value

    return replace(question, **{f.name: norm(getattr(question, f.name))
                                for f in fields(question) if f.name != "line"})


class QuestionFormatError(Exception):
    """A question file could not be read.

    ``str()`` is ``"file:line: reason"``, one line per problem; ``errors`` lists every problem
    found (the first is this one).
    """

    def __init__(self, filename: str, line: int, reason: str) -> None:
        super().__init__(filename, line, reason)
        self.filename = filename
        self.line = line
        self.reason = reason
        self.errors: list[QuestionFormatError] = [self]

    def __str__(self) -> str:
        return "\n".join(f"{e.filename}:{e.line}: {e.reason}" for e in self.errors)

    @classmethod
    def combine(cls, errors: list[QuestionFormatError]) -> QuestionFormatError:
        """Return the first of ``errors`` carrying all of them."""
        first = errors[0]
        first.errors = list(errors)
        return first


def parse_number(text: str) -> float | None:
    """Parse a plain decimal number (``-1.5``, ``.5``, ``2e3``); ``None`` if it is not one.

    Stricter than :func:`float`: no ``inf``/``nan``, ``_`` or surrounding spaces.
    """
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def format_number(value: float) -> str:
    """Shortest text that :func:`parse_number` reads back as exactly ``value``."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def format_percent(fraction: float) -> str:
    """Percentage text ``p`` with ``parse_number(p) / 100 == fraction``, as short as possible."""
    scaled = fraction * 100
    candidates = [round(scaled, digits) for digits in range(16)]
    candidates += [scaled, math.nextafter(scaled, math.inf), math.nextafter(scaled, -math.inf)]
    for candidate in candidates:
        if candidate / 100 == fraction:
            return format_number(candidate)
    return format_number(scaled)


def numeric_range(
    low: float, high: float, fraction: float = 1.0, feedback: str = ""
) -> ParsedAnswer:
    """A numerical answer accepting ``low..high`` (midpoint/half-width also filled in)."""
    value = low / 2 + high / 2
    return ParsedAnswer("", fraction, feedback, value, high - value, low, high)


def normalise_category(path: str) -> str:
    """Drop Moodle's context prefix: ``$course$/top/A/B`` and ``$course$/A/B`` become ``A/B``."""
    return _CONTEXT_PREFIX.sub("", path.strip(), count=1)


#: Moodle's grade fractions (``question_bank::fraction_options_full``): p/q for q ≤ 6,
#: p/10, 1/q for q ≤ 10 and 1/20, their negatives, and 0. Moodle's importers refuse any
#: other weight (matched within 0.00001), and so do we.
_POSITIVE = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3,
             0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05)
MOODLE_FRACTIONS: Final = (*_POSITIVE, 0.0, *(-f for f in _POSITIVE))


_ROUNDED: Final = frozenset(round(f, 7) for f in MOODLE_FRACTIONS)


def is_moodle_fraction(fraction: float) -> bool:
    """Whether Moodle accepts ``fraction`` as an answer's grade."""
    return round(fraction, 7) in _ROUNDED or any(
        abs(fraction - f) < 0.00001 for f in MOODLE_FRACTIONS)


def validate(q: ParsedQuestion) -> str | None:
    """Return why ``q`` cannot be used (a translated sentence), or ``None`` if it is sound.

    These are Moodle's own rules for saving a question, independent of the file format.
    """
    if not q.text:
        return _("The question text is empty.")
    for answer in q.answers:
        if not -1 <= answer.fraction <= 1:
            return _(
                "Weight %(weight)s%% is outside -100%%..100%%.",
                weight=format_percent(answer.fraction),
            )
        if not is_moodle_fraction(answer.fraction):
            return _(
                "Weight %(weight)s%% is not one of Moodle's grades (100%%, 90%%, 83.33333%%, "
                "80%%, 75%%, 70%%, 66.66667%%, 60%%, 50%%, 40%%, 33.33333%%, 30%%, 25%%, 20%%, "
                "16.66667%%, 14.28571%%, 12.5%%, 11.11111%%, 10%%, 5%%, their negatives, 0).",
                weight=format_percent(answer.fraction),
            )
    fractions = [a.fraction for a in q.answers]
    if q.type in ("single_choice", "multiple_choice"):
        if len(q.answers) < 2:
            return _("A choice question needs at least 2 options.")
        if any(not a.text for a in q.answers):
            return _("An option has no text.")
        if q.type == "single_choice" and max(fractions) != 1:
            return _("A single-choice question needs an option worth 100%.")
        positive = sum(f for f in fractions if f > 0)
        if q.type == "multiple_choice" and round(positive, 2) != 1:
            return _(
                "The positive weights add up to %(total)s%%; they must add up to 100%%.",
                total=format_percent(positive),
            )
    elif q.type in ("short_answer", "numerical"):
        if not q.answers:
            return _("The question has no answer.")
        if q.type == "short_answer" and any(not a.text for a in q.answers):
            return _("An answer has no text.")
        if q.type == "numerical" and any(
            a.text != CATCH_ALL and (a.value is None or (a.tolerance or 0) < 0) for a in q.answers
        ):
            return _("A numerical answer needs a value and a tolerance of at least 0.")
        if max(fractions) != 1:
            return _("One answer must be worth 100%.")
    elif q.type == "description" and q.answers:
        return _("A description has no answers.")
    elif q.type == "matching":
        if sum(1 for a in q.answers if a.text) < 2:
            return _("A matching question needs at least 2 pairs.")
        if any(not a.match for a in q.answers):
            return _("A matching pair has no right-hand item.")
    return None
