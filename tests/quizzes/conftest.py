"""Quiz fixtures: a small course bank, a quiz, an enrolled learner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lms.auth.models import User
from lms.auth.services import create_token
from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.bank import save_question
from lms.quizzes.gift import parse_gift
from lms.quizzes.models import Quiz
from tests.conftest import make_class, make_course, make_user

BANK = """$CATEGORY: bai-01

::q1::Ngày truyền thống ngành Cơ yếu? {=12/09/1945#Đúng ~02/09/1945#Sai ~19/08/1945#Sai}

::q2::Chọn các luật {~%50%Luật Cơ yếu ~%50%Luật Bảo vệ bí mật nhà nước ~%-100%Luật Đất đai}

::q3::Nghị quyết 56-NQ/TW do Bộ Chính trị ban hành. {T#Sai#Đúng}

// lms: ignore-diacritics
::q4::Mức độ mật cao nhất? {=Tuyệt mật}

::q5::Số lớp CCLLCT năm 2023? {#25}

::q6::Ghép luật với năm {=Luật Cơ yếu -> 2011 =Luật BVBMNN -> 2018 =Luật ATTTM -> 2015}

::q7::Trình bày vai trò của công tác cơ yếu. {}
"""

# Every GIFT feature the importer supports, for the test_gift_* modules.
RICH = (Path(__file__).parent / "data" / "rich.gift").read_text(encoding="utf-8")


@dataclass
class QuizWorld:
    course: Course
    quiz: Quiz
    learner: User
    lecturer: User
    token: str
    class_id: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_quiz(course: Course, **settings) -> Quiz:
    values = {"slug": "kiem-tra", "title": "Kiểm tra", "time_limit_seconds": 1800,
              "attempts_allowed": 2, "pass_mark10": 5.0, "grading": "highest",
              "shuffle_questions": True, "shuffle_options": True, "on_expiry": "autosubmit",
              "review": {"during": [], "immediately": ["score"],
                         "later": ["score"], "after_close": ["score", "correctness",
                                                             "right_answer", "feedback"]},
              "draw": [{"category": "bai-01", "count": 7}], "fixed_questions": []}
    values.update(settings)
    quiz = Quiz(course_id=course.id, **values)
    db.session.add(quiz)
    db.session.flush()
    return quiz


def take_quiz(quiz: Quiz, learner: User, answers: tuple[bool, ...]) -> Any:
    """Start an attempt, answer its true/false slots in question order, submit it."""
    from lms.quizzes.attempts import start_attempt, submit_attempt
    from lms.quizzes.autosave import save_answer

    attempt, _ = start_attempt(quiz, learner)
    for item, value in zip(sorted(attempt.slots, key=lambda s: s.question_id), answers,
                           strict=True):
        save_answer(attempt.id, learner.id, item.slot, value, 1)
    db.session.expire_all()
    submit_attempt(attempt)
    return attempt


@pytest.fixture
def world(app) -> QuizWorld:
    course = make_course("ql-co-yeu", "Quản lý nhà nước về Cơ yếu")
    for i, q in enumerate(parse_gift(BANK), start=1):
        save_question(course, q, None, name=q.name, source_path="questions/x.gift",
                      source_order=i)
    quiz = make_quiz(course)
    learner, lecturer = make_user("learner"), make_user("lecturer")
    klass = make_class(course, "K1", lecturer=lecturer, learners=(learner,))
    _token, raw = create_token(learner)
    return QuizWorld(course, quiz, learner, lecturer, raw, klass.id)
