"""How problems are reported: sorted `path:line: reason` lines, and no crash on any input."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.courses.files import CourseFiles, CourseFilesError, Problem, load_course
from tests.courses.conftest import COURSE, HYPOTHESIS, L1, L2, QUIZ, edit

TOML_ISH = st.lists(
    st.sampled_from(
        [
            "+++",
            "title = ",
            "minutes = ",
            "objectives = ",
            '"x"',
            "'y'",
            "[",
            "]",
            "{",
            "}",
            ",",
            "45",
            "-1",
            "true",
            "=",
            ".",
            "\n",
            " ",
            "#",
            '"""',
            "attachments/",
            "](",
            "![a",
            ")",
            "[t]",
            "[[t]]",
            "\\",
            "\r",
            "\x00",
            "é",
            "\u0301",
            "\ufeff",
            "1979-05-27",
        ]
    ),
    max_size=60,
).map("".join)


def load_or_error(root: Path) -> CourseFiles | CourseFilesError:
    """The course, or the error raised (any other exception propagates)."""
    try:
        return load_course(root)
    except CourseFilesError as error:
        return error


def test_every_problem_is_reported_sorted_by_file_then_line(course_dir: Path) -> None:
    edit(course_dir / QUIZ, 'time_limit = "1h30m"', 'time_limit = "90"')
    edit(course_dir / L2, "minutes = 30", 'minutes = "30"')
    edit(course_dir / L2, "so-do.png", "so-do.gif")
    edit(course_dir / L1, "minutes = 20", "minutes = 20.0")
    edit(course_dir / COURSE, 'version = "0.1.0"', "version = 0.1")
    edit(course_dir / COURSE, 'language = "vi"', 'language = ""')

    with pytest.raises(CourseFilesError) as caught:
        load_course(course_dir)

    error = caught.value
    assert [(problem.path, problem.line) for problem in error.problems] == [
        ("khoa-mau/course.toml", 5),
        ("khoa-mau/course.toml", 6),
        ("khoa-mau/lessons/01-gioi-thieu.md", 3),
        ("khoa-mau/lessons/02-noi-dung.md", 3),
        ("khoa-mau/lessons/02-noi-dung.md", 11),
        ("khoa-mau/quizzes/cuoi-khoa.toml", 2),
    ]
    assert str(error).splitlines() == [str(problem) for problem in error.problems]
    assert str(error).splitlines()[0] == (
        "khoa-mau/course.toml:5: “version” must be a string, not a number"
    )
    assert isinstance(error.problems[0], Problem)


@HYPOTHESIS
@given(
    data=st.one_of(
        st.binary(max_size=400),
        TOML_ISH.map(str.encode),
        st.text(max_size=400).map(lambda s: s.encode("utf-8", "surrogatepass")),
    )
)
def test_any_lesson_file_loads_or_reports(course_dir: Path, data: bytes) -> None:
    (course_dir / L2).write_bytes(data)

    result = load_or_error(course_dir)

    if isinstance(result, CourseFilesError):
        assert result.problems
        assert all(problem.line >= 1 for problem in result.problems)
        assert str(result).startswith("khoa-mau/")
    else:
        assert len(result.lessons) == 2


@HYPOTHESIS
@given(
    prefix=st.sampled_from(["+++\n", "+++\ntitle = 'x'\nminutes = 1\nobjectives = []\n"]),
    middle=TOML_ISH,
    suffix=st.sampled_from(["", "+++\n", "\n+++\n\n[a](attachments/b)\n"]),
)
def test_front_matter_like_lessons_load_or_report(
    course_dir: Path, prefix: str, middle: str, suffix: str
) -> None:
    (course_dir / L2).write_bytes((prefix + middle + suffix).encode())

    result = load_or_error(course_dir)

    assert isinstance(result, CourseFiles) or result.problems


def test_problem_lines_point_inside_the_file(course_dir: Path) -> None:
    """The reported line of a front matter error exists and holds the bad key."""
    edit(course_dir / L1, '  "Kể tên được các bài học.",', "  true,")
    with pytest.raises(CourseFilesError) as caught:
        load_course(course_dir)
    (problem,) = caught.value.problems
    lines = (course_dir / L1).read_text(encoding="utf-8").split("\n")
    assert lines[problem.line - 1] == "  true,"
    assert Path(problem.path).name == "01-gioi-thieu.md"
