"""Durations and the TOML helpers: key line numbers, strings and multi-line strings read back."""

from __future__ import annotations

import re
import tomllib
import unicodedata

import pytest
from hypothesis import example, given

from lms.courses.files import format_duration, parse_duration
from lms.courses.files_toml import KeyLines, multiline, string
from tests.courses.conftest import TEXTS


@pytest.mark.parametrize(
    ("text", "seconds", "canonical"),
    [
        ("30m", 1800, "30m"),
        ("1h30m", 5400, "1h30m"),
        ("90m", 5400, "1h30m"),
        ("90s", 90, "1m30s"),
        ("1h5m30s", 3930, "1h5m30s"),
        ("2h", 7200, "2h"),
        ("1s", 1, "1s"),
        ("24h", 86400, "24h"),
        ("0h10m", 600, "10m"),
    ],
)
def test_parse_and_format_duration(text: str, seconds: int, canonical: str) -> None:
    assert parse_duration(text) == seconds
    assert format_duration(seconds) == canonical
    assert parse_duration(canonical) == seconds


@pytest.mark.parametrize(
    "text", ["", "45", "m", "1.5h", "1h 30m", "30m1h", "1d", "-5m", "0s", "86401s", "３０m"]
)
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=re.escape(text) if text else "not a duration"):
        parse_duration(text)


def test_key_lines_follow_strings_comments_and_tables() -> None:
    text = (
        '# comment with key = "x"\n'  # 1
        'a = """\n'  # 2
        "b = 1\n"  # 3
        '[not-a-table]"""\n'  # 4
        "'quoted key'.x = 'v' # c\n"  # 5
        "arr = [ # open\n"  # 6
        "  1,\n"  # 7
        '  { k = "}", "j" = [2, 3] },\n'  # 8
        "  [\n"  # 9
        "    4],\n"  # 10
        "]\n"  # 11
        "[t.u]\n"  # 12
        "v = '''x\n"  # 13
        "y'''''\n"  # 14
        "w = 1979-05-27 07:32:00\n"  # 15
        "[[list]]\n"  # 16
        "n = 1\n"  # 17
        "[[list]]\n"  # 18
        'n = "a\\"b"\n'  # 19
    )
    tomllib.loads(text)
    keys = KeyLines(text)
    assert keys.line(("a",)) == 2
    assert keys.line(("b",)) == 1  # inside a string: unknown, so the fallback
    assert keys.line(("quoted key", "x")) == 5
    assert keys.line(("arr",)) == 6
    assert [keys.line(("arr", i)) for i in range(3)] == [7, 8, 9]
    assert keys.line(("arr", 1, "j", 1)) == 8
    assert keys.line(("arr", 2, 0)) == 10
    assert keys.line(("t", "u")) == 12
    assert keys.line(("t", "u", "w")) == 15
    assert keys.line(("list", 1, "n")) == 19
    assert keys.line(("list", 0)) == 16
    assert keys.line(("t", "u", "missing")) == 12


@given(TEXTS)
@example('a"""b"')
@example("\\\n\\")
@example(' x  y\t z "')
@example("\n\u0303")
@example("\r\n\u0316\u0301")
@example("x " * 80)
@example("\t\u0307\u0301")
def test_toml_strings_read_back(value: str) -> None:
    for rendered in (string(value), multiline(value)):
        document = unicodedata.normalize("NFC", f"k = {rendered}\n")
        assert tomllib.loads(document)["k"] == value


def test_multiline_wraps_at_spaces() -> None:
    value = " ".join(["từ"] * 60) + "\nmới"
    rendered = multiline(value)
    assert all(len(line) <= 100 for line in rendered.splitlines())
    assert rendered.startswith('"""\ntừ từ') and rendered.endswith(' từ\nmới"""')
    assert rendered.count(" \\\n") == 1
    assert tomllib.loads(f"k = {rendered}")["k"] == value
