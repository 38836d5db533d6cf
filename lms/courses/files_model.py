"""Data model of a course directory; use :mod:`lms.courses.files` (documented there)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal, get_args

from flask_babel import gettext as _

from lms.legal.model import Registry

Grading = Literal["highest", "last", "first", "average"]
OnExpiry = Literal["autosubmit", "grace", "abandon"]
ReviewItem = Literal["score", "correctness", "right_answer", "feedback"]

GRADINGS: Final[tuple[str, ...]] = get_args(Grading)
ON_EXPIRY: Final[tuple[str, ...]] = get_args(OnExpiry)
REVIEW_ITEMS: Final[tuple[str, ...]] = get_args(ReviewItem)
"""Review items in their canonical order."""
REVIEW_TIMES: Final = ("during", "immediately", "later", "after_close")

SLUG_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""Course, lesson and quiz slugs (same rule as :mod:`lms.courses.services`)."""
LESSON_NAME_RE: Final = re.compile(
    r"(?P<position>[0-9]{2,})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md"
)
"""Lesson file names: ``NN-<slug>.md``, NN two or more digits."""
FILE_NAME_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")
"""Attachment and question-bank file names (same rule as the attachment upload)."""
DATETIME_FORMAT: Final = "%Y-%m-%dT%H:%M"
MAX_TIME_LIMIT: Final = 24 * 3600

_DURATION_RE: Final = re.compile(r"(?:(?P<h>[0-9]+)h)?(?:(?P<m>[0-9]+)m)?(?:(?P<s>[0-9]+)s)?")


def parse_duration(text: str) -> int:
    """Seconds in a duration such as ``"30m"``, ``"1h30m"``, ``"90s"`` or ``"1h5m30s"``.

    Units are ``h``, ``m`` and ``s``, in that order, each at most once, with no spaces.  A bare
    number (``"45"``) is refused because it does not say whether it means minutes or seconds.
    The result must be between 1 second and 24 hours.

    :raises ValueError: with a message meant for the course author.
    """
    match = _DURATION_RE.fullmatch(text) if isinstance(text, str) else None
    if not text or match is None:
        if isinstance(text, str) and re.fullmatch(r"[0-9]+", text):
            raise ValueError(
                _(
                    "“%(text)s” has no unit: write “%(text)sm” for minutes or "
                    "“%(text)ss” for seconds.",
                    text=text,
                )
            )
        raise ValueError(
            _("“%(text)s” is not a duration such as “30m”, “1h30m” or “90s”.", text=text)
        )
    seconds = int(match["h"] or 0) * 3600 + int(match["m"] or 0) * 60 + int(match["s"] or 0)
    if not 0 < seconds <= MAX_TIME_LIMIT:
        raise ValueError(_("A duration must be between 1s and 24h, not “%(text)s”.", text=text))
    return seconds


def format_duration(seconds: int) -> str:
    """The canonical spelling of a duration: ``5400`` → ``"1h30m"`` (zero units left out)."""
    if seconds <= 0:
        raise ValueError(f"a duration must be positive, not {seconds}")
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(
        f"{value}{unit}" for value, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if value
    )


def lesson_path(position: int, slug: str) -> str:
    """The canonical path of a lesson file: ``lesson_path(3, "x") == "lessons/03-x.md"``."""
    return f"lessons/{position:02d}-{slug}.md"


def quiz_path(slug: str) -> str:
    """The path of a quiz file: ``quizzes/<slug>.toml``."""
    return f"quizzes/{slug}.toml"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a course directory.

    ``path`` is relative to the course directory's parent (it starts with the directory's
    name); ``line`` is 1-based, and 1 when the problem concerns a whole file (its name, its
    encoding, its absence or its size).
    """

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


class CourseFilesError(Exception):
    """A course directory is invalid; ``problems`` lists everything found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


@dataclass(frozen=True)
class QuizRequirement:
    """A quiz that must be passed, with at least ``pass_mark10`` out of 10, to complete."""

    slug: str
    pass_mark10: float


DEFAULT_MIN_READ_SHARE = 0.5


@dataclass(frozen=True)
class CompletionPolicy:
    """What a learner must do to complete the course: ``"all"`` lessons or the named ones,
    and every listed quiz."""

    lessons: Literal["all"] | tuple[str, ...]
    quizzes: tuple[QuizRequirement, ...]
    #: Share of a lesson's estimated minutes a learner must have spent on it before it
    #: counts as done (``None``: the default, :data:`DEFAULT_MIN_READ_SHARE`; 0: off).
    min_read_share: float | None = None


@dataclass(frozen=True)
class LessonFile:
    """``lessons/NN-<slug>.md``: front matter fields and the Markdown body.

    ``body`` is the text after the closing ``+++`` line, less the one blank line that
    separates them.  ``body_line`` is the file line where ``body`` starts (to map Markdown
    positions back to the file); it depends on the front matter's layout, not on the
    lesson's content, so it takes no part in ``==``.
    """

    slug: str
    position: int
    title: str
    minutes: int
    objectives: tuple[str, ...]
    body: str
    path: str
    body_line: int = field(default=0, compare=False)
    #: The numbers of the documents of ``legal.toml`` the lesson rests on, and the file
    #: line of that list (0: not read from a file).
    legal: tuple[str, ...] = ()
    legal_line: int = field(default=0, compare=False)


BANK_EXTENSIONS: Final = (".gift", ".xml")
"""Question-bank files: GIFT, or Moodle XML for what GIFT cannot hold."""


@dataclass(frozen=True)
class QuestionFile:
    """``questions/<name>.gift`` or ``.xml``: listed, not parsed (see
    :mod:`lms.quizzes.bankfile`)."""

    path: str
    text: str


#: The largest mark one question may be worth (a draw rule's ``mark``, ``[marks]``).
MAX_MARK: Final = 100.0


@dataclass(frozen=True)
class DrawRule:
    """Draw ``count`` random questions from the question-bank category ``category``."""

    category: str
    count: int
    line: int = field(default=0, compare=False)  # in the quiz file, for problems
    #: What each question drawn is worth (``None``: its type's default).
    mark: float | None = None


@dataclass(frozen=True)
class ReviewOptions:
    """What a learner may see of an attempt: during it, immediately after it, later while
    the quiz is open, and after the quiz closes (Moodle's four review times)."""

    during: frozenset[ReviewItem] = frozenset()
    immediately: frozenset[ReviewItem] = frozenset()
    later: frozenset[ReviewItem] = frozenset()
    after_close: frozenset[ReviewItem] = frozenset()


@dataclass(frozen=True)
class QuizFile:
    """``quizzes/<slug>.toml``: the settings of one quiz.

    ``attempts == 0`` means unlimited; ``time_limit_seconds is None`` means untimed;
    ``opens``/``closes`` are naive local date-times (minute precision) or ``None``;
    ``marks`` name fixed questions as ``questions`` does.
    """

    slug: str
    title: str
    time_limit_seconds: int | None
    attempts: int
    pass_mark10: float
    grading: Grading
    shuffle_questions: bool
    shuffle_options: bool
    on_expiry: OnExpiry
    questions: tuple[str, ...]
    draw: tuple[DrawRule, ...]
    review: ReviewOptions
    opens: datetime | None
    closes: datetime | None
    path: str
    #: ``[marks]``: what fixed questions are worth, as ``(question, mark)`` in file order.
    marks: tuple[tuple[str, float], ...] = ()
    #: Whether learners see the quiz (``published = false`` hides it).
    published: bool = True


@dataclass(frozen=True)
class AttachmentFile:
    """``attachments/<name>``: a file lessons may link to.

    ``data`` holds the bytes (at most 20 MB); it is left out of ``==`` and ``repr`` because
    ``sha256`` already identifies it.
    """

    name: str
    path: str
    size: int
    sha256: str
    content_type: str
    data: bytes = field(default=b"", compare=False, repr=False)


@dataclass(frozen=True)
class CourseFiles:
    """Everything in one course directory, validated; lessons sorted by position, the other
    tuples by path."""

    slug: str
    title: str
    description: str
    version: str
    language: str
    lecturers_note: str
    completion: CompletionPolicy
    lessons: tuple[LessonFile, ...]
    questions: tuple[QuestionFile, ...]
    quizzes: tuple[QuizFile, ...]
    attachments: tuple[AttachmentFile, ...]
    #: ``legal.toml``: the documents the course relies on (``None``: the course has none).
    legal: Registry | None = None
