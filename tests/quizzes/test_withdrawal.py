"""Withdrawal closes the door (issue 11): open attempts are finalised as they stand and
audited; later saves and submits answer 404; the review no longer shows the key."""

from __future__ import annotations

from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.classes.models import Class
from lms.classes.services import withdraw
from lms.extensions import db
from lms.quizzes.attempt_models import Attempt
from tests.conftest import Auth, csrf_from
from tests.quizzes.conftest import QuizWorld

EVERYTHING = ["score", "correctness", "right_answer", "feedback"]


def _start_and_answer(client, world: QuizWorld) -> tuple[dict, dict]:
    attempt = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts",
                          headers=world.headers).json
    single = next(q for q in attempt["questions"] if q["type"] == "single_choice")
    saved = client.put(f"/api/v1/attempts/{attempt['id']}/answers/{single['slot']}",
                       headers=world.headers,
                       json={"response": single["options"][0]["id"], "seq": 1})
    assert saved.status_code == 200
    return attempt, single


def test_withdrawal_finalises_and_closes_the_door(client, auth: Auth,
                                                  world: QuizWorld) -> None:
    world.quiz.review = dict.fromkeys(("during", "immediately", "later", "after_close"), EVERYTHING)
    db.session.commit()
    attempt, single = _start_and_answer(client, world)
    klass = db.session.scalar(select(Class).where(Class.course_id == world.course.id))
    withdraw(klass, world.learner, world.lecturer)
    db.session.commit()

    row = db.session.get(Attempt, attempt["id"])
    db.session.refresh(row)
    assert row.state == "finished" and row.points is not None  # graded as it stood
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "learner_withdraw"))
    assert audit.details["attempts_closed"] == [attempt["id"]]
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "grade", AuditEntry.target == f"attempt:{attempt['id']}"))

    url = f"/api/v1/attempts/{attempt['id']}"
    assert client.put(f"{url}/answers/{single['slot']}", headers=world.headers,
                      json={"response": single["options"][1]["id"], "seq": 2}
                      ).status_code == 404
    assert client.post(f"{url}/submit", headers=world.headers).status_code == 404
    read = client.get(url, headers=world.headers).json
    for question in read["questions"]:
        assert not {"right_answer", "feedback", "fraction"} & set(question), question
    auth.login_as(world.learner)
    review = client.get(f"/attempts/{attempt['id']}/review")
    assert review.status_code == 200
    token = csrf_from(client, f"/attempts/{attempt['id']}/review")
    assert client.post(f"/attempts/{attempt['id']}", data={
        "csrf_token": token, "action": "submit"}).status_code == 404
    assert client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts",
                       headers=world.headers).status_code == 404
