"""Pages of a signed-in person are not cached; text downloads carry one charset."""

from __future__ import annotations

import pytest

from lms.courses.services import LessonDraft, add_attachment, create_lesson, publish
from tests.conftest import Auth, assign_lecturer, make_class, make_course, make_user


@pytest.mark.parametrize("role", ["learner", "lecturer", "admin"])
def test_signed_in_pages_are_no_store(auth: Auth, client, role: str) -> None:
    auth.login_as(make_user(role))
    for url in ("/", "/courses/", "/account/password" if role != "admin" else "/admin/users"):
        response = client.get(url, follow_redirects=True)
        if response.mimetype == "text/html" and response.status_code == 200:
            assert response.headers["Cache-Control"] == "no-store", url


def test_an_error_page_of_a_signed_in_person_is_no_store(auth: Auth, client) -> None:
    auth.login_as(make_user("learner"))
    response = client.get("/courses/no-such-course")
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"


def test_public_pages_and_static_files_may_be_cached(client) -> None:
    assert "no-store" not in client.get("/auth/login").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def _single_charset(content_type: str) -> None:
    assert content_type.lower().count("charset") == 1, content_type
    assert "charset=utf-8" in content_type.lower(), content_type


def test_text_downloads_carry_one_charset(auth: Auth, client) -> None:
    course = make_course("ql-van-ban")
    author, learner = make_user("lecturer"), make_user("learner")
    assign_lecturer(course, author)
    make_class(course, "K1", learners=(learner,))
    lesson = create_lesson(
        course,
        author,
        LessonDraft(
            title="Bài 1",
            minutes=0,
            objectives=[],
            body="[Ghi chú](attachments/ghi-chu.txt) [Bảng](attachments/bang.csv)",
        ),
    )
    publish(lesson, author)
    add_attachment(course, author, "ghi-chu.txt", "Ghi chú tiếng Việt\n".encode())
    add_attachment(course, author, "bang.csv", "Họ và tên,Điểm\nAn,9\n".encode())
    auth.login_as(learner)
    for name in ("ghi-chu.txt", "bang.csv"):
        response = client.get(f"/courses/{course.slug}/attachments/{name}")
        assert response.status_code == 200
        _single_charset(response.headers["Content-Type"])
    auth.logout()
    auth.login_as(author)
    response = client.get(f"/courses/{course.slug}/questions/export.gift")
    assert response.status_code == 200
    _single_charset(response.headers["Content-Type"])


def test_the_csv_report_carries_one_charset(auth: Auth, client) -> None:
    from tests.conftest import csrf_from

    course = make_course("ql-bao-cao")
    klass = make_class(course, "K9", learners=(make_user("learner"),))
    auth.login_as(make_user("admin"))
    queued = client.post(
        f"/classes/{klass.code}/export.csv", data={"csrf_token": csrf_from(client, "/")}
    )
    assert queued.status_code == 302
    job = queued.headers["Location"].rsplit("/", 1)[-1]
    response = client.get(f"/exports/{job}/download")
    assert response.status_code == 200
    _single_charset(response.headers["Content-Type"])
