"""Review that teaches (issue 14): a question left unanswered is shown as "Chưa trả lời",
never as "Sai"."""

from __future__ import annotations

from lms.extensions import db
from tests.conftest import Auth
from tests.quizzes.conftest import QuizWorld


def test_an_unanswered_question_is_not_called_wrong(client, world: QuizWorld) -> None:
    world.quiz.review = {**world.quiz.review, "immediately": ["score", "correctness"]}
    db.session.commit()
    start = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers).json
    numerical = next(q for q in start["questions"] if q["type"] == "numerical")
    put = client.put(f"/api/v1/attempts/{start['id']}/answers/{numerical['slot']}",
                     headers=world.headers, json={"response": 24, "seq": 1})  # wrong: 25
    assert put.status_code == 200, put.json
    client.post(f"/api/v1/attempts/{start['id']}/submit", headers=world.headers)
    Auth(client).login_as(world.learner)
    page = client.get(f"/attempts/{start['id']}/review").get_data(as_text=True)
    total = len(start["questions"])
    assert page.count('class="verdict unanswered"') == total - 1
    assert page.count(">Chưa trả lời<") == total - 1
    assert page.count('<p class="verdict">Sai</p>') == 1  # the one answered wrongly
