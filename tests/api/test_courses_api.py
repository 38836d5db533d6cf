"""Course and lesson API endpoints."""

from __future__ import annotations

from lms.auth.services import create_token
from lms.courses.services import LessonDraft, create_lesson, publish
from tests.conftest import make_class, make_course, make_user, reading_not_required


def _setup():
    course = reading_not_required(make_course("ql", "Quản lý nhà nước về Cơ yếu"))
    author = make_user("lecturer")
    lessons = []
    for i in (1, 2):
        lesson = create_lesson(course, author, LessonDraft(f"Bài {i}", 10, [], "x"))
        publish(lesson, author)
        lessons.append(lesson)
    draft = create_lesson(course, author, LessonDraft("Nháp", 10, [], "x"))
    learner = make_user("learner")
    make_class(course, "K1", learners=(learner,))
    return course, lessons, draft, learner


def _h(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(user)[1]}"}


def test_courses_and_lessons_with_status(client) -> None:
    _course, lessons, _draft, learner = _setup()
    headers = _h(learner)
    assert client.get("/api/v1/courses", headers=headers).json == [
        {"slug": "ql", "title": "Quản lý nhà nước về Cơ yếu", "lessons_total": 2,
         "lessons_done": 0}]
    response = client.post(f"/api/v1/lessons/{lessons[0].id}/complete", headers=headers)
    assert response.status_code == 200 and response.json["status"] == "done"
    listed = client.get("/api/v1/courses/ql/lessons", headers=headers).json
    assert [(item["title"], item["status"]) for item in listed] == [
        ("Bài 1", "done"), ("Bài 2", "not_started")]
    assert client.get("/api/v1/courses", headers=headers).json[0]["lessons_done"] == 1


def test_lessons_not_yours_are_404(client) -> None:
    _course, lessons, draft, learner = _setup()
    stranger = make_user("learner")
    assert client.post(f"/api/v1/lessons/{lessons[0].id}/complete",
                       headers=_h(stranger)).status_code == 404
    assert client.post(f"/api/v1/lessons/{draft.id}/complete",
                       headers=_h(learner)).status_code == 404
    assert client.get("/api/v1/courses/ql/lessons", headers=_h(stranger)).status_code == 404
    assert client.post("/api/v1/lessons/999999/complete", headers=_h(learner)).status_code == 404


def test_browser_calls_need_the_csrf_header(client, auth) -> None:
    _course, lessons, _draft, learner = _setup()
    auth.login_as(learner)
    assert client.post(f"/api/v1/lessons/{lessons[0].id}/complete").status_code == 400
    from tests.conftest import csrf_from

    token = csrf_from(client, "/")
    ok = client.post(f"/api/v1/lessons/{lessons[0].id}/complete",
                     headers={"X-CSRFToken": token})
    assert ok.status_code == 200
