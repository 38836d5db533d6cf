"""Attempts through the API: idempotent start and submit, guarded autosave, deadlines,
expiry policies, accommodations, review, IDOR."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from lms.auth.services import create_token
from lms.db import utcnow
from lms.extensions import db
from lms.quizzes.attempt_models import Accommodation, Attempt, AttemptSlot
from lms.quizzes.option_ids import slot_ids
from tests.conftest import make_user
from tests.quizzes.conftest import QuizWorld


def _start(client, world: QuizWorld):
    return client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers)


def _answer_for(question: dict, right: bool = True):
    """A plausible response by type (not necessarily right)."""
    kind = question["type"]
    options = [o["id"] for o in question["options"]]
    if kind == "single_choice":
        return options[0]
    if kind == "multiple_choice":
        return options[:1]
    if kind == "matching":
        return {question["items"][0]["id"]: options[0]}
    return {"true_false": right, "short_answer": "tuyet mat", "numerical": 25,
            "essay": "Bài viết."}[kind]


def test_start_is_idempotent(client, world: QuizWorld) -> None:
    first = _start(client, world)
    assert first.status_code == 201
    body = first.json
    assert len(body["questions"]) == 7 and body["deadline"] and body["server_time"]
    for question in body["questions"]:  # nothing that gives answers away
        assert not {"fraction", "right_answer", "feedback", "points"} & set(question)
        assert all(set(o) == {"id", "text_html"} for o in question["options"])
    second = _start(client, world)
    assert second.status_code == 200 and second.json["id"] == body["id"]
    assert [q["id"] for q in second.json["questions"]] == [q["id"] for q in body["questions"]]
    assert db.session.scalar(select(func.count(Attempt.id))) == 1


def test_reload_keeps_order_answers_and_time(client, world: QuizWorld) -> None:
    start = _start(client, world).json
    q = start["questions"][0]
    put = client.put(f"/api/v1/attempts/{start['id']}/answers/{q['slot']}", headers=world.headers,
                     json={"response": _answer_for(q), "seq": 1})
    assert put.json == {"saved": True, "seq": 1}
    again = client.get(f"/api/v1/attempts/{start['id']}", headers=world.headers).json
    assert [x["options"] for x in again["questions"]] == [x["options"] for x in
                                                          start["questions"]]
    assert again["questions"][0]["response"] == _answer_for(q)
    assert again["deadline"] == start["deadline"]


def test_out_of_order_saves_keep_the_newest(client, world: QuizWorld) -> None:
    start = _start(client, world).json
    q = next(x for x in start["questions"] if x["type"] == "short_answer")
    url = f"/api/v1/attempts/{start['id']}/answers/{q['slot']}"
    assert client.put(url, headers=world.headers, json={"response": "mới", "seq": 5}).json == {
        "saved": True, "seq": 5}
    late = client.put(url, headers=world.headers, json={"response": "cũ", "seq": 3})
    assert late.status_code == 200 and late.json == {"saved": False, "seq": 5}
    stored = db.session.scalar(select(AttemptSlot.response).where(
        AttemptSlot.attempt_id == start["id"], AttemptSlot.slot == q["slot"]))
    assert stored == "mới"
    rows = db.session.scalar(select(func.count(AttemptSlot.id)).where(
        AttemptSlot.attempt_id == start["id"]))
    assert rows == 7


@pytest.mark.parametrize(("kind", "bad"), [
    ("single_choice", ["a0"]), ("multiple_choice", "a0"), ("true_false", "true"),
    ("numerical", "25"), ("matching", ["x"]), ("short_answer", 5)])
def test_malformed_response_is_422_naming_the_field(client, world: QuizWorld, kind: str,
                                                   bad) -> None:
    start = _start(client, world).json
    q = next(x for x in start["questions"] if x["type"] == kind)
    response = client.put(f"/api/v1/attempts/{start['id']}/answers/{q['slot']}",
                          headers=world.headers, json={"response": bad, "seq": 1})
    assert response.status_code == 422
    assert response.json["error"]["field"] == "response"


def test_missing_seq_is_422(client, world: QuizWorld) -> None:
    start = _start(client, world).json
    response = client.put(f"/api/v1/attempts/{start['id']}/answers/1", headers=world.headers,
                          json={"response": "x"})
    assert response.status_code == 422 and "seq" in response.json["error"]["message"]


def test_submit_is_idempotent_and_graded(client, world: QuizWorld) -> None:
    start = _start(client, world).json
    for q in start["questions"]:
        client.put(f"/api/v1/attempts/{start['id']}/answers/{q['slot']}", headers=world.headers,
                   json={"response": _answer_for(q), "seq": 1})
    first = client.post(f"/api/v1/attempts/{start['id']}/submit", headers=world.headers)
    second = client.post(f"/api/v1/attempts/{start['id']}/submit", headers=world.headers)
    assert first.status_code == second.status_code == 200
    assert first.json == second.json and first.json["state"] == "finished"
    assert first.json["max_points"] == 7.0
    assert first.json["passed"] is None  # the essay waits for a lecturer
    late = client.put(f"/api/v1/attempts/{start['id']}/answers/1", headers=world.headers,
                      json={"response": "x", "seq": 9})
    assert late.status_code == 409


def test_another_learners_attempt_is_404(client, world: QuizWorld) -> None:
    start = _start(client, world).json
    other = make_user("learner")
    headers = {"Authorization": f"Bearer {create_token(other)[1]}"}
    assert client.get(f"/api/v1/attempts/{start['id']}", headers=headers).status_code == 404
    assert client.put(f"/api/v1/attempts/{start['id']}/answers/1", headers=headers,
                      json={"response": "x", "seq": 1}).status_code == 404
    assert client.post(f"/api/v1/attempts/{start['id']}/submit",
                       headers=headers).status_code == 404
    # Not enrolled: the quiz itself is not visible.
    assert client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts",
                       headers=headers).status_code == 404


def test_deadline_is_enforced_with_frozen_time(client, world: QuizWorld) -> None:
    with time_machine.travel(utcnow(), tick=False) as traveller:
        start = _start(client, world).json
        url = f"/api/v1/attempts/{start['id']}/answers/1"
        traveller.shift(timedelta(minutes=30, seconds=20))  # within the 30 s network grace
        assert client.put(url, headers=world.headers,
                          json={"response": _answer_for(start["questions"][0]),
                                "seq": 1}).status_code == 200
        traveller.shift(timedelta(seconds=15))
        late = client.put(url, headers=world.headers,
                          json={"response": _answer_for(start["questions"][0]), "seq": 2})
        assert late.status_code == 409 and late.json["error"]["message"]
        # Next access finalises it by its policy (autosubmit): graded, not blanked.
        state = client.get(f"/api/v1/attempts/{start['id']}", headers=world.headers).json
        assert state["state"] == "finished"
        shown = next(q for q in state["questions"] if q["slot"] == 1)
        assert shown["response"] == _answer_for(start["questions"][0])  # kept, not blanked
        attempt = db.session.get(Attempt, start["id"])
        assert all(s.fraction is not None for s in attempt.slots if s.version.type != "essay")


def test_accommodation_applies_to_a_running_attempt(client, world: QuizWorld) -> None:
    with time_machine.travel(utcnow(), tick=False) as traveller:
        start = _start(client, world).json
        db.session.add(Accommodation(user_id=world.learner.id, class_id=world.class_id,
                                     time_multiplier=1.5))
        db.session.commit()
        later = client.get(f"/api/v1/attempts/{start['id']}", headers=world.headers).json
        from datetime import datetime

        shift = (datetime.fromisoformat(later["deadline"]) -
                 datetime.fromisoformat(start["deadline"]))
        assert shift == timedelta(minutes=15)
        traveller.shift(timedelta(minutes=40))
        ok = client.put(f"/api/v1/attempts/{start['id']}/answers/1", headers=world.headers,
                        json={"response": _answer_for(start["questions"][0]), "seq": 1})
        assert ok.status_code == 200


@pytest.mark.parametrize(("policy", "state"), [("autosubmit", "finished"),
                                               ("abandon", "abandoned"), ("grace", "overdue")])
def test_periodic_job_finalises_by_policy(client, world: QuizWorld, policy: str,
                                          state: str) -> None:
    from lms.quizzes.tasks import finalize_overdue_attempts

    world.quiz.on_expiry = policy
    db.session.commit()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        start = _start(client, world).json
        q = start["questions"][0]
        client.put(f"/api/v1/attempts/{start['id']}/answers/{q['slot']}", headers=world.headers,
                   json={"response": _answer_for(q), "seq": 1})
        traveller.shift(timedelta(minutes=31))
        finalize_overdue_attempts.call_local()
        attempt = db.session.get(Attempt, start["id"])
        db.session.refresh(attempt)
        assert attempt.state == state
        slot = next(s for s in attempt.slots if s.slot == q["slot"])
        ids = slot_ids(attempt.id, slot.slot, slot.version.type, slot.version.data)
        assert ids.to_public(slot.version.type, slot.response) == _answer_for(q)  # kept
        if policy == "grace":
            # Submit-only window: answers refused, submit accepted.
            late = client.put(f"/api/v1/attempts/{start['id']}/answers/{q['slot']}",
                              headers=world.headers,
                              json={"response": _answer_for(q), "seq": 2})
            assert late.status_code == 409
            done = client.post(f"/api/v1/attempts/{start['id']}/submit", headers=world.headers)
            assert done.status_code == 200 and done.json["state"] == "finished"
            traveller.shift(timedelta(hours=2))
        else:
            assert attempt.points is not None  # graded
            assert attempt.finished_at is not None


def test_a_nul_character_is_refused_before_the_database(client, world: QuizWorld) -> None:
    """PostgreSQL cannot store NUL in text or jsonb: 400 naming the JSON field, not a 500."""
    start = _start(client, world).json
    q = next(x for x in start["questions"] if x["type"] == "short_answer")
    url = f"/api/v1/attempts/{start['id']}/answers/{q['slot']}"
    response = client.put(url, headers=world.headers, json={"response": "a\x00b", "seq": 1})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_character"
    assert response.json["error"]["field"] == "response"
    stored = db.session.scalar(select(AttemptSlot.seq).where(
        AttemptSlot.attempt_id == start["id"], AttemptSlot.slot == q["slot"]))
    assert stored == 0  # nothing saved


def test_a_save_checked_before_a_submit_never_lands_after_it(client, world: QuizWorld) -> None:
    """The write's own guard: the attempt of the slot being written must still be open.
    It was true whenever ANY attempt was in progress (an uncorrelated EXISTS), so a save
    racing the submit changed a graded answer while another attempt was open."""
    from lms.quizzes.attempt_models import AttemptSlot
    from lms.quizzes.autosave import check_answer, store_answer

    first = _start(client, world).json
    question = first["questions"][0]
    slot = question["slot"]
    url = f"/api/v1/attempts/{first['id']}/answers/{slot}"
    assert client.put(url, headers=world.headers,
                      json={"response": _answer_for(question), "seq": 1}).status_code == 200
    racing = check_answer(first["id"], world.learner.id, slot, _answer_for(question), 5)
    assert client.post(f"/api/v1/attempts/{first['id']}/submit",
                       headers=world.headers).json["state"] == "finished"
    assert _start(client, world).status_code in (200, 201)  # another attempt is open now
    stored = db.session.scalar(select(AttemptSlot.seq).where(
        AttemptSlot.attempt_id == first["id"], AttemptSlot.slot == slot))
    saved, seq = store_answer(racing)
    assert saved is False and seq == stored == 1


@pytest.mark.parametrize("path", ["/api/v1/attempts/1099511627776",
                                  "/api/v1/attempts/1099511627776/answers/1",
                                  "/api/v1/attempts/1/answers/1099511627776"])
def test_ids_beyond_32_bits_are_404(client, world: QuizWorld, path: str) -> None:
    # PostgreSQL refused the query ("integer out of range"): a 500.
    method = client.put if "/answers/" in path else client.get
    response = method(path, headers=world.headers, json={"response": "x", "seq": 1})
    assert response.status_code == 404
