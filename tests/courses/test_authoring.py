"""Draft, publish, revisions, restore, order, schedule, attachments, edit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.courses.models import ContentEdit, Lesson, LessonRevision
from lms.courses.queries import visible_lessons
from lms.courses.services import (
    LessonDraft,
    add_attachment,
    create_lesson,
    move,
    publish,
    restore,
    revision_diff,
    save_draft,
    schedule,
    slugify,
)
from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from tests.conftest import make_course, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _draft(title: str = "Bài 1. Khái niệm", body: str = "Nội dung **bài**.") -> LessonDraft:
    return LessonDraft(title=title, minutes=30, objectives=["Hiểu khái niệm"], body=body)


def test_slugify_vietnamese() -> None:
    assert slugify("Bài 1. Khái niệm, vị trí của Đảng") == "bai-1-khai-niem-vi-tri-cua-dang"


def test_draft_is_invisible_until_published(app) -> None:
    course, author = make_course(), make_user("lecturer")
    lesson = create_lesson(course, author, _draft())
    assert visible_lessons(course, staff=False) == []
    assert visible_lessons(course, staff=True) == [lesson]
    revision = publish(lesson, author)
    assert revision.number == 1 and revision.created_by_id == author.id
    assert visible_lessons(course, staff=False) == [lesson]


def test_learners_keep_the_published_text_while_a_draft_changes(app) -> None:
    course, author = make_course(), make_user("lecturer")
    lesson = create_lesson(course, author, _draft(body="Bản một."))
    publish(lesson, author)
    save_draft(lesson, author, _draft(body="Bản hai đang sửa."))
    assert lesson.published_revision.body.startswith("Bản một.")
    second = publish(lesson, author)
    assert second.number == 2 and lesson.published_revision.body.startswith("Bản hai")


def test_revisions_are_immutable(app) -> None:
    course, author = make_course(), make_user("lecturer")
    lesson = create_lesson(course, author, _draft())
    revision = publish(lesson, author)
    revision.body = "sửa lén"
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_restore_creates_a_new_revision_with_old_content(app) -> None:
    course, author = make_course(), make_user("lecturer")
    lesson = create_lesson(course, author, _draft(body="Một."))
    first = publish(lesson, author)
    save_draft(lesson, author, _draft(body="Hai."))
    publish(lesson, author)
    third = restore(lesson, first, author)
    assert third.number == 3 and third.source == "restore"
    assert third.body == first.body and lesson.published_revision_id == third.id
    numbers = db.session.scalars(
        select(LessonRevision.number).where(LessonRevision.lesson_id == lesson.id)
    ).all()
    assert sorted(numbers) == [1, 2, 3]  # history kept


def test_diff_shows_changes(app) -> None:
    course, author = make_course(), make_user("lecturer")
    lesson = create_lesson(course, author, _draft(body="dòng cũ\nchung\n"))
    one = publish(lesson, author)
    save_draft(lesson, author, _draft(body="dòng mới\nchung\n"))
    two = publish(lesson, author)
    diff = revision_diff(one, two)
    assert "-dòng cũ" in diff and "+dòng mới" in diff


def test_input_is_nfc_normalised_and_validated(app) -> None:
    course, author = make_course(), make_user("lecturer")
    lesson = create_lesson(
        course, author, _draft(title="Bài Khái nie\u0302\u0323m", body="Nguye\u0302\u0303n")
    )
    assert lesson.title == "Bài Khái niệm" and lesson.body == "Nguyễn\n"
    with pytest.raises(InvalidInput) as err:
        create_lesson(course, author, _draft(title="   "))
    assert err.value.field == "title"


def test_reorder_and_schedule(app) -> None:
    course, author = make_course(), make_user("lecturer")
    a = create_lesson(course, author, _draft("A"))
    b = create_lesson(course, author, _draft("B"))
    for lesson in (a, b):
        publish(lesson, author)
    move(b, author, -1)
    assert [lesson.title for lesson in visible_lessons(course, staff=False)] == ["B", "A"]
    schedule(a, author, utcnow() + timedelta(days=1))
    assert [lesson.title for lesson in visible_lessons(course, staff=False)] == ["B"]
    assert len(visible_lessons(course, staff=False, now=utcnow() + timedelta(days=2))) == 2


def test_attachments_are_checked_by_content(app) -> None:
    course, author = make_course(), make_user("lecturer")
    item = add_attachment(course, author, "slide.pdf", PDF)
    assert item.content_type == "application/pdf"
    with pytest.raises(InvalidInput):
        add_attachment(course, author, "fake.pdf", b"MZ\x90\x00 windows executable")
    with pytest.raises(InvalidInput):
        add_attachment(course, author, "../../etc/passwd", PDF)


def test_edits_are_logged_with_who_and_when(app) -> None:
    course, author = make_course(), make_user("lecturer")
    lesson = create_lesson(course, author, _draft())
    publish(lesson, author)
    rows = db.session.scalars(select(ContentEdit).where(ContentEdit.lesson_id == lesson.id)).all()
    assert [r.action for r in rows] == ["lesson.create", "lesson.publish"]
    assert all(r.user_id == author.id and r.created_at for r in rows)
    assert db.session.get(Lesson, lesson.id).status == "published"
