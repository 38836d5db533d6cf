"""Lecturer pages: results, essay grading, regrade, item analysis, accommodations, bank."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes.attempt_models import Accommodation, Attempt
from lms.quizzes.attempts import start_attempt, submit_attempt
from lms.quizzes.autosave import save_answer
from lms.quizzes.models import Question, QuestionVersion
from tests.conftest import Auth, assign_lecturer, csrf_from, make_user
from tests.quizzes.conftest import QuizWorld


def _finished_attempt(world: QuizWorld, learner=None) -> Attempt:
    learner = learner or world.learner
    attempt, _ = start_attempt(world.quiz, learner)
    for item in attempt.slots:
        if item.version.type == "essay":
            save_answer(attempt.id, learner.id, item.slot, "Vai trò rất quan trọng.", 1)
        if item.version.type == "true_false":
            save_answer(attempt.id, learner.id, item.slot, True, 1)
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    submit_attempt(attempt)
    db.session.commit()
    return attempt


def test_staff_pages_are_404_for_learners_and_other_lecturers(auth: Auth, client,
                                                              world: QuizWorld) -> None:
    urls = [f"/quizzes/{world.quiz.id}/results", f"/quizzes/{world.quiz.id}/grading",
            f"/quizzes/{world.quiz.id}/analysis", f"/courses/{world.course.slug}/questions",
            f"/classes/K1/learners/{world.learner.id}/accommodation"]
    for user in (world.learner, make_user("lecturer")):
        auth.login_as(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.username, url)
        auth.logout()


def test_grading_queue_marks_an_essay(auth: Auth, client, world: QuizWorld) -> None:
    attempt = _finished_attempt(world)
    assert attempt.needs_grading and attempt.passed is None
    auth.login_as(make_user("admin"))
    page = client.get(f"/quizzes/{world.quiz.id}/grading").get_data(as_text=True)
    assert "Vai trò rất quan trọng." in page
    essay = next(s for s in attempt.slots if s.version.type == "essay")
    token = csrf_from(client, f"/quizzes/{world.quiz.id}/grading")
    response = client.post(f"/quizzes/{world.quiz.id}/grading", data={
        "csrf_token": token, "slot_id": essay.id, "points": "0,5", "comment": "Khá"})
    assert response.status_code == 302
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt.id)
    assert not attempt.needs_grading and attempt.passed is not None
    assert next(s for s in attempt.slots if s.id == essay.id).points == 0.5
    results = client.get(f"/quizzes/{world.quiz.id}/results").get_data(as_text=True)
    assert world.learner.full_name in results


def test_regrade_moves_attempts_to_the_fixed_version(auth: Auth, client,
                                                     world: QuizWorld) -> None:
    attempt = _finished_attempt(world)
    tf = next(s for s in attempt.slots if s.version.type == "true_false")
    assert tf.fraction == 1.0  # answered True, key says True
    question = db.session.get(Question, tf.question_id)
    old = question.current_version
    fixed = QuestionVersion(question_id=question.id, number=old.number + 1, type=old.type,
                            text=old.text, text_format=old.text_format,
                            general_feedback="", data={**old.data, "correct": False})
    db.session.add(fixed)
    db.session.flush()
    question.current_version = fixed
    db.session.commit()
    auth.login_as(world.lecturer)
    token = csrf_from(client, f"/quizzes/{world.quiz.id}/results")
    regrade = f"/quizzes/{world.quiz.id}/regrade"
    # A lecturer of one class may not regrade: it changes every class's grades.
    assert client.post(regrade, data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert next(s for s in db.session.get(Attempt, attempt.id).slots
                if s.id == tf.id).question_version_id == old.id
    assign_lecturer(world.course, world.lecturer)  # now one of the course's editors
    db.session.commit()
    assert client.post(regrade, data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    slot = next(s for s in db.session.get(Attempt, attempt.id).slots if s.id == tf.id)
    assert slot.question_version_id == fixed.id and slot.fraction == 0.0


def test_analysis_page_renders_svg(auth: Auth, client, world: QuizWorld) -> None:
    from lms.classes.models import Class
    from lms.classes.services import enrol

    klass = db.session.scalar(select(Class).where(Class.code == "K1"))
    for learner in [make_user("learner") for _ in range(3)]:
        enrol(klass, learner)
        _finished_attempt(world, learner)
    auth.login_as(world.lecturer)
    page = client.get(f"/quizzes/{world.quiz.id}/analysis").get_data(as_text=True)
    assert '<svg' in page and 'role="img"' in page
    assert "q1" in page
    # Issue 14: a titled histogram with its data table, counts as whole numbers.
    from tests.classes.test_dashboard_charts import figures

    (histogram,) = figures(page)
    assert histogram.title == "Phân bố điểm" and histogram.svg.get("aria-hidden") == "true"
    assert [row[0] for row in histogram.rows][:2] == ["0–1", "1–2"]
    assert sum(int(row[1]) for row in histogram.rows) == 3
    assert histogram.texts("chart-value") == [row[1] for row in histogram.rows]
    # The item table scrolls on a phone: it takes the focus and has a name.
    assert 'class="table-wrap" tabindex="0" role="region" aria-label="Phân tích câu hỏi"' in page


def test_accommodation_form(auth: Auth, client, world: QuizWorld) -> None:
    auth.login_as(world.lecturer)
    url = f"/classes/K1/learners/{world.learner.id}/accommodation"
    token = csrf_from(client, url)
    client.post(url, data={"csrf_token": token, "extra_minutes": "10", "time_multiplier": "1,5",
                           "extra_attempts": "1"})
    item = db.session.scalar(select(Accommodation).where(
        Accommodation.user_id == world.learner.id))
    assert (item.extra_minutes, item.time_multiplier, item.extra_attempts) == (10, 1.5, 1)
    client.post(url, data={"csrf_token": token, "time_multiplier": "9"})
    db.session.refresh(item)
    assert item.time_multiplier == 1.5  # refused, unchanged


def test_bank_write_and_import(auth: Auth, client, world: QuizWorld) -> None:
    auth.login_as(world.lecturer)
    from lms.courses.models import CourseLecturer

    db.session.add(CourseLecturer(course_id=world.course.id, user_id=world.lecturer.id))
    db.session.commit()
    base = f"/courses/{world.course.slug}/questions"
    token = csrf_from(client, base + "/new")
    saved = client.post(base + "/new", data={"csrf_token": token, "name": "moi",
                                             "category": "bai-02", "action": "save",
                                             "source": "Thủ đô? {=Hà Nội ~Huế}"})
    assert saved.status_code == 302
    assert db.session.scalar(select(Question).where(Question.name == "moi")).category == "bai-02"
    bad = client.post(base + "/import", data={
        "csrf_token": token, "dry_run": "1",
        "file": (io.BytesIO("::x::Hỏng {=A ~B\n".encode()), "hong.gift")},
        content_type="multipart/form-data")
    assert bad.status_code == 200 and "hong.gift:1:" in bad.get_data(as_text=True)
    before = db.session.scalar(select(func.count(Question.id)))
    good = ("::n1::Một? {=A ~B}\n\n::n2::Hai? {T}\n").encode()
    dry = client.post(base + "/import", data={"csrf_token": token, "dry_run": "1",
                                              "file": (io.BytesIO(good), "tot.gift")},
                      content_type="multipart/form-data")
    assert dry.status_code == 200 and db.session.scalar(select(func.count(Question.id))) == before
    client.post(base + "/import", data={"csrf_token": token,
                                        "file": (io.BytesIO(good), "tot.gift")},
                content_type="multipart/form-data")
    assert db.session.scalar(select(func.count(Question.id))) == before + 2


def test_build_a_quiz_from_the_bank(auth: Auth, client, world: QuizWorld) -> None:
    from lms.courses.models import CourseLecturer
    from lms.quizzes.models import Quiz

    db.session.add(CourseLecturer(course_id=world.course.id, user_id=world.lecturer.id))
    db.session.commit()
    auth.login_as(world.lecturer)
    url = f"/courses/{world.course.slug}/quizzes/new"
    token = csrf_from(client, url)
    empty = client.post(url, data={"csrf_token": token, "title": "Giữa kỳ", "slug": "giua-ky",
                                   "minutes": "15", "attempts": "1", "pass_mark10": "5,0"})
    assert empty.status_code == 200  # no question drawn or picked: refused
    assert db.session.scalar(select(Quiz).where(Quiz.slug == "giua-ky")) is None
    done = client.post(url, data={"csrf_token": token, "title": "Giữa kỳ", "slug": "giua-ky",
                                  "minutes": "15", "attempts": "1", "pass_mark10": "6,5",
                                  "grading": "highest", "on_expiry": "grace",
                                  "draw-bai-01": "3", "fixed": ["q7"],
                                  "review-after_close-score": "1"})
    assert done.status_code == 302
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "giua-ky"))
    assert quiz.time_limit_seconds == 900 and quiz.pass_mark10 == 6.5
    assert quiz.draw == [{"category": "bai-01", "count": 3}] and quiz.fixed_questions == ["q7"]
    assert quiz.review["after_close"] == ["score"] and quiz.on_expiry == "grace"
    auth.logout()
    auth.login_as(world.learner)
    assert client.get(url).status_code == 404
