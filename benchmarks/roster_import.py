"""Roster import at scale: a CSV of N Vietnamese learners into a fresh class.

    .venv/bin/python benchmarks/roster_import.py [--rows 10000] [--db sqlite|postgresql]
        [--profile] [--seed 1]

For each database (default: both) the script

* creates a scratch database: a SQLite file in a temp directory, or a fresh PostgreSQL
  database on ``--pg-admin-url`` that it drops at the end (as ``quiz_burst.py`` does), and
  builds the schema (Alembic, in-process) through the app factory (``TESTING``);
* creates a course and an empty class;
* writes a realistic roster CSV (UTF-8 with BOM, as Excel's "CSV UTF-8" saves it) with a
  title row above the header and N people: common family names weighted by frequency,
  middle and given names with diacritics (some four-word names, ~2 % typed in decomposed
  Unicode), ~70 % with a date of birth dd/mm/yyyy, ~60 % with a gender, ~85 % with a unit,
  ~70 % with a position, ~40 % with an email, ~30 % with a phone, ~3 % with a username;
* times the path ``lms roster import FILE --class C`` runs: ``read_roster`` (``parse_ms``),
  then the class lookup, ``import_roster`` and the commit (``import_ms``); ``total_ms`` is
  their sum (target <= 5 s). The activation-code workbook the CLI writes afterwards is
  timed apart (``details.codes_xlsx_ms``, not in the total);
* verifies: N users, N learner enrolments in the class, N activation codes, unique
  usernames, and N accounts reported created.

``details.import_statements`` counts the SQL statements of ``import_roster`` + commit
(``before_cursor_execute``). ``--profile`` runs the timed import under cProfile and prints
the top 15 lines by cumulative time to stderr (the timings are then inflated and flagged).

Progress goes to stderr. The LAST stdout line is one JSON object: with ``--db``,
``{"rows", "db", "parse_ms", "import_ms", "total_ms", "created", "checks_ok",
"targets": {"total_le_5s"}, "checks": {...}, "details": {...}}``; without it
``{"sqlite": {...}, "postgresql": {...}}``.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import pstats
import random
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from scratch import (  # benchmarks/scratch.py
    add_database_options,
    make_app,
    run_each_database,
    say,
    scratch_database,
)

CLASS_CODE = "K-ROSTER"
TARGET_TOTAL_MS = 5000

FAMILY = (("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4),
          ("Phan", 4), ("Vũ", 4), ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
          ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đinh", 1), ("Trương", 1), ("Lương", 1),
          ("Tạ", 1), ("Âu", 0.5), ("Ông", 0.5))
MIDDLE_MALE = ("Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Xuân", "Công", "Bảo", "Quang",
               "Tiến", "Mạnh", "Đình", "Trọng")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hoài", "Bích", "Kim",
                 "Mỹ", "Phương")
SECOND_MIDDLE = ("Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Kim", "Bảo", "Anh")
GIVEN_MALE = ("An", "Anh", "Bình", "Cường", "Dũng", "Duy", "Đức", "Giang", "Hải", "Hiếu",
              "Hòa", "Hùng", "Huy", "Khánh", "Khoa", "Kiên", "Long", "Minh", "Nam", "Nghĩa",
              "Phong", "Phúc", "Quân", "Quý", "Sơn", "Tài", "Thắng", "Thành", "Toàn", "Trung",
              "Trường", "Tuấn", "Tùng", "Việt", "Vinh", "Ưng")
GIVEN_FEMALE = ("Ánh", "Châu", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
                "Huyền", "Hương", "Khuê", "Lan", "Liên", "Linh", "Loan", "Mai", "Nga",
                "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm", "Thảo", "Thủy",
                "Trang", "Tuyết", "Uyên", "Vân", "Xuân", "Yến", "Ỷ")
UNITS = ("Phòng Cơ yếu, Văn phòng Tỉnh ủy Quảng Ngãi", "Ban Cơ yếu Chính phủ",
         "Cục Kỹ thuật nghiệp vụ mật mã", "Cục Quản lý mật mã dân sự và Kiểm định sản phẩm mật mã",
         "Phòng Hành chính - Tổng hợp, Sở Nội vụ Thừa Thiên Huế",
         "Văn phòng UBND tỉnh Đắk Lắk", "Học viện Kỹ thuật mật mã",
         "Phòng Cơ yếu, Công an thành phố Hà Nội", "Văn phòng Tỉnh ủy Nghệ An",
         "Bộ Chỉ huy Quân sự tỉnh Điện Biên", "Sở Thông tin và Truyền thông Cần Thơ")
POSITIONS = ("Chuyên viên", "Chuyên viên chính", "Trưởng phòng", "Phó Trưởng phòng",
             "Cán bộ cơ yếu", "Kỹ thuật viên", "Nhân viên", "Phó Chánh Văn phòng")
DOMAINS = ("bcy.gov.vn", "gmail.com", "quangngai.gov.vn", "hanoi.gov.vn", "yahoo.com.vn")
HEADER = ("STT", "Họ và tên", "Ngày sinh", "Giới tính", "Đơn vị công tác", "Chức vụ",
          "Email", "Số điện thoại", "Tên đăng nhập")


# --- the roster file -----------------------------------------------------------------------


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def roster_csv(rows: int, rng: random.Random) -> bytes:
    """A roster as an office would send it: title rows, header, N people."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["DANH SÁCH HỌC VIÊN LỚP BỒI DƯỠNG KIẾN THỨC QUẢN LÝ NHÀ NƯỚC VỀ CƠ YẾU"])
    writer.writerow(["(Kèm theo Quyết định số 123/QĐ-BCY ngày 05/03/2025)"])
    writer.writerow([])
    writer.writerow(HEADER)
    families, weights = [f for f, _ in FAMILY], [w for _, w in FAMILY]
    for i in range(1, rows + 1):
        female = rng.random() < 0.45
        family = rng.choices(families, weights=weights)[0]
        middle = rng.choice(MIDDLE_FEMALE if female else MIDDLE_MALE)
        if rng.random() < 0.15:
            middle = f"{middle} {rng.choice(SECOND_MIDDLE)}"
        given = rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
        name = f"{family} {middle} {given}" if rng.random() > 0.01 else f"{family} {given}"
        if rng.random() < 0.02:  # typed on a Mac, or pasted from a PDF
            name = unicodedata.normalize("NFD", name)
        birth = ""
        if rng.random() < 0.7:
            birth = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1965, 2001)}"
        gender = ("Nữ" if female else "Nam") if rng.random() < 0.6 else ""
        unit = rng.choice(UNITS) if rng.random() < 0.85 else ""
        position = rng.choice(POSITIONS) if rng.random() < 0.7 else ""
        email = ""
        if rng.random() < 0.4:
            local = ascii_fold(f"{given}.{family}").replace(" ", "")
            email = f"{local}{i}@{rng.choice(DOMAINS)}"
        phone = f"09{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.3 else ""
        username = f"hv{i:05d}.k74" if rng.random() < 0.03 else ""
        writer.writerow([i, name, birth, gender, unit, position, email, phone, username])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# --- one database --------------------------------------------------------------------------


def prepare(app: Any) -> None:
    from flask_migrate import upgrade

    from lms.classes.services import ClassData, create_class
    from lms.courses.models import Course
    from lms.extensions import db

    with app.app_context():
        upgrade()
        db.session.add(Course(slug="ql-co-yeu", title="Quản lý nhà nước về Cơ yếu",
                              completion_policy={"lessons": "all", "quizzes": []}))
        db.session.flush()
        create_class(ClassData(code=CLASS_CODE, name="Lớp bồi dưỡng K74",
                               course_slug="ql-co-yeu"))
        db.session.commit()
        db.session.remove()


def timed_import(app: Any, path: Path, do_profile: bool) -> dict[str, Any]:
    """The CLI's path: read the file, parse, look the class up, import, commit."""
    from sqlalchemy import event, select

    from lms.classes.codes_xlsx import codes_xlsx
    from lms.classes.models import Class
    from lms.classes.roster import import_roster
    from lms.classes.roster_io import read_roster
    from lms.extensions import db

    statements: list[str] = []
    profiler = cProfile.Profile() if do_profile else None
    with app.app_context():
        engine = db.engine

        def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        if profiler:
            profiler.enable()
        t0 = time.perf_counter()
        rows = read_roster(path.read_bytes(), path.name)
        t1 = time.perf_counter()
        event.listen(engine, "before_cursor_execute", before)
        try:
            klass = db.session.scalar(select(Class).where(Class.code == CLASS_CODE))
            report = import_roster(klass, rows, path.name, None)
            t2 = time.perf_counter()
            db.session.commit()
            t3 = time.perf_counter()
        finally:
            event.remove(engine, "before_cursor_execute", before)
        if profiler:
            profiler.disable()
        expires = report.expires_at.strftime("%d/%m/%Y") if report.expires_at else ""
        t4 = time.perf_counter()
        workbook = codes_xlsx([(a.full_name, a.username, a.code) for a in report.created],
                              expires, CLASS_CODE)
        t5 = time.perf_counter()
        db.session.remove()
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(15)
        say(f"  --- cProfile of read_roster + import_roster + commit (top 15, cumulative) ---\n"
            f"{out.getvalue()}")
    return {
        "parsed": len(rows),
        "created": [a.username for a in report.created],
        "linked": report.linked,
        "enrolled": report.enrolled,
        "parse_ms": (t1 - t0) * 1000,
        "import_ms": (t3 - t1) * 1000,
        "commit_ms": (t3 - t2) * 1000,
        "codes_xlsx_ms": (t5 - t4) * 1000,
        "codes_xlsx_kb": round(len(workbook) / 1024),
        "statements": Counter(s.split(None, 1)[0].upper() for s in statements),
    }


def verify(app: Any, n: int, created: list[str]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from lms.auth.models import User
    from lms.classes.models import ActivationCode, Class, Enrolment
    from lms.extensions import db

    with app.app_context():
        class_id = db.session.scalar(select(Class.id).where(Class.code == CLASS_CODE))
        users = db.session.scalar(select(func.count(User.id)))
        distinct = db.session.scalar(select(func.count(func.distinct(User.username))))
        enrolments = db.session.scalar(select(func.count(Enrolment.id)).where(
            Enrolment.class_id == class_id, Enrolment.role == "learner"))
        codes = db.session.scalar(select(func.count(ActivationCode.id)))
        coded_users = db.session.scalar(select(func.count(func.distinct(ActivationCode.user_id))))
        db.session.remove()
    checks = {
        "users": users, "enrolments": enrolments, "activation_codes": codes,
        "users_with_a_code": coded_users, "distinct_usernames": distinct,
        "reported_created": len(created), "reported_unique": len(set(created)),
    }
    checks["ok"] = (users == n and enrolments == n and codes == n and coded_users == n
                    and distinct == users and len(created) == n and len(set(created)) == n)
    return checks


def run_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    say(f"== {kind}: a roster of {args.rows} rows")
    rng = random.Random(args.seed)
    with (scratch_database(kind, args.pg_admin_url, "roster-import") as url,
          tempfile.TemporaryDirectory(prefix="roster-import-csv-") as tmp):
        path = Path(tmp) / "danh-sach-hoc-vien.csv"
        path.write_bytes(roster_csv(args.rows, rng))
        say(f"  wrote {path.name}: {path.stat().st_size / 1024:.0f} KB")
        app = make_app(url, "roster-import")
        try:
            prepare(app)
            timing = timed_import(app, path, args.profile)
            checks = verify(app, args.rows, timing["created"])
        finally:
            from lms.extensions import db

            with app.app_context():
                db.session.remove()
                db.engine.dispose()  # no connection of ours stays open: the DB can go
        csv_kb = round(path.stat().st_size / 1024)
    total = timing["parse_ms"] + timing["import_ms"]
    result = {
        "rows": args.rows,
        "db": kind,
        "parse_ms": round(timing["parse_ms"], 1),
        "import_ms": round(timing["import_ms"], 1),
        "total_ms": round(total, 1),
        "created": len(timing["created"]),
        "checks_ok": checks.pop("ok"),
        "targets": {"total_le_5s": total <= TARGET_TOTAL_MS},
        "checks": checks,
        "details": {
            "parsed_rows": timing["parsed"], "linked": timing["linked"],
            "enrolled": timing["enrolled"], "commit_ms": round(timing["commit_ms"], 1),
            "codes_xlsx_ms": round(timing["codes_xlsx_ms"], 1),
            "codes_xlsx_kb": timing["codes_xlsx_kb"], "csv_kb": csv_kb,
            "import_statements": sum(timing["statements"].values()),
            "import_statement_kinds": dict(timing["statements"]),
            "profiled": args.profile,
        },
    }
    say(f"  parse {result['parse_ms']} ms, import {result['import_ms']} ms, "
        f"total {result['total_ms']} ms; checks: {checks}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    add_database_options(parser)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the timed import (stderr; timings inflated)")
    parser.add_argument("--seed", type=int, default=1, help="randomness of the roster")
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= 20_000:
        parser.error("--rows must be between 1 and 20000 (read_roster's default limit)")
    return run_each_database(run_database, args)


if __name__ == "__main__":
    sys.exit(main())
