"""The course page tells editors when the files on disk differ from the database, with the
``lms courses status`` summary (issue 12), computed when the page is asked for, at a
number of statements that does not grow with the course."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.courses.models import Course
from lms.courses.sync import import_course
from lms.extensions import db
from lms.quizzes.bank import save_question
from lms.quizzes.gift import parse_gift
from tests.conftest import assign_lecturer, make_class, make_user, shipped_copy
from tests.courses.test_sync_three_way import _edit_file, _lesson, _web_edit


@pytest.fixture
def on_disk(app, auth, tmp_path: Path):
    root = shipped_copy(tmp_path)
    import_course(root)
    course = db.session.scalar(select(Course))
    author = make_user("lecturer", full_name="Trần Minh Đức")
    assign_lecturer(course, author)
    db.session.commit()
    app.config["LMS_COURSES_DIR"] = str(root.parent)
    auth.login_as(author)
    return root, course, author


def _box(client, course: Course | str) -> str:
    slug = course if isinstance(course, str) else course.slug
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    start = page.find('id="disk-status"')
    return "" if start < 0 else page[start:page.index("</section>", start)]


def test_files_that_match_say_so(on_disk, client) -> None:
    _root, course, _author = on_disk
    box = _box(client, course)
    assert "Tệp khóa học trên đĩa khớp với cơ sở dữ liệu" in box


def test_each_kind_of_difference_is_counted(on_disk, client) -> None:
    root, course, author = on_disk
    _web_edit(_lesson(), author)
    _edit_file(root, "lessons/02-*.md", "minutes = ", "minutes = 1")
    box = _box(client, course)
    assert "khác với cơ sở dữ liệu" in box
    assert "Đã sửa trên web: 1" in box and "Đã thay đổi trong tệp: 1" in box
    assert f"lms courses status {course.slug} {root}" in box
    _edit_file(root, "lessons/01-*.md", "minutes = ", "minutes = 1")
    assert "Thay đổi ở cả hai phía (xung đột): 1" in _box(client, course)


def test_broken_files_are_named_not_a_crash(on_disk, client) -> None:
    root, course, _author = on_disk
    _edit_file(root, "questions/01-*.gift", "{", "{{")
    box = _box(client, course)
    assert "01-khai-niem-vi-tri-vai-tro.gift:" in box


def test_learners_and_other_courses_see_nothing(on_disk, client, auth) -> None:
    _root, course, _author = on_disk
    learner = make_user("learner")
    make_class(course, "K9", learners=(learner,))
    db.session.commit()
    auth.logout()
    auth.login_as(learner)
    assert _box(client, course) == ""


def test_the_comparison_costs_the_same_statements_whatever_the_bank(on_disk, client,
                                                                    count_statements) -> None:
    _root, course, author = on_disk
    counts, author_id = [], author.id
    for extra in (1, 40):
        course, author = db.session.scalar(select(Course)), db.session.get(type(author), author_id)
        for n in range(extra):
            [q] = parse_gift(f"::web-{extra}-{n}:: Câu hỏi thêm {n}? {{T}}")
            save_question(course, q, author, name=q.name)
        db.session.commit()
        slug = course.slug
        with count_statements() as counter:
            assert "Đã soạn trên web: " in _box(client, slug)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    print(f"course page with the comparison: {counts[0]} statements")
