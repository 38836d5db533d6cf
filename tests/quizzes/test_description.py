"""Moodle's description type (issue 12): text shown in a quiz, no answer, no marks; read
and written in GIFT (text without a block) and Moodle XML; never drawn at random."""

from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.attempt_models import Attempt
from lms.quizzes.bank import save_question
from lms.quizzes.gift import dump_gift, parse_gift
from lms.quizzes.moodlexml import dump_moodle_xml, parse_moodle_xml
from tests.quizzes.conftest import QuizWorld

TEXT = "::Giới thiệu:: [html]Đọc <b>Điều 5</b> Luật Cơ yếu trước khi trả lời.\n"


def test_a_text_without_a_block_is_a_description_both_ways() -> None:
    [q] = parse_gift(TEXT)
    assert (q.type, q.name, q.text_format) == ("description", "Giới thiệu", "html")
    assert q.text == "Đọc <b>Điều 5</b> Luật Cơ yếu trước khi trả lời."
    assert parse_gift(dump_gift([q])) == [q]
    assert parse_moodle_xml(dump_moodle_xml([q])) == [q]


def _with_description(world: QuizWorld) -> None:
    [q] = parse_gift(TEXT)
    q.category = "bai-01"
    save_question(world.course, q, None, name=q.name)
    world.quiz.fixed_questions = ["Giới thiệu"]
    world.quiz.draw = [{"category": "bai-01", "count": 7}]  # all seven questions
    db.session.commit()


def test_a_description_in_a_quiz_has_no_marks_and_takes_no_answer(client,
                                                                  world: QuizWorld) -> None:
    _with_description(world)
    start = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers).json
    kinds = [q["type"] for q in start["questions"]]
    assert kinds.count("description") == 1 and len(kinds) == 8
    slot = next(q["slot"] for q in start["questions"] if q["type"] == "description")
    refused = client.put(f"/api/v1/attempts/{start['id']}/answers/{slot}",
                         headers=world.headers, json={"response": "x", "seq": 1})
    assert refused.status_code == 422
    attempt = db.session.get(Attempt, start["id"])
    assert attempt.max_points == 7.0
    client.post(f"/api/v1/attempts/{start['id']}/submit", headers=world.headers)
    db.session.expire_all()
    assert db.session.get(Attempt, start["id"]).max_points == 7.0
    # Neither right nor wrong: the review never calls a description "Incorrect".
    described = next(s for s in db.session.get(Attempt, start["id"]).slots
                     if s.version.type == "description")
    assert (described.fraction, described.points) == (None, 0.0)


def test_a_random_draw_never_picks_a_description(client, world: QuizWorld) -> None:
    _with_description(world)
    world.quiz.fixed_questions = []
    db.session.commit()
    for _ in range(3):
        start = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts",
                            headers=world.headers).json
        assert "description" not in {q["type"] for q in start["questions"]}
        client.post(f"/api/v1/attempts/{start['id']}/submit", headers=world.headers)
        world.quiz.attempts_allowed = 0
        db.session.commit()
    assert db.session.scalar(select(Attempt.id).where(Attempt.max_points != 7.0)) is None
