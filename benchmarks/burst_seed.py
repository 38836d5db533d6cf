"""The in-process side of quiz_burst.py: seeding, the database checks, the hot-path probe.

All three go through the app factory on the scratch database, in this process, while
gunicorn is not running: :func:`seed` builds the schema, imports the shipped course and
enrols N learners with API tokens; :func:`verify` compares the database with what the
clients were acknowledged; :func:`probe_hot_path` counts the SQL statements per endpoint and
times single requests with the Flask test client.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from burst_scenario import Learner, make_response, same_response
from burst_server import ROOT, _environ
from scratch import say  # benchmarks/scratch.py

COURSE = "quan-ly-nha-nuoc-ve-co-yeu"
CLASS_CODE = "BENCH-BURST"


def seed(url: str, n: int) -> tuple[Any, list[Learner], dict[str, tuple[int, str]]]:
    """Schema, course, class, N learners with tokens (+2 probe learners), in one process."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.services import create_token
    from lms.classes.services import ClassData, create_class, enrol
    from lms.courses.sync import import_course
    from lms.extensions import db
    from lms.users.services import UserData, create_user

    app = create_app(config={"LMS_PASSWORD_HASH_FAST": True}, environ=_environ(url))
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        import_course(ROOT / "courses" / COURSE)
        klass = create_class(
            ClassData(code=CLASS_CODE, name="Lớp đo tải bài kiểm tra", course_slug=COURSE)
        )
        learners, probes = [], {}
        for i in range(n + 2):
            name = f"hv{i:04d}" if i < n else f"probe{i - n}"
            user = create_user(
                name, "mat-khau-do-tai", UserData(full_name=f"Học viên {i:04d}", unit="Ban Cơ yếu")
            )
            enrol(klass, user)
            _, token = create_token(user, "quiz-burst")
            if i < n:
                learners.append(Learner(index=i, user_id=user.id, token=token))
            else:
                probes[name] = (user.id, token)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # no connection of ours stays open while the server runs
    say(f"  seeded course + {n} learners in {time.perf_counter() - started:.1f} s")
    return app, learners, probes


def verify(app: Any, learners: list[Learner], quiz_id: int) -> dict[str, Any]:
    """Compare the database with what the clients were acknowledged."""
    from sqlalchemy import select

    from lms.extensions import db
    from lms.quizzes.attempt_models import Attempt, AttemptSlot
    from lms.quizzes.models import QuestionVersion
    from lms.quizzes.option_ids import slot_ids

    with app.app_context():
        user_ids = [x.user_id for x in learners]
        attempts = db.session.execute(
            select(Attempt.id, Attempt.user_id, Attempt.state, Attempt.score10).where(
                Attempt.quiz_id == quiz_id, Attempt.user_id.in_(user_ids)
            )
        ).all()
        raw = db.session.execute(
            select(
                AttemptSlot.attempt_id, AttemptSlot.slot, AttemptSlot.seq, AttemptSlot.response,
                QuestionVersion.type, QuestionVersion.data,
            )
            .join(QuestionVersion, QuestionVersion.id == AttemptSlot.question_version_id)
            .where(AttemptSlot.attempt_id.in_([a.id for a in attempts]))
        ).all()
        # Stored answers hold the bank's keys; clients sent the attempt's opaque ids.
        rows = [
            SimpleNamespace(
                attempt_id=r.attempt_id, slot=r.slot, seq=r.seq,
                response=slot_ids(r.attempt_id, r.slot, r.type, r.data).to_public(
                    r.type, r.response),
            )
            for r in raw
        ]
        db.session.remove()
        db.engine.dispose()
    by_user: dict[int, list[Any]] = defaultdict(list)
    for a in attempts:
        by_user[a.user_id].append(a)
    slots_of: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        slots_of[r.attempt_id].append(r)
    out = Counter()
    for learner in learners:
        mine = by_user.get(learner.user_id, [])
        out["duplicate_attempts"] += max(0, len(mine) - 1)
        out["missing_attempts"] += not mine
        out["unscored_attempts"] += sum(
            1 for a in mine if a.state != "finished" or a.score10 is None
        )
        for a in mine:
            stored = slots_of.get(a.id, [])
            expected_slots = len(learner.questions) or 20
            distinct = {r.slot for r in stored}
            out["duplicated_answers"] += len(stored) - len(distinct)
            out["duplicated_answers"] += sum(1 for s in distinct if not 1 <= s <= expected_slots)
            out["attempts_with_wrong_slot_count"] += len(stored) != expected_slots
        if learner.attempt_id is None:
            continue
        stored_by_slot = {r.slot: r for r in slots_of.get(learner.attempt_id, [])}
        for slot, (seq, response) in learner.acked.items():
            row = stored_by_slot.get(slot)
            if row is None or row.seq != seq or not same_response(row.response, response):
                out["lost_answers"] += 1
        for slot, row in stored_by_slot.items():
            if row.seq > learner.acked.get(slot, (0, None))[0]:
                out["stored_unacknowledged"] += 1  # committed although the client saw an error
    keys = (
        "lost_answers",
        "duplicated_answers",
        "duplicate_attempts",
        "unscored_attempts",
        "missing_attempts",
        "attempts_with_wrong_slot_count",
        "stored_unacknowledged",
    )
    return {k: out[k] for k in keys} | {
        "attempts_in_db": len(attempts),
        "slot_rows_in_db": len(rows),
    }


def probe_hot_path(app: Any, quiz_id: int, probes: dict[str, tuple[int, str]]) -> dict[str, Any]:
    """SQL statements per endpoint and single-request service time, in-process."""
    from sqlalchemy import event

    from lms.extensions import db

    _, token = probes["probe0"]
    auth = {"Authorization": f"Bearer {token}"}
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
        dialect = engine.dialect

        def on_execute(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
            statements.append(
                " ".join(statement.split()[:2]).upper()
                if statement.upper().startswith("BEGIN")
                else statement.split(None, 1)[0].upper()
            )

        def on_begin(conn: Any) -> None:
            if dialect.name != "sqlite":  # SQLite's BEGIN is a statement seen above
                statements.append("BEGIN")

        original_ping = dialect.do_ping

        def counting_ping(dbapi_connection: Any) -> bool:
            statements.append("PING")
            return original_ping(dbapi_connection)

        event.listen(engine, "before_cursor_execute", on_execute)
        event.listen(engine, "begin", on_begin)
        event.listen(engine, "commit", lambda _c: statements.append("COMMIT"))
        event.listen(engine, "rollback", lambda _c: statements.append("ROLLBACK"))
        dialect.do_ping = counting_ping  # type: ignore[method-assign]
    client = app.test_client()

    def traced(fn: Callable[[], Any]) -> tuple[Any, str]:
        """The reply, and the statements as one line: "BEGIN SELECT×3 COMMIT | BEGIN ..."."""
        statements.clear()
        reply = fn()
        words: list[str] = []
        for kind in statements:
            if words and words[-1].split("×")[0] == kind and kind != "PING":
                head, _, n = words[-1].partition("×")
                words[-1] = f"{head}×{int(n or 1) + 1}"
            else:
                words.append(("| " if kind == "PING" and words else "") + kind)
        line = " ".join(words)
        for end in ("COMMIT ", "ROLLBACK "):  # one transaction per segment
            line = line.replace(end + "BEGIN", end + "| BEGIN").replace(end + "| | ", end + "| ")
        return reply, line

    result: dict[str, Any] = {
        "pool_pre_ping": bool(app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping"))
    }
    client.get("/healthz")  # warm the pool
    _, result["healthz"] = traced(lambda: client.get("/healthz"))
    reply, result["start_new"] = traced(
        lambda: client.post(f"/api/v1/quizzes/{quiz_id}/attempts", headers=auth)
    )
    attempt = reply.get_json()
    question = attempt["questions"][0]
    rng = random.Random(0)
    put = f"/api/v1/attempts/{attempt['id']}/answers/{question['slot']}"
    _, result["autosave"] = traced(
        lambda: client.put(
            put, headers=auth, json={"response": make_response(question, 1, rng), "seq": 1}
        )
    )
    _, result["autosave_refused_older"] = traced(
        lambda: client.put(
            put, headers=auth, json={"response": make_response(question, 1, rng), "seq": 1}
        )
    )

    def median_ms(fn: Callable[[], Any], n: int = 60) -> float:
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        return round(statistics.median(times), 2)

    seqs = iter(range(2, 10**6))
    result["inprocess_median_ms"] = {
        "healthz": median_ms(lambda: client.get("/healthz")),
        "autosave": median_ms(
            lambda: client.put(
                put,
                headers=auth,
                json={"response": make_response(question, 2, rng), "seq": next(seqs)},
            )
        ),
    }
    _, result["submit"] = traced(
        lambda: client.post(f"/api/v1/attempts/{attempt['id']}/submit", headers=auth)
    )
    with app.app_context():
        dialect.do_ping = original_ping  # type: ignore[method-assign]
        db.session.remove()
        db.engine.dispose()
    return result
