"""Marks per draw rule and per fixed question (issue 14): a new attempt's questions are
worth what the quiz says, attempts keep theirs, and quiz files carry the marks and the
published state both ways."""

from __future__ import annotations

from sqlalchemy import select

from lms.courses.files_dump import render_quiz
from lms.courses.files_parse import read_quiz
from lms.extensions import db
from lms.quizzes.attempts import start_attempt, submit_attempt
from lms.quizzes.bank import quiz_file, sync_quizzes
from lms.quizzes.models import Question, Quiz
from tests.quizzes.conftest import QuizWorld, make_quiz

MARKED = """title = "Kiểm tra"
time_limit = "30m"
attempts = 1
pass_mark10 = 5.0
grading = "highest"
shuffle_questions = true
shuffle_options = true
on_expiry = "autosubmit"
published = false
questions = [
  "q1",
  "q4",
]
draw = [
  { category = "bai-01", count = 2, mark = 2.5 },
  { category = "bai-02", count = 1 },
]

[marks]
"q4" = 0.5
"q1" = 3.0

[review]
during = []
immediately = ["score"]
later = ["score"]
after_close = ["score", "correctness", "right_answer", "feedback"]
"""


def _read(text: str) -> tuple[object, list]:
    problems: list = []
    return read_quiz(problems, "khoa/quizzes/kiem-tra.toml", text, "kiem-tra"), problems


def test_a_quiz_file_carries_marks_and_the_published_state(app) -> None:
    quiz, problems = _read(MARKED)
    assert problems == []
    assert [(r.category, r.mark) for r in quiz.draw] == [("bai-01", 2.5), ("bai-02", None)]
    assert quiz.marks == (("q1", 3.0), ("q4", 0.5))  # in the order of "questions"
    assert quiz.published is False
    canonical = render_quiz(quiz)
    assert "mark = 2.5 }" in canonical and '[marks]\n"q1" = 3.0\n"q4" = 0.5\n' in canonical
    again, _problems = _read(canonical)
    assert again == quiz and render_quiz(again) == canonical


def test_a_file_without_marks_stays_as_it_was(app) -> None:
    plain = MARKED.replace("published = false\n", "").replace(", mark = 2.5", "")
    plain = plain.replace('[marks]\n"q4" = 0.5\n"q1" = 3.0\n\n', "")
    quiz, problems = _read(plain)
    assert problems == [] and quiz.published is True and quiz.marks == ()
    assert render_quiz(quiz) == plain


def test_bad_marks_are_problems(app) -> None:
    for bad, reason in (("mark = 2.5", "mark = 0"), ('"q4" = 0.5', '"q9" = 1.0'),
                        ('"q1" = 3.0', '"q1" = "ba"')):
        text = MARKED.replace(bad, reason)
        quiz, problems = _read(text)
        assert quiz is None and problems, reason
    _quiz, problems = _read(MARKED.replace('"q4" = 0.5', '"q9" = 1.0'))
    assert "q9" in str(problems[0])


def _key(world: QuizWorld, name: str) -> str:
    return db.session.scalar(select(Question.idnumber).where(
        Question.course_id == world.course.id, Question.name == name))


def test_marks_go_into_the_database_and_back(world: QuizWorld) -> None:
    quiz, _problems = _read(MARKED)
    q1, q4 = _key(world, "q1"), _key(world, "q4")
    sync_quizzes(world.course, [quiz], {"kiem-tra": [q1, q4]})
    stored = db.session.scalar(select(Quiz).where(Quiz.course_id == world.course.id,
                                                  Quiz.slug == "kiem-tra"))
    assert stored.draw == [{"category": "bai-01", "count": 2, "mark": 2.5},
                           {"category": "bai-02", "count": 1}]
    assert stored.fixed_marks == {q1: 3.0, q4: 0.5}
    assert stored.published is False
    back = quiz_file(stored)
    assert back.marks == ((q1, 3.0), (q4, 0.5)) and back.draw == quiz.draw
    assert back.published is False


def test_a_new_attempt_is_worth_the_quiz_marks(world: QuizWorld) -> None:
    """Reported: every slot was worth its type's default; now the rule's mark counts."""
    world.quiz.draw = [{"category": "bai-01", "count": 7, "mark": 2.0}]
    db.session.flush()
    attempt, _created = start_attempt(world.quiz, world.learner)
    assert {slot.max_points for slot in attempt.slots} == {2.0}
    assert attempt.max_points == 14.0


def test_fixed_questions_are_worth_their_own_marks(world: QuizWorld) -> None:
    q1, q2 = _key(world, "q1"), _key(world, "q2")
    quiz = make_quiz(world.course, slug="co-dinh", draw=[], fixed_questions=[q1, q2],
                     fixed_marks={q1: 4.0})
    attempt, _created = start_attempt(quiz, world.learner)
    marks = {slot.question.idnumber: slot.max_points for slot in attempt.slots}
    assert marks == {q1: 4.0, q2: 1.0}
    assert attempt.max_points == 5.0


def test_an_attempt_keeps_the_marks_it_started_with(world: QuizWorld) -> None:
    world.quiz.draw = [{"category": "bai-01", "count": 7, "mark": 2.0}]
    db.session.flush()
    attempt, _created = start_attempt(world.quiz, world.learner)
    world.quiz.draw = [{"category": "bai-01", "count": 7, "mark": 5.0}]
    db.session.flush()
    submit_attempt(attempt)
    assert attempt.max_points == 14.0
