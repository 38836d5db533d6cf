"""The shipped course and the fixture load as expected and write back byte for byte."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from lms.courses.files import (
    CompletionPolicy,
    DrawRule,
    QuizRequirement,
    ReviewOptions,
    dump_course,
    load_course,
)
from lms.quizzes.gift import parse_gift
from tests.courses.conftest import EVERYTHING, FIXTURE, edit, files_of

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "courses" / "quan-ly-nha-nuoc-ve-co-yeu"


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
        assert question.text.startswith("// lms: exam-pool\n$CATEGORY: ")
        parsed = parse_gift(question.text, question.path)
        exam, practice = f"bai-0{number}", f"bai-0{number}-luyen-tap"
        assert {item.category for item in parsed} == {exam, practice}
        # Each lesson: an exam pool for the final test, a practice pool for the rest.
        assert {item.category for item in parsed if item.exam_pool} == {exam}
        assert sum(item.category == exam for item in parsed) >= 9
        assert sum(item.category == practice for item in parsed) >= 6


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
        immediately=frozenset({"score", "correctness", "feedback"}),
        later=frozenset({"score", "correctness", "feedback"}),
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
        assert practice.draw == (DrawRule(f"bai-0{n}-luyen-tap", 5),)
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
