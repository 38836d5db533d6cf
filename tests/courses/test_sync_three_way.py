"""Web edits and course files live together without loss (issue 12).

Once a course is in the database, the database is the source of truth. ``lms courses
import`` compares, item by item, the file, the database and the base (the content hash
recorded at the last import or export): a web edit is kept, a file change goes in, both
is a conflict that changes nothing (exit 1) unless ``--prefer`` says which side wins,
and what was made on the web is never deleted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms import ROOT
from lms.auth.models import User
from lms.courses.models import Course, Lesson, LessonRevision
from lms.courses.services import LessonDraft, publish, save_draft
from lms.courses.sync import SyncConflict, import_course
from lms.extensions import db
from lms.quizzes.bank import save_question
from lms.quizzes.gift import parse_gift
from lms.quizzes.models import Question, QuestionVersion, Quiz
from tests.conftest import assign_lecturer, make_user, shipped_copy

SHIPPED = ROOT / "courses" / "quan-ly-nha-nuoc-ve-co-yeu"
WEB_TEXT = "\n\nĐoạn bổ sung của giảng viên trên web.\n"



def _lesson(slug_prefix: str = "khai-niem") -> Lesson:
    return db.session.scalar(select(Lesson).where(Lesson.slug.startswith(slug_prefix)))


def _web_edit(lesson: Lesson, author: User) -> None:
    draft = LessonDraft(title=lesson.title, minutes=lesson.minutes,
                        objectives=list(lesson.objectives), body=lesson.body + WEB_TEXT)
    save_draft(lesson, author, draft)
    publish(lesson, author)
    db.session.commit()


def _edit_file(root: Path, pattern: str, old: str, new: str) -> None:
    path = next(root.glob(pattern))
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _web_question_and_quiz(course: Course, author: User) -> None:
    (question,) = parse_gift("::web-q1:: Câu hỏi soạn trên web? {T}")
    question.category = "on-tap-web"
    save_question(course, question, author, name="web-q1")
    db.session.add(Quiz(course_id=course.id, slug="kiem-tra-nhanh", title="Kiểm tra nhanh",
                        draw=[{"category": "on-tap-web", "count": 1}], review={},
                        fixed_questions=[]))
    db.session.commit()


@pytest.fixture
def synced(app, tmp_path: Path) -> tuple[Path, Course, User]:
    root = shipped_copy(tmp_path)
    import_course(root)
    db.session.commit()
    author = make_user("lecturer", full_name="Trần Minh Đức")
    return root, db.session.scalar(select(Course)), author


def test_a_web_edit_survives_an_import_of_the_same_files(synced) -> None:
    root, course, author = synced
    _web_edit(_lesson(), author)
    _web_question_and_quiz(course, author)
    report = import_course(root)
    db.session.commit()
    lesson = _lesson()
    assert WEB_TEXT.strip() in lesson.published_revision.body
    assert lesson.published_revision.source == "web"
    assert any("kept web edit" in line and lesson.slug in line for line in report.lines())
    quiz = db.session.scalar(select(Quiz).where(Quiz.slug == "kiem-tra-nhanh"))
    assert quiz is not None and not quiz.archived
    assert not db.session.scalar(select(Question).where(Question.name == "web-q1")).archived


def test_a_file_change_without_web_edit_goes_in(synced) -> None:
    root, _course, _author = synced
    _edit_file(root, "lessons/02-*.md", "minutes = 45", "minutes = 50")
    import_course(root)
    db.session.commit()
    assert _lesson("quan-diem").published_revision.minutes == 50


def _counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Lesson, LessonRevision, Question, QuestionVersion, Quiz))


def test_both_changed_is_a_conflict_that_changes_nothing(synced, runner) -> None:
    root, _course, author = synced
    _web_edit(_lesson(), author)
    _edit_file(root, "lessons/01-*.md", "minutes = 45", "minutes = 40")
    before = _counts()
    with pytest.raises(SyncConflict) as err:
        import_course(root)
    db.session.rollback()
    assert _counts() == before
    (conflict,) = err.value.conflicts
    assert conflict.path.startswith("lessons/01-")
    result = runner.invoke(args=["courses", "import", str(root)])
    assert result.exit_code == 1, result.output
    assert "edited on the web by Trần Minh Đức at " in result.output
    assert "also changed in the file" in result.output and "minutes = 40" in result.output
    assert _counts() == before


@pytest.mark.parametrize(("prefer", "minutes", "web_kept"), [("files", 40, False),
                                                             ("web", 45, True)])
def test_prefer_resolves_every_conflict_one_way(synced, runner, prefer, minutes,
                                                web_kept) -> None:
    root, _course, author = synced
    _web_edit(_lesson(), author)
    _edit_file(root, "lessons/01-*.md", "minutes = 45", "minutes = 40")
    result = runner.invoke(args=["courses", "import", str(root), "--prefer", prefer])
    assert result.exit_code == 0, result.output
    assert f"conflict resolved ({prefer})" in result.output
    lesson = _lesson()
    db.session.refresh(lesson)
    assert lesson.published_revision.minutes == minutes
    assert (WEB_TEXT.strip() in lesson.published_revision.body) is web_kept


def test_status_says_what_an_import_would_do(synced, runner) -> None:
    root, course, author = synced
    _web_edit(_lesson(), author)
    _web_question_and_quiz(course, author)
    _edit_file(root, "lessons/02-*.md", "minutes = 45", "minutes = 50")
    before = _counts()
    result = runner.invoke(args=["courses", "status", course.slug, str(root)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("web changed") and "lessons/01-" in line for line in lines)
    assert any(line.startswith("file changed") and "lessons/02-" in line for line in lines)
    assert any(line.startswith("web only") and "web-q1" in line for line in lines)
    assert any(line.startswith("web only") and "kiem-tra-nhanh" in line for line in lines)
    assert _counts() == before


def test_export_then_import_is_a_no_op(synced, runner, tmp_path: Path) -> None:
    _root, course, author = synced
    _web_edit(_lesson(), author)
    _web_question_and_quiz(course, author)
    out = tmp_path / "exported"
    assert runner.invoke(args=["courses", "export", course.slug, str(out)]).exit_code == 0
    before = _counts()
    status = runner.invoke(args=["courses", "status", course.slug, str(out / course.slug)])
    assert status.exit_code == 0
    assert all(line.startswith("unchanged") for line in status.output.splitlines()
               if line and not line.startswith("course")), status.output
    import_course(out / course.slug)
    db.session.commit()
    assert _counts() == before


def test_removed_from_the_files_and_untouched_on_the_web_goes(synced) -> None:
    root, _course, _author = synced
    next(root.glob("quizzes/luyen-tap-bai-06.toml")).unlink()
    import_course(root)
    db.session.commit()
    assert db.session.scalar(select(Quiz).where(Quiz.slug == "luyen-tap-bai-06")).archived


def test_editors_see_what_was_edited_on_the_web(app, auth, client, count_statements,
                                                tmp_path: Path) -> None:
    from lms.courses.models import CourseLecturer

    import_course(shipped_copy(tmp_path))
    course = db.session.scalar(select(Course))
    author = make_user("lecturer", full_name="Trần Minh Đức")
    db.session.add(CourseLecturer(course_id=course.id, user_id=author.id))
    db.session.commit()
    auth.login_as(author)
    slug = course.slug
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert page.count("provenance-files") >= 13 and "provenance-web" not in page
    _web_edit(_lesson(), author)
    _web_question_and_quiz(course, author)
    with count_statements() as outline:
        page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert page.count("provenance-web") == 2  # the edited lesson, the web-made quiz
    lesson = client.get(f"/courses/{slug}/lessons/{_lesson().slug}").get_data(as_text=True)
    assert "provenance-web" in lesson
    bank = client.get(f"/courses/{slug}/questions").get_data(as_text=True)
    shipped = db.session.scalar(select(func.count()).select_from(Question).where(
        Question.name != "web-q1"))
    assert bank.count("provenance-web") == 1 and bank.count("provenance-files") == shipped
    assert outline.count < 40, outline.count


def test_a_course_imported_before_bases_were_recorded(synced, runner) -> None:
    """An existing deployment: its course has no recorded base. What an import last wrote
    takes the file's change; what was edited on the web is a conflict, not overwritten."""
    from lms.courses.models import CourseSyncBase

    root, _course, author = synced
    db.session.execute(CourseSyncBase.__table__.delete())
    _web_edit(_lesson(), author)
    _edit_file(root, "lessons/01-*.md", "minutes = 45", "minutes = 40")
    _edit_file(root, "lessons/02-*.md", "minutes = 45", "minutes = 50")
    result = runner.invoke(args=["courses", "status", _lesson().course.slug, str(root)])
    lines = result.output.splitlines()
    assert any(line.startswith("conflict") and "lessons/01-" in line for line in lines)
    assert any(line.startswith("file changed") and "lessons/02-" in line for line in lines)
    assert sum(line.startswith("unchanged") for line in lines) > 90


def test_what_gift_cannot_hold_goes_to_a_moodle_xml_bank_and_back(synced, runner, auth,
                                                                   client, tmp_path) -> None:
    """The review's finding: a short answer with "->" (Moodle XML allows it) made the
    import raise ValueError and the bank page answer 500. Such a question, and one with an
    embedded image, made on the web are kept by an import, exported to a Moodle XML bank
    beside the GIFT one, and that export re-imports as a no-op."""
    from lms.quizzes.parsed import ParsedAnswer, ParsedFile, ParsedQuestion

    root, course, author = synced
    odd = ParsedQuestion(type="short_answer", text="Mũi tên?", name="xml-arrow",
                         answers=[ParsedAnswer("a -> b", 1.0)])
    png = b"\x89PNG\r\n\x1a\n" + bytes(16)
    pictured = ParsedQuestion(type="true_false", text='<img src="@@PLUGINFILE@@/a.png">',
                              text_format="html", name="xml-image", correct=True,
                              files=[ParsedFile("a.png", png)])
    for question in (odd, pictured):
        save_question(course, question, author, name=question.name,
                      source_path="questions/bank.gift")
    assign_lecturer(course, author)
    db.session.commit()
    result = runner.invoke(args=["courses", "import", str(root)])
    assert result.exit_code == 0, result.output
    before = _counts()
    out = tmp_path / "exported"
    assert runner.invoke(args=["courses", "export", course.slug, str(out)]).exit_code == 0
    written = (out / course.slug / "questions" / "bank.xml").read_text(encoding="utf-8")
    assert "a -&gt; b" in written and 'name="a.png"' in written
    assert not (out / course.slug / "questions" / "bank.gift").exists()
    status = runner.invoke(args=["courses", "status", course.slug, str(out / course.slug)])
    assert all(line.startswith("unchanged") for line in status.output.splitlines()
               if line and not line.startswith("course")), status.output
    import_course(out / course.slug)
    db.session.commit()
    assert _counts() == before
    auth.login_as(author)
    assert client.get(f"/courses/{course.slug}/questions").status_code == 200
