"""TOML helpers for course files: a canonical writer for the few value kinds the layout uses,
the line of every key of a parsed document, and positions of ``tomllib`` errors."""

from __future__ import annotations

import bisect
import contextlib
import re
import tomllib
import unicodedata
from collections.abc import Iterable
from typing import Final

WRAP: Final = 100
"""Widest line of a wrapped multi-line string, counting the closing `` \\``."""

_SHORT_ESCAPES: Final = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_TOML_SPACE: Final = frozenset(" \t\n")
_BARE_KEY: Final = re.compile(r"[A-Za-z0-9_-]+")
_ERROR_AT: Final = re.compile(
    r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)"
    r"|end of document)\)$",
    re.DOTALL,
)

Path = tuple[str | int, ...]


def _pieces(text: str, multiline: bool) -> list[str]:
    r"""``text`` escaped, one piece per character.

    ``\``, control characters and ``"`` are escaped, except in a multi-line string a ``"``
    that neither another ``"`` nor the end of the text follows (so no three quotes in a
    row and the closing delimiter stays unambiguous).  A combining mark right after an escape is
    escaped too: NFC normalisation on reading would otherwise merge it into the escape's
    last letter (``\n`` + U+0303 → ``\ñ``).
    """
    pieces, escaped = [], False
    for index, char in enumerate(text):
        following = text[index + 1 : index + 2]
        if multiline and char == '"' and following not in ('"', ""):
            piece = char
        elif (
            char in _SHORT_ESCAPES
            or ord(char) < 0x20
            or ord(char) == 0x7F
            or (escaped and unicodedata.combining(char))
        ):
            piece = _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04X}"
        else:
            piece = char
        escaped = piece != char
        pieces.append(piece)
    return pieces


def string(value: str) -> str:
    """A basic string on one line (see :func:`_pieces` for the escapes)."""
    return '"' + "".join(_pieces(value, multiline=False)) + '"'


def multiline(value: str) -> str:
    """A multi-line basic string: three quotes, a newline, then the text wrapped at spaces with
    line-ending backslashes (greedy, lines of at most :data:`WRAP` characters), closed right
    after the last character.  Real newlines stay newlines."""
    out = []
    for line in value.split("\n"):
        physical, current = [], ""
        for chunk in _chunks(line):
            if current and len(current) + len(chunk) + 1 > WRAP:
                physical.append(current)
                current = ""
            current += chunk
        physical.append(current)
        out.append("\\\n".join(physical))
    return '"""\n' + "\n".join(out) + '"""'


def _chunks(line: str) -> list[str]:
    """Escaped pieces of ``line``, each ending where a line-ending backslash may go: after a
    space that a character the backslash would not swallow follows."""
    chunks, current = [], ""
    for index, piece in enumerate(_pieces(line, multiline=True)):
        current += piece
        if piece == " " and line[index + 1 : index + 2] not in ("", *_TOML_SPACE):
            chunks.append(current)
            current = ""
    return [*chunks, current]


def number(value: float) -> str:
    """A finite float, as Python's ``repr`` writes it (``5.0``, ``7.25``)."""
    return repr(float(value))


def array_lines(items: Iterable[str]) -> str:
    """One rendered item per line, two-space indent and a trailing comma; ``[]`` if empty."""
    rendered = [f"  {item},\n" for item in items]
    return "[\n" + "".join(rendered) + "]" if rendered else "[]"


def inline_array(items: Iterable[str]) -> str:
    """``["a", "b"]`` on one line."""
    return "[" + ", ".join(items) + "]"


def error_position(error: tomllib.TOMLDecodeError, text: str) -> tuple[int, int, str]:
    """``(line, column, message)`` of a ``tomllib`` error; the end of the document is the
    last line with content."""
    message = str(error)
    match = _ERROR_AT.match(message)
    if match is None:
        return 1, 1, message
    if match["line"] is None:
        return text.rstrip("\n").count("\n") + 1, 1, match["msg"]
    return int(match["line"]), int(match["col"]), match["msg"]


class KeyLines:
    """The line of every table, key and array element of a document ``tomllib`` accepted.

    Paths are tuples of keys and array indexes, as in the parsed value
    (``("draw", 2, "count")``).  :meth:`line` falls back to the nearest recorded ancestor,
    then to 1, so it never fails, even on a document it could not fully follow.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._newlines = [index for index, char in enumerate(text) if char == "\n"]
        self._lines: dict[Path, int] = {}
        self._tables_arrays: dict[Path, int] = {}
        with contextlib.suppress(IndexError, ValueError, tomllib.TOMLDecodeError):
            self._document()  # a document it cannot follow keeps the lines found so far

    def line(self, path: Path) -> int:
        """The line of ``path``, of its nearest recorded ancestor, or 1."""
        for length in range(len(path), 0, -1):
            if path[:length] in self._lines:
                return self._lines[path[:length]]
        return 1

    def _record(self, path: Path, position: int) -> None:
        line = bisect.bisect_left(self._newlines, position) + 1
        for length in range(1, len(path) + 1):
            self._lines.setdefault(path[:length], line)

    def _skip(self, newlines: bool = False) -> None:
        text = self._text
        while self._pos < len(text):
            char = text[self._pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self._pos += 1
            elif char == "#":
                end = text.find("\n", self._pos)
                self._pos = len(text) if end < 0 else end
            else:
                return

    def _document(self) -> None:
        text, table = self._text, ()
        while True:
            self._skip(newlines=True)
            if self._pos >= len(text):
                return
            start = self._pos
            if text.startswith("[[", start):
                self._pos += 2
                key = self._key()
                self._skip()
                self._pos += 2
                index = self._tables_arrays.get(key, -1) + 1
                self._tables_arrays[key] = index
                table = (*key, index)
                self._record(table, start)
            elif text[start] == "[":
                self._pos += 1
                table = self._key()
                self._skip()
                self._pos += 1
                self._record(table, start)
            else:
                self._pair(table, start)

    def _pair(self, table: Path, start: int) -> None:
        key = (*table, *self._key())
        self._skip()
        if self._text[self._pos] != "=":
            raise ValueError("expected '='")
        self._pos += 1
        self._skip()
        self._record(key, start)
        self._value(key)

    def _key(self) -> tuple[str, ...]:
        parts: list[str] = []
        text = self._text
        while True:
            self._skip()
            start = self._pos
            if text[start] in "\"'":
                self._string()
                parts.append(tomllib.loads("k = " + text[start : self._pos])["k"])
            else:
                match = _BARE_KEY.match(text, start)
                if match is None:
                    raise ValueError("expected a key")
                parts.append(match.group())
                self._pos = match.end()
            self._skip()
            if text[self._pos] != ".":
                return tuple(parts)
            self._pos += 1

    def _string(self) -> None:
        text = self._text
        quote = text[self._pos]
        if text.startswith(quote * 3, self._pos):
            self._pos += 3
            while not text.startswith(quote * 3, self._pos):
                self._pos += 2 if quote == '"' and text[self._pos] == "\\" else 1
                if self._pos >= len(text):
                    raise ValueError("unterminated string")
            self._pos += 3
            for _extra in range(2):  # up to two quotes just before the delimiter
                if text.startswith(quote, self._pos):
                    self._pos += 1
            return
        self._pos += 1
        while text[self._pos] != quote:
            self._pos += 2 if quote == '"' and text[self._pos] == "\\" else 1
        self._pos += 1

    def _value(self, path: Path) -> None:
        text = self._text
        char = text[self._pos]
        if char in "\"'":
            self._string()
        elif char == "[":
            self._pos += 1
            index = 0
            while True:
                self._skip(newlines=True)
                if text[self._pos] == "]":
                    self._pos += 1
                    return
                before = self._pos
                self._record((*path, index), before)
                self._value((*path, index))
                self._skip(newlines=True)
                if text[self._pos] == ",":
                    self._pos += 1
                elif self._pos == before:
                    raise ValueError("no progress")
                index += 1
        elif char == "{":
            self._pos += 1
            while True:
                self._skip()
                if text[self._pos] == "}":
                    self._pos += 1
                    return
                self._pair(path, self._pos)
                self._skip()
                if text[self._pos] == ",":
                    self._pos += 1
        else:
            while self._pos < len(text) and text[self._pos] not in ",]}\n#":
                self._pos += 1
