"""The course's recent changes read as sentences, never `lesson.publish (revision 1)`."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lms.courses.edit_log import SENTENCES
from lms.courses.services import LessonDraft, create_lesson, log_edit, move, publish, schedule
from tests.conftest import Auth, assign_lecturer, make_course, make_user


def test_changes_read_as_vietnamese_sentences(auth: Auth, client) -> None:
    course = make_course()
    lecturer = make_user("lecturer", username="gv.duc")
    lecturer.full_name = "Trần Minh Đức"
    assign_lecturer(course, lecturer)
    lesson = create_lesson(course, lecturer, LessonDraft("Khái niệm cơ yếu", 10, [], "Nội dung"))
    publish(lesson, lecturer)
    move(lesson, lecturer, 1)
    schedule(lesson, lecturer, datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    log_edit(course, None, "course.import", None, "lessons created: 6 (a, b); lessons updated: 0")
    log_edit(course, lecturer, "quiz.regrade", None, "kiem-tra: 3 attempts changed")
    log_edit(course, lecturer, "question.import", None, "bai-01.gift: 12")
    log_edit(course, lecturer, "some.new_thing", None, "x")
    auth.login_as(lecturer)
    html = client.get(f"/courses/{course.slug}/manage").get_data(as_text=True)
    log = html.split('<ul class="edit-log">')[1].split("</ul>")[0]
    assert "Trần Minh Đức đã xuất bản bài “Khái niệm cơ yếu” (phiên bản 1)." in log
    assert "Trần Minh Đức đã tạo bài “Khái niệm cơ yếu”." in log
    assert "Trần Minh Đức đã hẹn hiển thị bài “Khái niệm cơ yếu” từ 02/03/2026 08:30." in log
    assert "Hệ thống đã nhập nội dung khóa học từ tệp." in log
    assert "Trần Minh Đức đã nhập 12 câu hỏi từ tệp “bai-01.gift”." in log
    assert "đã chấm lại bài kiểm tra “kiem-tra”: 3 lượt làm bài thay đổi điểm." in log
    assert "đã thực hiện thao tác “some new thing” đối với x." in log
    assert not re.search(r"\b(lesson|course|quiz|question)\.[a-z_]+\b", log)
    assert "revision" not in log and "lessons created" not in log


def test_every_logged_action_has_a_sentence() -> None:
    """Each action string passed to log_edit in the code has its sentence."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "lms"
    found = set()
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'log_edit\([^"]*?"([a-z_]+\.[a-z_]+)"', text, re.S))
        found |= {f"question.{o}" for o in ("created", "updated", "unchanged")
                  if 'f"question.{outcome}"' in text}
        found |= {f"category.{k}" for k in ("exam_pool", "practice")
                  if '"category.exam_pool" if exam else "category.practice"' in text}
    assert found and found <= set(SENTENCES), found - set(SENTENCES)
