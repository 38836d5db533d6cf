"""Class at scale: the class dashboard and the exports of a class of N learners.

    .venv/bin/python benchmarks/class_scale.py [--learners 1000] [--db sqlite|postgresql]
        [--runs 10] [--xlsx-runs 3] [--no-pdf] [--profile] [--seed 1]

For each database (default: both) the script

* creates a scratch database: a SQLite file in a temp directory, or a fresh PostgreSQL
  database on ``--pg-admin-url`` that it drops at the end (as ``quiz_burst.py`` does);
* builds the schema (Alembic, in-process) and seeds, in one process, through the app factory
  (``TESTING``: fast password hashing, jobs inline):

  - two courses with 20 published lessons each (``create_lesson`` + ``publish``), a small
    question bank and 3 quizzes that the course's completion policy requires;
  - on the first course a class of N learners, on the second a class of 10, with one
    lecturer teaching both;
  - per learner, realistic progress written with bulk INSERTs (it is a fixture, not the
    code under test): ~8 % never started; the others completed the first k lessons (all 20
    for about half of them, else 1–19, the next one sometimes in progress) over the last
    weeks; ~85 % took each quiz (a finished, scored attempt; a second attempt after
    ~half of the fails, so some learners fail the class);
  - then ``recompute(klass)`` once per class fills ``class_completions``;

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
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from scratch import (  # benchmarks/scratch.py
    add_database_options,
    make_app,
    run_each_database,
    say,
    scratch_database,
)

PASSWORD = "mat-khau-do-tai-9"  # noqa: S105 (a scratch account)
LECTURER = "giangvien.bench"
LESSONS = 20
QUIZZES = (("kiem-tra-1", "Kiểm tra chương I"), ("kiem-tra-2", "Kiểm tra chương II"),
           ("kiem-tra-cuoi-khoa", "Kiểm tra cuối khóa"))
QUESTIONS_PER_QUIZ = 5
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

TARGET_DASHBOARD_MS = 300
TARGET_XLSX_MS = 2000

FAMILY = (("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4),
          ("Phan", 4), ("Vũ", 4), ("Võ", 3), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
          ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Đinh", 1), ("Trương", 1))
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Quốc", "Thanh", "Thị Thu", "Xuân",
          "Công", "Thị Ngọc", "Hoài", "Bảo", "Quang")
GIVEN = ("An", "Anh", "Ánh", "Bình", "Châu", "Cường", "Dũng", "Duy", "Đức", "Giang", "Hà",
         "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng", "Huyền", "Hương", "Khánh", "Khuê", "Lan",
         "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Nghĩa", "Ngọc", "Nhung", "Phong",
         "Phúc", "Phương", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Trang",
         "Trung", "Trường", "Tuấn", "Tuyết", "Uyên", "Vân", "Việt", "Yến", "Ỷ")
UNITS = ("Phòng Cơ yếu, Văn phòng Tỉnh ủy Quảng Ngãi", "Ban Cơ yếu Chính phủ",
         "Cục Kỹ thuật nghiệp vụ mật mã", "Cục Quản lý mật mã dân sự và Kiểm định sản phẩm mật mã",
         "Phòng Hành chính - Tổng hợp, Sở Nội vụ Thừa Thiên Huế",
         "Văn phòng UBND tỉnh Đắk Lắk", "Học viện Kỹ thuật mật mã",
         "Phòng Cơ yếu, Công an thành phố Hà Nội")
POSITIONS = ("Chuyên viên", "Chuyên viên chính", "Trưởng phòng", "Phó Trưởng phòng",
             "Cán bộ cơ yếu", "Kỹ thuật viên", "Nhân viên")
TOPICS = ("Khái niệm và vị trí của công tác cơ yếu", "Lịch sử ngành Cơ yếu Việt Nam",
          "Luật Cơ yếu năm 2011", "Tổ chức cơ yếu trong hệ thống chính trị",
          "Chế độ, chính sách đối với người làm công tác cơ yếu",
          "Quản lý nhà nước về mật mã", "Bảo vệ bí mật nhà nước",
          "Sản phẩm mật mã và kiểm định", "An toàn thông tin mạng",
          "Thanh tra, kiểm tra công tác cơ yếu")
BANK = """$CATEGORY: ngan-hang

::q1::Ngày truyền thống ngành Cơ yếu Việt Nam? {=12/09/1945 ~02/09/1945 ~19/08/1945}

::q2::Luật Cơ yếu được Quốc hội thông qua năm 2011. {T}

::q3::Chọn các văn bản luật liên quan đến mật mã {~%50%Luật Cơ yếu \
~%50%Luật An toàn thông tin mạng ~%-100%Luật Đất đai}

::q4::Mức độ mật cao nhất của bí mật nhà nước? {=Tuyệt mật ~Tối mật ~Mật}

::q5::Ban Cơ yếu Chính phủ trực thuộc Bộ Quốc phòng. {T}

::q6::Cơ quan kiểm định sản phẩm mật mã dân sự? {=Ban Cơ yếu Chính phủ ~Bộ Công an \
~Bộ Thông tin và Truyền thông}

::q7::Luật Bảo vệ bí mật nhà nước được ban hành năm 2018. {T}

::q8::Sản phẩm mật mã dân sự được lưu hành tự do, không cần giấy phép. {F}
"""


# --- seeding -------------------------------------------------------------------------------


def vietnamese_name(rng: random.Random) -> str:
    family = rng.choices([f for f, _ in FAMILY], weights=[w for _, w in FAMILY])[0]
    return f"{family} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def seed_course(slug: str, title: str, lecturer: Any) -> Any:
    """A course with 20 published lessons, a question bank and 3 required quizzes."""
    from lms.courses.models import Course
    from lms.courses.services import LessonDraft, create_lesson, publish
    from lms.extensions import db
    from lms.quizzes.bank import save_question
    from lms.quizzes.gift import parse_gift
    from lms.quizzes.models import Quiz

    course = Course(slug=slug, title=title)
    db.session.add(course)
    db.session.flush()
    for i in range(1, LESSONS + 1):
        topic = TOPICS[(i - 1) % len(TOPICS)]
        body = (f"# {topic}\n\nNội dung bài {i}: {topic.lower()}. Học viên đọc tài liệu, "
                "ghi chú các khái niệm chính và trả lời câu hỏi ôn tập.\n")
        lesson = create_lesson(course, lecturer, LessonDraft(
            f"Bài {i}. {topic}", 30, ["Nắm được khái niệm", "Vận dụng vào công việc"], body))
        publish(lesson, lecturer)
    for order, question in enumerate(parse_gift(BANK), start=1):
        save_question(course, question, None, name=question.name,
                      source_path="questions/ngan-hang.gift", source_order=order)
    review = {"during": [], "immediately": ["score"], "later": ["score"],
              "after_close": ["score", "correctness", "right_answer", "feedback"]}
    for quiz_slug, quiz_title in QUIZZES:
        db.session.add(Quiz(
            course_id=course.id, slug=quiz_slug, title=quiz_title, time_limit_seconds=1800,
            attempts_allowed=2, pass_mark10=5.0, grading="highest", shuffle_questions=True,
            shuffle_options=True, on_expiry="autosubmit", review=review,
            draw=[{"category": "ngan-hang", "count": QUESTIONS_PER_QUIZ}], fixed_questions=[]))
    course.completion_policy = {"lessons": "all", "quizzes": [
        {"slug": quiz_slug, "pass_mark10": 5.0} for quiz_slug, _ in QUIZZES]}
    db.session.flush()
    return course


def seed_class(code: str, course: Any, lecturer: Any, n: int, rng: random.Random) -> int:
    """A class of ``n`` learners with realistic progress (bulk inserts), then recompute."""
    from sqlalchemy import insert, select

    from lms.auth.models import User
    from lms.classes.completion import recompute
    from lms.classes.models import Enrolment, EnrolmentRole
    from lms.classes.services import ClassData, create_class, enrol
    from lms.courses.models import Lesson, LessonProgress, LessonStatus
    from lms.db import utcnow
    from lms.extensions import db
    from lms.quizzes.attempt_models import Attempt
    from lms.quizzes.models import Quiz

    now = utcnow()
    klass = create_class(ClassData(code=code, name=f"Lớp bồi dưỡng {code}",
                                   course_slug=course.slug, start_date=now.date()))
    if hasattr(klass, "certificate_mode"):  # no automatic certificates in this fixture
        klass.certificate_mode = "manual"
    enrol(klass, lecturer, EnrolmentRole.LECTURER)
    users = []
    for i in range(n):
        users.append({
            "username": f"{code.lower()}-hv{i:05d}", "full_name": vietnamese_name(rng),
            "email": None, "unit": rng.choice(UNITS), "position": rng.choice(POSITIONS),
            "date_of_birth": date(rng.randint(1965, 2000), rng.randint(1, 12),
                                  rng.randint(1, 28)),
            "role": "learner", "active": True, "locale": "vi", "password_hash": None,
            "must_change_password": True, "created_at": now, "updated_at": now})
    db.session.execute(insert(User.__table__), users)
    user_ids = list(db.session.scalars(
        select(User.id).where(User.username.like(f"{code.lower()}-hv%")).order_by(User.id)))
    db.session.execute(insert(Enrolment.__table__), [
        {"class_id": klass.id, "user_id": uid, "role": "learner", "state": "active",
         "created_at": now, "updated_at": now} for uid in user_ids])
    lessons = list(db.session.scalars(
        select(Lesson.id).where(Lesson.course_id == course.id,
                                Lesson.status == LessonStatus.PUBLISHED.value)
        .order_by(Lesson.position)))
    quizzes = list(db.session.scalars(
        select(Quiz.id).where(Quiz.course_id == course.id).order_by(Quiz.id)))
    progress, attempts = [], []
    for uid in user_ids:
        if rng.random() < 0.08:  # enrolled, never started
            continue
        began = now - timedelta(days=rng.uniform(3, 45))
        step = timedelta(hours=rng.uniform(3, 40))
        k = LESSONS if rng.random() < 0.5 else rng.randint(1, LESSONS - 1)
        moment = began
        for index, lesson_id in enumerate(lessons[:k]):
            moment = min(began + step * (index + 1), now - timedelta(minutes=5))
            progress.append({
                "user_id": uid, "lesson_id": lesson_id, "status": "done",
                "seconds_spent": rng.randint(300, 3600), "started_at": moment - step / 2,
                "last_seen_at": moment, "completed_at": moment})
        if k < LESSONS and rng.random() < 0.5:
            progress.append({
                "user_id": uid, "lesson_id": lessons[k], "status": "in_progress",
                "seconds_spent": rng.randint(60, 900), "started_at": moment,
                "last_seen_at": moment, "completed_at": None})
        for quiz_id in quizzes:
            if rng.random() >= 0.85:
                continue
            scores = [min(10.0, max(0.0, round(rng.gauss(6.8, 1.9) * 4) / 4))]
            if scores[0] < 5 and rng.random() < 0.5:
                scores.append(min(10.0, max(0.0, round(rng.gauss(6.0, 2.0) * 4) / 4)))
            for number, score in enumerate(scores, start=1):
                started = min(moment + timedelta(hours=rng.uniform(1, 48) * number),
                              now - timedelta(minutes=40))
                attempts.append({
                    "quiz_id": quiz_id, "user_id": uid, "number": number, "state": "finished",
                    "preview": False, "seed": rng.randrange(2**31), "started_at": started,
                    "finished_at": started + timedelta(minutes=rng.uniform(8, 30)),
                    "points": score / 10 * QUESTIONS_PER_QUIZ,
                    "max_points": float(QUESTIONS_PER_QUIZ), "score10": score,
                    "passed": score >= 5.0, "needs_grading": False})
    if progress:
        db.session.execute(insert(LessonProgress.__table__), progress)
    if attempts:
        db.session.execute(insert(Attempt.__table__), attempts)
    recompute(klass)
    db.session.commit()
    say(f"  class {code}: {n} learners, {len(progress)} lesson-progress rows, "
        f"{len(attempts)} attempts")
    return klass.id


def seed(app: Any, learners: int, seed_value: int) -> dict[str, Any]:
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from lms.classes.models import ClassCompletion
    from lms.extensions import db
    from lms.users.services import UserData, create_user

    rng = random.Random(seed_value)
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        lecturer = create_user(LECTURER, PASSWORD,
                               UserData(full_name="Trần Văn Giảng", role="lecturer"))
        big_course = seed_course("ql-co-yeu-lon", "Quản lý nhà nước về Cơ yếu", lecturer)
        small_course = seed_course("ql-co-yeu-nho", "Quản lý nhà nước về Cơ yếu (lớp nhỏ)",
                                   lecturer)
        big_id = seed_class(f"BENCH-{learners}", big_course, lecturer, learners, rng)
        small_id = seed_class("BENCH-10", small_course, lecturer, 10, rng)
        statuses = dict(db.session.execute(
            select(ClassCompletion.status, func.count()).where(ClassCompletion.class_id == big_id)
            .group_by(ClassCompletion.status)).all())
        db.session.remove()
    seconds = time.perf_counter() - started
    say(f"  seeded in {seconds:.1f} s; statuses of the big class: {statuses}")
    return {"big": (big_id, f"BENCH-{learners}"), "small": (small_id, "BENCH-10"),
            "seed_s": round(seconds, 1), "statuses": statuses}


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
