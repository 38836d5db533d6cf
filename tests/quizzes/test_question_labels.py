"""Staff pages name questions by their text and options by letters A, B, C… in their stored
order, never by internal ids (``q1``, ``a0``)."""

from __future__ import annotations

import re

from sqlalchemy import select

from lms.classes.models import Class
from lms.classes.services import enrol
from lms.extensions import db
from lms.quizzes.bank import save_question
from lms.quizzes.gift import parse_gift
from lms.quizzes.labels import letter, lettered, plain_text
from lms.quizzes.models import Question
from tests.conftest import Auth, assign_lecturer, make_user
from tests.quizzes.conftest import QuizWorld
from tests.quizzes.test_manage import _finished_attempt


def _flat(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _lecturer(client, world: QuizWorld) -> None:
    assign_lecturer(world.course, world.lecturer)
    db.session.commit()
    Auth(client).login_as(world.lecturer)


def test_letters_and_plain_text() -> None:
    assert [letter(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]
    assert plain_text("<p>Câu <b>một</b></p>\n<p>hai</p>", "html") == "Câu một hai"
    assert plain_text("Một câu hỏi rất dài", "moodle", 8) == "Một câu…"


def test_lettered_follows_the_stored_order(app) -> None:
    from lms.quizzes.bank import content_of
    from lms.quizzes.models import QuestionVersion

    bank = parse_gift("::a::Hỏi? {~Hai =Một ~Ba}\n\n::b::Đúng? {T}\n\n"
                      "::c::Ghép {=Luật Cơ yếu -> 2011 =Luật BVBMNN -> 2018}\n\n::d::Số? {#2:0.5}")
    versions = [QuestionVersion(**content_of(q)) for q in bank]
    with app.test_request_context():
        got = [[f"{o['letter']}. {o['text']}" for o in lettered(v)] for v in versions]
    assert got == [["A. Hai", "B. Một", "C. Ba"], ["A. Đúng", "B. Sai"],
                   ["A. Luật Cơ yếu → 2011", "B. Luật BVBMNN → 2018"], ["A. 2 ± 0,5"]]


def test_the_bank_shows_text_and_lettered_options(client, world: QuizWorld) -> None:
    _lecturer(client, world)
    page = _flat(client.get(f"/courses/{world.course.slug}/questions").get_data(as_text=True))
    assert "Ngày truyền thống ngành Cơ yếu?" in page
    assert "A. 12/09/1945 B. 02/09/1945 C. 19/08/1945" in page
    assert "Một lựa chọn" in page and "single_choice" not in page
    assert " a0 " not in page


def test_the_picker_shows_text_and_lettered_options(client, world: QuizWorld,
                                                    count_statements) -> None:
    _lecturer(client, world)
    url = f"/courses/{world.course.slug}/quizzes/new"
    page = _flat(client.get(url).get_data(as_text=True))
    assert "Ngày truyền thống ngành Cơ yếu?" in page
    assert "A. 12/09/1945 B. 02/09/1945 C. 19/08/1945" in page
    with count_statements() as before:
        client.get(url)
    for q in parse_gift("::n1::Mới? {=A ~B}\n\n::n2::Mới nữa? {T}"):
        save_question(world.course, q, None, name=q.name)
    db.session.commit()
    with count_statements() as after:
        client.get(url)
    assert after.count == before.count


def test_item_analysis_letters_options_with_counts(client, world: QuizWorld) -> None:
    klass = db.session.scalar(select(Class).where(Class.code == "K1"))
    for learner in [make_user("learner") for _ in range(3)]:
        enrol(klass, learner)
        _finished_attempt(world, learner)
    _lecturer(client, world)
    page = _flat(client.get(f"/quizzes/{world.quiz.id}/analysis").get_data(as_text=True))
    assert "Ngày truyền thống ngành Cơ yếu?" in page
    assert "A. 12/09/1945: 0 (0%)" in page
    assert "A. Đúng: 3 (100%) B. Sai: 0 (0%)" in page
    assert "a0:" not in page and "true:" not in page
    assert db.session.scalar(select(Question).where(Question.name == "q1")) is not None
