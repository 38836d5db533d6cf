"""``lms demo`` is idempotent and gives working logins."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.auth.models import User
from lms.classes.models import Class, Enrolment
from lms.demo import DEMO_ACCOUNTS, DEMO_CLASS
from lms.extensions import db
from tests.conftest import Auth


def _counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Class.id))),
            db.session.scalar(select(func.count(Enrolment.id))))


def test_demo_twice_changes_nothing(runner, auth: Auth, client) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert _counts() == counts
    for account in DEMO_ACCOUNTS[:3]:
        assert account.username in first.output and account.password in first.output
        assert auth.login(account.username, account.password).status_code == 302
        auth.logout()
    assert db.session.scalar(select(Class).where(Class.code == DEMO_CLASS)) is not None


def test_a_restart_keeps_the_lecturers_web_work(runner) -> None:
    """Issue 12's finding: edit and publish Bài 1, make a question and a quiz on the web,
    restart (``make run`` runs ``lms demo`` again): all of it must still be there."""
    from lms.courses.models import Lesson
    from lms.courses.services import LessonDraft, publish, save_draft
    from lms.quizzes.bank import save_question
    from lms.quizzes.gift import parse_gift
    from lms.quizzes.models import Question, Quiz

    assert runner.invoke(args=["demo"]).exit_code == 0
    lecturer = db.session.scalar(select(User).where(User.username == "giangvien"))
    lesson = db.session.scalar(select(Lesson).order_by(Lesson.position))
    draft = LessonDraft(title=lesson.title, minutes=lesson.minutes,
                        objectives=list(lesson.objectives),
                        body=lesson.body + "\n\nĐoạn bổ sung của giảng viên.\n")
    save_draft(lesson, lecturer, draft)
    publish(lesson, lecturer)
    (question,) = parse_gift("::web-q1:: Câu hỏi soạn trên web? {T}")
    question.category = "on-tap-web"
    save_question(lesson.course, question, lecturer, name="web-q1")
    db.session.add(Quiz(course_id=lesson.course_id, slug="kiem-tra-nhanh",
                        title="Kiểm tra nhanh", draw=[{"category": "on-tap-web", "count": 1}],
                        review={}, fixed_questions=[]))
    db.session.commit()
    questions = db.session.scalar(select(func.count(Question.id)))

    assert runner.invoke(args=["demo"]).exit_code == 0  # the restart
    db.session.expire_all()
    lesson = db.session.get(Lesson, lesson.id)
    assert "Đoạn bổ sung của giảng viên." in lesson.published_revision.body
    assert lesson.published_revision.source == "web"
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kiem-tra-nhanh"))
    assert quiz is not None and not quiz.archived
    assert db.session.scalar(select(func.count(Question.id))) == questions
    assert not db.session.scalar(select(Question).where(Question.name == "web-q1")).archived
