"""The review matrix governs every channel (issue 11): the API's submit answer, the
attempt read, and the web review show only what the quiz allows at that moment; hidden
items are absent, not null; ``after_close`` starts when nobody can save any more."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from lms.db import utcnow
from lms.extensions import db
from tests.conftest import Auth
from tests.quizzes.conftest import QuizWorld

NOTHING = {"during": [], "immediately": [], "later": [], "after_close": []}
SCORE_KEYS = {"points", "max_points", "score10", "passed"}
ITEM_KEYS = {"fraction", "points", "max_points", "right_answer", "feedback"}


def _attempt(client, world: QuizWorld) -> dict:
    response = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers)
    assert response.status_code in (200, 201)
    return response.json


def test_submit_and_read_hide_what_the_review_hides(client, world: QuizWorld) -> None:
    world.quiz.review = NOTHING
    db.session.commit()
    attempt = _attempt(client, world)
    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=world.headers)
    assert submitted.status_code == 200
    assert submitted.json == {"state": "finished"}  # the finding: points, score10, passed
    read = client.get(f"/api/v1/attempts/{attempt['id']}", headers=world.headers).json
    assert not SCORE_KEYS & set(read)
    for question in read["questions"]:
        assert not ITEM_KEYS & set(question), question


def test_submit_shows_the_score_when_allowed(client, world: QuizWorld) -> None:
    attempt = _attempt(client, world)  # the fixture quiz: score immediately
    submitted = client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=world.headers)
    assert set(submitted.json) >= SCORE_KEYS


def test_web_review_hides_the_score(client, auth: Auth, world: QuizWorld) -> None:
    world.quiz.review = NOTHING
    db.session.commit()
    attempt = _attempt(client, world)
    client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=world.headers)
    auth.login_as(world.learner)
    page = client.get(f"/attempts/{attempt['id']}/review").get_data(as_text=True)
    assert "/ 10" not in page and "/10" not in page


def test_after_close_starts_when_nobody_can_save(app, client, world: QuizWorld) -> None:
    grace = app.config["LMS_QUIZ_GRACE_SECONDS"]
    start = utcnow()
    world.quiz.closes_at = start + timedelta(minutes=5)
    db.session.commit()
    with time_machine.travel(start, tick=False) as clock:
        attempt = _attempt(client, world)
        client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=world.headers)
        url = f"/api/v1/attempts/{attempt['id']}"
        clock.shift(timedelta(minutes=5, seconds=grace // 2))
        # Closed, but others may still be saving: no right answers yet.
        assert not any("right_answer" in q for q in client.get(
            url, headers=world.headers).json["questions"])
        clock.shift(timedelta(seconds=grace))
        assert all("right_answer" in q for q in client.get(
            url, headers=world.headers).json["questions"])


def test_the_class_page_hides_a_score_the_review_hides(client, auth: Auth,
                                                       world: QuizWorld) -> None:
    """The review's finding: with the score shown only after the close, the class page
    still said "best score 0,0"."""
    from lms.classes.completion import recompute
    from lms.classes.models import Class
    from tests.quizzes.conftest import make_quiz

    quiz = make_quiz(world.course, slug="khong-tu-luan", draw=[],
                     fixed_questions=["q1", "q3"], review={**NOTHING, "after_close": ["score"]})
    klass = db.session.get(Class, world.class_id)
    klass.completion_rule = {"lessons": "all", "quizzes": [{"slug": quiz.slug,
                                                            "pass_mark10": 5.0}]}
    db.session.commit()
    started = client.post(f"/api/v1/quizzes/{quiz.id}/attempts", headers=world.headers).json
    client.post(f"/api/v1/attempts/{started['id']}/submit", headers=world.headers)
    recompute(klass)
    db.session.commit()
    auth.login_as(world.learner)
    page = client.get("/classes/K1").get_data(as_text=True)
    assert "điểm cao nhất" not in page and "best score" not in page
    quiz.review = {**NOTHING, "immediately": ["score"], "later": ["score"]}
    db.session.commit()
    page = client.get("/classes/K1").get_data(as_text=True)
    assert "điểm cao nhất 0,0" in page or "best score 0.0" in page
