"""Exam pools kept out of practice (issue 11): a quiz whose review shows right answers
or feedback before it closes may not draw from (or fix questions of) an exam pool. The
course import refuses it with file:line; the quiz builder refuses it with a message."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms import ROOT
from lms.courses.files import CourseFilesError
from lms.courses.models import Course
from lms.courses.sync import export_course, import_course
from lms.extensions import db
from lms.quizzes.gift import GiftError, parse_gift
from lms.quizzes.models import QuestionCategory, Quiz
from lms.quizzes.pools import category_sizes, early_items, exam_pools, reveals_before_close
from tests.conftest import Auth, assign_lecturer, csrf_from, make_user, shipped_copy

SHIPPED = ROOT / "courses" / "quan-ly-nha-nuoc-ve-co-yeu"
PRACTICE = "quizzes/luyen-tap-bai-01.toml"



def test_the_directive_marks_the_category() -> None:
    parsed = parse_gift("// lms: exam-pool\n$CATEGORY: $course$/top/thi\n\n::a:: Hỏi? {T}\n\n"
                        "$CATEGORY: $course$/top/on\n\n::b:: Hỏi? {F}\n")
    assert [(q.category, q.exam_pool) for q in parsed] == [("thi", True), ("on", False)]
    with pytest.raises(GiftError) as err:
        parse_gift("// lms: exam-pool\n::a:: Hỏi? {T}\n", "x.gift")
    assert str(err.value).startswith("x.gift:1:")


def test_the_shipped_course_keeps_practice_out_of_the_exam(app, tmp_path: Path) -> None:
    import_course(shipped_copy(tmp_path))
    course_id = db.session.scalar(select(Quiz.course_id).where(Quiz.slug == "kiem-tra-cuoi-khoa"))
    assert exam_pools(course_id) == {f"bai-0{n}" for n in range(1, 7)}
    sizes = category_sizes(course_id)
    for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == course_id)):
        drawn = {rule["category"] for rule in quiz.draw}
        if quiz.slug != "kiem-tra-cuoi-khoa":
            assert reveals_before_close(quiz.review)
            assert not drawn & exam_pools(course_id), quiz.slug
            continue
        # The final test teaches after each attempt (correctness and feedback), keeps the
        # right answers for after the close, and never gives a learner a question twice.
        assert early_items(quiz.review) == {"score", "correctness", "feedback"}
        assert "right_answer" in quiz.review["after_close"]
        assert quiz.attempts_allowed == 2
        assert all(sizes[r["category"]] >= r["count"] * quiz.attempts_allowed
                   for r in quiz.draw)


def test_import_refuses_a_practice_quiz_on_the_exam_pool(app, tmp_path: Path) -> None:
    root = shipped_copy(tmp_path)
    path = root / PRACTICE
    text = path.read_text(encoding="utf-8").replace('"bai-01-luyen-tap"', '"bai-01"')
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if '"bai-01"' in row)
    with pytest.raises(CourseFilesError) as err:
        import_course(root)
    assert str(err.value).startswith(f"{SHIPPED.name}/{PRACTICE}:{line}:"), str(err.value)
    assert "bai-01" in str(err.value)
    db.session.rollback()
    assert db.session.scalar(select(Quiz.id)) is None  # all or nothing


def test_the_pool_round_trips_through_export(app, tmp_path: Path) -> None:
    root = shipped_copy(tmp_path)
    import_course(root)
    out = tmp_path / "out"
    export_course(db.session.scalar(select(Course)), out)
    for path in sorted((root / "questions").glob("*.gift")):
        exported = out / "questions" / path.name
        assert exported.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def _as_editor(auth: Auth, tmp_path: Path) -> Course:
    """The shipped course, imported, and one of its lecturers logged in."""
    import_course(shipped_copy(tmp_path))
    course = db.session.scalar(select(Course))
    lecturer = make_user("lecturer")
    assign_lecturer(course, lecturer)
    db.session.commit()
    auth.login_as(lecturer)
    return course


def test_the_builder_refuses_it_with_a_message(app, auth: Auth, client, tmp_path: Path) -> None:
    course = _as_editor(auth, tmp_path)
    url = f"/courses/{course.slug}/quizzes/new"
    form = {"csrf_token": csrf_from(client, url), "slug": "on-tap", "title": "Ôn tập",
            "minutes": "10", "attempts": "0", "pass_mark10": "5", "grading": "highest",
            "on_expiry": "autosubmit", "draw-bai-01": "3",
            "review-immediately-right_answer": "1"}
    page = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert "bai-01" in page and db.session.scalar(
        select(Quiz).where(Quiz.slug == "on-tap")) is None
    # The same draw with answers shown only after the close is a fine exam.
    form = {**form, "csrf_token": csrf_from(client, url)}
    del form["review-immediately-right_answer"]
    form["review-after_close-right_answer"] = "1"
    assert client.post(url, data=form).status_code == 302
    assert db.session.scalar(select(Quiz).where(Quiz.slug == "on-tap")) is not None
    assert db.session.scalar(select(QuestionCategory).where(
        QuestionCategory.name == "bai-01")).exam_pool


def test_the_web_bank_marks_a_pool_and_refuses_a_clash(app, auth: Auth, client,
                                                       tmp_path: Path) -> None:
    course = _as_editor(auth, tmp_path)
    bank = f"/courses/{course.slug}/questions"
    pools = f"{bank}/pools"
    # The practice quizzes of lesson 1 show right answers at once: refused, named.
    client.post(pools, data={"csrf_token": csrf_from(client, bank),
                             "category": "bai-01-luyen-tap", "exam_pool": "1"})
    page = client.get(bank).get_data(as_text=True)
    assert "Luyện tập Bài 1" in page
    assert "bai-01-luyen-tap" not in exam_pools(course.id)
    # An exam pool can go back to practice, and come back.
    client.post(pools, data={"csrf_token": csrf_from(client, bank),
                             "category": "bai-02", "exam_pool": "0"})
    assert "bai-02" not in exam_pools(course.id)
    client.post(pools, data={"csrf_token": csrf_from(client, bank),
                             "category": "bai-02", "exam_pool": "1"})
    assert "bai-02" in exam_pools(course.id)


FINAL = "quizzes/kiem-tra-cuoi-khoa.toml"


@pytest.mark.parametrize(("change", "why"), [
    (("attempts = 2", "attempts = 0"), "unlimited attempts"),
    (('{ category = "bai-01", count = 4 }', '{ category = "bai-01", count = 8 }'),
     "15 questions, 8 drawn × 2 attempts"),
    (('immediately = ["score", "correctness", "feedback"]',
      'immediately = ["score", "correctness", "feedback", "right_answer"]'),
     "right answers before the close"),
])
def test_the_final_test_may_teach_only_while_no_question_comes_back(
        app, tmp_path: Path, change: tuple[str, str], why: str) -> None:
    root = shipped_copy(tmp_path)
    path = root / FINAL
    text = path.read_text(encoding="utf-8")
    assert change[0] in text, why
    path.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(CourseFilesError) as err:
        import_course(root)
    assert f"{SHIPPED.name}/{FINAL}:" in str(err.value) and "bai-01" in str(err.value), why
    db.session.rollback()
