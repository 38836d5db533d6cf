"""``lms demo``: an idempotent demo — the courses in ``courses/``, a class, demo accounts.

Running it twice changes nothing the second time. It refuses to run in production,
since the demo passwords are public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from lms import ROOT
from lms.auth.models import User
from lms.classes.models import Class, EnrolmentRole
from lms.classes.services import ClassData, create_class, enrol
from lms.courses.models import Course, CourseLecturer
from lms.extensions import db
from lms.legal.services import local_today
from lms.users.services import UserData, create_user

DEMO_COURSE = "quan-ly-nha-nuoc-ve-co-yeu"
DEMO_CLASS = "K74-HN"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    full_name: str
    unit: str | None = None
    position: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("admin", "quantri-demo", "admin", "Quản trị hệ thống"),
    DemoAccount("giangvien", "giangvien-demo", "lecturer", "Trần Minh Đức",
                "Ban Cơ yếu Chính phủ", "Giảng viên"),
    DemoAccount("hocvien", "hocvien-demo", "learner", "Nguyễn Thị Ánh",
                "Sở Thông tin và Truyền thông tỉnh Hà Tĩnh", "Phó Giám đốc"),
    DemoAccount("hocvien2", "hocvien-demo", "learner", "Lê Văn Bình",
                "UBND tỉnh Sơn La", "Chánh Văn phòng"),
    DemoAccount("hocvien3", "hocvien-demo", "learner", "Phạm Thị Ân",
                "Văn phòng Tỉnh ủy Điện Biên", "Phó Chánh Văn phòng"),
)


def ensure_courses(courses_dir: Path) -> list[Course]:
    """Import the courses under ``courses_dir`` that are not in the database yet.

    Once a course is in the database, the database is the source of truth: a restart
    (``make run`` runs ``lms demo``) never changes it, so lecturers' web edits stay.
    Bringing file changes in is ``lms courses import``'s job, with its comparison.
    """
    from lms.courses.files import load_course
    from lms.courses.sync import import_course

    loaded = []
    for toml_path in sorted(courses_dir.glob("*/course.toml")):
        slug = load_course(toml_path.parent).slug
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        if course is None:
            import_course(toml_path.parent)
            course = db.session.scalar(select(Course).where(Course.slug == slug))
        loaded.append(course)
    return [course for course in loaded if course is not None]


def ensure_accounts() -> dict[str, User]:
    """Create the demo accounts that do not exist yet."""
    users = {}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == account.username))
        if user is None:
            user = create_user(
                account.username, account.password,
                UserData(full_name=account.full_name, role=account.role, unit=account.unit,
                         position=account.position),
            )
        users[account.username] = user
    return users


def run_demo(courses_dir: Path) -> None:
    """Load courses, the demo class and accounts (idempotent)."""
    ensure_courses(courses_dir)
    users = ensure_accounts()
    course = db.session.scalar(select(Course).where(Course.slug == DEMO_COURSE))
    if course is None:
        raise click.ClickException(f"course {DEMO_COURSE} not found in {courses_dir}")
    if not db.session.scalar(select(CourseLecturer.id).where(
            CourseLecturer.course_id == course.id,
            CourseLecturer.user_id == users["giangvien"].id)):
        db.session.add(CourseLecturer(course=course, user=users["giangvien"]))
    klass = db.session.scalar(select(Class).where(Class.code == DEMO_CLASS))
    today = local_today()
    if klass is None:
        klass = create_class(ClassData(
            code=DEMO_CLASS, name="Lớp Cao cấp lý luận chính trị K74, hệ tập trung",
            # A class running now: it started two weeks ago and ends in three months (its
            # last day closes its quizzes, lms.quizzes.windows).
            course_slug=DEMO_COURSE, start_date=today - timedelta(days=14),
            end_date=today + timedelta(days=90),
            place="Học viện Chính trị quốc gia Hồ Chí Minh, Hà Nội",
        ))
    enrol(klass, users["giangvien"], EnrolmentRole.LECTURER)
    for username in ("hocvien", "hocvien2", "hocvien3"):
        enrol(klass, users[username], EnrolmentRole.LEARNER)
    db.session.flush()


@click.command("demo")
@click.option("--courses-dir", type=click.Path(path_type=Path, file_okay=False),
              default=None, help="Default: LMS_COURSES_DIR, else the courses/ folder of "
              "this checkout.")
def demo_command(courses_dir: Path | None) -> None:
    """Load the demo course, class and accounts (safe to run again)."""
    if current_app.config["LMS_ENV"] == "production":
        raise click.ClickException("lms demo refuses to run in production (public passwords)")
    run_demo(courses_dir or Path(current_app.config.get("LMS_COURSES_DIR") or ROOT / "courses"))
    db.session.commit()
    click.echo(f"Demo ready. Log in at {current_app.config['LMS_BASE_URL']} with:")
    for account in DEMO_ACCOUNTS[:3]:
        click.echo(f"  {account.role:<9} {account.username:<10} {account.password}")
