"""``lms legal check``: every lesson and question citing a document not in force at a date,
with file:line, exit 1 if any (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.legal.test_course_files import first_id


def _line(path: Path, start: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1)
                if line.startswith(start))


@pytest.mark.parametrize(("as_of", "expected"), [
    ("28/02/2026", {"bank"}),       # 117/2025 not yet in force; 29/2018 still is
    ("01/03/2026", {"lesson"}),     # the day 117/2025 replaces 29/2018
    ("05/12/2026", {"lesson"}),
    ("30/06/2020", {"lesson", "bank"}),  # before 29/2018 took effect
])
def test_check_at_several_dates(runner, cited, as_of: str, expected: set[str]) -> None:
    root, lesson, bank = cited
    result = runner.invoke(args=["legal", "check", "--files", str(root), "--as-of", as_of])
    assert result.exit_code == 1, result.output
    places = {"lesson": f"{root.name}/lessons/{lesson.name}:{_line(lesson, 'legal = ')}: ",
              "bank": f"{root.name}/questions/{bank.name}:{_line(bank, f'::{first_id(bank)}::')}: "}
    found = {name for name, place in places.items() if place in result.output}
    assert found == expected, result.output
    assert f"2 trích dẫn được kiểm tra, {len(expected)} không còn" in result.output or \
        f"2 citations checked, {len(expected)} not in force" in result.output


def test_citing_only_law_in_force_passes(runner, cited) -> None:
    root, lesson, _bank = cited
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace('legal = ["29/2018/QH14"]', 'legal = ["117/2025/QH15"]'),
                      encoding="utf-8")
    result = runner.invoke(args=["legal", "check", "--files", str(root), "--as-of",
                                 "05/12/2026"])
    assert result.exit_code == 0, result.output


def test_a_bad_date_is_named(runner, cited) -> None:
    root, _lesson, _bank = cited
    result = runner.invoke(args=["legal", "check", "--files", str(root), "--as-of",
                                 "2026-12-05"])
    assert result.exit_code == 2 and "--as-of" in result.output
