"""Validation helpers for course files: problems at lines, typed TOML access, decoding."""

from __future__ import annotations

import difflib
import tomllib
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any, Final

from flask_babel import gettext as _

from lms.courses.files_model import Problem
from lms.courses.files_toml import KeyLines, Path, error_position


class Report:
    """Collects the problems of one file; key paths become lines through :class:`KeyLines`.

    ``offset`` is added to the lines of the TOML document, which starts at file line
    ``offset + 1`` (a front matter starts after its ``+++`` line).
    """

    def __init__(
        self, problems: list[Problem], path: str, keys: KeyLines | None = None, offset: int = 0
    ) -> None:
        self.problems, self.path, self.keys, self.offset = problems, path, keys, offset

    def line(self, line: int, reason: str) -> None:
        """A problem at a file line."""
        self.problems.append(Problem(self.path, line, reason))

    def at(self, key: Path, reason: str) -> None:
        """A problem at the line of a key; ``()`` is the file's first line (the opening
        ``+++`` of a front matter)."""
        if not key or self.keys is None:
            self.line(max(self.offset, 1), reason)
        else:
            self.line(self.keys.line(key) + self.offset, reason)


def field_name(key: Path) -> str:
    """``("draw", 2, "count")`` → ``draw[2].count``."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _type_name(value: object) -> str:
    kinds: tuple[tuple[type, str], ...] = (
        (bool, _("a boolean")),
        (int, _("an integer")),
        (float, _("a number")),
        (str, _("a string")),
        (list, _("an array")),
        (dict, _("a table")),
        (datetime, _("a date-time")),
        (date, _("a date")),
        (time, _("a time")),
    )
    return next((name for kind, name in kinds if isinstance(value, kind)), repr(type(value)))


_KINDS: Final[dict[str, tuple[type, ...]]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "table": (dict,),
}


def _kind_name(kind: str) -> str:
    return {
        "string": _("a string"),
        "integer": _("an integer"),
        "number": _("a number"),
        "boolean": _("true or false"),
        "array": _("an array"),
        "table": _("a table"),
    }[kind]


def check_type(report: Report, key: Path, value: Any, kind: str) -> Any:
    """``value`` if it is of ``kind`` (a boolean is not a number), else ``None`` (reported)."""
    if isinstance(value, _KINDS[kind]) and (kind == "boolean" or not isinstance(value, bool)):
        return value
    report.at(
        key,
        _(
            "“%(name)s” must be %(kind)s, not %(actual)s",
            name=field_name(key),
            kind=_kind_name(kind),
            actual=_type_name(value),
        ),
    )
    return None


class Table:
    """Typed, reported access to one TOML table; unknown keys are reported at once."""

    def __init__(
        self, report: Report, data: dict[str, Any], key: Path, known: tuple[str, ...]
    ) -> None:
        self.report, self.data, self.key = report, data, key
        for name in data:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                reason = _("unknown field “%(name)s”", name=field_name((*key, name)))
                if close:
                    reason += _(" (did you mean “%(close)s”?)", close=close[0])
                report.at((*key, name), reason)

    def get(self, name: str, kind: str, default: Any = None, required: bool = True) -> Any:
        """The value; ``default`` if absent and optional; ``None`` (reported) if absent and
        required, or of the wrong type."""
        if name not in self.data:
            if required:
                self.report.at(
                    self.key,
                    _("missing required field “%(name)s”", name=field_name((*self.key, name))),
                )
                return None
            return default
        return check_type(self.report, (*self.key, name), self.data[name], kind)

    def text(self, name: str, required: bool = True) -> str | None:
        """A string; a required one must not be blank (an optional one defaults to "")."""
        value = self.get(name, "string", "", required)
        if required and isinstance(value, str) and not value.strip():
            self.report.at(
                (*self.key, name),
                _("“%(name)s” must not be empty", name=field_name((*self.key, name))),
            )
            return None
        return value

    def integer(self, name: str, minimum: int, default: int | None = None) -> int | None:
        """An integer at least ``minimum`` (optional when ``default`` is given)."""
        value = self.get(name, "integer", default, required=default is None)
        if value is not None and value < minimum:
            self.report.at(
                (*self.key, name),
                _(
                    "“%(name)s” must be at least %(minimum)d, not %(value)d",
                    name=field_name((*self.key, name)),
                    minimum=minimum,
                    value=value,
                ),
            )
            return None
        return value

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> Any:
        """One of ``choices`` (optional when ``default`` is given)."""
        value = self.get(name, "string", default, required=default is None)
        if value is not None and value not in choices:
            self.report.at(
                (*self.key, name),
                _(
                    "“%(name)s” must be one of %(choices)s, not “%(value)s”",
                    name=field_name((*self.key, name)),
                    choices=", ".join(choices),
                    value=value,
                ),
            )
            return None
        return value

    def mark10(self, name: str = "pass_mark10") -> float | None:
        """A number from 0 to 10."""
        value = self.get(name, "number")
        if value is not None and not 0 <= value <= 10:
            self.report.at(
                (*self.key, name),
                _(
                    "“%(name)s” must be between 0 and 10, not %(value)s",
                    name=field_name((*self.key, name)),
                    value=value,
                ),
            )
            return None
        return None if value is None else float(value)

    def strings(
        self, name: str, check: Callable[[Path, str], bool] | None = None, required: bool = True
    ) -> tuple[str, ...] | None:
        """An array of non-blank strings without duplicates, each also passing ``check``
        (which reports its own problems); optional arrays default to ``()``."""
        items = self.get(name, "array", [], required)
        if items is None:
            return None
        ok, seen = True, set()
        for index, item in enumerate(items):
            key = (*self.key, name, index)
            if check_type(self.report, key, item, "string") is None:
                ok = False
                continue
            if not item.strip():
                self.report.at(key, _("“%(name)s” must not be empty", name=field_name(key)))
                ok = False
            elif item in seen:
                self.report.at(key, _("“%(item)s” is listed twice", item=item))
                ok = False
            elif check is not None and not check(key, item):
                ok = False
            seen.add(item)
        return tuple(items) if ok else None

    def tables(
        self, name: str, known: tuple[str, ...], required: bool = True
    ) -> list[Table] | None:
        """An array of (inline) tables, each checked for unknown keys; ``None`` if the array
        is missing or wrong, and wrong elements left out (reported)."""
        items = self.get(name, "array", [], required)
        if items is None:
            return None
        return [
            Table(self.report, item, (*self.key, name, index), known)
            for index, item in enumerate(items)
            if check_type(self.report, (*self.key, name, index), item, "table") is not None
        ]


def decode(data: bytes, report: Report) -> str | None:
    """UTF-8 text without a BOM, with LF line ends, NFC-normalised; ``None`` (reported at
    the line of the first bad byte) if the bytes are not UTF-8 or hold a NUL."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        report.line(
            line,
            _(
                "not valid UTF-8 (byte 0x%(byte)02X at column %(column)d); save the file as UTF-8",
                byte=data[error.start],
                column=column,
            ),
        )
        return None
    if (nul := text.find("\x00")) >= 0:  # PostgreSQL text cannot hold it; never meant
        report.line(text.count("\n", 0, nul) + 1,
                    _("contains a NUL character (a binary file saved as text?)"))
        return None
    return unicodedata.normalize("NFC", text.removeprefix("\ufeff").replace("\r\n", "\n"))


def parse_toml(text: str, report: Report) -> dict[str, Any] | None:
    """The parsed document; ``None`` if it is not valid TOML, reported at tomllib's line
    (plus ``report.offset``) with its column."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line, column, message = error_position(error, text)
        report.line(
            line + report.offset,
            _("invalid TOML (column %(column)d): %(message)s", column=column, message=message),
        )
        return None
