"""kill -9 of the whole gunicorn process group in the middle of an autosave burst.

A class starts the final test, then every learner autosaves back to back; once each has
a few acknowledged saves the master and its workers get SIGKILL together (no shutdown,
no cleanup, requests cut mid-flight). gunicorn is started again on the same database and
nothing acknowledged may be missing, the attempts keep their deadline (the clock is not
reset by a restart) and saving goes on where it stopped.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import report
from tests.faults.autosave import Autosaver, check_saves, check_timing, start_all
from tests.faults.procs import PG_ADMIN_URL, kill_group, qb, stop_gunicorn, wait_for

LEARNERS = 30
SAVES_AFTER_RESTART = 3
ACKS_BEFORE_KILL = 8


@pytest.mark.faults
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_kill9_mid_autosave_burst_loses_no_acknowledged_save(kind: str, tmp_path: Path) -> None:
    with qb.scratch_database(kind, PG_ADMIN_URL, "faults") as url:
        app, learners, _probes = qb.seed(url, LEARNERS)
        first = qb.Gunicorn(url, 2, tmp_path / "gunicorn-1.log")
        second: qb.Gunicorn | None = None
        saver: Autosaver | None = None
        try:
            first.start()
            first.wait_ready()
            assert first.proc is not None
            quiz_id = qb.discover_quiz(first.port, learners[0].token)
            takers = start_all(first.port, quiz_id, learners)

            saver = Autosaver(first.port, takers)
            saver.start()
            wait_for(lambda: all(len(t.acks) >= ACKS_BEFORE_KILL for t in takers), 60,
                     f"{ACKS_BEFORE_KILL} acknowledged saves per learner")
            # The fault: the master and both workers at once, mid-request.
            pgid = first.proc.pid
            killed_at = time.monotonic()
            os.killpg(pgid, signal.SIGKILL)
            saver.stop_event.set()  # requests in flight at the kill still finish (or fail)
            kill_group(first.proc)  # reap; wait until no process of the group is left
            saver.stop()
            acked_before = saver.acked
            cut = [f for f in saver.failures if f.at >= killed_at]
            assert not saver.unexpected, saver.unexpected[:5]
            # A reply cut mid-way (status line sent, body not) only at the kill itself.
            assert all(f.at >= killed_at for f in saver.truncated), saver.truncated

            second = qb.Gunicorn(url, 2, tmp_path / "gunicorn-2.log")
            second.start()
            second.wait_ready()
            timing = check_timing(second.port, takers)

            # Saving resumes where each learner stopped: new seqs are accepted at once.
            again = Autosaver(second.port, takers)
            qb.run_jobs([lambda t=t: [again.save_once(t) for _ in range(SAVES_AFTER_RESTART)]
                         for t in takers], 16)
            assert not again.failures, [f.what for f in again.failures[:5]]
        except BaseException:
            for server in (first, second):
                if server is not None:
                    print(f"gunicorn log tail:\n{server.log_tail()}")
            raise
        finally:
            if saver is not None:
                saver.stop_event.set()
            stop_gunicorn(first)
            stop_gunicorn(second)
        checks = check_saves(app, takers)

    report(f"kill9[{kind}]: 1 SIGKILL of the gunicorn group (master + 2 workers) after "
           f"{acked_before} acknowledged saves ({saver.sent} sent, {len(cut)} cut by the kill, "
           f"{len(saver.truncated)} of them mid-reply); "
           f"after restart: {timing['get_ok']}/{len(takers)} attempts GET with unchanged "
           f"deadline, {again.acked - acked_before} new saves acknowledged; "
           f"{checks['acks_verified']}/{checks['acks_checked']} acknowledged saves verified "
           f"in attempt_slots, {checks['stored_unacknowledged']} stored but unacknowledged, "
           f"{checks['slot_rows']} slot rows")
    assert checks["acks_lost"] == 0, checks
    assert checks["acks_wrong_response"] == 0, checks
    assert checks["attempts_missing"] == 0 and checks["attempts_duplicated"] == 0, checks
    assert checks["slot_rows_duplicated"] == 0, checks
    assert checks["attempts_wrong_slot_count"] == 0, checks
    assert checks["acks_verified"] == checks["acks_checked"] == acked_before + (
        LEARNERS * SAVES_AFTER_RESTART)
