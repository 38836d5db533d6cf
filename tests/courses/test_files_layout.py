"""Broken structure: TOML and front matter syntax, file names, duplicates, encodings, layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.courses.files import CourseFilesError, load_course
from tests.courses.conftest import (
    COURSE,
    FIXTURE,
    L1,
    L2,
    QUIZ,
    Mutation,
    _copy,
    _edit,
    _rename,
    _replace_line,
    _write,
    assert_problems,
)

BROKEN = [
    # malformed TOML: tomllib's line (and column), offset by the front matter's start
    pytest.param(
        _edit(COURSE, 'version = "0.1.0"', "version = 0.1.0"),
        [("course.toml:5", "invalid TOML (column 14): Expected newline")],
        id="toml-course",
    ),
    pytest.param(
        _edit(QUIZ, "attempts = 2", "attempts ="),
        [(f"{QUIZ}:3", "invalid TOML (column 11): Invalid value")],
        id="toml-quiz",
    ),
    pytest.param(
        _edit(L2, "minutes = 30", "minutes = 30 phút"),
        [(f"{L2}:3", "invalid TOML (column 14)")],
        id="toml-front-matter",
    ),
    pytest.param(
        _edit(L1, '  "Kể tên được các bài học.",\n]', '  "Kể tên được các bài học.",\n'),
        [(f"{L1}:6", "invalid TOML (column 1): Invalid value")],
        id="toml-front-matter-at-end",
    ),
    # front matter missing or not closed
    pytest.param(
        _write(L1, "# Bài 1\n\nKhông có phần đầu.\n".encode()),
        [(f"{L1}:1", "missing front matter")],
        id="front-matter-missing",
    ),
    pytest.param(
        _edit(L2, "]\n+++\n", "]\n"),
        [(f"{L2}:1", "unterminated front matter")],
        id="front-matter-unterminated",
    ),
    pytest.param(
        _edit(L2, "\n]\n+++\n", "\n]\n+++ \n"),
        [(f"{L2}:1", "unterminated front matter")],
        id="front-matter-closing-not-exact",
    ),
    # lesson file names
    pytest.param(
        _rename(L2, "lessons/2-noi-dung.md"),
        [("lessons/2-noi-dung.md:1", "NN-slug.md")],
        id="lesson-name-one-digit",
    ),
    pytest.param(
        _rename(L2, "lessons/02-Noi-Dung.md"),
        [("lessons/02-Noi-Dung.md:1", "NN-slug.md")],
        id="lesson-name-uppercase",
    ),
    pytest.param(
        _rename(L2, "lessons/02-noi--dung.md"),
        [("lessons/02-noi--dung.md:1", "NN-slug.md")],
        id="lesson-name-double-dash",
    ),
    pytest.param(
        _rename(L2, "lessons/02-noi-dung.markdown"),
        [("lessons/02-noi-dung.markdown:1", "NN-slug.md")],
        id="lesson-name-extension",
    ),
    # duplicates
    pytest.param(
        _copy(L1, "lessons/03-gioi-thieu.md"),
        [
            (
                "lessons/03-gioi-thieu.md:1",
                "duplicate lesson slug “gioi-thieu”: lessons/01-gioi-thieu.md has it too",
            )
        ],
        id="duplicate-lesson-slug",
    ),
    pytest.param(
        _copy(L2, "lessons/02-them.md"),
        [("lessons/02-them.md:1", "duplicate lesson position 2: lessons/02-noi-dung.md")],
        id="duplicate-lesson-position",
    ),
    pytest.param(
        _copy(L2, "lessons/002-noi-dung-khac.md"),
        [(f"{L2}:1", "duplicate lesson position 2: lessons/002-noi-dung-khac.md")],
        id="duplicate-lesson-position-padded",
    ),
    pytest.param(
        _edit(
            COURSE,
            '  { slug = "cuoi-khoa", pass_mark10 = 5.0 },\n',
            '  { slug = "cuoi-khoa", pass_mark10 = 5.0 },\n'
            '  { slug = "cuoi-khoa", pass_mark10 = 8.0 },\n',
        ),
        [("course.toml:14", "quiz “cuoi-khoa” is listed twice")],
        id="duplicate-quiz-in-completion",
    ),
    # encodings (the line of the first bad byte)
    pytest.param(
        _replace_line(L2, 13, b"S\xf4 li\xeau: 3."),
        [(f"{L2}:13", "not valid UTF-8 (byte 0x")],
        id="encoding-lesson",
    ),
    pytest.param(
        _replace_line(COURSE, 2, 'title = "Khóa"'.encode("utf-16-le")),
        [("course.toml:2", "not valid UTF-8")],
        id="encoding-course",
    ),
    pytest.param(
        _replace_line("questions/bai-02.gift", 3, b"::q3::Ngh\xe1 {T}"),
        [("questions/bai-02.gift:3", "not valid UTF-8")],
        id="encoding-question",
    ),
    pytest.param(  # valid UTF-8, but PostgreSQL cannot store it (found by the fuzz test)
        _replace_line(L2, 13, "Số liệu:\x00 3.".encode()),
        [(f"{L2}:13", "contains a NUL character")],
        id="nul-in-lesson",
    ),
    # identity
    pytest.param(
        _edit(COURSE, 'slug = "khoa-mau"', 'slug = "khoa-khac"'),
        [("course.toml:1", "slug “khoa-khac” differs from the directory name “khoa-mau”")],
        id="course-slug",
    ),
    # layout
    pytest.param(
        _write("README.md", b"# x\n"),
        [("README.md:1", "unexpected “README.md”")],
        id="layout-unexpected-file",
    ),
    pytest.param(
        _rename("quizzes", "quiz"),
        [("course.toml:13", "no quiz “cuoi-khoa”"), ("quiz:1", "unexpected “quiz”")],
        id="layout-misnamed-folder",
    ),
    pytest.param(
        _write("lessons/phu-luc/01-x.md", b""),
        [("lessons/phu-luc:1", "sub-directories are not allowed")],
        id="layout-subdirectory",
    ),
    pytest.param(
        _write("questions/bai-03.txt", b"x"),
        [("questions/bai-03.txt:1", "a question bank must be a .gift (GIFT) or .xml")],
        id="layout-question-extension",
    ),
    pytest.param(
        _write("quizzes/Cuoi_Ky.toml", b"x"),
        [("quizzes/Cuoi_Ky.toml:1", "a quiz file name must be <slug>.toml")],
        id="layout-quiz-name",
    ),
    pytest.param(
        lambda root: (root / "course.toml").unlink(),
        [("course.toml:1", "missing file")],
        id="layout-no-course-toml",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN)
def test_broken_course(course_dir: Path, mutate: Mutation, expected: list[tuple[str, str]]) -> None:
    mutate(course_dir)

    assert_problems(course_dir, expected)


def test_symbolic_links_are_refused(course_dir: Path) -> None:
    (course_dir / "attachments" / "lien-ket.csv").symlink_to(
        course_dir / "attachments" / "so-lieu.csv"
    )
    with pytest.raises(CourseFilesError) as caught:
        load_course(course_dir)
    assert str(caught.value) == (
        "khoa-mau/attachments/lien-ket.csv:1: symbolic links are not allowed"
    )


def test_a_file_instead_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "khoa").write_text("x")
    with pytest.raises(CourseFilesError, match=r"^khoa/:1: not a course directory$"):
        load_course(tmp_path / "khoa")


def test_hidden_files_are_ignored_and_crlf_bom_accepted(course_dir: Path) -> None:
    (course_dir / ".git").mkdir()
    (course_dir / "attachments" / ".gitkeep").write_bytes(b"")
    gift = course_dir / "questions" / "bai-02.gift"
    gift.write_bytes(b"\xef\xbb\xbf" + gift.read_bytes().replace(b"\n", b"\r\n"))

    course = load_course(course_dir)

    assert course == load_course(FIXTURE)
