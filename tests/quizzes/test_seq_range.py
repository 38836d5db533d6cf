"""``seq`` stays within the 32-bit column: out of range is a 422 through the API, and a
plain form save after the largest ``seq`` still saves (no overflow, no 500)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.attempt_models import AttemptSlot
from lms.quizzes.autosave import SEQ_MAX, save_answer
from lms.quizzes.types import ResponseError
from tests.conftest import Auth
from tests.quizzes.conftest import QuizWorld

TOP = 2**31 - 1


def _start(client, world: QuizWorld) -> tuple[int, int]:
    start = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers).json
    slot = next(q["slot"] for q in start["questions"] if q["type"] == "short_answer")
    return start["id"], slot


@pytest.mark.parametrize("seq", [2**31, 2**63, 10**30, -1, 0, -(2**31) - 1])
def test_seq_out_of_range_is_422(client, world: QuizWorld, seq: int) -> None:
    attempt_id, slot = _start(client, world)
    response = client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{slot}",
        json={"response": "mật", "seq": seq},
        headers=world.headers,
    )
    assert response.status_code == 422
    assert response.json["error"]["field"] == "seq"


def test_the_largest_seq_is_accepted(client, world: QuizWorld) -> None:
    attempt_id, slot = _start(client, world)
    response = client.put(
        f"/api/v1/attempts/{attempt_id}/answers/{slot}",
        json={"response": "mật", "seq": TOP},
        headers=world.headers,
    )
    assert response.json == {"saved": True, "seq": TOP}


def test_the_service_refuses_what_the_column_cannot_hold(client, world: QuizWorld) -> None:
    attempt_id, slot = _start(client, world)
    assert SEQ_MAX == TOP
    with pytest.raises(ResponseError) as caught:
        save_answer(attempt_id, world.learner.id, slot, "mật", TOP + 1)
    assert caught.value.field == "seq"


def test_a_form_save_after_the_largest_seq_saves(auth: Auth, client, world: QuizWorld) -> None:
    attempt_id, slot = _start(client, world)
    url = f"/api/v1/attempts/{attempt_id}/answers/{slot}"
    assert (
        client.put(url, json={"response": "cũ", "seq": TOP}, headers=world.headers).status_code
        == 200
    )
    auth.login_as(world.learner)
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    saved = client.post(
        f"/attempts/{attempt_id}", data={"csrf_token": token, f"q{slot}": "mới", "action": "save"}
    )
    assert saved.status_code == 302
    db.session.expire_all()
    row = db.session.scalar(
        select(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id, AttemptSlot.slot == slot)
    )
    assert row.response == "mới" and row.seq == TOP
