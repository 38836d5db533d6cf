"""A lecturer or admin marks a lesson done for a learner, with a reason, audited
(issue 11): the learner read it some other way; the reading-time rule is for learners."""

from __future__ import annotations

from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.courses.models import LessonProgress
from lms.courses.services import LessonDraft, create_lesson, publish
from lms.extensions import db
from tests.conftest import Auth, csrf_from, make_class, make_course, make_user


def _world():
    course, lecturer, learner = make_course(), make_user("lecturer"), make_user("learner")
    lesson = create_lesson(course, lecturer, LessonDraft("Bài 1", 45, [], "Nội dung"))
    publish(lesson, lecturer)
    make_class(course, "K1", lecturer=lecturer, learners=(learner,))
    make_class(course, "K2", lecturer=make_user("lecturer"))
    db.session.commit()
    return lesson, lecturer, learner


def test_a_lecturer_marks_a_lesson_done_with_a_reason(auth: Auth, client) -> None:
    lesson, lecturer, learner = _world()
    auth.login_as(lecturer)
    url = f"/classes/K1/learners/{learner.id}/lessons"
    page = client.get(url).get_data(as_text=True)
    assert "0 of 23 min" in page or "0 / 23" in page or "23 phút" in page
    refused = client.post(url, data={"csrf_token": csrf_from(client, url),
                                     "lesson_id": lesson.id, "reason": "  "})
    assert refused.status_code == 302
    assert db.session.scalar(select(LessonProgress.id)) is None  # nothing without a reason
    done = client.post(url, data={"csrf_token": csrf_from(client, url),
                                  "lesson_id": lesson.id, "reason": "Học trên lớp, có điểm danh"})
    assert done.status_code == 302
    row = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == learner.id))
    assert row.status == "done"
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "lesson_marked_done"))
    assert entry.actor_id == lecturer.id and entry.target == learner.username
    assert entry.details["reason"] == "Học trên lớp, có điểm danh"


def test_only_the_learners_class_staff(auth: Auth, client) -> None:
    _lesson, _lecturer, learner = _world()
    auth.login_as(make_user("lecturer"))  # teaches nothing
    url = f"/classes/K1/learners/{learner.id}/lessons"
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login_as(learner)
    assert client.get(url).status_code == 404
