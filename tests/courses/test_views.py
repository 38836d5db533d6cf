"""Course pages: outline, lesson, progress, access, authoring views, page budgets."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from lms.courses.models import Lesson, LessonProgress
from lms.courses.services import LessonDraft, create_lesson, publish
from lms.db import utcnow
from lms.extensions import db
from tests.conftest import Auth, assign_lecturer, csrf_from, make_class, make_course, make_user


def _course_with_lessons(n: int = 3, slug: str = "ql-co-yeu"):
    course = make_course(slug, "Quản lý nhà nước về Cơ yếu")
    author = make_user("lecturer")
    assign_lecturer(course, author)
    lessons = []
    for i in range(1, n + 1):
        lesson = create_lesson(
            course,
            author,
            LessonDraft(
                title=f"Bài {i}. Nội dung {i}",
                minutes=20,
                objectives=[f"Mục tiêu {i}"],
                body=f"## Phần {i}\n\nVăn bản bài {i}.\n\n[Slide](attachments/slide.pdf)\n",
            ),
        )
        publish(lesson, author)
        lessons.append(lesson)
    return course, author, lessons


def test_learner_reads_lessons_and_progress_shows(auth: Auth, client) -> None:
    course, _author, lessons = _course_with_lessons()
    learner = make_user("learner")
    make_class(course, "K1", learners=(learner,))
    auth.login_as(learner)
    outline = client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "0 of 3" in outline or "0/3" in outline or 'value="0"' in outline
    page = client.get(f"/courses/{course.slug}/lessons/{lessons[0].slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Bài 1. Nội dung 1" in html and 'rel="next"' in html
    progress = db.session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == learner.id, LessonProgress.lesson_id == lessons[0].id
        )
    )
    assert progress.status == "in_progress"
    url = f"/courses/{course.slug}/lessons/{lessons[0].slug}"
    # Too early: half of the 20 estimated minutes must be read first; the page says so.
    assert "10 more minutes" in html or "10 phút" in html
    early = client.post(f"{url}/done", data={"csrf_token": csrf_from(client, url)})
    assert early.status_code == 302 and early.headers["Location"].endswith(url)
    with time_machine.travel(utcnow(), tick=False) as clock:
        for _ in range(6):  # a visit every two minutes: 5 × 120 s counted
            clock.shift(timedelta(minutes=2))
            client.get(url)
        done = client.post(f"{url}/done", data={"csrf_token": csrf_from(client, url)})
        assert done.status_code == 302 and lessons[1].slug in done.headers["Location"]
        assert 'value="33"' in client.get(f"/courses/{course.slug}").get_data(as_text=True)


def test_outsiders_get_404_everywhere(auth: Auth, client) -> None:
    course, _author, lessons = _course_with_lessons(1)
    auth.login_as(make_user("learner"))
    for url in (
        f"/courses/{course.slug}",
        f"/courses/{course.slug}/lessons/{lessons[0].slug}",
        f"/courses/{course.slug}/manage",
        f"/courses/{course.slug}/lessons/{lessons[0].slug}/edit",
        f"/courses/{course.slug}/attachments/slide.pdf",
    ):
        assert client.get(url).status_code == 404, url


def test_only_editors_reach_authoring(auth: Auth, client) -> None:
    course, author, lessons = _course_with_lessons(1)
    class_lecturer = make_user("lecturer")
    learner = make_user("learner")
    make_class(course, "K1", lecturer=class_lecturer, learners=(learner,))
    edit = f"/courses/{course.slug}/lessons/{lessons[0].slug}/edit"
    for user, expected in ((learner, 404), (class_lecturer, 404), (author, 200)):
        auth.login_as(user)
        assert client.get(edit).status_code == expected, user.role
        assert client.get(f"/courses/{course.slug}/manage").status_code == expected
        auth.logout()


def test_lecturer_writes_previews_and_publishes(auth: Auth, client) -> None:
    course, author, _lessons = _course_with_lessons(1)
    auth.login_as(author)
    token = csrf_from(client, f"/courses/{course.slug}/lessons/new")
    response = client.post(
        f"/courses/{course.slug}/lessons/new",
        data={
            "csrf_token": token,
            "title": "Bài mới",
            "minutes": "15",
            "objectives": "Một\nHai",
            "body": "Xin chào <script>alert(1)</script>",
        },
    )
    assert response.status_code == 302
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "bai-moi"))
    assert lesson.status == "draft" and lesson.objectives == ["Một", "Hai"]
    preview = client.post(
        f"/courses/{course.slug}/preview",
        data={"csrf_token": token, "body": "**đậm** <script>x</script>"},
    )
    assert "<strong>đậm</strong>" in preview.json["html"]
    assert "<script>" not in preview.json["html"]
    assert client.post(f"/courses/{course.slug}/preview", data={"body": "x"}).status_code == 400
    client.post(
        f"/courses/{course.slug}/lessons/bai-moi/edit",
        data={
            "csrf_token": token,
            "title": "Bài mới",
            "minutes": "15",
            "objectives": "Một",
            "body": "Đã sửa",
            "action": "publish",
        },
    )
    assert db.session.get(Lesson, lesson.id).published_revision.body == "Đã sửa\n"
    history = client.get(f"/courses/{course.slug}/lessons/bai-moi/history?b=1")
    assert history.status_code == 200


def test_outline_and_lesson_statement_counts_are_constant(
    auth: Auth, client, count_statements
) -> None:
    small, _a, small_lessons = _course_with_lessons(2, "nho")
    big, _b, big_lessons = _course_with_lessons(12, "lon")
    learner = make_user("learner")
    make_class(small, "K1", learners=(learner, *[make_user("learner") for _ in range(2)]))
    make_class(big, "K2", learners=(learner, *[make_user("learner") for _ in range(25)]))
    auth.login_as(learner)
    counts = {}
    targets = [(c.slug, ls[-1].slug) for c, ls in ((small, small_lessons), (big, big_lessons))]
    for slug, lesson_slug in targets:
        with count_statements() as outline:
            assert client.get(f"/courses/{slug}").status_code == 200
        with count_statements() as lesson:
            assert client.get(f"/courses/{slug}/lessons/{lesson_slug}").status_code == 200
        counts[slug] = (outline.count, lesson.count)
    assert counts["nho"] == counts["lon"], counts


def test_lesson_page_is_small(auth: Auth, client) -> None:
    course, _author, lessons = _course_with_lessons(1)
    learner = make_user("learner")
    make_class(course, "K1", learners=(learner,))
    auth.login_as(learner)
    html = client.get(f"/courses/{course.slug}/lessons/{lessons[0].slug}").get_data()
    assert len(html) <= 60 * 1024
