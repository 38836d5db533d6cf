"""Lesson and quiz files, from decoded text to validated dataclasses (problems reported)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from typing import Any, Final
from urllib.parse import unquote

from flask_babel import gettext as _
from markdown_it import MarkdownIt

from lms.courses.files_check import Report, Table, check_type, field_name, parse_toml
from lms.courses.files_model import (
    DATETIME_FORMAT,
    GRADINGS,
    MAX_MARK,
    ON_EXPIRY,
    REVIEW_ITEMS,
    REVIEW_TIMES,
    DrawRule,
    LessonFile,
    Problem,
    QuizFile,
    ReviewOptions,
    parse_duration,
)
from lms.courses.files_toml import KeyLines, Path

LESSON_KEYS: Final = ("title", "minutes", "objectives", "legal")
QUIZ_KEYS: Final = (
    "title",
    "time_limit",
    "attempts",
    "pass_mark10",
    "grading",
    "shuffle_questions",
    "shuffle_options",
    "on_expiry",
    "published",
    "opens",
    "closes",
    "questions",
    "draw",
    "marks",
    "review",
)
"""Quiz keys in their canonical order."""
FRONT_MATTER: Final = "+++"
_LINK_PREFIXES: Final = ("attachments/", "../attachments/")
_DATETIME_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}")
_BAD: Final[Any] = object()


def read_lesson(
    problems: list[Problem],
    display: str,
    text: str,
    position: int,
    slug: str,
    attachments: set[str],
    legal: frozenset[str] = frozenset(),
) -> LessonFile | None:
    """The lesson in ``text`` (file ``display``), or ``None`` with its problems reported;
    links to names missing from ``attachments``, and citations of documents missing from
    ``legal`` (the numbers in legal.toml), are reported too."""
    report = Report(problems, display)
    lines = text.split("\n")
    if lines[0] != FRONT_MATTER:
        report.line(
            1,
            _(
                "missing front matter: a lesson starts with a line “+++”, then its "
                "TOML fields (title, minutes, objectives), then another “+++” line"
            ),
        )
        return None
    close = next((index for index in range(1, len(lines)) if lines[index] == FRONT_MATTER), None)
    if close is None:
        report.line(
            1,
            _(
                "unterminated front matter: the “+++” of line 1 is never closed by "
                "another line “+++”"
            ),
        )
        return None
    front = "\n".join(lines[1:close])
    rest, body_line = lines[close + 1 :], close + 2
    if len(rest) > 1 and rest[0] == "":
        rest, body_line = rest[1:], body_line + 1
    body = "\n".join(rest)
    for line, name in attachment_links(body):
        if name not in attachments:
            report.line(
                body_line + line,
                _(
                    "link to a missing attachment “%(name)s” (no file attachments/%(name)s)",
                    name=name,
                ),
            )
    front_report = Report(problems, display, offset=1)
    data = parse_toml(front, front_report)
    if data is None:
        return None
    front_report.keys = KeyLines(front)
    table = Table(front_report, data, (), LESSON_KEYS)
    title, minutes = table.text("title"), table.integer("minutes", 1)
    objectives = table.strings("objectives")

    def listed(key: tuple[str | int, ...], number: str) -> bool:
        if number in legal:
            return True
        front_report.at(key, _("cites “%(number)s”, which legal.toml does not list",
                               number=number))
        return False

    cites = table.strings("legal", listed, required=False)
    if title is None or minutes is None or objectives is None or cites is None:
        return None
    path = display.split("/", 1)[1]
    line = front_report.keys.line(("legal",)) + 1 if cites else 0
    return LessonFile(slug, position, title, minutes, objectives, body, path, body_line,
                      cites, line)


@cache
def _markdown() -> MarkdownIt:
    # The same parser as lms.courses.markdown, so links are found exactly as rendered.
    return MarkdownIt("js-default").enable(["table", "strikethrough"])


def attachment_links(body: str) -> list[tuple[int, str]]:
    """``(0-based line in body, name)`` of each Markdown link or image to
    ``attachments/<name>`` or ``../attachments/<name>`` (query and fragment ignored; code
    spans and blocks are not links)."""
    lines = body.split("\n")
    found = []
    for token in _markdown().parse(body):
        if token.type != "inline" or not token.children:
            continue
        first, last = token.map or (0, len(lines))
        cursor = (first, 0)
        for child in token.children:
            for attribute in ("href", "src"):
                target = child.attrGet(attribute)
                if not isinstance(target, str) or not target.startswith(_LINK_PREFIXES):
                    continue
                path = target.split("#", 1)[0].split("?", 1)[0]
                name = unquote(path.split("attachments/", 1)[1])
                cursor = _find(lines, (target, unquote(target)), cursor, last)
                found.append((cursor[0], name))
    return found


def _find(
    lines: list[str], needles: tuple[str, ...], cursor: tuple[int, int], last: int
) -> tuple[int, int]:
    """Just past the first needle at or after ``cursor`` (up to line ``last``, then anywhere,
    for reference definitions); ``cursor`` itself if none is found."""
    line, column = cursor
    for number in [*range(line, min(last, len(lines))), *range(len(lines))]:
        start = column if number == line else 0
        hits = [hit for needle in needles if (hit := lines[number].find(needle, start)) >= 0]
        if hits:
            return number, min(hits) + 1
    return cursor


def read_quiz(problems: list[Problem], display: str, text: str, slug: str) -> QuizFile | None:
    """The quiz in ``text`` (file ``display``), or ``None`` with its problems reported."""
    report = Report(problems, display)
    data = parse_toml(text, report)
    if data is None:
        return None
    report.keys = KeyLines(text)
    table = Table(report, data, (), QUIZ_KEYS)
    values = {
        "title": table.text("title"),
        "time_limit_seconds": _time_limit(table),
        "attempts": table.integer("attempts", 0),
        "pass_mark10": table.mark10(),
        "grading": table.choice("grading", GRADINGS),
        "shuffle_questions": table.get("shuffle_questions", "boolean", False, required=False),
        "shuffle_options": table.get("shuffle_options", "boolean", False, required=False),
        "on_expiry": table.choice("on_expiry", ON_EXPIRY, "autosubmit"),
        "opens": _datetime(table, "opens"),
        "closes": _datetime(table, "closes"),
        "questions": table.strings("questions", required=False),
        "draw": _draw(table),
        "review": _review(table),
        "published": table.get("published", "boolean", True, required=False),
    }
    values["marks"] = _marks(table, values["questions"])
    opens, closes = values["opens"], values["closes"]
    if isinstance(opens, datetime) and isinstance(closes, datetime) and closes <= opens:
        report.at(("closes",), _("the quiz closes before it opens"))
        values["closes"] = _BAD
    if values["questions"] == () and values["draw"] == ():
        report.at(
            (),
            _(
                "a quiz needs questions: name them in “questions” or draw them at "
                "random with “draw”"
            ),
        )
        return None
    optional = ("time_limit_seconds", "opens", "closes")
    if any(
        value is _BAD or (value is None and key not in optional) for key, value in values.items()
    ):
        return None
    return QuizFile(slug=slug, path=display.split("/", 1)[1], **values)


def _time_limit(table: Table) -> Any:
    value = table.data.get("time_limit")
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # let parse_duration explain that a unit is needed
    elif check_type(table.report, ("time_limit",), value, "string") is None:
        return _BAD
    try:
        return parse_duration(value)
    except ValueError as error:
        table.report.at(("time_limit",), _("bad “time_limit”: %(error)s", error=error))
        return _BAD


def _datetime(table: Table, name: str) -> Any:
    value = table.data.get(name)
    if value is None:
        return None
    if isinstance(value, str) and _DATETIME_RE.fullmatch(value):
        try:
            return datetime.strptime(value, DATETIME_FORMAT)  # noqa: DTZ007 (naive local)
        except ValueError:
            pass
    table.report.at(
        (name,),
        _(
            "“%(name)s” must be a local date and time written as a "
            "string “YYYY-MM-DDTHH:MM”, such as “2025-09-01T07:30”",
            name=name,
        ),
    )
    return _BAD


def _draw(table: Table) -> tuple[DrawRule, ...] | None:
    rules = table.tables("draw", ("category", "count", "mark"), required=False)
    if rules is None:
        return None
    out, seen = [], set()
    for rule in rules:
        category, count = rule.text("category"), rule.integer("count", 1)
        mark = _mark(rule, "mark")
        if mark is _BAD:
            seen.add(category)
            continue
        if category in seen:
            rule.report.at(
                (*rule.key, "category"),
                _("category “%(category)s” is drawn from twice", category=category),
            )
        elif category is not None and count is not None:
            line = rule.report.keys.line(rule.key) if rule.report.keys else 0
            out.append(DrawRule(category, count, line + rule.report.offset, mark))
        seen.add(category)
    ok = len(out) == len(table.data.get("draw", ()))
    return tuple(out) if ok else None


def _mark(table: Table, name: str) -> Any:
    """An optional mark (a number above 0, at most :data:`MAX_MARK`), ``_BAD`` if wrong."""
    if name not in table.data:
        return None
    value = check_type(table.report, (*table.key, name), table.data[name], "number")
    if value is None:
        return _BAD
    if not 0 < value <= MAX_MARK:
        table.report.at((*table.key, name), _(
            "“%(name)s” must be above 0 and at most %(max)d, not %(value)s",
            name=field_name((*table.key, name)), max=MAX_MARK, value=value))
        return _BAD
    return float(value)


def _marks(table: Table, questions: Any) -> Any:
    """``[marks]``: a mark for some of the quiz's fixed ``questions``, by the same names."""
    data = table.get("marks", "table", {}, required=False)
    if data is None:
        return _BAD
    marks = Table(table.report, data, ("marks",), tuple(data))
    out, ok = [], True
    for name in data:
        mark = _mark(marks, name)
        if isinstance(questions, tuple) and name not in questions:
            table.report.at(("marks", name), _(
                "“%(name)s” has a mark but is not in “questions”", name=name))
            ok = False
        elif mark is _BAD:
            ok = False
        else:
            out.append((name, mark))
    if isinstance(questions, tuple):
        out.sort(key=lambda item: questions.index(item[0]))
    return tuple(out) if ok else _BAD


def _review(table: Table) -> ReviewOptions | None:
    data = table.get("review", "table", {}, required=False)
    if data is None:
        return None
    review = Table(table.report, data, ("review",), REVIEW_TIMES)

    def known(key: Path, item: str) -> bool:
        if item in REVIEW_ITEMS:
            return True
        table.report.at(
            key,
            _(
                "“%(name)s”: unknown review item “%(item)s” (choose from %(items)s)",
                name=field_name(key),
                item=item,
                items=", ".join(REVIEW_ITEMS),
            ),
        )
        return False

    times = {time: review.strings(time, known, required=False) for time in REVIEW_TIMES}
    if None in times.values():
        return None
    return ReviewOptions(**{time: frozenset(items) for time, items in times.items()})
