"""SIGKILL of ``lms worker`` in the middle of a bulk certificate issue.

A class of learners who completed the course; the lecturer starts a bulk issue (an
``IssueRun`` and a real Huey job on a dedicated Redis database); ``lms worker`` picks it
up and, once the first chunk is committed (``0 < done < total``), is killed with SIGKILL.
A new worker is started; the job died with the old one (Huey dequeues before running), so
a run left in ``running`` is queued again, which must issue the rest: in the end every
learner holds exactly one valid, signed certificate, no serial is shared, no certificate
lacks its PDF.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import report
from tests.faults.procs import PG_ADMIN_URL, ROOT, kill_group, qb, wait_for

LEARNERS = 60
CLASS_CODE = "FAULT-K1"


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``lms worker`` in its own process group, with exactly ``env`` for its LMS_* vars."""
    exe = Path(sys.executable).with_name("lms")
    full = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")} | env
    with log.open("ab") as out:
        return subprocess.Popen([str(exe), "worker", "--workers", "1"], cwd=ROOT, env=full,
                                stdout=out, stderr=out, stdin=subprocess.DEVNULL,
                                start_new_session=True)


def run_state(app: Any, run_id: int) -> tuple[str, int, int, int, str]:
    """(status, done, total, issued, error) of the run, read afresh."""
    from sqlalchemy import select

    from lms.certificates.models import IssueRun
    from lms.extensions import db

    with app.app_context():
        try:
            row = db.session.execute(select(
                IssueRun.status, IssueRun.done, IssueRun.total, IssueRun.issued,
                IssueRun.error).where(IssueRun.id == run_id)).one()
            return tuple(row)  # type: ignore[return-value]
        finally:
            db.session.remove()


def state_if(app: Any, run_id: int, condition: Any) -> tuple[str, int, int, int, str] | None:
    """The run's state when ``condition(state)`` holds, else None (for polling)."""
    state = run_state(app, run_id)
    return state if condition(state) else None


def valid_count(app: Any, class_id: int) -> int:
    from sqlalchemy import func, select

    from lms.certificates.models import Certificate
    from lms.extensions import db

    with app.app_context():
        try:
            return db.session.scalar(select(func.count(Certificate.id)).where(
                Certificate.class_id == class_id, Certificate.status == "valid")) or 0
        finally:
            db.session.remove()


@pytest.mark.faults
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_worker_killed_mid_run_every_learner_gets_one_certificate(
        kind: str, tmp_path: Path, private_redis: str) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from lms import create_app
    from lms.certificates.models import Certificate, CertificateEvent, SerialCounter
    from lms.certificates.signer import generate_demo_keys
    from lms.certificates.tasks import run_issue, start_run
    from lms.certificates.verification import verify_pdf
    from lms.extensions import db
    from lms.jobs import huey
    from tests.certificates.conftest import completed_class

    key, cert = generate_demo_keys(tmp_path / "keys")
    workers: list[subprocess.Popen[bytes]] = []
    log = tmp_path / "worker.log"
    with qb.scratch_database(kind, PG_ADMIN_URL, "faults") as url:
        env = qb._environ(url) | {"LMS_REDIS_URL": private_redis,
                                  "LMS_SIGNING_KEY": str(key),
                                  "LMS_SIGNING_CERT": str(cert),
                                  # production issues only towards a public address
                                  "LMS_BASE_URL": "https://coyeu-faults.test"}
        # Production settings (TESTING off): jobs go to the Redis queue, not inline.
        app = create_app(config={"LMS_PASSWORD_HASH_FAST": True}, environ=env)
        assert not huey.immediate and type(huey.storage).__name__ == "RedisStorage"
        with app.app_context():
            upgrade()
            klass, learners = completed_class(LEARNERS, CLASS_CODE, mode="manual")
            db.session.commit()
            class_id, user_ids = klass.id, sorted(u.id for u in learners)
            run_id = start_run(klass, None).id
            db.session.commit()  # the job is queued on commit
            db.session.remove()
        assert huey.pending_count() == 1
        try:
            workers.append(start_worker(env, log))
            status, done, total, *_ = wait_for(
                lambda: state_if(app, run_id, lambda s: s[0] in ("done", "failed")
                                 or 0 < s[1] < s[2]), 180, "the first chunk of the run")
            assert status == "running" and 0 < done < total == LEARNERS, (
                f"the run ended before the fault could be injected: {status} {done}/{total}"
                f"\n{log.read_text(errors='replace')[-3000:]}")
            # The fault: the worker dies mid-run, between two chunks' commits.
            kill_group(workers[-1], signal.SIGKILL)
            issued_before = valid_count(app, class_id)
            after_kill = run_state(app, run_id)
            pending_after_kill = [t.name for t in huey.pending()]

            workers.append(start_worker(env, log))
            wait_for(lambda: log.read_text(errors="replace").count("lms worker:") >= 2,
                     60, "the second worker to start")
            # The queue may hold other jobs (the consumer enqueues its periodic tasks);
            # what matters is whether this run's job is still there.
            queued = [t for t in huey.pending() if t.name == run_issue.name]
            stuck = run_state(app, run_id)[0] == "running" and not any(
                tuple(t.args) == (run_id,) for t in queued)
            if stuck:  # the job died with the worker: queue the same run again
                run_issue(run_id)
            final = wait_for(
                lambda: state_if(app, run_id, lambda s: s[0] in ("done", "failed")),
                120, "the run to finish after the restart")
        except BaseException:
            print(f"worker log tail:\n{log.read_text(errors='replace')[-4000:]}")
            raise
        finally:
            for worker in workers:
                kill_group(worker, signal.SIGKILL)
        assert final[0] == "done", (final, log.read_text(errors="replace")[-3000:])

        trusted = Path(cert).read_bytes()
        with app.app_context():
            try:
                certificates = db.session.scalars(select(Certificate).where(
                    Certificate.class_id == class_id)).all()
                rows = [(c.user_id, c.status, c.serial, c.code, c.pdf, c.pdf_sha256, c.id)
                        for c in certificates]
                events = Counter(db.session.scalars(select(
                    CertificateEvent.certificate_id).where(
                        CertificateEvent.action == "issue")).all())
                serials_taken = db.session.scalar(select(SerialCounter.last)) or 0
            finally:
                db.session.remove()
                db.engine.dispose()

    valid = [r for r in rows if r[1] == "valid"]
    per_user = Counter(r[0] for r in valid)
    serials = [r[2] for r in rows]
    no_pdf = [r[2] for r in rows if not r[4] or not r[4].startswith(b"%PDF")]
    bad_hash = [r[2] for r in rows if r[4] and hashlib.sha256(r[4]).hexdigest() != r[5]]
    bad_signature = [r[2] for r in valid if r[4] and not verify_pdf(r[4], trusted).valid]
    report(f"worker_death[{kind}]: 1 SIGKILL of `lms worker` at run progress "
           f"{done}/{total}; {issued_before} certificates issued before the kill "
           f"(run then {after_kill[0]!r} at {after_kill[1]}/{after_kill[2]}; queue then: "
           f"{pending_after_kill or 'empty'}); "
           f"run stuck and re-queued: {stuck}; {len(valid) - issued_before} issued after, "
           f"{len(valid)} valid in all for {LEARNERS} learners; final run progress "
           f"{final[1]}/{final[2]}, issued {final[3]}; serials reserved {serials_taken} "
           f"(gap {serials_taken - len(rows)} left by the killed chunk); "
           f"{len(valid) - len(bad_signature)}/{len(valid)} PDF signatures valid")
    assert sorted(per_user) == user_ids, "a learner has no valid certificate"
    assert set(per_user.values()) == {1}, "a learner has several valid certificates"
    assert len(rows) == LEARNERS, "certificates other than one per learner exist"
    assert len(serials) == len(set(serials)), "a serial is shared"
    assert len({r[3] for r in rows}) == len(rows), "a verification code is shared"
    assert not no_pdf and not bad_hash, (no_pdf, bad_hash)
    assert not bad_signature, bad_signature
    assert all(events[r[6]] == 1 for r in rows), "issue events do not match"
    assert 0 < issued_before < LEARNERS
