"""Class at scale: the class dashboard and the exports of a class of N learners.

    .venv/bin/python benchmarks/class_scale.py [--learners 1000] [--db sqlite|postgresql]
        [--runs 10] [--xlsx-runs 3] [--no-pdf] [--profile] [--seed 1]

For each database (default: both) the script

* creates a scratch database: a SQLite file in a temp directory, or a fresh PostgreSQL
  database on ``--pg-admin-url`` that it drops at the end (as ``quiz_burst.py`` does);
* builds the schema (Alembic, in-process) and seeds, in one process, through the app factory
  (``class_seed.py``: two courses of 20 lessons and 3 required quizzes, a class of N
  learners on the first and of 10 on the second, one lecturer teaching both, realistic
  progress and attempts, then ``recompute`` once per class);
* logs the lecturer in through the login form (CSRF token included) of
  ``app.test_client()`` and measures, on the same database:

  - ``GET /classes/<code>/dashboard`` of the big class: median of ``--runs`` requests after
    two warm-up requests (server time in-process: routing, queries, Jinja, charts; no
    network), and the SQL statements of one request (``before_cursor_execute``; on SQLite
    the ``BEGIN`` the app issues itself is a statement too);
  - the same statement count for the class of 10 (target: equal);
  - ``render_export(klass, "xlsx")``: median of ``--xlsx-runs`` runs, each in a fresh app
    context as the export job runs (target <= 2 s);
  - ``render_export(klass, "pdf")`` once (informational).

``--profile`` also prints, to stderr, a cProfile of one dashboard request and of one XLSX
export (top 15 lines by cumulative time).

Progress goes to stderr. The LAST stdout line is one JSON object: with ``--db``,
``{"learners", "db", "dashboard_ms_median", "dashboard_statements",
"dashboard_statements_10", "statements_equal", "xlsx_ms", "pdf_ms", "targets": {...},
"details": {...}}``; without it ``{"sqlite": {...}, "postgresql": {...}}``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from class_seed import LECTURER, PASSWORD, seed  # benchmarks/class_seed.py
from scratch import (  # benchmarks/scratch.py
    add_database_options,
    make_app,
    run_each_database,
    say,
    scratch_database,
)

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

TARGET_DASHBOARD_MS = 300
TARGET_XLSX_MS = 2000


# --- measuring -----------------------------------------------------------------------------


class StatementCounter:
    """Counts the statements sent to the database (``before_cursor_execute``) while on."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.statements: list[str] = []
        self.on = False
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.on:
            self.statements.append(statement)

    @contextlib.contextmanager
    def counting(self) -> Iterator[list[str]]:
        self.statements, self.on = [], True
        try:
            yield self.statements
        finally:
            self.on = False


def profile(label: str, fn: Callable[[], Any]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(15)
    say(f"  --- cProfile of {label} (top 15, cumulative) ---\n{out.getvalue()}")


def login(client: Any) -> None:
    page = client.get("/auth/login")
    match = CSRF_RE.search(page.get_data(as_text=True))
    if not match:
        raise RuntimeError(f"no CSRF token on the login page ({page.status_code})")
    reply = client.post("/auth/login", data={"username": LECTURER, "password": PASSWORD,
                                              "csrf_token": match.group(1)})
    if reply.status_code != 302:
        raise RuntimeError(f"login failed: HTTP {reply.status_code}")


def measure_dashboard(app: Any, classes: dict[str, Any], runs: int,
                      do_profile: bool) -> dict[str, Any]:
    from lms.extensions import db

    with app.app_context():
        counter = StatementCounter(db.engine)
    client = app.test_client()
    login(client)
    big = f"/classes/{classes['big'][1]}/dashboard"
    small = f"/classes/{classes['small'][1]}/dashboard"

    def get(url: str) -> Any:
        reply = client.get(url)
        if reply.status_code != 200:
            raise RuntimeError(f"GET {url}: HTTP {reply.status_code}")
        return reply

    for _ in range(2):  # warm-up: template compilation, caches, the pool
        get(big)
        get(small)
    counts = {}
    for name, url in (("big", big), ("small", small)):
        with counter.counting() as statements:
            get(url)
        counts[name] = list(statements)
    times, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        reply = get(big)
        times.append((time.perf_counter() - started) * 1000)
        size = len(reply.get_data())
    rows = reply.get_data(as_text=True).count('<tr class="at-risk"') + reply.get_data(
        as_text=True).count("<tr>\n    <td>")
    if do_profile:
        profile(f"GET {big}", lambda: get(big))
    return {
        "dashboard_ms_median": round(statistics.median(times), 1),
        "dashboard_statements": len(counts["big"]),
        "dashboard_statements_10": len(counts["small"]),
        "details": {
            "dashboard_ms_min": round(min(times), 1),
            "dashboard_ms_max": round(max(times), 1),
            "dashboard_runs": runs,
            "dashboard_html_kb": round(size / 1024),
            "dashboard_learner_rows": rows,
            "statement_kinds": dict(Counter(s.split(None, 1)[0].upper()
                                            for s in counts["big"])),
        },
    }


def measure_exports(app: Any, class_id: int, runs: int, with_pdf: bool,
                    do_profile: bool) -> dict[str, Any]:
    from openpyxl import load_workbook

    from lms.classes.models import Class
    from lms.extensions import db
    from lms.reports.services import render_export

    def export(fmt: str) -> tuple[float, bytes]:
        with app.app_context():  # a fresh context and session, as the export job has
            klass = db.session.get(Class, class_id)
            started = time.perf_counter()
            data = render_export(klass, fmt)
            ms = (time.perf_counter() - started) * 1000
            db.session.remove()
        return ms, data

    export("xlsx")  # warm-up (imports, caches)
    xlsx = [export("xlsx") for _ in range(runs)]
    sheet = load_workbook(io.BytesIO(xlsx[-1][1]), read_only=True).worksheets[0]
    out: dict[str, Any] = {
        "xlsx_ms": round(statistics.median(ms for ms, _ in xlsx), 1),
        "details": {"xlsx_runs_ms": [round(ms, 1) for ms, _ in xlsx],
                    "xlsx_kb": round(len(xlsx[-1][1]) / 1024),
                    "xlsx_data_rows": sum(1 for _ in sheet.iter_rows()) - 1},
    }
    if do_profile:
        profile("render_export(klass, 'xlsx')", lambda: export("xlsx"))
    if with_pdf:
        pdf_ms, pdf = export("pdf")
        out["pdf_ms"] = round(pdf_ms, 1)
        out["details"]["pdf_kb"] = round(len(pdf) / 1024)
    else:
        out["pdf_ms"] = None
    return out


def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    say(f"== {kind}: a class of {args.learners} learners")
    with scratch_database(kind, args.pg_admin_url, "class-scale") as url:
        app = make_app(url, "class-scale")
        try:
            classes = seed(app, args.learners, args.seed)
            dashboard = measure_dashboard(app, classes, args.runs, args.profile)
            say(f"  dashboard: median {dashboard['dashboard_ms_median']} ms, "
                f"{dashboard['dashboard_statements']} statements "
                f"(class of 10: {dashboard['dashboard_statements_10']})")
            exports = measure_exports(app, classes["big"][0], args.xlsx_runs, not args.no_pdf,
                                      args.profile)
            say(f"  exports: xlsx {exports['xlsx_ms']} ms, pdf {exports['pdf_ms']} ms")
        finally:
            from lms.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()  # no connection of ours stays open: the DB can go
    equal = dashboard["dashboard_statements"] == dashboard["dashboard_statements_10"]
    result = {
        "learners": args.learners,
        "db": kind,
        "dashboard_ms_median": dashboard["dashboard_ms_median"],
        "dashboard_statements": dashboard["dashboard_statements"],
        "dashboard_statements_10": dashboard["dashboard_statements_10"],
        "statements_equal": equal,
        "xlsx_ms": exports["xlsx_ms"],
        "pdf_ms": exports["pdf_ms"],
        "targets": {
            "dashboard_le_300ms": dashboard["dashboard_ms_median"] <= TARGET_DASHBOARD_MS,
            "statements_equal": equal,
            "xlsx_le_2s": exports["xlsx_ms"] <= TARGET_XLSX_MS,
        },
        "details": {"seed_s": classes["seed_s"], "statuses": classes["statuses"],
                    **dashboard["details"], **exports["details"]},
    }
    say(f"  targets: {result['targets']}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    add_database_options(parser)
    parser.add_argument("--runs", type=int, default=10, help="timed dashboard requests")
    parser.add_argument("--xlsx-runs", type=int, default=3, help="timed XLSX exports")
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF export")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile one dashboard request and one XLSX export (stderr)")
    parser.add_argument("--seed", type=int, default=1, help="randomness of the fixture")
    args = parser.parse_args(argv)
    if args.learners < 1 or args.runs < 1 or args.xlsx_runs < 1:
        parser.error("--learners, --runs and --xlsx-runs must be positive")
    return run_each_database(run_database, args)


if __name__ == "__main__":
    sys.exit(main())
