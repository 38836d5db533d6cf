"""The database drops every connection of the app while learners autosave (PostgreSQL).

``pg_terminate_backend`` on every backend of the app's database is what a PostgreSQL
restart or failover looks like from the app: pooled connections die, idle or mid-query.
Requests caught in the cut may fail, but cleanly (a JSON 5xx or a connection error); the
app must recover without a restart (``pool_pre_ping``: a dead pooled connection is
replaced at checkout) and no acknowledged save may be lost.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import report
from tests.faults.autosave import Autosaver, check_saves, check_timing, start_all
from tests.faults.procs import PG_ADMIN_URL, children_of, qb, running_gunicorn, wait_for

LEARNERS = 30
CUTS = 2
RECOVERY_S = 5.0  # every client must get a 200 again within this after a cut
ACKS_BETWEEN_CUTS = 3  # per learner, before each cut


def terminate_backends(database: str) -> int:
    """Kill every other backend connected to ``database``; how many were killed."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (database,)).fetchall()
    return sum(1 for (ok,) in rows if ok)


@pytest.mark.faults
def test_connections_cut_twice_app_recovers_and_keeps_every_save(tmp_path: Path) -> None:
    with qb.scratch_database("postgresql", PG_ADMIN_URL, "faults") as url:
        database = make_url(url).database
        assert database
        app, learners, _probes = qb.seed(url, LEARNERS)
        saver: Autosaver | None = None
        cuts: list[dict[str, float]] = []
        try:
            with running_gunicorn(url, tmp_path, "gunicorn") as server:
                quiz_id = qb.discover_quiz(server.port, learners[0].token)
                takers = start_all(server.port, quiz_id, learners)
                assert server.proc is not None
                workers_before = children_of(server.proc.pid)
                saver = Autosaver(server.port, takers)
                saver.start()
                for _ in range(CUTS):
                    floor = {t.learner.index: len(t.acks) for t in takers}
                    wait_for(lambda floor=floor: all(
                        len(t.acks) >= floor[t.learner.index] + ACKS_BETWEEN_CUTS
                        for t in takers), 60, "saves acknowledged before the cut")
                    cut_at = time.monotonic()
                    killed = terminate_backends(database)
                    assert killed > 0, "no backend of the app to terminate"

                    def recovered(cut_at: float = cut_at) -> bool:
                        return all(any(at > cut_at for at in saver.ok_at[t.learner.index])
                                   for t in takers)

                    wait_for(recovered, 30, "every client acknowledged again after the cut")
                    last_first_ok = max(
                        min(at for at in saver.ok_at[t.learner.index] if at > cut_at)
                        for t in takers) - cut_at
                    cuts.append({"backends": killed, "all_ok_after_s": last_first_ok})
                saver.stop()
                timing = check_timing(server.port, takers)
                workers_after = children_of(server.proc.pid)
        finally:
            if saver is not None:
                saver.stop_event.set()
        checks = check_saves(app, takers)

    failures = saver.failures
    statuses = sorted({f"{f.status or 'conn'}" for f in failures})
    samples = sorted({f.what for f in failures})[:3]
    report(f"db_restart[postgresql]: {CUTS} cuts (pg_terminate_backend) killing "
           f"{[c['backends'] for c in cuts]} backends; every client got 200 again "
           f"{[round(c['all_ok_after_s'], 2) for c in cuts]} s after each cut; "
           f"{saver.sent} saves sent, {saver.acked} acknowledged, {len(failures)} failed "
           f"({', '.join(statuses) or 'none'}: {samples}; unclean {len(saver.unexpected)}); "
           f"gunicorn workers unchanged: {workers_after == workers_before}; "
           f"{timing['get_ok']}/{len(takers)} attempts GET ok; "
           f"{checks['acks_verified']}/{checks['acks_checked']} acknowledged saves verified, "
           f"{checks['stored_unacknowledged']} stored but unacknowledged")
    assert not saver.unexpected, saver.unexpected[:5]
    assert not saver.truncated, "a reply was cut although no process died"
    # Recovered in place: the same gunicorn workers, none crashed or recycled.
    assert len(workers_before) == 2 and workers_after == workers_before
    assert all(c["all_ok_after_s"] <= RECOVERY_S for c in cuts), cuts
    assert checks["acks_lost"] == 0 and checks["acks_wrong_response"] == 0, checks
    assert checks["attempts_missing"] == 0 and checks["attempts_duplicated"] == 0, checks
    assert checks["slot_rows_duplicated"] == 0, checks
    assert checks["attempts_wrong_slot_count"] == 0, checks
    assert checks["acks_verified"] == checks["acks_checked"] == saver.acked
