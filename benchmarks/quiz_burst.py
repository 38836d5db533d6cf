"""Quiz burst: a class starts, autosaves and submits the final test at once.

    .venv/bin/python benchmarks/quiz_burst.py [--learners 200] [--db sqlite|postgresql]
        [--answers 30] [--workers 2] [--concurrency 32] [--seed 1]

For each database (default: both; ``--db`` may be repeated) the script

* creates a scratch database: a SQLite file (WAL, as the app configures it) in a temp
  directory, or a fresh PostgreSQL database on ``--pg-admin-url`` that it drops at the end;
* builds the schema (Alembic, in-process), imports the shipped course from ``courses/``
  and seeds N learners enrolled in one class, each with an API token, in ONE process
  through the app factory and the services (fast password hashing, for seeding only);
* serves the app exactly as in production: ``gunicorn -w WORKERS wsgi:app`` with
  ``LMS_ENV=production``, on a free port of 127.0.0.1;
* runs four phases with ``--concurrency`` concurrent clients (closed loop: a client
  sends its next request as soon as the previous answer arrived):

  1. ``start``    every learner starts ``kiem-tra-cuoi-khoa``; ~10 % double-click (two
                  concurrent POSTs, which must return the same attempt);
  2. ``autosave`` every learner saves ``--answers`` answers, cycling over the 20 slots with
                  an increasing ``seq``; responses are built from the question payload.
                  ~10 % of learners send, for up to 3 slots, the older save *after* the newer
                  one (the guard must answer ``saved: false``) and another ~10 % send two
                  saves of one slot concurrently (a race; the newest must win);
  3. ``submit``   every learner submits; ~10 % submit twice concurrently;
  4. ``bare``     as many ``GET /healthz`` (one ``SELECT 1``) as autosave sent, same
                  clients, same concurrency, same server: the ceiling of this stack;

* stops gunicorn, then checks the database: one attempt per learner, 20 slot rows per
  attempt, every slot holding the highest ``seq`` the client was acknowledged
  (``saved: true``) with that save's response (``lost`` otherwise), every attempt finished
  with a score;
* probes the hot path in-process (Flask test client, same config, no contention): the
  SQL statements each endpoint issues and its single-request service time.

Human-readable progress goes to stderr; the LAST stdout line is one JSON object
``{"learners", ..., "db": {"sqlite": {...}, "postgresql": {...}}}``; each database has,
per phase, ``{"requests", "throughput_rps", "p50_ms", "p95_ms", "p99_ms", "errors", ...}``,
plus ``lost_answers``, ``duplicated_answers``, ``duplicate_attempts``,
``unscored_attempts``, ``autosave_vs_bare`` and ``targets`` (0 errors, 0 lost/duplicated,
autosave_vs_bare >= 0.30, autosave p99 <= 100 ms).

Reading the numbers: the load is closed-loop, so by Little's law the mean latency is about
``concurrency / throughput`` (``queue_bound_ms`` in the JSON). With 2 sync workers most of
a request's latency at 32 clients is time in gunicorn's listen queue, so the p99 target is
in practice a throughput target. Each phase also reports the CPU seconds of the client, of
gunicorn (master + workers), of PostgreSQL (the postmaster and its backends) and
``foreign_s``, everything else on the machine. This shows whether the 2 cores were saturated
and how much the load generator took. The machine is shared, so before each database the
script also samples how busy the machine is for a second (``machine_busy_pct_before``, a
warning above 10 %). A database is flagged ``"disturbed": true`` (with a warning on stderr)
when any phase shows foreign work above 10 % of the machine: its numbers are then not
trustworthy; rerun.

The load generator is a stdlib HTTP client on blocking sockets in threads;
``burst_client.py`` says why (rather than wrk, Locust or asyncio).

This script parses the options and runs each database; the rest lives next to it, by
concept: ``burst_client.py`` (the HTTP client, latency statistics, the closed loop),
``burst_server.py`` (gunicorn, CPU accounting), ``burst_scenario.py`` (learners and the
four phases), ``burst_seed.py`` (seeding, the database checks, the in-process probe) and
``scratch.py`` (scratch databases, shared with the other benchmarks). The fault-injection
tests (``tests/faults``) import this module and use those names through it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The ``name as name`` imports are re-exports: tests/faults use them as ``qb.<name>``.
from burst_client import Client, Phase
from burst_client import run_jobs as run_jobs
from burst_scenario import Learner as Learner
from burst_scenario import Scenario, make_response
from burst_scenario import same_response as same_response
from burst_seed import COURSE, probe_hot_path, seed, verify
from burst_server import CpuMeter, Gunicorn, machine_busy_pct_over
from burst_server import _environ as _environ
from burst_server import free_port as free_port
from scratch import DEFAULT_PG_ADMIN, say, scratch_database  # benchmarks/scratch.py

QUIZ = "kiem-tra-cuoi-khoa"


# --- one database ------------------------------------------------------------------------


def discover_quiz(port: int, token: str) -> int:
    phase = Phase("setup")
    _, quizzes = Client(port).call(
        phase, "quizzes", "GET", f"/api/v1/courses/{COURSE}/quizzes", token=token
    )
    if not quizzes:
        raise RuntimeError(f"could not list the quizzes: {dict(phase.error_samples)}")
    return next(q["id"] for q in quizzes if q["slug"] == QUIZ)


def warm_up(port: int, quiz_id: int, token: str, workers: int) -> None:
    """Let every worker serve each route once (lazy imports, pools), untimed."""
    client, phase = Client(port), Phase("warm-up")
    for _ in range(10 * workers):
        client.call(phase, "healthz", "GET", "/healthz")
    _, attempt = client.call(
        phase, "start", "POST", f"/api/v1/quizzes/{quiz_id}/attempts", token=token, ok=(200, 201)
    )
    if attempt:
        q = attempt["questions"][0]
        rng = random.Random(0)
        for seq in range(1, 4 * workers + 1):
            client.call(
                phase,
                "autosave",
                "PUT",
                f"/api/v1/attempts/{attempt['id']}/answers/{q['slot']}",
                token=token,
                payload={"response": make_response(q, seq, rng), "seq": seq},
            )
    if phase.errors:
        say(f"  warm-up errors: {dict(phase.error_samples)}")


def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    idle_busy = machine_busy_pct_over(1.0)
    if idle_busy > 10:
        say(f"WARNING: the machine is already {idle_busy:.0f}% busy before the {kind} run")
    say(
        f"== {kind}: {args.learners} learners, {args.answers} answers each, "
        f"{args.workers} gunicorn workers, {args.concurrency} concurrent clients"
    )
    with (
        scratch_database(kind, args.pg_admin_url, "quiz-burst") as url,
        tempfile.TemporaryDirectory(prefix="quiz-burst-log-") as logdir,
    ):
        app, learners, probes = seed(url, args.learners)
        pick = random.Random(args.seed)
        for learner in learners:  # disjoint groups for out-of-order saves and races
            learner.double_start = pick.random() < 0.10
            learner.double_submit = pick.random() < 0.10
            roll = pick.random()
            learner.out_of_order, learner.race = roll < 0.10, 0.10 <= roll < 0.20
        server = Gunicorn(url, args.workers, Path(logdir) / "gunicorn.log")
        try:
            server.start()
            assert server.proc is not None
            server.wait_ready()
            say(f"  gunicorn pid {server.proc.pid} on 127.0.0.1:{server.port}")
            quiz_id = discover_quiz(server.port, learners[0].token)
            warm_up(server.port, quiz_id, probes["probe1"][1], args.workers)
            scenario = Scenario(
                Client(server.port), learners, quiz_id, args, CpuMeter(server.proc.pid)
            )
            scenario.run()
        except BaseException:
            say(f"  gunicorn log tail:\n{server.log_tail()}")
            raise
        finally:
            server.stop()
        checks = verify(app, learners, quiz_id)
        say(f"  verification: {checks}")
        hot_path = probe_hot_path(app, quiz_id, probes)
        say(f"  hot path (in-process): {hot_path}")
    phases = {name: p.summary(args.concurrency) for name, p in scenario.phases.items()}
    bare_rps = phases["bare"]["throughput_rps"]
    ratio = round(phases["autosave"]["throughput_rps"] / bare_rps, 3) if bare_rps else None
    errors = sum(p["errors"] for p in phases.values())
    t = scenario.tally
    targets = {
        "zero_errors": errors == 0,
        "zero_lost_duplicated": checks["lost_answers"] == 0
        and checks["duplicated_answers"] == 0
        and checks["duplicate_attempts"] == 0,
        "autosave_vs_bare_ge_0_30": ratio is not None and ratio >= 0.30,
        "autosave_p99_le_100ms": (phases["autosave"]["p99_ms"] or math.inf) <= 100,
    }
    targets["all_met"] = all(targets.values())
    say(f"  targets: {targets}")
    capacity = os.cpu_count() or 1
    foreign = {
        name: round(p["cpu"]["foreign_s"] / (p["seconds"] * capacity), 3) if p["seconds"] else 0
        for name, p in phases.items()
    }
    disturbed = any(share > 0.10 for share in foreign.values())
    if disturbed:
        say(
            f"  WARNING: other work on the machine disturbed this run (foreign CPU share per "
            f"phase: {foreign}); rerun on a quiet machine"
        )
    return {
        **phases,
        "lost_answers": checks["lost_answers"],
        "duplicated_answers": checks["duplicated_answers"],
        "duplicate_attempts": checks["duplicate_attempts"],
        "unscored_attempts": checks["unscored_attempts"],
        "autosave_vs_bare": ratio,
        "targets": targets,
        "checks": checks
        | {
            "start_created_201": t.start_created,
            "start_existing_200": t.start_existing,
            "start_id_mismatch": t.start_id_mismatch,
            "saves_sent": t.saves_sent,
            "saves_acked": t.saves_acked,
            "out_of_order_sent": t.late_sent,
            "out_of_order_refused": t.late_refused,
            "out_of_order_accepted": t.late_accepted,
            "race_pairs": t.race_pairs,
            "unexpected_refusals": t.unexpected_refusals,
            "seq_echo_mismatch": t.seq_echo_mismatch,
            "submit_not_finished": t.submit_not_finished,
            "submit_inconsistent": t.submit_inconsistent,
        },
        "hot_path": hot_path,
        "machine_busy_pct_before": round(idle_busy, 1),
        "foreign_cpu_share": foreign,
        "disturbed": disturbed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument(
        "--db",
        action="append",
        choices=("sqlite", "postgresql"),
        help="database to test (repeatable; default: both)",
    )
    parser.add_argument("--answers", type=int, default=30, help="saves per learner")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=1, help="randomness of the scenario")
    parser.add_argument(
        "--pg-admin-url", default=DEFAULT_PG_ADMIN, help="libpq URL allowed to CREATE/DROP DATABASE"
    )
    args = parser.parse_args(argv)
    if args.learners < 1 or args.answers < 1 or args.concurrency < 1 or args.workers < 1:
        parser.error("--learners, --answers, --workers and --concurrency must be positive")

    def on_sigterm(*_: Any) -> None:
        raise SystemExit(143)  # unwinds through the finally blocks: server stopped, DB dropped

    signal.signal(signal.SIGTERM, on_sigterm)
    started = time.perf_counter()
    results = {
        kind: run_database(kind, args)
        for kind in dict.fromkeys(args.db or ["sqlite", "postgresql"])
    }
    say(f"done in {time.perf_counter() - started:.0f} s")
    print(
        json.dumps(
            {
                "learners": args.learners,
                "answers": args.answers,
                "workers": args.workers,
                "concurrency": args.concurrency,
                "cpus": os.cpu_count(),
                "db": results,
                "targets_met": all(r["targets"]["all_met"] for r in results.values()),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
