"""Concurrent autosaves and starts against a real database (a scratch one per test run):
one row per (attempt, slot), the highest seq wins, one open attempt per learner."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from lms.auth.services import create_token
from lms.extensions import db
from lms.quizzes.attempt_models import Attempt, AttemptSlot
from lms.quizzes.attempts import start_attempt
from lms.quizzes.autosave import save_answer
from lms.quizzes.bank import save_question
from lms.quizzes.gift import parse_gift
from lms.quizzes.models import Quiz
from tests.conftest import make_app, make_class, make_course, make_user
from tests.quizzes.conftest import BANK, make_quiz
from tests.scratch_db import scratch_database


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    """A fresh database: PostgreSQL when the suite runs on it, else a SQLite file."""
    with scratch_database(tmp_path, "lms_conc") as url:
        yield url


def _world(url: str):
    app = make_app(url)
    with app.app_context():
        upgrade()
        course = make_course("ql")
        for i, q in enumerate(parse_gift(BANK), start=1):
            save_question(course, q, None, name=q.name, source_order=i)
        quiz = make_quiz(course, attempts_allowed=0)
        learners = [make_user("learner") for _ in range(4)]
        make_class(course, "K1", learners=tuple(learners))
        for learner in learners:
            create_token(learner)
        db.session.commit()
        ids = (quiz.id, [u.id for u in learners])
        db.session.remove()
    return app, ids


def _run(threads: list[threading.Thread]) -> None:
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)


@pytest.mark.postgres
def test_concurrent_starts_give_one_attempt(scratch_url: str) -> None:
    app, (quiz_id, user_ids) = _world(scratch_url)
    barrier = threading.Barrier(8, timeout=30)
    errors: list[BaseException] = []

    def start(user_id: int) -> None:
        with app.app_context():
            try:
                from lms.auth.models import User

                quiz, user = db.session.get(Quiz, quiz_id), db.session.get(User, user_id)
                db.session.commit()  # release SQLite's write lock before the race
                barrier.wait()
                start_attempt(quiz, user)
                db.session.commit()
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    _run([threading.Thread(target=start, args=(user_ids[i % 2],)) for i in range(8)])
    assert not errors, errors
    with app.app_context():
        per_user = db.session.execute(select(Attempt.user_id, func.count(Attempt.id))
                                      .group_by(Attempt.user_id)).all()
        assert sorted(n for _u, n in per_user) == [1, 1]
        db.engine.dispose()


@pytest.mark.postgres
def test_concurrent_autosaves_keep_one_row_and_the_highest_seq(scratch_url: str) -> None:
    app, (quiz_id, user_ids) = _world(scratch_url)
    with app.app_context():
        from lms.auth.models import User

        attempt, _ = start_attempt(db.session.get(Quiz, quiz_id), db.session.get(User, user_ids[0]))
        db.session.commit()
        attempt_id = attempt.id
        slot = next(s.slot for s in attempt.slots if s.version.type == "short_answer")
        db.session.remove()
    seqs = list(range(1, 81))
    random.Random(7).shuffle(seqs)  # saves arrive out of order
    chunks = [seqs[i::8] for i in range(8)]
    barrier = threading.Barrier(8, timeout=30)
    acknowledged: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def saver(chunk: list[int]) -> None:
        with app.app_context():
            try:
                barrier.wait()
                for seq in chunk:
                    saved, _ = save_answer(attempt_id, user_ids[0], slot, f"trả lời {seq}", seq)
                    db.session.commit()
                    if saved:
                        with lock:
                            acknowledged.append(seq)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    _run([threading.Thread(target=saver, args=(chunk,)) for chunk in chunks])
    assert not errors, errors
    with app.app_context():
        rows = db.session.scalars(select(AttemptSlot).where(
            AttemptSlot.attempt_id == attempt_id, AttemptSlot.slot == slot)).all()
        assert len(rows) == 1
        assert rows[0].seq == 80 and rows[0].response == "trả lời 80"
        assert 80 in acknowledged
        db.engine.dispose()


def test_concurrent_submits_grade_once(scratch_url: str) -> None:
    """Five submits of one attempt at once (the finding: graded twice, two audit rows)."""
    app, (quiz_id, user_ids) = _world(scratch_url)
    with app.app_context():
        from lms.audit.models import AuditEntry
        from lms.auth.models import User

        user = db.session.get(User, user_ids[0])
        attempt, _ = start_attempt(db.session.get(Quiz, quiz_id), user)
        _token, raw = create_token(user)
        db.session.commit()
        attempt_id = attempt.id
        db.session.remove()
    barrier = threading.Barrier(5, timeout=30)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def submit() -> None:
        client = app.test_client()
        try:
            barrier.wait()
            response = client.post(f"/api/v1/attempts/{attempt_id}/submit",
                                   headers={"Authorization": f"Bearer {raw}"})
            statuses.append(response.status_code)
        except BaseException as exc:
            errors.append(exc)

    _run([threading.Thread(target=submit) for _ in range(5)])
    assert not errors, errors
    assert statuses == [200] * 5
    with app.app_context():
        grades = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "grade", AuditEntry.target == f"attempt:{attempt_id}")).all()
        assert len(grades) == 1, [g.details for g in grades]
        db.engine.dispose()
