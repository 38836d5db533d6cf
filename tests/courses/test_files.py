"""Course content as files: loading, validation with file:line problems, canonical writing."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import tomllib
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lms.courses.files import (
    MAX_ATTACHMENT_BYTES,
    CompletionPolicy,
    CourseFiles,
    CourseFilesError,
    DrawRule,
    Problem,
    QuizRequirement,
    ReviewOptions,
    dump_course,
    format_duration,
    lesson_path,
    load_course,
    parse_duration,
    sniff_content_type,
)
from lms.courses.files_toml import KeyLines, multiline, string
from lms.quizzes.gift import parse_gift

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "courses" / "quan-ly-nha-nuoc-ve-co-yeu"
FIXTURE = Path(__file__).parent / "data" / "khoa-mau"
EVERYTHING = frozenset({"score", "correctness", "right_answer", "feedback"})
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00"
    b"\x00\x00:~\x9bU"
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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


def load_or_error(root: Path) -> CourseFiles | CourseFilesError:
    """The course, or the error raised (any other exception propagates)."""
    try:
        return load_course(root)
    except CourseFilesError as error:
        return error


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` (failing loudly if the fixture changed)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def office_zip(content_type: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" '
            f'ContentType="{content_type}.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


# --- the shipped course ------------------------------------------------------------------


def test_shipped_course_loads_with_lessons_in_order() -> None:
    course = load_course(SHIPPED)

    assert course.slug == "quan-ly-nha-nuoc-ve-co-yeu"
    assert course.title == "Quản lý nhà nước về Cơ yếu"
    assert course.language == "vi"
    assert [lesson.position for lesson in course.lessons] == [1, 2, 3, 4, 5, 6]
    assert [lesson.title.split(".")[0] for lesson in course.lessons] == [
        f"Bài {n}" for n in range(1, 7)
    ]
    assert course.lessons[0].slug == "khai-niem-vi-tri-vai-tro"
    assert course.lessons[0].title.startswith("Bài 1. Khái niệm, vị trí, vai trò")
    assert course.lessons[5].title == "Bài 6. Thực tiễn năm 2023 và nhiệm vụ thời gian tới"
    assert all(lesson.minutes == 45 and len(lesson.objectives) >= 4 for lesson in course.lessons)
    assert all(
        lesson.body.strip() and not lesson.body.startswith("\n") for lesson in course.lessons
    )
    assert course.completion == CompletionPolicy(
        "all", (QuizRequirement("kiem-tra-cuoi-khoa", 5.0),)
    )
    assert "\n" not in course.description and course.description.endswith("triển khai.")


def test_shipped_question_banks_are_listed_with_their_categories() -> None:
    course = load_course(SHIPPED)

    assert len(course.questions) >= 6
    for number, question in enumerate(course.questions[:6], start=1):
        assert question.path.startswith(f"questions/0{number}-")
        assert question.text.startswith("$CATEGORY: ")
        parsed = parse_gift(question.text, question.path)
        assert {item.category for item in parsed} == {f"bai-0{number}"}


def test_shipped_quizzes() -> None:
    course = load_course(SHIPPED)
    quizzes = {quiz.slug: quiz for quiz in course.quizzes}

    assert sorted(quizzes) == ["kiem-tra-cuoi-khoa"] + [f"luyen-tap-bai-0{n}" for n in range(1, 7)]
    final = quizzes["kiem-tra-cuoi-khoa"]
    assert (final.title, final.time_limit_seconds, final.attempts, final.pass_mark10) == (
        "Kiểm tra cuối khóa",
        30 * 60,
        2,
        5.0,
    )
    assert (final.grading, final.on_expiry) == ("highest", "autosubmit")
    assert final.shuffle_questions and final.shuffle_options
    assert final.questions == ()
    assert final.draw == tuple(
        DrawRule(f"bai-0{n}", count)
        for n, count in zip(range(1, 7), (4, 4, 3, 3, 3, 3), strict=True)
    )
    assert sum(rule.count for rule in final.draw) == 20
    assert final.review == ReviewOptions(
        during=frozenset(),
        immediately=frozenset({"score"}),
        later=frozenset({"score"}),
        after_close=EVERYTHING,
    )
    assert (final.opens, final.closes) == (None, None)
    for n in range(1, 7):
        practice = quizzes[f"luyen-tap-bai-0{n}"]
        assert practice.title == f"Luyện tập Bài {n}"
        assert (practice.time_limit_seconds, practice.attempts, practice.pass_mark10) == (
            600,
            0,
            5.0,
        )
        assert practice.grading == "highest"
        assert practice.draw == (DrawRule(f"bai-0{n}", 5),)
        assert practice.review.immediately == EVERYTHING
        assert practice.review.during == frozenset()


def test_shipped_quizzes_draw_no_more_than_each_category_holds() -> None:
    course = load_course(SHIPPED)
    held = Counter(
        item.category
        for question in course.questions
        for item in parse_gift(question.text, question.path)
    )
    for quiz in course.quizzes:
        for rule in quiz.draw:
            assert rule.count <= held[rule.category], (quiz.slug, rule, held)


@pytest.mark.parametrize("source", [SHIPPED, FIXTURE], ids=["shipped", "fixture"])
def test_round_trip_is_byte_for_byte(source: Path, tmp_path: Path) -> None:
    loaded = load_course(source)
    out = tmp_path / source.name

    dump_course(loaded, out)

    assert files_of(out) == files_of(source)
    assert load_course(out) == loaded


def test_round_trip_canonicalises_other_spellings(course_dir: Path, tmp_path: Path) -> None:
    lesson = course_dir / "lessons" / "01-gioi-thieu.md"
    text = lesson.read_text(encoding="utf-8")
    text = text.replace(
        'objectives = [\n  "Nêu được mục đích của khóa học.",\n  "Kể tên được các bài học.",\n]',
        "objectives = ['Nêu được mục đích của khóa học.', "
        "'Kể tên được các bài học.'] # literal strings",
    )
    text = text.replace("+++\n\nĐây", "+++\nĐây")  # no blank line before the body
    lesson.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    lesson.rename(course_dir / "lessons" / "001-gioi-thieu.md")
    quiz = course_dir / "quizzes" / "cuoi-khoa.toml"
    edit(quiz, 'time_limit = "1h30m"', 'time_limit = "90m"')
    edit(quiz, "pass_mark10 = 5.0", "pass_mark10 = 5")
    edit(
        quiz,
        'after_close = ["score", "correctness", "right_answer", "feedback"]',
        'after_close = ["feedback", "right_answer", "score", "correctness"]',
    )
    edit(
        course_dir / "course.toml", 'title = "Khóa học mẫu"', 'title = "Kho\u0301a ho\u0323c mẫu"'
    )  # decomposed (NFD) accents
    loaded = load_course(course_dir)
    out = tmp_path / "out" / "khoa-mau"

    dump_course(loaded, out)

    assert load_course(out) == loaded
    assert loaded.title == "Khóa học mẫu"
    assert loaded.quizzes[0].time_limit_seconds == 5400
    assert loaded.lessons[0].path == "lessons/001-gioi-thieu.md"
    canonical = files_of(FIXTURE)
    canonical["lessons/001-gioi-thieu.md"] = canonical.pop("lessons/01-gioi-thieu.md")
    assert files_of(out) == canonical


# --- broken courses ----------------------------------------------------------------------

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


def _oversized(root: Path) -> None:
    with (root / "attachments" / "lon.pdf").open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(MAX_ATTACHMENT_BYTES + 1)


L1, L2 = "lessons/01-gioi-thieu.md", "lessons/02-noi-dung.md"
QUIZ, PRACTICE, COURSE = "quizzes/cuoi-khoa.toml", "quizzes/luyen-tap.toml", "course.toml"
TWO_LESSONS = 'lessons = [\n  "gioi-thieu",\n  "khong-co",\n]'

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
    # missing required fields (at the table's line: 1 for a file, the element's line inside)
    pytest.param(
        _edit(L1, "minutes = 20\n", ""),
        [(f"{L1}:1", "missing required field “minutes”")],
        id="missing-lesson-field",
    ),
    pytest.param(
        _edit(COURSE, 'title = "Khóa học mẫu"\n', ""),
        [("course.toml:1", "missing required field “title”")],
        id="missing-course-field",
    ),
    pytest.param(
        _edit(COURSE, "[completion]\n", "[completion_]\n"),
        [
            ("course.toml:1", "missing required field “completion”"),
            ("course.toml:10", "unknown field “completion_” (did you mean “completion”?)"),
        ],
        id="missing-course-table",
    ),
    pytest.param(
        _edit(QUIZ, 'grading = "highest"\n', ""),
        [(f"{QUIZ}:1", "missing required field “grading”")],
        id="missing-quiz-field",
    ),
    pytest.param(
        _edit(COURSE, 'slug = "cuoi-khoa", pass_mark10 = 5.0', 'slug = "cuoi-khoa"'),
        [("course.toml:13", "missing required field “completion.quizzes[0].pass_mark10”")],
        id="missing-inline-table-field",
    ),
    pytest.param(
        _edit(PRACTICE, '  { category = "bai-01", count = 2 },', '  { category = "bai-01" },'),
        [(f"{PRACTICE}:9", "missing required field “draw[0].count”")],
        id="missing-draw-count",
    ),
    # wrong types (the field named)
    pytest.param(
        _edit(L2, "minutes = 30", 'minutes = "30"'),
        [(f"{L2}:3", "“minutes” must be an integer, not a string")],
        id="type-minutes",
    ),
    pytest.param(
        _edit(L1, '  "Kể tên được các bài học.",', "  42,"),
        [(f"{L1}:6", "“objectives[1]” must be a string, not an integer")],
        id="type-objective",
    ),
    pytest.param(
        _edit(L1, 'title = "Bài 1. Giới thiệu"', 'title = ["Bài 1"]'),
        [(f"{L1}:2", "“title” must be a string, not an array")],
        id="type-title",
    ),
    pytest.param(
        _edit(QUIZ, "shuffle_options = false", 'shuffle_options = "no"'),
        [(f"{QUIZ}:7", "“shuffle_options” must be true or false, not a string")],
        id="type-boolean",
    ),
    pytest.param(
        _edit(QUIZ, "pass_mark10 = 5.0", "pass_mark10 = true"),
        [(f"{QUIZ}:4", "“pass_mark10” must be a number, not a boolean")],
        id="type-mark",
    ),
    pytest.param(
        _edit(COURSE, 'version = "0.1.0"', "version = 1"),
        [("course.toml:5", "“version” must be a string, not an integer")],
        id="type-version",
    ),
    pytest.param(
        _edit(COURSE, 'lessons = "all"', "lessons = 3"),
        [("course.toml:11", "“completion.lessons” must be an array, not an integer")],
        id="type-completion-lessons",
    ),
    pytest.param(
        _edit(PRACTICE, '  { category = "bai-01", count = 2 },', '  "bai-01",'),
        [(f"{PRACTICE}:9", "“draw[0]” must be a table, not a string")],
        id="type-draw-rule",
    ),
    pytest.param(
        _edit(QUIZ, "[review]\nduring = []\n", "review = 1\n[x]\nduring = []\n"),
        [
            (f"{QUIZ}:19", "“review” must be a table, not an integer"),
            (f"{QUIZ}:20", "unknown field “x”"),
        ],
        id="type-review",
    ),
    # unknown fields (typo protection)
    pytest.param(
        _edit(L1, "minutes = 20", "minute = 20"),
        [
            (f"{L1}:1", "missing required field “minutes”"),
            (f"{L1}:3", "unknown field “minute” (did you mean “minutes”?)"),
        ],
        id="unknown-lesson-field",
    ),
    pytest.param(
        _edit(COURSE, 'language = "vi"\n', 'language = "vi"\nauthor = "Ai đó"\n'),
        [("course.toml:7", "unknown field “author”")],
        id="unknown-course-field",
    ),
    pytest.param(
        _edit(PRACTICE, "shuffle_options = false", "shufle_options = false"),
        [(f"{PRACTICE}:6", "unknown field “shufle_options” (did you mean “shuffle_options”?)")],
        id="unknown-quiz-field",
    ),
    pytest.param(
        _edit(QUIZ, "later = [", "latter = ["),
        [(f"{QUIZ}:22", "unknown field “review.latter” (did you mean “later”?)")],
        id="unknown-review-time",
    ),
    pytest.param(
        _edit(
            QUIZ,
            '{ category = "bai-02", count = 1 }',
            '{ category = "bai-02", count = 1, weight = 2 }',
        ),
        [(f"{QUIZ}:16", "unknown field “draw[1].weight”")],
        id="unknown-inline-field",
    ),
    pytest.param(
        _edit(QUIZ, 'immediately = ["score"]', 'immediately = ["score", "answers"]'),
        [(f"{QUIZ}:21", "“review.immediately[1]”: unknown review item “answers”")],
        id="unknown-review-item",
    ),
    # links to missing attachments (the line of the link)
    pytest.param(
        lambda root: (root / "attachments" / "bai-giang.pdf").unlink(),
        [(f"{L1}:12", "link to a missing attachment “bai-giang.pdf”")],
        id="link-missing",
    ),
    pytest.param(
        _edit(L2, "so-do.png", "so-do.jpg"),
        [(f"{L2}:11", "missing attachment “so-do.jpg”")],
        id="image-missing",
    ),
    pytest.param(
        _edit(
            L2,
            "`attachments/khong",
            "Và [đây](attachments/a.pdf) và\n[kia](../"
            "attachments/b%20c.pdf).\n\n`attachments/khong",
        ),
        [(f"{L2}:15", "missing attachment “a.pdf”"), (f"{L2}:16", "missing attachment “b c.pdf”")],
        id="links-on-two-lines",
    ),
    pytest.param(
        _edit(
            L2,
            "`attachments/khong",
            "Xem [tài liệu][tl].\n\n[tl]: attachments/thieu.pdf\n\n`attachments/khong",
        ),
        [(f"{L2}:17", "missing attachment “thieu.pdf”")],
        id="link-reference",
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
    # identity
    pytest.param(
        _edit(COURSE, 'slug = "khoa-mau"', 'slug = "khoa-khac"'),
        [("course.toml:1", "slug “khoa-khac” differs from the directory name “khoa-mau”")],
        id="course-slug",
    ),
    # completion rules naming what does not exist
    pytest.param(
        _edit(COURSE, 'lessons = "all"', TWO_LESSONS),
        [("course.toml:13", "no lesson “khong-co”")],
        id="completion-lesson",
    ),
    pytest.param(
        _edit(COURSE, 'lessons = "all"', 'lessons = "tat-ca"'),
        [("course.toml:11", "must be “all” or an array of lesson slugs")],
        id="completion-lessons-word",
    ),
    pytest.param(
        _edit(COURSE, '{ slug = "cuoi-khoa"', '{ slug = "cuoi-ky"'),
        [("course.toml:13", "no quiz “cuoi-ky”: expected a file quizzes/cuoi-ky.toml")],
        id="completion-quiz",
    ),
    pytest.param(
        _both(
            _rename(L1, "lessons/01-mo-dau.md"),
            _edit(COURSE, 'lessons = "all"', TWO_LESSONS.replace("khong-co", "mo-dau")),
        ),
        [("course.toml:12", "no lesson “gioi-thieu”")],
        id="completion-renamed-lesson",
    ),
    # durations: a unit is required; 1s to 24h
    *(
        pytest.param(
            _edit(QUIZ, 'time_limit = "1h30m"', f"time_limit = {value}"),
            [(f"{QUIZ}:2", reason)],
            id=f"duration-{value}",
        )
        for value, reason in [
            ('"45"', "“45” has no unit: write “45m” for minutes or “45s” for seconds"),
            ("45", "“45” has no unit"),
            ('"1h30"', "“1h30” is not a duration"),
            ('"30 m"', "is not a duration"),
            ('"30M"', "is not a duration"),
            ('"30m1h"', "is not a duration"),
            ('""', "is not a duration"),
            ('"0m"', "between 1s and 24h"),
            ('"24h1s"', "between 1s and 24h"),
            ("1.5", "“time_limit” must be a string, not a number"),
        ]
    ),
    # marks out of 10
    *(
        pytest.param(
            _edit(QUIZ, "pass_mark10 = 5.0", f"pass_mark10 = {value}"),
            [(f"{QUIZ}:4", f"“pass_mark10” must be between 0 and 10, not {shown}")],
            id=f"mark-{value}",
        )
        for value, shown in [("10.5", "10.5"), ("-1", "-1"), ("11", "11"), ("nan", "nan")]
    ),
    pytest.param(
        _edit(COURSE, "pass_mark10 = 5.0", "pass_mark10 = 12.0"),
        [("course.toml:13", "“completion.quizzes[0].pass_mark10” must be between 0 and 10")],
        id="mark-completion",
    ),
    # draw rules and other quiz settings
    pytest.param(
        _edit(QUIZ, '"bai-02", count = 1', '"bai-02", count = 0'),
        [(f"{QUIZ}:16", "“draw[1].count” must be at least 1, not 0")],
        id="draw-zero",
    ),
    pytest.param(
        _edit(PRACTICE, "count = 2", "count = -3"),
        [(f"{PRACTICE}:9", "“draw[0].count” must be at least 1, not -3")],
        id="draw-negative",
    ),
    pytest.param(
        _edit(QUIZ, '"bai-02", count', '"bai-01", count'),
        [(f"{QUIZ}:16", "category “bai-01” is drawn from twice")],
        id="draw-twice",
    ),
    pytest.param(
        _edit(PRACTICE, 'draw = [\n  { category = "bai-01", count = 2 },\n]\n', ""),
        [(f"{PRACTICE}:1", "a quiz needs questions")],
        id="quiz-without-questions",
    ),
    pytest.param(
        _edit(QUIZ, '  "q1",\n', '  "q1",\n  "q1",\n'),
        [(f"{QUIZ}:13", "“q1” is listed twice")],
        id="fixed-question-twice",
    ),
    pytest.param(
        _edit(QUIZ, "attempts = 2", "attempts = -1"),
        [(f"{QUIZ}:3", "“attempts” must be at least 0, not -1")],
        id="attempts",
    ),
    pytest.param(
        _edit(QUIZ, 'grading = "highest"', 'grading = "best"'),
        [(f"{QUIZ}:5", "“grading” must be one of highest, last, first, average")],
        id="grading",
    ),
    pytest.param(
        _edit(QUIZ, 'on_expiry = "grace"', 'on_expiry = "submit"'),
        [(f"{QUIZ}:8", "“on_expiry” must be one of autosubmit, grace, abandon")],
        id="on-expiry",
    ),
    pytest.param(
        _edit(QUIZ, '"2025-09-01T07:30"', '"01/09/2025 07:30"'),
        [
            (
                f"{QUIZ}:9",
                "“opens” must be a local date and time written as a string “YYYY-MM-DDTHH:MM”",
            )
        ],
        id="opens-format",
    ),
    pytest.param(
        _edit(QUIZ, '"2025-09-01T07:30"', "2025-09-01T07:30:00"),
        [(f"{QUIZ}:9", "“opens” must be a local date and time")],
        id="opens-toml-date",
    ),
    pytest.param(
        _edit(QUIZ, '"2025-09-30T17:00"', '"2025-02-30T17:00"'),
        [(f"{QUIZ}:10", "“closes” must be a local date and time")],
        id="closes-no-day",
    ),
    pytest.param(
        _edit(QUIZ, '"2025-09-30T17:00"', '"2025-09-01T07:00"'),
        [(f"{QUIZ}:10", "the quiz closes before it opens")],
        id="closes-before-opens",
    ),
    pytest.param(
        _edit(L1, 'title = "Bài 1. Giới thiệu"', 'title = "  "'),
        [(f"{L1}:2", "“title” must not be empty")],
        id="empty-title",
    ),
    pytest.param(
        _edit(L1, "minutes = 20", "minutes = 0"),
        [(f"{L1}:3", "“minutes” must be at least 1, not 0")],
        id="zero-minutes",
    ),
    # attachments: size limit, type by content, names
    pytest.param(
        _oversized,
        [("attachments/lon.pdf:1", "larger than the 20 MB limit")],
        id="attachment-too-large",
    ),
    pytest.param(
        _write("attachments/cai-dat.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff"),
        [("attachments/cai-dat.pdf:1", "this type of file is not allowed")],
        id="attachment-executable",
    ),
    pytest.param(
        _write("attachments/anh.pdf", PNG),
        [("attachments/anh.pdf:1", "the content is image/png but the name does not end in .png")],
        id="attachment-misnamed",
    ),
    pytest.param(
        _write("attachments/hinh.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        [("attachments/hinh.svg:1", "the content is text/plain but the name does not end in .txt")],
        id="attachment-svg",
    ),
    pytest.param(
        _write(
            "attachments/macro.docx", office_zip("application/vnd.ms-word.document.macroEnabled")
        ),
        [("attachments/macro.docx:1", "not allowed")],
        id="attachment-docm",
    ),
    pytest.param(
        _write("attachments/bai giang.txt", b"x"),
        [("attachments/bai giang.txt:1", "an attachment name may only use")],
        id="attachment-name",
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
        [("questions/bai-03.txt:1", "a question bank must be a .gift file")],
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

    with pytest.raises(CourseFilesError) as caught:
        load_course(course_dir)

    lines = str(caught.value).splitlines()
    assert len(lines) == len(expected), lines
    for line, (location, reason) in zip(lines, expected, strict=True):
        assert line.startswith(f"khoa-mau/{location}: "), line
        assert reason in line, line


def test_symbolic_links_are_refused(course_dir: Path) -> None:
    (course_dir / "attachments" / "lien-ket.csv").symlink_to(
        course_dir / "attachments" / "so-lieu.csv"
    )
    with pytest.raises(CourseFilesError) as caught:
        load_course(course_dir)
    assert str(caught.value) == (
        "khoa-mau/attachments/lien-ket.csv:1: symbolic links are not allowed"
    )


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


def test_a_file_instead_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "khoa").write_text("x")
    with pytest.raises(CourseFilesError, match=r"^khoa/:1: not a course directory$"):
        load_course(tmp_path / "khoa")


def test_attachment_of_exactly_the_limit_is_accepted(course_dir: Path) -> None:
    with (course_dir / "attachments" / "vua.pdf").open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(MAX_ATTACHMENT_BYTES)
    course = load_course(course_dir)
    assert {a.name: a.size for a in course.attachments}["vua.pdf"] == MAX_ATTACHMENT_BYTES


def test_hidden_files_are_ignored_and_crlf_bom_accepted(course_dir: Path) -> None:
    (course_dir / ".git").mkdir()
    (course_dir / "attachments" / ".gitkeep").write_bytes(b"")
    gift = course_dir / "questions" / "bai-02.gift"
    gift.write_bytes(b"\xef\xbb\xbf" + gift.read_bytes().replace(b"\n", b"\r\n"))

    course = load_course(course_dir)

    assert course == load_course(FIXTURE)


# --- writing -----------------------------------------------------------------------------


def test_dump_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "old.md").write_text("x")
    with pytest.raises(FileExistsError):
        dump_course(load_course(FIXTURE), tmp_path / "x")


def test_dump_replaces_a_directory_only_when_asked(tmp_path: Path) -> None:
    dest = tmp_path / "khoa-mau"
    shutil.copytree(FIXTURE, dest)
    (dest / "lessons" / "09-cu.md").write_text("stale")
    course = load_course(FIXTURE)

    with pytest.raises(FileExistsError):
        dump_course(course, dest)
    with pytest.raises(ValueError, match="invalid course slug"):
        dump_course(dataclasses.replace(course, slug="../x"), dest, replace=True)
    assert (dest / "lessons" / "09-cu.md").exists()
    dump_course(course, dest, replace=True)

    assert files_of(dest) == files_of(FIXTURE)
    assert [path.name for path in tmp_path.iterdir()] == ["khoa-mau"]


def test_dump_refuses_a_file_as_destination(tmp_path: Path) -> None:
    (tmp_path / "khoa-mau").write_text("x")
    with pytest.raises(FileExistsError):
        dump_course(load_course(FIXTURE), tmp_path / "khoa-mau", replace=True)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: dataclasses.replace(c, quizzes=(c.quizzes[0], c.quizzes[0])),
        lambda c: dataclasses.replace(
            c,
            lessons=(
                c.lessons[0],
                dataclasses.replace(
                    c.lessons[1], slug=c.lessons[0].slug, path="lessons/02-gioi-thieu.md"
                ),
            ),
        ),
        lambda c: dataclasses.replace(
            c,
            quizzes=(
                dataclasses.replace(
                    c.quizzes[0], slug="../../thoat", path="quizzes/../../thoat.toml"
                ),
            ),
        ),
        lambda c: dataclasses.replace(c, lessons=(dataclasses.replace(c.lessons[0], position=7),)),
        lambda c: dataclasses.replace(
            c, attachments=(dataclasses.replace(c.attachments[0], data=b"%PDF-1.4 khac"),)
        ),
        lambda c: dataclasses.replace(
            c,
            attachments=(
                dataclasses.replace(c.attachments[0], name="../x.pdf", path="attachments/../x.pdf"),
            ),
        ),
        lambda c: dataclasses.replace(c, slug="a/b"),
    ],
    ids=[
        "duplicate-quiz",
        "duplicate-lesson",
        "quiz-escape",
        "lesson-position",
        "attachment-data",
        "attachment-escape",
        "course-slug",
    ],
)
def test_dump_refuses_inconsistent_courses(
    tmp_path: Path, change: Callable[[CourseFiles], CourseFiles]
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each case has its own message)
        dump_course(change(load_course(FIXTURE)), tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "thoat.toml").exists()


def test_dump_of_course_built_in_code(tmp_path: Path) -> None:
    course = load_course(FIXTURE)
    lesson = dataclasses.replace(
        course.lessons[0],
        position=12,
        body="",
        path=lesson_path(12, "gioi-thieu"),
        objectives=(),
        title='Tab\there "quoted" \\ back',
    )
    changed = dataclasses.replace(
        course,
        lessons=(lesson,),
        attachments=(),
        description="",
        lecturers_note='Dòng một\n\n  dòng ba có """ ba ngoặc\n',
        completion=CompletionPolicy(("gioi-thieu",), ()),
        quizzes=tuple(
            dataclasses.replace(
                quiz,
                questions=(),
                time_limit_seconds=3661,
                opens=datetime(2026, 1, 2, 3, 4),
                closes=None,
            )
            for quiz in course.quizzes
        ),
    )
    changed = dataclasses.replace(
        changed,
        lessons=tuple(
            dataclasses.replace(
                one, body=one.body.replace("Xem [bài giảng](attachments/bai-giang.pdf).", "")
            )
            for one in changed.lessons
        ),
    )
    out = tmp_path / "khoa-mau"

    dump_course(changed, out)

    assert load_course(out) == changed
    text = (out / "lessons" / "12-gioi-thieu.md").read_text(encoding="utf-8")
    assert text == (
        '+++\ntitle = "Tab\\there \\"quoted\\" \\\\ back"\nminutes = 20\nobjectives = []\n+++\n'
    )
    quiz = (out / QUIZ).read_text(encoding="utf-8")
    assert 'time_limit = "1h1m1s"' in quiz and 'opens = "2026-01-02T03:04"' in quiz
    assert "\nquestions =" not in quiz and "\ncloses =" not in quiz
    assert 'lessons = [\n  "gioi-thieu",\n]\nquizzes = []\n' in (out / COURSE).read_text()


# --- durations, content types, TOML helpers ------------------------------------------------


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


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"%PDF-1.7\n...", "slides.pdf", "application/pdf"),
        (b"%PDF-1.7\n...", "SLIDES.PDF", "application/pdf"),
        (PNG, "so-do.png", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "anh.jpg", "image/jpeg"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "anh.jpeg", "image/jpeg"),
        (b"GIF89a\x01\x00", "a.gif", "image/gif"),
        (b"GIF87a\x01\x00", "a.gif", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "a.webp", "image/webp"),
        (office_zip(DOCX_MAIN), "de-cuong.docx", DOCX_MAIN),
        (
            office_zip("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "diem.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            office_zip("application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            "bai-giang.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("Ghi chú\tcó dấu\r\n".encode(), "ghi-chu.txt", "text/plain; charset=utf-8"),
        (b"\xef\xbb\xbfa,b\n1,2\n", "bang.csv", "text/csv; charset=utf-8"),
        (b"", "trong.txt", "text/plain; charset=utf-8"),
        # refused: wrong extension, unknown content, active content, broken containers
        (b"%PDF-1.7\n...", "slides.png", None),
        (PNG, "so-do.pdf", None),
        (office_zip(DOCX_MAIN), "de-cuong.zip", None),
        (office_zip(DOCX_MAIN), "de-cuong.xlsx", None),
        (office_zip("application/vnd.ms-word.document.macroEnabled"), "x.docx", None),
        (b"PK\x03\x04 not really a zip", "x.docx", None),
        (b"<html><script>alert(1)</script></html>", "trang.html", None),
        (b"<svg onload='alert(1)'/>", "anh.svg", None),
        (b"MZ\x90\x00", "setup.exe", None),
        (b"MZ\x90\x00", "setup.txt", None),
        (b"a\x00b", "nul.txt", None),
        (b"\xff\xfeg\x00", "utf16.txt", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "a.webp", None),
        (b"", "trong.pdf", None),
    ],
)
def test_sniff_content_type(data: bytes, name: str, expected: str | None) -> None:
    assert sniff_content_type(data, name) == expected


def test_sniff_zip_without_content_types() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff_content_type(buffer.getvalue(), "x.docx") is None


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


TEXTS = st.text(st.characters(exclude_categories=("Cs",)), max_size=300).map(
    lambda s: unicodedata.normalize("NFC", s)
)


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


# --- properties --------------------------------------------------------------------------

HYPOTHESIS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
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


NONBLANK = TEXTS.filter(lambda s: s.strip() != "")
BODIES = TEXTS.map(lambda s: s.replace("\r\n", "\n")).filter(lambda s: "attachments/" not in s)


@HYPOTHESIS
@given(
    title=NONBLANK,
    objectives=st.lists(NONBLANK, max_size=3, unique=True),
    body=BODIES,
    description=TEXTS,
    note=TEXTS,
    minutes=st.integers(1, 10**6),
    mark=st.floats(0, 10),
    limit=st.integers(1, 86400),
    review=st.sets(st.sampled_from(sorted(EVERYTHING))),
)
def test_round_trip_property(
    course_dir: Path,
    title: str,
    objectives: list[str],
    body: str,
    description: str,
    note: str,
    minutes: int,
    mark: float,
    limit: int,
    review: frozenset[str],
) -> None:
    course = load_course(FIXTURE)
    lesson = dataclasses.replace(
        course.lessons[1], title=title, objectives=tuple(objectives), body=body, minutes=minutes
    )
    quiz = dataclasses.replace(
        course.quizzes[0],
        title=title,
        pass_mark10=mark,
        time_limit_seconds=limit,
        questions=(title,),
        review=ReviewOptions(later=frozenset(review)),
    )
    changed = dataclasses.replace(
        course,
        description=description,
        lecturers_note=note,
        lessons=(course.lessons[0], lesson),
        quizzes=(quiz, course.quizzes[1]),
        completion=CompletionPolicy(("noi-dung",), (QuizRequirement("cuoi-khoa", mark),)),
    )
    out = course_dir.parent / "out" / "khoa-mau"
    shutil.rmtree(out.parent, ignore_errors=True)

    dump_course(changed, out)
    loaded = load_course(out)
    again = out.parent.parent / "again" / "khoa-mau"
    shutil.rmtree(again.parent, ignore_errors=True)
    dump_course(loaded, again)

    assert loaded == changed
    assert files_of(again) == files_of(out)


def test_problem_lines_point_inside_the_file(course_dir: Path) -> None:
    """The reported line of a front matter error exists and holds the bad key."""
    edit(course_dir / L1, '  "Kể tên được các bài học.",', "  true,")
    with pytest.raises(CourseFilesError) as caught:
        load_course(course_dir)
    (problem,) = caught.value.problems
    lines = (course_dir / L1).read_text(encoding="utf-8").split("\n")
    assert lines[problem.line - 1] == "  true,"
    assert Path(problem.path).name == "01-gioi-thieu.md"
