"""Every input that reaches a ``String(n)`` column is checked against ``n``: one character
more is a form error, 400 or 422, never a 500 (PostgreSQL refuses what does not fit; SQLite
does not, so a flush guard here refuses it the same way)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.classes.models import Class, RosterImport
from lms.courses.models import Attachment, Lesson
from lms.extensions import db
from lms.lengths import max_length, overflowing
from lms.quizzes.bank import save_question
from lms.quizzes.gift import parse_gift
from lms.quizzes.models import Question, Quiz
from tests.conftest import Auth, csrf_from, make_class, make_course, make_user


class ColumnOverflowError(AssertionError):
    """A value longer than its column reached the database."""


def _guard(session: Session, _context: Any, _instances: Any) -> None:
    for instance in (*session.new, *session.dirty):
        if found := overflowing(instance):
            raise ColumnOverflowError(found)


@pytest.fixture(autouse=True)
def _lengths_enforced() -> Iterator[None]:
    event.listen(Session, "before_flush", _guard)
    yield
    event.remove(Session, "before_flush", _guard)


def _same(value: str) -> str:
    return value


@dataclass
class World:
    client: Any
    course_slug: str
    class_code: str
    quiz_id: int
    user_id: int
    extra: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(auth: Auth, client) -> World:
    course = make_course("ql-do-dai", "Độ dài")
    klass = make_class(course, "K-DD")
    quiz = Quiz(course_id=course.id, slug="kiem-tra", title="Kiểm tra", published=False)
    learner = make_user("learner")
    for i, q in enumerate(parse_gift("::q1:: Cơ yếu là gì? {T}\n"), start=1):
        save_question(course, q, None, name=q.name, source_order=i)
    db.session.add(quiz)
    db.session.commit()
    auth.login_as(make_user("admin"))
    return World(client, course.slug, klass.code, quiz.id, learner.id)


@dataclass(frozen=True)
class Case:
    """A form that writes ``column``: ``url`` (from the world), the fields to send with
    ``field`` filled by the test, and ``column`` whose length bounds it."""

    url: Callable[[World], str]
    field: str
    column: Any
    data: dict[str, Any] = field(default_factory=dict)
    multipart: bool = False
    shape: Callable[[str], str] = field(default_factory=lambda: _same)  # e.g. an extension
    fits: bool = True  # whether n characters are a valid value (not so for an email)

    def post(self, world: World, value: str) -> Any:
        url = self.url(world)
        data = {
            "csrf_token": csrf_from(world.client, url),
            **self.data,
            self.field: self.shape(value),
        }
        if self.multipart:
            data = {
                k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in data.items()
            }
        return world.client.post(
            url, data=data, content_type="multipart/form-data" if self.multipart else None
        )


def _settings(w: World) -> str:
    return f"/classes/{w.class_code}/settings"


def _users_new(_w: World) -> str:
    return "/admin/users/new"


USER = {
    "username": "nguoi-moi",
    "full_name": "Người Mới",
    "password": "mat-khau-dai-123",
    "role": "learner",
    "locale": "vi",
}
LEARNER = {"full_name": "Học Viên Mới"}
CLASS = {"code": "K-MOI", "name": "Lớp mới", "course": "ql-do-dai"}
QUIZ = {
    "title": "Kiểm tra",
    "minutes": "0",
    "attempts": "1",
    "pass_mark10": "5",
    "grading": "highest",
    "on_expiry": "autosubmit",
    "fixed": "q1",
}

CASES = {
    "class code": Case(lambda w: "/classes/new", "code", Class.code, CLASS),
    "class name": Case(lambda w: "/classes/new", "name", Class.name, CLASS),
    "class place": Case(lambda w: "/classes/new", "place", Class.place, CLASS),
    "certificate place": Case(_settings, "certificate_place", Class.certificate_place),
    "certificate issuer": Case(_settings, "certificate_issuer", Class.certificate_issuer),
    "certificate issuer parent": Case(
        _settings, "certificate_issuer_parent", Class.certificate_issuer_parent
    ),
    "certificate signer": Case(_settings, "certificate_signer_name", Class.certificate_signer_name),
    "certificate signer title": Case(
        _settings, "certificate_signer_title", Class.certificate_signer_title
    ),
    "username": Case(_users_new, "username", User.username, USER),
    "full name": Case(_users_new, "full_name", User.full_name, USER),
    "email": Case(
        _users_new, "email", User.email, USER, shape=lambda value: value[:-11] + "@example.vn"
    ),
    "unit": Case(_users_new, "unit", User.unit, USER),
    "position": Case(_users_new, "position", User.position, USER),
    "user edit full name": Case(
        lambda w: f"/admin/users/{w.user_id}",
        "full_name",
        User.full_name,
        {"role": "learner", "locale": "vi"},
    ),
    "learner full name": Case(
        lambda w: f"/classes/{w.class_code}/learners/new", "full_name", User.full_name
    ),
    "learner unit": Case(
        lambda w: f"/classes/{w.class_code}/learners/new", "unit", User.unit, LEARNER
    ),
    "learner position": Case(
        lambda w: f"/classes/{w.class_code}/learners/new", "position", User.position, LEARNER
    ),
    "lesson title": Case(
        lambda w: f"/courses/{w.course_slug}/lessons/new",
        "title",
        Lesson.title,
        {"minutes": "10", "body": "Nội dung"},
    ),
    "quiz slug": Case(lambda w: f"/courses/{w.course_slug}/quizzes/new", "slug", Quiz.slug, QUIZ),
    "quiz title": Case(
        lambda w: f"/courses/{w.course_slug}/quizzes/new",
        "title",
        Quiz.title,
        {**QUIZ, "slug": "bai-moi"},
    ),
    "quiz settings title": Case(
        lambda w: f"/courses/{w.course_slug}/quizzes/{w.quiz_id}/settings",
        "title",
        Quiz.title,
        QUIZ,
    ),
    "question name": Case(
        lambda w: f"/courses/{w.course_slug}/questions/new",
        "name",
        Question.name,
        {"source": "Câu hỏi? {T}", "category": "c"},
    ),
    "question category": Case(
        lambda w: f"/courses/{w.course_slug}/questions/new",
        "category",
        Question.category,
        {"source": "Câu hỏi? {T}", "name": "q"},
    ),
    "attachment name": Case(
        lambda w: f"/courses/{w.course_slug}/attachments",
        "name",
        Attachment.name,
        {"file": (b"Ghi chu\n", "a.txt")},
        multipart=True,
        shape=lambda value: value[:-4] + ".txt",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_one_character_too_many_is_refused_not_a_500(world: World, case: Case) -> None:
    limit = max_length(case.column)
    fits = case.post(world, "a" * limit)
    assert fits.status_code < 500
    db.session.rollback()
    model, key = case.column.class_, case.column.key
    stored = db.session.scalar(
        db.select(db.func.count())
        .select_from(model)
        .where(getattr(model, key) == case.shape("a" * limit))
    )
    assert stored or not case.fits, "the longest value that fits is not saved: a weak case"
    response = case.post(world, "b" * (limit + 1))
    assert response.status_code in (200, 302, 400, 422), response.status_code
    db.session.rollback()  # refused, not cut short:
    assert not db.session.scalar(
        db.select(db.func.count())
        .select_from(model)
        .where(getattr(model, key).startswith(case.shape("b" * (limit + 1))[:limit]))
    )


def test_question_files_with_names_too_long_are_refused(world: World) -> None:
    url = f"/courses/{world.course_slug}/questions/import"
    for name_field, column in (("name", Question.name), ("category", Question.category)):
        long = "c" * (max_length(column) + 1)
        text = (
            f"$CATEGORY: {long}\n\n::q1:: Câu hỏi? {{T}}\n"
            if name_field == "category"
            else f"::{long}:: Câu hỏi? {{T}}\n"
        )
        response = world.client.post(
            url,
            data={
                "csrf_token": csrf_from(world.client, url),
                "file": (io.BytesIO(text.encode()), "dai.gift"),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code == 200
        assert "error-list" in response.get_data(as_text=True), name_field
        db.session.rollback()


def test_a_roster_file_with_a_long_name_or_value_is_refused(world: World) -> None:
    url = f"/classes/{world.class_code}/roster"
    csv = f"Họ và tên,Đơn vị công tác\nAn,{'d' * (max_length(User.unit) + 1)}\n"
    for body, filename in (
        (csv, "ds.csv"),
        ("Họ và tên\nAn\n", "t" * (max_length(RosterImport.filename) + 1) + ".csv"),
    ):
        response = world.client.post(
            url,
            data={
                "csrf_token": csrf_from(world.client, url),
                "file": (io.BytesIO(body.encode()), filename),
            },
            content_type="multipart/form-data",
        )
        assert response.status_code < 500
        db.session.rollback()


def test_the_user_service_checks_lengths_for_every_caller(runner) -> None:
    # The command line (and the roster import) reach the columns without a web form.
    for option, column in (
        ("--full-name", User.full_name),
        ("--unit", User.unit),
        ("--position", User.position),
    ):
        args = [
            "users",
            "create",
            "--username",
            "dai.qua",
            "--password",
            "mat-khau-dai-123",
            "--role",
            "learner",
            "--full-name",
            "Người Dài",
        ]
        args = [*args, option, "e" * (max_length(column) + 1)]
        result = runner.invoke(args=args)
        assert result.exit_code != 0, option
        assert not isinstance(result.exception, ColumnOverflowError), option
        db.session.rollback()
