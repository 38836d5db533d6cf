"""Quiz pages without JavaScript: start (double click), plain form saves, submit, review."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lms.extensions import db
from lms.quizzes.attempt_models import Attempt, AttemptSlot
from tests.conftest import Auth, csrf_from, make_user
from tests.quizzes.conftest import QuizWorld


def _start(client, world: QuizWorld):
    token = csrf_from(client, f"/quizzes/{world.quiz.id}")
    return client.post(f"/quizzes/{world.quiz.id}/start", data={"csrf_token": token})


def test_double_click_start_gives_one_attempt(auth: Auth, client, world: QuizWorld) -> None:
    auth.login_as(world.learner)
    first, second = _start(client, world), _start(client, world)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_plain_form_saves_and_submits(auth: Auth, client, world: QuizWorld) -> None:
    auth.login_as(world.learner)
    url = _start(client, world).headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert 'role="timer"' in page and "data-deadline" in page
    attempt_id = int(url.rsplit("/", 1)[1])
    slots = {s.slot: s for s in db.session.scalars(
        select(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id))}
    tf_slot = next(n for n, s in slots.items() if s.version.type == "true_false")
    short_slot = next(n for n, s in slots.items() if s.version.type == "short_answer")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    saved = client.post(url, data={"csrf_token": token, f"q{tf_slot}": "true",
                                   f"q{short_slot}": "Tuyệt mật", "action": "save"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(AttemptSlot, slots[tf_slot].id).response is True
    assert db.session.get(AttemptSlot, slots[short_slot].id).response == "Tuyệt mật"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Tuyệt mật"' in page  # answers survive a reload
    done = client.post(url, data={"csrf_token": token, "action": "submit"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/review")
    review = client.get(done.headers["Location"])
    assert review.status_code == 200
    assert db.session.get(Attempt, attempt_id).state == "finished"


def test_quiz_pages_are_404_for_outsiders(auth: Auth, client, world: QuizWorld) -> None:
    auth.login_as(world.learner)
    url = _start(client, world).headers["Location"]
    auth.logout()
    auth.login_as(make_user("learner"))
    assert client.get(url).status_code == 404
    assert client.get(f"/quizzes/{world.quiz.id}").status_code == 404
    assert client.get(url + "/review").status_code == 404
