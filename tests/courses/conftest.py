"""Shared by the test_files_* modules: the fixture course, file edits, mutations and checks."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from lms.courses.files import CourseFilesError, load_course

FIXTURE = Path(__file__).parent / "data" / "khoa-mau"
EVERYTHING = frozenset({"score", "correctness", "right_answer", "feedback"})
L1, L2 = "lessons/01-gioi-thieu.md", "lessons/02-noi-dung.md"
QUIZ, PRACTICE, COURSE = "quizzes/cuoi-khoa.toml", "quizzes/luyen-tap.toml", "course.toml"
# Any text a lecturer can store: no surrogates, no NUL (refused on load, see files_check).
TEXTS = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                max_size=300).map(
    lambda s: unicodedata.normalize("NFC", s)
)
HYPOTHESIS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    """A fresh copy of the small valid fixture course, named like its slug."""
    dest = tmp_path / "khoa-mau"
    shutil.copytree(FIXTURE, dest)
    return dest


def files_of(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` (failing loudly if the fixture changed)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def assert_problems(root: Path, expected: list[tuple[str, str]]) -> None:
    """Loading ``root`` fails with exactly these ``(location, reason)`` lines, in order."""
    with pytest.raises(CourseFilesError) as caught:
        load_course(root)

    lines = str(caught.value).splitlines()
    assert len(lines) == len(expected), lines
    for line, (location, reason) in zip(lines, expected, strict=True):
        assert line.startswith(f"khoa-mau/{location}: "), line
        assert reason in line, line


# --- mutations of the fixture course, for the broken-course cases -------------------------

Mutation = Callable[[Path], None]


def _rename(old: str, new: str) -> Mutation:
    return lambda root: (root / old).rename(root / new)


def _copy(old: str, new: str) -> Mutation:
    return lambda root: shutil.copy(root / old, root / new)


def _edit(relative: str, old: str, new: str) -> Mutation:
    return lambda root: edit(root / relative, old, new)


def _write(relative: str, data: bytes) -> Mutation:
    def write(root: Path) -> None:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)

    return write


def _replace_line(relative: str, number: int, data: bytes) -> Mutation:
    def replace(root: Path) -> None:
        lines = (root / relative).read_bytes().split(b"\n")
        lines[number - 1] = data
        (root / relative).write_bytes(b"\n".join(lines))

    return replace


def _both(*mutations: Mutation) -> Mutation:
    def apply(root: Path) -> None:
        for mutation in mutations:
            mutation(root)

    return apply
