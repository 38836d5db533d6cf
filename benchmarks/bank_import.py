"""A 5,000-question bank: the course import (first, and again unchanged: the three-way
comparison's no-op) and ``lms questions import``, on a scratch database.

    .venv/bin/python benchmarks/bank_import.py [--questions 5000] [--db sqlite|postgresql]

For each database (default: both) the script copies the shipped course, adds
``questions/99-ngan-hang-lon.gift`` with N generated questions of every graded type
(Vietnamese text, a tenth in decomposed Unicode as a Mac writes it), builds the schema
and times, in process:

* ``parse_ms``: parsing that GIFT file alone, the baseline of the ratios;
* ``first_import_ms``: ``import_course`` of the course (new), commit included;
* ``reimport_ms``: the same files again: every item compared, nothing written;
* ``cli_import_ms``: ``lms questions import`` of the same file into another course (the
  command, run in process).

Progress goes to stderr. The LAST stdout line is one JSON object, per database:
``{"questions", "parse_ms", "first_import_ms", "reimport_ms", "cli_import_ms",
"ratios": {...}, "targets": {"first_import_le_10s", "cli_import_le_10s"}}``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

from scratch import add_database_options, make_app, run_each_database, say, scratch_database

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "courses" / "quan-ly-nha-nuoc-ve-co-yeu"
TARGET_MS = 10_000
WORDS = ("cơ yếu", "mật mã", "bảo vệ", "bí mật nhà nước", "quản lý", "an toàn thông tin",
         "Ban Cơ yếu Chính phủ", "pháp luật", "lực lượng", "nhiệm vụ", "chiến lược")


def _sentence(rng: random.Random, n: int = 8) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def _question(rng: random.Random, index: int) -> str:
    name, kind = f"lon-{index:05d}", rng.random()
    text = _sentence(rng) + "?"
    if kind < 0.40:
        right = rng.randrange(4)
        body = " ".join(("=" if i == right else "~") + _sentence(rng, 4) + "#" + _sentence(rng, 5)
                        for i in range(4))
    elif kind < 0.60:
        weights = rng.choice([(50, 50, -50, -50), (100, -100, -100, -100),
                              (33.33333, 33.33333, 33.33333, -100)])
        body = " ".join(f"~%{w}%{_sentence(rng, 4)}" for w in weights)
    elif kind < 0.75:
        body = rng.choice(["T", "F"]) + "#" + _sentence(rng, 4)
    elif kind < 0.85:
        body = f"={_sentence(rng, 3)} =%50%{rng.choice(WORDS)}*"
    elif kind < 0.95:
        body = f"#{rng.randint(1, 2025)}:{rng.randint(0, 3)}"
    else:
        body = " ".join(f"={_sentence(rng, 2)} {i} -> {_sentence(rng, 2)} {i}" for i in range(3))
    question = f"::{name}:: {text} {{{body}}}"
    return unicodedata.normalize("NFD", question) if index % 10 == 0 else question


def _course_with_bank(tmp: Path, n: int, seed: int) -> Path:
    root = tmp / SHIPPED.name
    shutil.copytree(SHIPPED, root)
    rng = random.Random(seed)
    bank = "$CATEGORY: $course$/top/bai-lon\n\n" + "\n\n".join(
        _question(rng, i) for i in range(1, n + 1)) + "\n"
    (root / "questions" / "99-ngan-hang-lon.gift").write_text(bank, encoding="utf-8")
    return root


def run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    from flask_migrate import upgrade

    from lms.courses.models import Course
    from lms.courses.sync import import_course
    from lms.extensions import db
    from lms.quizzes.gift import parse_gift

    say(f"{kind}: {args.questions} questions")
    with tempfile.TemporaryDirectory(prefix="bank-import-") as tmp, \
            scratch_database(kind, args.pg_admin_url, "bank-import") as url:
        root = _course_with_bank(Path(tmp), args.questions, args.seed)
        big = root / "questions" / "99-ngan-hang-lon.gift"
        app = make_app(url, "bank-import")
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            parsed = parse_gift(big.read_text(encoding="utf-8"), big.name)
            parse_ms = (time.perf_counter() - started) * 1000
            say(f"  parse: {parse_ms:.0f} ms ({len(parsed)} questions)")
            started = time.perf_counter()
            import_course(root)
            db.session.commit()
            first_ms = (time.perf_counter() - started) * 1000
            say(f"  first import: {first_ms:.0f} ms")
            started = time.perf_counter()
            report = import_course(root)
            db.session.commit()
            reimport_ms = (time.perf_counter() - started) * 1000
            changed = [line for line in report.items if not line.startswith("unchanged")]
            say(f"  re-import, unchanged: {reimport_ms:.0f} ms ({len(changed)} items changed)")
            other = Course(slug="ngan-hang-cli", title="Ngân hàng")
            db.session.add(other)
            db.session.commit()
            started = time.perf_counter()
            result = app.test_cli_runner().invoke(
                args=["questions", "import", str(big), "--course", other.slug])
            cli_ms = (time.perf_counter() - started) * 1000
            assert result.exit_code == 0, result.output
            say(f"  lms questions import: {cli_ms:.0f} ms")
            db.session.remove()
            db.engine.dispose()
    return {
        "questions": args.questions, "parse_ms": round(parse_ms), "first_import_ms":
        round(first_ms), "reimport_ms": round(reimport_ms), "cli_import_ms": round(cli_ms),
        "reimport_items_changed": len(changed),
        "ratios": {"first_import_vs_parse": round(first_ms / parse_ms, 2),
                   "reimport_vs_parse": round(reimport_ms / parse_ms, 2),
                   "cli_import_vs_parse": round(cli_ms / parse_ms, 2)},
        "targets": {"first_import_le_10s": first_ms <= TARGET_MS,
                    "cli_import_le_10s": cli_ms <= TARGET_MS},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    add_database_options(parser)
    return run_each_database(run, parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
