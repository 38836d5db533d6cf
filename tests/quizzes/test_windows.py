"""A quiz's window per class (issue 14): "after the quiz closes" comes for every class
that ends, a class may have its own open and close times, and a quiz made on the web is
hidden from learners until it is published."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from lms.classes.models import Class
from lms.extensions import db
from lms.quizzes.attempt_models import Attempt
from lms.quizzes.windows import set_window, window_for
from tests.quizzes.conftest import QuizWorld

# 10:00 on 10/03/2026 in Hà Nội.
START = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


def _finish_attempt(client, world: QuizWorld) -> dict:
    start = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers)
    assert start.status_code == 201, start.json
    done = client.post(f"/api/v1/attempts/{start.json['id']}/submit", headers=world.headers)
    assert done.status_code == 200, done.json
    return start.json


def _review(client, world: QuizWorld, attempt_id: int) -> dict:
    return client.get(f"/api/v1/attempts/{attempt_id}", headers=world.headers).json


def test_right_answers_come_after_the_class_ends(client, world: QuizWorld) -> None:
    """Reported: "after close" never came, because nothing set a close date. The class's
    last day now closes its quizzes (in the platform's time zone)."""
    klass = db.session.get(Class, world.class_id)
    klass.end_date = date(2026, 3, 12)
    db.session.commit()
    with time_machine.travel(START, tick=False):
        attempt = _finish_attempt(client, world)
    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert "right_answer" not in _review(client, world, attempt["id"])["questions"][0]
    # 12/03 ends at midnight Hà Nội time = 17:00 UTC; after the network grace:
    with time_machine.travel(datetime(2026, 3, 12, 16, 59, tzinfo=UTC), tick=False):
        assert "right_answer" not in _review(client, world, attempt["id"])["questions"][0]
    with time_machine.travel(datetime(2026, 3, 12, 17, 1, tzinfo=UTC), tick=False):
        questions = _review(client, world, attempt["id"])["questions"]
        assert all("right_answer" in q for q in questions if q["type"] != "description")


def test_the_class_end_closes_the_quiz_for_that_class(client, world: QuizWorld) -> None:
    klass = db.session.get(Class, world.class_id)
    klass.end_date = date(2026, 3, 12)
    db.session.commit()
    with time_machine.travel(datetime(2026, 3, 12, 17, 0, 1, tzinfo=UTC), tick=False):
        late = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers)
    assert late.status_code == 409, late.json


def test_an_attempt_started_before_the_close_ends_at_it(client, world: QuizWorld) -> None:
    klass = db.session.get(Class, world.class_id)
    klass.end_date = date(2026, 3, 12)
    db.session.commit()
    with time_machine.travel(datetime(2026, 3, 12, 16, 50, tzinfo=UTC), tick=False):
        start = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers)
    assert start.json["deadline"].startswith("2026-03-12T17:00:00")


def test_a_class_window_overrides_the_quiz_and_the_class_end(client, world: QuizWorld) -> None:
    klass = db.session.get(Class, world.class_id)
    klass.end_date = date(2026, 3, 12)
    opens = datetime(2026, 3, 20, 1, 0, tzinfo=UTC)
    closes = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    set_window(klass, world.quiz, opens, closes, world.lecturer.id)
    db.session.commit()
    assert window_for(world.quiz, klass).closes_at == closes
    with time_machine.travel(opens - timedelta(minutes=1), tick=False):
        early = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers)
    assert early.status_code == 409
    with time_machine.travel(opens + timedelta(minutes=40), tick=False):
        ok = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers)
    assert ok.status_code == 201, ok.json
    assert ok.json["deadline"].startswith("2026-03-20T02:00:00")
    attempt = db.session.get(Attempt, ok.json["id"])
    assert attempt.class_id == klass.id


def test_saves_stop_at_the_class_close(client, world: QuizWorld) -> None:
    """The autosave path reads the class's window too (its own statement)."""
    klass = db.session.get(Class, world.class_id)
    closes = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)
    set_window(klass, world.quiz, None, closes, world.lecturer.id)
    db.session.commit()
    with time_machine.travel(closes - timedelta(minutes=5), tick=False):
        start = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts",
                            headers=world.headers).json
    with time_machine.travel(closes + timedelta(minutes=5), tick=False):
        put = client.put(f"/api/v1/attempts/{start['id']}/answers/1", headers=world.headers,
                         json={"response": None, "seq": 1})
    assert put.status_code == 409, put.json


def test_clearing_a_class_window_restores_the_defaults(world: QuizWorld) -> None:
    klass = db.session.get(Class, world.class_id)
    set_window(klass, world.quiz, None, datetime(2026, 3, 20, tzinfo=UTC), None)
    assert window_for(world.quiz, klass).overridden
    set_window(klass, world.quiz, None, None, None)
    assert not window_for(world.quiz, klass).overridden
    assert window_for(world.quiz, klass).closes_at is None


@pytest.mark.parametrize("path", ["/quizzes/{id}", "/api/v1/quizzes/{id}/attempts"])
def test_an_unpublished_quiz_is_not_there_for_learners(client, world: QuizWorld,
                                                       path: str) -> None:
    world.quiz.published = False
    db.session.commit()
    url = path.format(id=world.quiz.id)
    if url.startswith("/api/"):
        response = client.post(url, headers=world.headers)
    else:
        from tests.conftest import Auth

        Auth(client).login_as(world.learner)
        response = client.get(url)
    assert response.status_code == 404
    listed = client.get(f"/api/v1/courses/{world.course.slug}/quizzes", headers=world.headers)
    assert all(q["id"] != world.quiz.id for q in listed.json)
