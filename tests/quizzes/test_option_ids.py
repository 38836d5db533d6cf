"""Opaque, per-attempt option ids (issue 11): they carry no order, no file position and
no link to correctness, mean nothing in another attempt, and map back to the bank's keys."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import select

from lms import ROOT
from lms.auth.services import create_token
from lms.classes.services import enrol
from lms.demo import run_demo
from lms.extensions import db
from lms.quizzes import attempts as attempts_module
from lms.quizzes.attempt_models import AttemptSlot
from lms.quizzes.attempts import start_attempt
from lms.quizzes.gift import parse_gift
from lms.quizzes.models import Quiz
from tests.conftest import make_user
from tests.quizzes.conftest import QuizWorld

BANKS = ROOT / "courses" / "quan-ly-nha-nuoc-ve-co-yeu" / "questions"
# χ² critical values at p = 0.001 by degrees of freedom: a fair shuffle fails 1 run in 1000
# at most, and the seeds below are fixed, so the run is reproducible.
CHI2_999 = {1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52}


def _start(client, world: QuizWorld) -> dict:
    response = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts", headers=world.headers)
    assert response.status_code in (200, 201), response.json
    return response.json


def test_ids_are_opaque_and_map_back_to_the_bank_keys(client, world: QuizWorld) -> None:
    attempt = _start(client, world)
    single = next(q for q in attempt["questions"] if q["type"] == "single_choice")
    shown = [o["id"] for o in single["options"]]
    assert not set(shown) & {"a0", "a1", "a2", "a3"}
    assert len(set(shown)) == len(shown) and all(len(i) >= 7 for i in shown)
    url = f"/api/v1/attempts/{attempt['id']}/answers/{single['slot']}"
    # The bank's own key is not an answer here; a shown id is.
    assert client.put(url, headers=world.headers,
                      json={"response": "a0", "seq": 1}).status_code == 422
    assert client.put(url, headers=world.headers,
                      json={"response": shown[1], "seq": 2}).status_code == 200
    stored = db.session.scalar(select(AttemptSlot.response).where(
        AttemptSlot.attempt_id == attempt["id"], AttemptSlot.slot == single["slot"]))
    assert stored in {"a0", "a1", "a2"} and stored != shown[1]
    again = client.get(f"/api/v1/attempts/{attempt['id']}", headers=world.headers).json
    assert next(q for q in again["questions"] if q["slot"] == single["slot"])[
        "response"] == shown[1]


def test_an_id_means_nothing_in_another_attempt(client, world: QuizWorld) -> None:
    mine = _start(client, world)
    other = make_user("learner")
    enrol(_class_of(world), other)
    _row, raw = create_token(other)
    theirs = client.post(f"/api/v1/quizzes/{world.quiz.id}/attempts",
                         headers={"Authorization": f"Bearer {raw}"}).json
    by_question = {q["id"]: q for q in theirs["questions"]}
    for question in mine["questions"]:
        if question["type"] not in ("single_choice", "multiple_choice", "matching"):
            continue
        counterpart = by_question[question["id"]]
        assert not {o["id"] for o in question["options"]} & {
            o["id"] for o in counterpart["options"]}
        # "Pick X7Q": an id shared by another learner is refused here.
        if question["type"] == "single_choice":
            url = f"/api/v1/attempts/{mine['id']}/answers/{question['slot']}"
            foreign = counterpart["options"][0]["id"]
            assert client.put(url, headers=world.headers,
                              json={"response": foreign, "seq": 1}).status_code == 422


def _class_of(world: QuizWorld):
    from lms.classes.models import Class

    return db.session.scalar(select(Class).where(Class.course_id == world.course.id))


def _chi2(counts: Counter[int], cells: int) -> float:
    total = sum(counts.values())
    expected = total / cells
    return sum((counts.get(i, 0) - expected) ** 2 / expected for i in range(cells))


def test_the_right_answer_sits_anywhere_in_the_shipped_final(app, monkeypatch) -> None:
    """Across attempts at the shipped final, the right option of a 4-option single-choice
    question is uniform over the displayed positions and over the sorted ids."""
    run_demo(ROOT / "courses")
    final = db.session.scalar(select(Quiz).where(Quiz.slug == "kiem-tra-cuoi-khoa"))
    seeds = random.Random(20261204)
    monkeypatch.setattr(attempts_module.secrets, "randbelow", lambda n: seeds.randrange(n))
    shown_at, sorted_at = Counter(), Counter()
    from lms.quizzes.render import slot_payload

    for _ in range(40):
        attempt, _created = start_attempt(final, make_user("learner"), preview=True)
        for item in attempt.slots:
            if item.version.type != "single_choice" or len(item.option_order) != 4:
                continue
            payload = slot_payload(item, set(), include_answer=False)
            right = next(a["id"] for a in item.version.data["answers"] if a["fraction"] >= 1)
            public = [o["id"] for o in payload["options"]]
            index = item.option_order.index(right)
            shown_at[index] += 1
            sorted_at[sorted(public).index(public[index])] += 1
    assert sum(shown_at.values()) >= 300
    assert _chi2(shown_at, 4) < CHI2_999[3], shown_at
    assert _chi2(sorted_at, 4) < CHI2_999[3], sorted_at


def _shipped_questions():
    for path in sorted(BANKS.glob("*.gift")):
        yield from parse_gift(path.read_text(encoding="utf-8"), path.name)


def test_the_shipped_banks_balance_the_right_answer_in_the_files() -> None:
    positions = Counter()
    rights_per_multiple = Counter()
    for question in _shipped_questions():
        rights = [i for i, a in enumerate(question.answers) if a.fraction > 0]
        if question.type == "single_choice" and len(question.answers) == 4:
            positions[rights[0]] += 1
        elif question.type == "multiple_choice":
            rights_per_multiple[len(rights)] += 1
            if len(rights) > 1:
                assert rights != list(range(len(rights))), f"{question.name}: rights first"
    assert max(positions.values()) - min(positions.values()) <= 2, positions
    # Multiple-choice items do not always have the same number of right options.
    assert len(rights_per_multiple) >= 3, rights_per_multiple


@pytest.mark.parametrize("path", sorted(p.name for p in BANKS.glob("*.gift")))
def test_each_shipped_bank_parses(path: str) -> None:
    assert list(parse_gift((BANKS / path).read_text(encoding="utf-8"), path))
