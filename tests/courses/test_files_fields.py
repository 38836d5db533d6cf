"""Field checks: missing, mistyped, unknown and out-of-range values, each reported at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.courses.conftest import (
    COURSE,
    L1,
    L2,
    PRACTICE,
    QUIZ,
    Mutation,
    _both,
    _edit,
    _rename,
    assert_problems,
)

TWO_LESSONS = 'lessons = [\n  "gioi-thieu",\n  "khong-co",\n]'

BROKEN = [
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
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN)
def test_broken_course(course_dir: Path, mutate: Mutation, expected: list[tuple[str, str]]) -> None:
    mutate(course_dir)

    assert_problems(course_dir, expected)
