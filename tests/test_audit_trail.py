"""Issue 15, audit coverage: the changes that used to leave no trace now leave an entry
telling what changed from what to what (a class's completion rule, a withdrawal, a quiz's
review matrix, a class created, an account edited), and the audit page reads those
changes in Vietnamese."""

# ruff: noqa: F811 (the quiz world's fixtures, imported, are this module's arguments)
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.audit.services import changes
from lms.classes.models import Class
from lms.extensions import db
from tests.conftest import Auth, csrf_from, make_course, make_user
from tests.quizzes.conftest import QuizWorld, world  # noqa: F401 (the fixture)
from tests.quizzes.test_quiz_settings import _form, _url, editor  # noqa: F401 (fixture)


def _entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def _audit_page(client: Any, action: str) -> str:
    return client.get(f"/admin/audit/?action={action}").get_data(as_text=True)


def test_changes_keeps_only_what_differs_with_its_old_and_new_value() -> None:
    before = {"a": 1, "b": [1, 2], "c": None}
    after = {"a": 1, "b": [2, 1], "c": "x"}
    assert changes(before, after) == {
        "b": {"old": [1, 2], "new": [2, 1]},
        "c": {"old": None, "new": "x"},
    }
    assert changes(after, after) == {}


def _settings_world() -> tuple[Any, Class]:
    from lms.courses.services import LessonDraft, create_lesson, publish
    from tests.conftest import make_class
    from tests.quizzes.conftest import make_quiz

    course, admin = make_course(), make_user("admin")
    publish(create_lesson(course, admin, LessonDraft("Bài 1", 5, [], "Nội dung")), admin)
    make_quiz(course)
    klass = make_class(course, "K1")
    db.session.commit()
    return admin, klass


def test_changing_the_completion_rule_is_audited_with_old_and_new_rule(auth: Auth, client) -> None:
    admin, klass = _settings_world()
    auth.login_as(admin)
    url = f"/classes/{klass.code}/settings"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(client, url),
            "lessons_mode": "all",
            "quiz-kiem-tra": "1",
            "mark-kiem-tra": "7,5",
            "certificate_mode": "manual",
            "certificate_place": "Hà Nội",
        },
    )
    assert response.status_code == 302
    (entry,) = _entries("class_settings")
    assert entry.actor_id == admin.id and entry.target == "class:K1"
    changed = entry.details["changes"]
    assert changed["completion_rule"] == {
        "old": None,
        "new": {"lessons": "all", "quizzes": [{"slug": "kiem-tra", "pass_mark10": 7.5}]},
    }
    assert changed["certificate_mode"] == {"old": "auto", "new": "manual"}
    assert "certificate_place" not in changed  # unchanged fields are not listed
    page = _audit_page(client, "class_settings")
    assert "đã thay đổi thiết lập của lớp K1" in page
    assert (
        "Điều kiện hoàn thành: quy tắc của khóa học → Tất cả bài học; "
        "Đạt bài kiểm tra “kiem-tra” ≥ 7,5"
    ) in page
    assert "Hình thức cấp: Tự động cấp khi học viên hoàn thành → Do quản trị viên cấp" in page
    # Saving the same again changes nothing and writes nothing.
    client.post(
        url,
        data={
            "csrf_token": csrf_from(client, url),
            "lessons_mode": "all",
            "quiz-kiem-tra": "1",
            "mark-kiem-tra": "7,5",
            "certificate_mode": "manual",
            "certificate_place": "Hà Nội",
        },
    )
    assert len(_entries("class_settings")) == 1


def test_the_rule_entry_comes_before_the_certificates_it_issues(auth: Auth, client) -> None:
    from tests.certificates.conftest import completed_class

    klass, _learners = completed_class(n=1, code="K9")
    klass.certificate_mode = "manual"
    admin = make_user("admin")
    db.session.commit()
    auth.login_as(admin)
    url = f"/classes/{klass.code}/settings"
    # Back to automatic issue with the course's rule: the completed learner gets one now.
    client.post(
        url,
        data={
            "csrf_token": csrf_from(client, url),
            "lessons_mode": "all",
            "certificate_mode": "auto",
        },
    )
    (settings,) = _entries("class_settings")
    issued = _entries("certificate_issue")
    assert len(issued) == 1
    assert settings.details["changes"]["certificate_mode"] == {"old": "manual", "new": "auto"}
    assert all(settings.id < entry.id for entry in issued)


def test_withdrawing_a_learner_is_audited_with_the_state_before_and_after(
    auth: Auth, client
) -> None:
    from tests.conftest import make_class

    admin, learner = make_user("admin"), make_user("learner")
    make_class(make_course(), "K1", learners=(learner,))
    db.session.commit()
    auth.login_as(admin)
    url = f"/classes/K1/learners/{learner.id}/withdraw"
    assert client.post(url, data={"csrf_token": csrf_from(client, url)}).status_code == 302
    (entry,) = _entries("learner_withdraw")
    assert entry.actor_id == admin.id and entry.target == learner.username
    assert entry.details["changes"] == {"state": {"old": "active", "new": "withdrawn"}}
    page = _audit_page(client, "learner_withdraw")
    assert "Trạng thái ghi danh: Đang hoạt động → Đã rút khỏi lớp" in page


def test_changing_the_review_matrix_is_audited_with_old_and_new_matrix(
    client,
    world: QuizWorld,
    editor: Auth,
) -> None:
    old_review = dict(world.quiz.review)
    response = client.post(_url(world), data=_form(client, world, review_during_score="y"))
    assert response.status_code == 302
    (entry,) = _entries("quiz_settings")
    assert entry.actor_id == world.lecturer.id
    review = entry.details["changes"]["review"]
    assert review["old"] == old_review
    assert review["new"]["during"] == ["score"] and old_review["during"] == []
    admin = make_user("admin")
    db.session.commit()
    editor.logout()
    editor.login_as(admin)
    page = _audit_page(client, "quiz_settings")
    assert (
        "Nội dung học viên được xem lại: Trong khi làm bài: –; Ngay sau khi nộp bài: Điểm;"
    ) in page  # the old matrix, readable
    assert "→ Trong khi làm bài: Điểm; Ngay sau khi nộp bài: Điểm;" in page


def test_creating_a_class_and_editing_an_account_are_audited(auth: Auth, client) -> None:
    course, admin = make_course(), make_user("admin")
    learner = make_user("learner", full_name="Trần Văn Cũ")
    db.session.commit()
    auth.login_as(admin)
    client.post(
        "/classes/new",
        data={
            "csrf_token": csrf_from(client, "/classes/new"),
            "code": "K75",
            "name": "Lớp mới",
            "course": course.slug,
        },
    )
    (created,) = _entries("class_create")
    assert created.actor_id == admin.id and created.details["class_code"] == "K75"
    url = f"/admin/users/{learner.id}"
    client.post(
        url,
        data={
            "csrf_token": csrf_from(client, url),
            "full_name": "Trần Văn Mới",
            "role": "learner",
            "locale": "vi",
            "active": "y",
        },
    )
    (edited,) = _entries("account_edit")
    assert edited.details["changes"] == {"full_name": {"old": "Trần Văn Cũ", "new": "Trần Văn Mới"}}
    page = _audit_page(client, "account_edit")
    assert "Họ và tên: Trần Văn Cũ → Trần Văn Mới" in page


def test_the_quiz_builder_records_the_review_matrix_it_changes(
    client,
    world: QuizWorld,
    editor: Auth,
) -> None:
    url = f"/courses/{world.course.slug}/quizzes/{world.quiz.id}/edit"
    old_review = dict(world.quiz.review)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(client, url),
            "title": world.quiz.title,
            "minutes": "30",
            "attempts": "2",
            "pass_mark10": "5",
            "grading": "highest",
            "on_expiry": "autosubmit",
            "shuffle_questions": "y",
            "shuffle_options": "y",
            "draw-bai-01": "7",
            "review-during-score": "y",
        },
    )
    assert response.status_code == 302
    (entry,) = [e for e in _entries("content_edit") if e.details["edit"] == "quiz.save"]
    assert entry.actor_id == world.lecturer.id
    assert entry.details["changes"]["review"] == {
        "old": old_review,
        "new": {"during": ["score"], "immediately": [], "later": [], "after_close": []},
    }
    assert set(entry.details["changes"]) == {"review"}  # the rest was left as it was
    admin = make_user("admin")
    db.session.commit()
    editor.logout()
    editor.login_as(admin)
    page = _audit_page(client, "content_edit")
    assert "đã lưu bài kiểm tra “Kiểm tra”" in page
    assert "→ Trong khi làm bài: Điểm;" in page


def test_course_content_changes_read_as_the_course_changes_page_tells_them(
    auth: Auth, client
) -> None:
    from lms.courses.services import LessonDraft, add_attachment, create_lesson

    course, admin = make_course(), make_user("admin")
    lecturer = make_user("lecturer", full_name="Trần Minh Đức")
    create_lesson(course, lecturer, LessonDraft("Bài về mật mã", 5, [], "Nội dung"))
    add_attachment(course, lecturer, "tai-lieu.txt", "Tài liệu".encode())
    db.session.commit()
    entries = _entries("content_edit")
    assert [e.details["edit"] for e in entries] == ["lesson.create", "attachment.upload"]
    assert all(e.actor_id == lecturer.id and e.target == f"course:{course.slug}"
               for e in entries)
    auth.login_as(admin)
    page = _audit_page(client, "content_edit")
    assert "Trần Minh Đức đã tạo bài “Bài về mật mã”." in page
    assert "Trần Minh Đức đã tải lên tệp “tai-lieu.txt”." in page
