"""Accommodations belong to a class (issue 11). The finding: a lecturer teaching only
class A gave a learner 600 extra minutes, ×5 and 20 extra attempts on course B's final,
including the attempt in progress."""

from __future__ import annotations

from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.auth.services import create_token
from lms.extensions import db
from lms.quizzes.attempts import accommodation_for, timing_of
from lms.quizzes.bank import save_question
from lms.quizzes.gift import parse_gift
from lms.quizzes.timing import attempts_limit
from tests.conftest import Auth, csrf_from, make_class, make_course, make_user
from tests.quizzes.conftest import BANK, QuizWorld, make_quiz

GENEROUS = {"extra_minutes": "600", "time_multiplier": "5", "extra_attempts": "20"}


def _course_b(world: QuizWorld):
    course = make_course("khoa-b", "Khóa B")
    for i, q in enumerate(parse_gift(BANK), start=1):
        save_question(course, q, None, name=q.name, source_order=i)
    quiz = make_quiz(course, slug="cuoi-khoa-b")
    make_class(course, "KB", lecturer=make_user("lecturer"), learners=(world.learner,))
    db.session.commit()
    return quiz


def _post(client, url: str, data: dict) -> int:
    return client.post(url, data={"csrf_token": csrf_from(client, "/"), **data}).status_code


def test_a_lecturer_of_class_a_cannot_touch_course_b(auth: Auth, client,
                                                     world: QuizWorld) -> None:
    quiz_b = _course_b(world)
    raw = create_token(world.learner)[1]
    started = client.post(f"/api/v1/quizzes/{quiz_b.id}/attempts",
                          headers={"Authorization": f"Bearer {raw}"}).json
    from lms.quizzes.attempt_models import Attempt

    attempt_b = db.session.get(Attempt, started["id"])
    deadline_before = timing_of(attempt_b).deadline

    auth.login_as(world.lecturer)  # teaches K1 (course A) only
    learner = world.learner.id
    assert client.get(f"/classes/KB/learners/{learner}/accommodation").status_code == 404
    assert _post(client, f"/classes/KB/learners/{learner}/accommodation", GENEROUS) == 404
    assert _post(client, f"/classes/K1/learners/{learner}/accommodation", GENEROUS) == 302
    db.session.expire_all()

    # Course B: nothing changed, not even the attempt in progress.
    assert accommodation_for(learner, quiz_b) is None
    assert timing_of(db.session.get(Attempt, started["id"])).deadline == deadline_before
    assert attempts_limit(quiz_b, accommodation_for(learner, quiz_b)) == quiz_b.attempts_allowed
    # Course A's quiz: it applies.
    granted = accommodation_for(learner, world.quiz)
    assert (granted.extra_minutes, granted.time_multiplier, granted.extra_attempts) == (600, 5, 20)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "accommodation"))
    assert entry.actor_id == world.lecturer.id and entry.details["class_code"] == "K1"


def test_a_per_quiz_accommodation_wins(auth: Auth, client, world: QuizWorld) -> None:
    other = make_quiz(world.course, slug="khac")
    db.session.commit()
    auth.login_as(world.lecturer)
    url = f"/classes/K1/learners/{world.learner.id}/accommodation"
    assert _post(client, url, {"extra_minutes": "10"}) == 302
    assert _post(client, f"{url}?quiz={world.quiz.id}", {"extra_minutes": "20"}) == 302
    assert accommodation_for(world.learner.id, world.quiz).extra_minutes == 20
    assert accommodation_for(world.learner.id, other).extra_minutes == 10


def test_it_ends_with_the_enrolment(auth: Auth, client, world: QuizWorld) -> None:
    from lms.classes.models import Class
    from lms.classes.services import withdraw

    auth.login_as(make_user("admin"))  # admins may set it in any class
    url = f"/classes/K1/learners/{world.learner.id}/accommodation"
    assert _post(client, url, {"extra_minutes": "30"}) == 302
    assert accommodation_for(world.learner.id, world.quiz) is not None
    withdraw(db.session.get(Class, world.class_id), world.learner)
    assert accommodation_for(world.learner.id, world.quiz) is None
    assert client.get(url).status_code == 404


def test_a_limit_is_refused_whole(auth: Auth, client, world: QuizWorld) -> None:
    auth.login_as(world.lecturer)
    url = f"/classes/K1/learners/{world.learner.id}/accommodation"
    assert _post(client, url, {"extra_minutes": "601"}) == 302
    assert accommodation_for(world.learner.id, world.quiz) is None
