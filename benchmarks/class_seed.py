"""The fixture of class_scale.py: two courses and a large and a small class, seeded in-process.

Through the app factory on the scratch database (``TESTING``: fast password hashing, jobs
inline), :func:`seed` builds the schema (Alembic) and then:

* two courses with 20 published lessons each (``create_lesson`` + ``publish``), a small
  question bank and 3 quizzes that the course's completion policy requires;
* on the first course a class of N learners, on the second a class of 10, with one
  lecturer (:data:`LECTURER`, :data:`PASSWORD`) teaching both;
* per learner, realistic progress written with bulk INSERTs (it is a fixture, not the code
  under test): ~8 % never started; the others completed the first k lessons (all 20 for
  about half of them, else 1–19, the next one sometimes in progress) over the last weeks;
  ~85 % took each quiz (a finished, scored attempt; a second attempt after ~half of the
  fails, so some learners fail the class);
* then ``recompute(klass)`` once per class fills ``class_completions``.

The scripts run as ``python benchmarks/NAME.py``, so ``class_scale.py`` imports this
module as ``class_seed``.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta
from typing import Any

from scratch import say  # benchmarks/scratch.py

PASSWORD = "mat-khau-do-tai-9"  # noqa: S105 (a scratch account)
LECTURER = "giangvien.bench"
LESSONS = 20
QUIZZES = (("kiem-tra-1", "Kiểm tra chương I"), ("kiem-tra-2", "Kiểm tra chương II"),
           ("kiem-tra-cuoi-khoa", "Kiểm tra cuối khóa"))
QUESTIONS_PER_QUIZ = 5

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
    """Schema and fixture on ``app``'s database: the classes as ``(id, code)`` under
    ``big`` and ``small``, the seeding time and the completion statuses of the big class."""
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
