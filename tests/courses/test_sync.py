"""Course import/export against the database: idempotent sync, round trip, all-or-nothing."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import ROOT
from lms.courses.files import CourseFilesError
from lms.courses.models import Lesson, LessonProgress, LessonRevision
from lms.courses.sync import export_course, import_course
from lms.extensions import db
from lms.models import Course, Question, QuestionVersion, Quiz
from tests.conftest import make_user

SHIPPED = ROOT / "courses" / "quan-ly-nha-nuoc-ve-co-yeu"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / SHIPPED.name
    shutil.copytree(SHIPPED, target)
    return target


def _snapshot() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Course, Lesson, LessonRevision, Question, QuestionVersion, Quiz))


def _same_tree(a: Path, b: Path) -> list[str]:
    cmp = filecmp.dircmp(a, b)
    diffs = cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files
    for name in cmp.common_dirs:
        diffs += [f"{name}/{d}" for d in _same_tree(a / name, b / name)]
    return diffs


def test_import_then_export_reproduces_the_files(app, tmp_path: Path) -> None:
    report = import_course(SHIPPED)
    assert len(report.lessons_created) == 6
    course = db.session.scalar(select(Course).where(Course.slug == SHIPPED.name))
    out = tmp_path / "out" / SHIPPED.name
    export_course(course, out)
    # filecmp with shallow=False compares bytes.
    assert _same_tree(SHIPPED, out) == []
    assert all(filecmp.cmp(p, out / p.relative_to(SHIPPED), shallow=False)
               for p in SHIPPED.rglob("*") if p.is_file())


def test_reimport_changes_only_what_changed(app, tmp_path: Path) -> None:
    root = _copy(tmp_path)
    import_course(root)
    before = _snapshot()
    again = import_course(root)
    assert len(again.lessons_unchanged) == 6 and _snapshot() == before
    lesson_file = next((root / "lessons").glob("02-*.md"))
    lesson_file.write_text(lesson_file.read_text(encoding="utf-8") + "\nThêm một đoạn.\n",
                           encoding="utf-8")
    changed = import_course(root)
    assert changed.lessons_updated == ["quan-diem-cua-dang"]
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "quan-diem-cua-dang"))
    assert lesson.published_revision.number == 2
    assert lesson.published_revision.body.endswith("Thêm một đoạn.\n")


def test_removed_lesson_is_archived_when_learners_have_progress(app, tmp_path: Path) -> None:
    root = _copy(tmp_path)
    import_course(root)
    learner = make_user("learner")
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "khung-phap-luat"))
    db.session.add(LessonProgress(user_id=learner.id, lesson_id=lesson.id))
    db.session.flush()
    next((root / "lessons").glob("03-*.md")).unlink()
    next((root / "lessons").glob("04-*.md")).unlink()
    report = import_course(root)
    assert report.lessons_archived == ["khung-phap-luat"]
    assert report.lessons_deleted == ["noi-dung-quan-ly-nha-nuoc"]
    assert db.session.get(Lesson, lesson.id).status == "archived"


def test_changed_question_gets_a_new_version(app, tmp_path: Path) -> None:
    root = _copy(tmp_path)
    import_course(root)
    bank = root / "questions" / "01-khai-niem-vi-tri-vai-tro.gift"
    text = bank.read_text(encoding="utf-8")
    assert "Ngày truyền thống của ngành Cơ yếu Việt Nam là ngày nào?" in text
    bank.write_text(text.replace("Ngày truyền thống của ngành Cơ yếu Việt Nam là ngày nào?",
                                 "Ngày nào là Ngày truyền thống của ngành Cơ yếu Việt Nam?", 1),
                    encoding="utf-8")
    report = import_course(root)
    assert "updated 1" in report.extra[0]
    versions = db.session.scalars(select(QuestionVersion.number).join(
        Question, Question.id == QuestionVersion.question_id).where(
        Question.name == "b01-q01")).all()
    assert sorted(versions) == [1, 2]


@pytest.mark.parametrize(("path", "old", "new", "where"), [
    ("questions/03-khung-phap-luat.gift", "{", "{{", "quan-ly-nha-nuoc-ve-co-yeu/questions/"
     "03-khung-phap-luat.gift:"),
    ("quizzes/kiem-tra-cuoi-khoa.toml", "count = 4", "count = 40",
     "quan-ly-nha-nuoc-ve-co-yeu/quizzes/kiem-tra-cuoi-khoa.toml:10:"),
    ("course.toml", "title =", "title = = ", "quan-ly-nha-nuoc-ve-co-yeu/course.toml:"),
])
def test_broken_course_changes_nothing(app, tmp_path: Path, path: str, old: str, new: str,
                                       where: str) -> None:
    root = _copy(tmp_path)
    import_course(root)
    db.session.commit()
    before = _snapshot()
    target = root / path
    target.write_text(target.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CourseFilesError) as err:
        import_course(root)
    assert str(err.value).startswith(where), str(err.value)
    db.session.rollback()
    assert _snapshot() == before


def test_cli_import_dry_run_and_errors(runner, tmp_path: Path) -> None:
    root = _copy(tmp_path)
    dry = runner.invoke(args=["courses", "import", str(root), "--dry-run"])
    assert dry.exit_code == 0 and "dry run" in dry.output
    assert db.session.scalar(select(func.count(Course.id))) == 0
    (root / "lessons" / "99-hong.md").write_bytes(b"+++\ntitle = \"x\"\nminutes = 1\n"
                                                 b"objectives = []\n+++\n\xff\xfe broken\n")
    bad = runner.invoke(args=["courses", "import", str(root)])
    assert bad.exit_code != 0
    assert "lessons/99-hong.md:6:" in bad.output and "UTF-8" in bad.output
    assert db.session.scalar(select(func.count(Course.id))) == 0
