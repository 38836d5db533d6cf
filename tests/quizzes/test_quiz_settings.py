"""Quiz settings in the web form (issue 14): times per quiz and per class, marks, the
review matrix and the published state, in Vietnamese, audited, and recorded as a web
edit of the quiz for course sync."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.classes.models import Class
from lms.courses.models import ContentEdit
from lms.extensions import db
from lms.quizzes.attempts import start_attempt
from lms.quizzes.models import Quiz
from lms.quizzes.pools import set_exam_pools
from lms.quizzes.windows import window_for
from tests.conftest import Auth, assign_lecturer, csrf_from, make_class, make_user
from tests.quizzes.conftest import QuizWorld


def _url(world: QuizWorld) -> str:
    return f"/courses/{world.course.slug}/quizzes/{world.quiz.id}/settings"


@pytest.fixture
def editor(world: QuizWorld, auth: Auth) -> Auth:
    assign_lecturer(world.course, world.lecturer)
    db.session.commit()
    auth.login_as(world.lecturer)
    return auth


def _form(client, world: QuizWorld, **changes: str) -> dict[str, str]:
    form = {"csrf_token": csrf_from(client, _url(world)), "title": "Kiểm tra cuối khóa",
            "minutes": "45", "attempts": "3", "pass_mark10": "6,5", "grading": "last",
            "on_expiry": "grace", "shuffle_questions": "y", "opens": "10/03/2026 08:00",
            "closes": "20/03/2026 17:00", "draw_mark_0": "2,5",
            "review_immediately_score": "y", "review_after_close_score": "y",
            "review_after_close_right_answer": "y", "review_after_close_feedback": "y",
            f"class_opens_{world.class_id}": "", f"class_closes_{world.class_id}": ""}
    form.update(changes)
    return form


def test_the_settings_are_saved_audited_and_marked_as_a_web_edit(client, world, editor) -> None:
    response = client.post(_url(world), data=_form(client, world))
    assert response.status_code == 302, response.get_data(as_text=True)
    quiz = db.session.get(Quiz, world.quiz.id)
    assert (quiz.title, quiz.time_limit_seconds, quiz.attempts_allowed, quiz.pass_mark10,
            quiz.grading, quiz.on_expiry, quiz.shuffle_questions, quiz.shuffle_options) == (
        "Kiểm tra cuối khóa", 2700, 3, 6.5, "last", "grace", True, False)
    # Local time (Hà Nội, UTC+7) in the form, UTC in the database.
    assert quiz.opens_at.replace(tzinfo=UTC) == datetime(2026, 3, 10, 1, 0, tzinfo=UTC)
    assert quiz.closes_at.replace(tzinfo=UTC) == datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
    assert quiz.draw == [{"category": "bai-01", "count": 7, "mark": 2.5}]
    assert quiz.review == {"during": [], "immediately": ["score"], "later": [],
                           "after_close": ["score", "right_answer", "feedback"]}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "quiz_settings"))
    assert entry.target == f"quiz:{quiz.slug}" and entry.actor_id == world.lecturer.id
    assert entry.details["changes"]["pass_mark10"] == {"old": 5.0, "new": 6.5}
    assert entry.details["changes"]["title"] == {"old": "Kiểm tra", "new": "Kiểm tra cuối khóa"}
    assert db.session.scalar(select(ContentEdit).where(
        ContentEdit.action == "quiz.save", ContentEdit.detail == quiz.slug)) is not None
    page = client.get(_url(world)).get_data(as_text=True)
    assert 'value="10/03/2026 08:00"' in page and 'value="6,5"' in page
    assert 'value="2,5"' in page


def test_saving_nothing_new_writes_no_audit_entry(client, world, editor) -> None:
    client.post(_url(world), data=_form(client, world))
    before = db.session.scalar(select(db.func.count(AuditEntry.id)))
    client.post(_url(world), data=_form(client, world))
    assert db.session.scalar(select(db.func.count(AuditEntry.id))) == before


def test_mistakes_are_explained_in_vietnamese(client, world, editor) -> None:
    form = _form(client, world, title=" ", minutes="nửa giờ", pass_mark10="11",
                 opens="20/03/2026 08:00", closes="10/03/2026 08:00", draw_mark_0="0")
    del form["grading"]
    response = client.post(_url(world), data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("Hãy điền mục này.", "Hãy viết một số, ví dụ 7,5.",
                    "Hãy chọn một số từ 0 đến 10.",
                    "Bài kiểm tra phải đóng sau thời điểm mở.",
                    "Điểm phải lớn hơn 0 và không quá 100.", "Hãy chọn một mục."):
        assert message in page, message
    for english in ("This field is required", "Not a valid", "Field must", "Invalid"):
        assert english not in page
    assert db.session.get(Quiz, world.quiz.id).title == "Kiểm tra"


def test_a_class_override_is_shown_and_in_effect(client, world, editor) -> None:
    klass = db.session.get(Class, world.class_id)
    klass.end_date = date(2026, 3, 12)
    other = make_class(world.course, "K2", "Lớp hai")
    other.end_date = date(2026, 4, 30)
    db.session.commit()
    form = _form(client, world, closes="", **{
        f"class_opens_{klass.id}": "11/03/2026 07:30",
        f"class_closes_{klass.id}": "11/03/2026 09:00"})
    assert client.post(_url(world), data=form).status_code == 302
    quiz = db.session.get(Quiz, world.quiz.id)
    window = window_for(quiz, db.session.get(Class, klass.id))
    assert window.overridden
    assert window.opens_at == datetime(2026, 3, 11, 0, 30, tzinfo=UTC)
    assert window.closes_at == datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "quiz_window"))
    assert entry.target == f"class:K1/quiz:{quiz.slug}"
    page = client.get(_url(world)).get_data(as_text=True)
    assert "11/03/2026 07:30" in page and "thời gian riêng của lớp" in page
    # The other class has no own times and the quiz no close: its last day closes it.
    assert "đóng vào cuối ngày học cuối của lớp (30/04/2026)" in page
    # Both empty: back to the defaults.
    form = _form(client, world, closes="")
    assert client.post(_url(world), data=form).status_code == 302
    assert not window_for(quiz, db.session.get(Class, klass.id)).overridden


def test_a_class_window_that_closes_before_it_opens_is_refused(client, world, editor) -> None:
    form = _form(client, world, **{f"class_opens_{world.class_id}": "25/03/2026 08:00"})
    page = client.post(_url(world), data=form).get_data(as_text=True)
    assert "Lớp K1: bài kiểm tra sẽ đóng trước khi mở." in page
    assert not window_for(world.quiz, db.session.get(Class, world.class_id)).overridden


def test_publish_and_hide(client, world, editor) -> None:
    world.quiz.published = False
    db.session.commit()
    assert "Đang ẩn" in client.get(f"/quizzes/{world.quiz.id}").get_data(as_text=True)
    assert "Đang ẩn" in client.get(f"/courses/{world.course.slug}").get_data(as_text=True)
    publish = f"/courses/{world.course.slug}/quizzes/{world.quiz.id}/publish"
    token = csrf_from(client, _url(world))
    assert client.post(publish, data={"csrf_token": token, "published": "1",
                                      "back": "settings"}).status_code == 302
    assert db.session.get(Quiz, world.quiz.id).published
    learner = Auth(client)
    learner.logout()
    learner.login_as(world.learner)
    assert client.get(f"/quizzes/{world.quiz.id}").status_code == 200
    assert world.quiz.title in client.get(f"/courses/{world.course.slug}").get_data(as_text=True)
    assert client.post(publish, data={"csrf_token": token, "published": "0"}).status_code in (
        400, 404)
    learner.logout()
    editor.login_as(world.lecturer)
    token = csrf_from(client, _url(world))
    assert client.post(publish, data={"csrf_token": token, "published": "0",
                                      "back": "quiz"}).status_code == 302
    editor.logout()
    learner.login_as(world.learner)
    assert client.get(f"/quizzes/{world.quiz.id}").status_code == 404
    assert world.quiz.title not in client.get(
        f"/courses/{world.course.slug}").get_data(as_text=True)
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "quiz_settings").order_by(AuditEntry.id)).all()
    assert [e.details for e in entries] == [{"published": True}, {"published": False}]


def test_the_exam_pool_rule_names_the_field(client, world, editor) -> None:
    set_exam_pools(world.course.id, {"bai-01": True})
    db.session.commit()
    form = _form(client, world, review_immediately_right_answer="y")
    page = client.post(_url(world), data=form).get_data(as_text=True)
    assert "“Nội dung học viên được xem lại”" in page and "bai-01" in page
    assert db.session.get(Quiz, world.quiz.id).review["immediately"] == ["score"]


def test_marks_set_here_are_used_by_a_new_attempt(client, world, editor) -> None:
    assert client.post(_url(world), data=_form(client, world, opens="",
                                               closes="")).status_code == 302
    attempt, _created = start_attempt(db.session.get(Quiz, world.quiz.id), world.learner)
    assert attempt.max_points == 7 * 2.5


@pytest.mark.parametrize("who", ["learner", "class_lecturer", "other_lecturer"])
def test_only_editors_reach_the_page(client, world, auth: Auth, who: str) -> None:
    user = {"learner": world.learner, "class_lecturer": world.lecturer,
            "other_lecturer": make_user("lecturer")}[who]
    db.session.commit()
    auth.login_as(user)
    assert client.get(_url(world)).status_code == 404


def test_the_page_does_not_grow_with_classes(client, world, editor, count_statements) -> None:
    counts, url = [], _url(world)
    for code in ("K2", "K3"):
        with count_statements() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
        make_class(db.session.merge(world.course), code, f"Lớp {code}")
        db.session.commit()
    assert counts[0] == counts[1], counts


def test_the_course_page_shows_each_state_at_a_constant_cost(client, world, editor,
                                                             count_statements) -> None:
    from tests.quizzes.conftest import make_quiz

    counts, url = [], f"/courses/{world.course.slug}"
    for slug in ("them-1", "them-2"):
        with count_statements() as counter:
            page = client.get(url).get_data(as_text=True)
        counts.append(counter.count)
        make_quiz(db.session.merge(world.course), slug=slug, published=False)
        db.session.commit()
    assert counts[0] == counts[1], counts
    assert page.count("publish-state") == 2 and "Đang ẩn" in page
