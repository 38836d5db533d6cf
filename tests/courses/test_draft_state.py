"""A lesson shows its draft state to editors (issue 14): "Bản nháp chưa xuất bản", the
draft diff offered only when a draft exists, and a Markdown toolbar that degrades to a
cheat line without JavaScript."""

from __future__ import annotations

from lms.courses.services import LessonDraft, create_lesson, publish, save_draft
from lms.extensions import db
from tests.conftest import Auth, assign_lecturer, make_course, make_user

DRAFT = "Bản nháp chưa xuất bản"
DIFF = "draft=1"


def _lesson(auth: Auth):
    course = make_course("ql-co-yeu", "Quản lý nhà nước về Cơ yếu")
    author = make_user("lecturer")
    assign_lecturer(course, author)
    lesson = create_lesson(course, author, LessonDraft("Bài 1", 20, ["Hiểu"], "## Phần 1\n"))
    db.session.commit()
    auth.login_as(author)
    edit = f"/courses/{course.slug}/lessons/{lesson.slug}/edit"
    history = f"/courses/{course.slug}/lessons/{lesson.slug}/history"
    return course, author, lesson, edit, history


def test_a_new_lesson_is_an_unpublished_draft(auth: Auth, client) -> None:
    _course, _author, _item, edit, history = _lesson(auth)
    page = client.get(edit).get_data(as_text=True)
    assert DRAFT in page and "Học viên chưa thấy bài học này" in page
    assert DIFF not in page  # nothing published to compare with
    assert DIFF not in client.get(history).get_data(as_text=True)


def test_the_draft_state_and_its_diff_come_and_go(auth: Auth, client) -> None:
    _course, author, lesson, edit, history = _lesson(auth)
    publish(lesson, author)
    db.session.commit()
    page = client.get(edit).get_data(as_text=True)
    assert DRAFT not in page and DIFF not in page and "không có thay đổi chưa xuất bản" in page
    assert DIFF not in client.get(history).get_data(as_text=True)
    save_draft(lesson, author, LessonDraft("Bài 1", 20, ["Hiểu"], "## Phần 1 sửa\n"))
    db.session.commit()
    page = client.get(edit).get_data(as_text=True)
    assert DRAFT in page and DIFF in page and "Học viên vẫn xem phiên bản 1" in page
    assert DIFF in client.get(history).get_data(as_text=True)


def test_the_toolbar_is_labelled_and_markdown_still_works_without_it(auth: Auth,
                                                                    client) -> None:
    _course, _author, _item, edit, _history = _lesson(auth)
    page = client.get(edit).get_data(as_text=True)
    for label in ("Đậm", "Nghiêng", "Đề mục", "Danh sách", "Liên kết", "Trích dẫn"):
        assert f'aria-label="{label}"' in page, label
    assert 'class="md-toolbar" role="group"' in page and " hidden>" in page
    assert "<code>**đậm**</code>" in page  # the cheat line, shown without JavaScript


def test_the_lesson_list_marks_lessons_with_a_draft(auth: Auth, client) -> None:
    course, author, lesson, _edit, _history = _lesson(auth)
    manage = f"/courses/{course.slug}/manage"
    assert DRAFT in client.get(manage).get_data(as_text=True)
    publish(lesson, author)
    db.session.commit()
    assert DRAFT not in client.get(manage).get_data(as_text=True)
