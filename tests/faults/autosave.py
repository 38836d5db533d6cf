"""The quiz world of the fault tests: learners autosaving, and what the database must hold.

* :func:`start_all` — every learner of a seeded class starts the final test;
* :class:`Autosaver` — one thread per learner saving answers continuously with an
  increasing ``seq``, recording every acknowledged save and every failure (and whether the
  failure was *clean*: a connection error or a JSON 5xx);
* :func:`check_saves` — every acknowledged save is in ``attempt_slots`` (stored seq ≥ the
  acknowledged one, the same response when equal), one attempt per learner, one row per slot;
* :func:`check_timing` — the attempts keep their deadline and their clock was not reset.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from tests.faults.procs import qb

QUIZ_TIME_LIMIT_S = 30 * 60  # kiem-tra-cuoi-khoa.toml: time_limit = "30m"


@dataclass
class Ack:
    slot: int
    seq: int
    response: Any


@dataclass
class Taker:
    """A learner with an attempt in progress, as the client knows it."""

    learner: qb.Learner
    deadline: datetime
    started_mono: float  # client clock when the attempt's start answered
    acks: list[Ack] = field(default_factory=list)
    next_seq: int = 1


def start_all(port: int, quiz_id: int, learners: list[qb.Learner]) -> list[Taker]:
    """Every learner starts the final test (concurrently); returns their attempts."""
    client, phase = qb.Client(port), qb.Phase("start")
    takers: list[Taker] = []
    lock = threading.Lock()

    def start(learner: qb.Learner) -> None:
        _status, data = client.call(phase, "start", "POST",
                                    f"/api/v1/quizzes/{quiz_id}/attempts",
                                    token=learner.token, ok=(200, 201))
        if data is None:
            return
        learner.attempt_id, learner.questions = data["id"], data["questions"]
        taker = Taker(learner, datetime.fromisoformat(data["deadline"]), time.monotonic())
        with lock:
            takers.append(taker)

    qb.run_jobs([lambda x=x: start(x) for x in learners], 16)
    assert not phase.errors, dict(phase.error_samples)
    assert len(takers) == len(learners)
    return sorted(takers, key=lambda t: t.learner.index)


@dataclass
class Failure:
    at: float  # time.monotonic()
    status: int | None  # None: connection error
    clean: bool
    what: str


class Autosaver:
    """One thread per learner, saving answers back to back until stopped.

    Each save goes to the next question (cycling) with the learner's next ``seq``; an
    acknowledged save (``saved: true``) is recorded with its response. A failed request is
    not retried with the same seq (a real client would, but the next save supersedes it
    anyway); it is recorded as clean when the server answered a JSON 5xx or the connection
    failed (``truncated`` lists replies cut after their status line), unclean otherwise
    (4xx, a non-JSON body, or a refusal of a new seq).
    """

    def __init__(self, port: int, takers: list[Taker], seed: int = 1) -> None:
        import random

        self.client = qb.Client(port)
        self.takers = takers
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.failures: list[Failure] = []
        self.unexpected: list[str] = []
        self.truncated: list[Failure] = []
        self.sent = 0
        self.ok_at: dict[int, list[float]] = defaultdict(list)  # learner index -> ack times
        self.phase = qb.Phase("autosave")
        self.threads: list[threading.Thread] = []
        self.rngs = {t.learner.index: random.Random(seed * 1000 + t.learner.index)
                     for t in takers}

    @property
    def acked(self) -> int:
        return sum(len(t.acks) for t in self.takers)

    def save_once(self, taker: Taker) -> bool:
        """One save; True when acknowledged."""
        questions = taker.learner.questions
        seq = taker.next_seq
        taker.next_seq += 1
        question = questions[(seq - 1) % len(questions)]
        response = qb.make_response(question, seq, self.rngs[taker.learner.index])
        status, data = self.client.call(
            self.phase, "autosave", "PUT",
            f"/api/v1/attempts/{taker.learner.attempt_id}/answers/{question['slot']}",
            token=taker.learner.token, payload={"response": response, "seq": seq},
            ok=(200, 500, 502, 503, 504))
        now = time.monotonic()
        with self.lock:
            self.sent += 1
            if status == 200 and data is not None and data.get("saved") is True \
                    and data.get("seq") == seq:
                taker.acks.append(Ack(question["slot"], seq, response))
                self.ok_at[taker.learner.index].append(now)
                return True
            if status is None:
                self.failures.append(Failure(now, None, True, "connection error"))
            elif status >= 500 and data is not None and "error" in data:
                self.failures.append(Failure(now, status, True, str(data["error"])[:120]))
            elif status == 200 and data is None:
                # The status line arrived, the body did not (fewer bytes than its
                # Content-Length): the connection died mid-reply. Clean only when the
                # server was killed; the tests check when it happened.
                failure = Failure(now, status, True, "reply cut after the status line")
                self.failures.append(failure)
                self.truncated.append(failure)
            else:
                what = f"HTTP {status}: {data!r}"[:200]
                self.failures.append(Failure(now, status, False, what))
                self.unexpected.append(what)
        return False

    def _loop(self, taker: Taker) -> None:
        while not self.stop_event.is_set():
            if not self.save_once(taker):
                self.stop_event.wait(0.05)  # a client's retry pause (pacing only)

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._loop, args=(t,), daemon=True)
                        for t in self.takers]
        for thread in self.threads:
            thread.start()

    def stop(self, timeout: float = 90.0) -> None:
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in self.threads), "autosave threads did not stop"


def check_saves(app: Any, takers: list[Taker]) -> dict[str, int]:
    """Compare ``attempt_slots`` with every acknowledged save; the counts of each finding."""
    from sqlalchemy import func, select

    from lms.extensions import db
    from lms.quizzes.attempt_models import Attempt, AttemptSlot
    from lms.quizzes.models import QuestionVersion
    from lms.quizzes.option_ids import slot_ids

    user_ids = [t.learner.user_id for t in takers]
    with app.app_context():
        try:
            attempts = db.session.execute(
                select(Attempt.user_id, func.count(Attempt.id))
                .where(Attempt.user_id.in_(user_ids)).group_by(Attempt.user_id)).all()
            attempt_ids = [t.learner.attempt_id for t in takers]
            raw = db.session.execute(
                select(AttemptSlot.attempt_id, AttemptSlot.slot, AttemptSlot.seq,
                       AttemptSlot.response, QuestionVersion.type, QuestionVersion.data)
                .join(QuestionVersion, QuestionVersion.id == AttemptSlot.question_version_id)
                .where(AttemptSlot.attempt_id.in_(attempt_ids))).all()
            # Stored answers hold the bank's keys; the clients sent the attempt's ids.
            rows = [SimpleNamespace(attempt_id=r.attempt_id, slot=r.slot, seq=r.seq,
                                    response=slot_ids(r.attempt_id, r.slot, r.type, r.data)
                                    .to_public(r.type, r.response)) for r in raw]
        finally:
            db.session.remove()
            db.engine.dispose()
    out: Counter[str] = Counter()
    per_user = dict(attempts)
    out["attempts_missing"] = sum(1 for u in user_ids if u not in per_user)
    out["attempts_duplicated"] = sum(max(0, n - 1) for n in per_user.values())
    by_attempt: dict[int, dict[int, Any]] = defaultdict(dict)
    for row in rows:
        if row.slot in by_attempt[row.attempt_id]:
            out["slot_rows_duplicated"] += 1
        by_attempt[row.attempt_id][row.slot] = row
    for taker in takers:
        stored = by_attempt.get(taker.learner.attempt_id, {})
        out["attempts_wrong_slot_count"] += len(stored) != len(taker.learner.questions)
        for ack in taker.acks:
            out["acks_checked"] += 1
            row = stored.get(ack.slot)
            if row is None or row.seq < ack.seq:
                out["acks_lost"] += 1
            elif row.seq == ack.seq and not qb.same_response(row.response, ack.response):
                out["acks_wrong_response"] += 1
            else:
                out["acks_verified"] += 1
        highest: dict[int, int] = {}
        for ack in taker.acks:
            highest[ack.slot] = max(highest.get(ack.slot, 0), ack.seq)
        for slot, row in stored.items():
            if row.seq > highest.get(slot, 0):
                out["stored_unacknowledged"] += 1  # committed, but the reply never arrived
    for key in ("attempts_missing", "attempts_duplicated", "slot_rows_duplicated",
                "attempts_wrong_slot_count", "acks_lost", "acks_wrong_response",
                "stored_unacknowledged", "acks_checked", "acks_verified"):
        out.setdefault(key, 0)
    out["slot_rows"] = len(rows)
    return dict(out)


def check_timing(port: int, takers: list[Taker]) -> dict[str, int]:
    """``GET /api/v1/attempts/<id>`` for every attempt: same deadline, time not reset."""
    client, phase = qb.Client(port), qb.Phase("get")
    out: Counter[str] = Counter()
    problems: list[str] = []
    for taker in takers:
        status, data = client.call(phase, "get", "GET",
                                   f"/api/v1/attempts/{taker.learner.attempt_id}",
                                   token=taker.learner.token)
        elapsed = time.monotonic() - taker.started_mono
        if data is None:
            problems.append(f"attempt {taker.learner.attempt_id}: HTTP {status}")
            continue
        out["get_ok"] += 1
        deadline = datetime.fromisoformat(data["deadline"])
        server_time = datetime.fromisoformat(data["server_time"])
        remaining = (deadline - server_time).total_seconds()
        if deadline != taker.deadline:
            problems.append(f"attempt {data['id']}: deadline {deadline} != {taker.deadline}")
        if data["state"] != "in_progress":
            problems.append(f"attempt {data['id']}: state {data['state']}")
        if not server_time < deadline:
            problems.append(f"attempt {data['id']}: server_time {server_time} >= deadline")
        # Remaining time went down by at least the time that passed (2 s clock slack).
        if remaining > QUIZ_TIME_LIMIT_S - elapsed + 2:
            problems.append(f"attempt {data['id']}: {remaining:.0f} s left after "
                            f"{elapsed:.0f} s: the clock was reset")
        stored = {q["slot"]: q.get("seq") for q in data["questions"]}
        for ack in taker.acks:
            if (stored.get(ack.slot) or 0) < ack.seq:
                problems.append(f"attempt {data['id']} slot {ack.slot}: GET shows seq "
                                f"{stored.get(ack.slot)} < acknowledged {ack.seq}")
    assert not problems, problems[:10]
    return dict(out)
