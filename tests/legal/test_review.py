"""When the law changes (issue 13): an admin marks a document replaced or amended on the
web; everything citing it is flagged at once (no scheduled job) on the lecturers' review
list, the dashboard, the API and the lesson page; questions citing a document no longer in
force are left out of new random draws until a lecturer reviews them."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlalchemy import select

from lms.errors import InvalidInput
from lms.extensions import db
from lms.legal.models import LegalRecord
from lms.quizzes.attempts import start_attempt
from lms.quizzes.models import Question
from tests.conftest import Auth, assign_lecturer, csrf_from, make_user
from tests.quizzes.conftest import QuizWorld
from tests.quizzes.conftest import world as world  # the quiz world fixture

TODAY = "2026-12-05 09:00+07:00"


@pytest.fixture
def based(world: QuizWorld) -> QuizWorld:
    """The quiz world with a legal basis; one question of bai-01 cites Luật Cơ yếu."""
    for position, (number, title) in enumerate((("05/2011/QH13", "Luật Cơ yếu"),
                                                ("99/2026/QH15", "Luật Cơ yếu (sửa đổi)")), 1):
        db.session.add(LegalRecord(course_id=world.course.id, number=number, kind="Luật",
                                   title=title, issuer="Quốc hội", status="in_force",
                                   source=f"https://example.gov.vn/{position}",
                                   position=position, effective_on=date(2012, 2, 1)))
    question = db.session.scalar(select(Question).where(Question.category == "bai-01")
                                 .order_by(Question.id))
    question.tags = [*question.tags, "legal:05/2011/QH13"]
    assign_lecturer(world.course, world.lecturer)
    db.session.commit()
    return world


def _mark(client, world: QuizWorld, status: str, **extra: str):
    admin = make_user("admin")
    db.session.commit()
    auth = Auth(client)
    auth.login_as(admin)
    record = db.session.scalar(select(LegalRecord).where(LegalRecord.number == "05/2011/QH13"))
    url = f"/courses/{world.course.slug}/legal/{record.id}"
    response = client.post(url, data={"status": status, "csrf_token": csrf_from(client, url),
                                      **extra})
    auth.logout()
    return response


@time_machine.travel(TODAY, tick=False)
def test_a_replaced_law_flags_its_question_at_once_and_holds_it_back(client, based) -> None:
    world = based
    start_attempt(world.quiz, world.learner)  # 7 of 7: every question can be drawn
    db.session.rollback()
    refused = _mark(client, world, "replaced", replaced_by="", status_date="01/12/2026")
    assert refused.status_code == 422  # a replacement must be named
    done = _mark(client, world, "replaced", replaced_by="99/2026/QH15",
                 status_date="01/12/2026")
    assert done.status_code == 302
    # At once: the lecturer's review list, the API and the dashboard say so.
    auth = Auth(client)
    auth.login_as(world.lecturer)
    page = client.get(f"/courses/{world.course.slug}/legal/review").get_data(as_text=True)
    assert "05/2011/QH13" in page and "không được rút ngẫu nhiên" in page
    assert f"/courses/{world.course.slug}/legal/review" in client.get("/").get_data(as_text=True)
    api = client.get(f"/api/v1/courses/{world.course.slug}/review",
                     headers={"Authorization": f"Bearer {_token(world.lecturer)}"}).json
    assert [(i["kind"], i["documents"], i["held_back"]) for i in api] == [
        ("question", ["05/2011/QH13"], True)]
    quiz_page = client.get(f"/quizzes/{world.quiz.id}").get_data(as_text=True)
    assert 'id="legal-held"' in quiz_page
    # Held back: a draw of all seven cannot be made any more.
    with pytest.raises(InvalidInput):
        start_attempt(world.quiz, world.learner)
    db.session.rollback()
    # Reviewed: drawn again; the flag is gone.
    url = f"/courses/{world.course.slug}/legal/review"
    question = next(q for q in db.session.scalars(select(Question))
                    if "legal:05/2011/QH13" in q.tags)
    assert client.post(url, data={"kind": "question", "item_id": question.id,
                                  "csrf_token": csrf_from(client, url)}).status_code == 302
    assert "05/2011/QH13" not in client.get(url).get_data(as_text=True)
    attempt, _new = start_attempt(world.quiz, world.learner)
    assert question.id in {s.question_id for s in attempt.slots}


@time_machine.travel(TODAY, tick=False)
def test_a_change_after_the_review_flags_again(client, based) -> None:
    world = based
    assert _mark(client, world, "amended", status_date="01/12/2026").status_code == 302
    auth = Auth(client)
    auth.login_as(world.lecturer)
    url = f"/courses/{world.course.slug}/legal/review"
    question = next(q for q in db.session.scalars(select(Question))
                    if "legal:05/2011/QH13" in q.tags)
    client.post(url, data={"kind": "question", "item_id": question.id,
                           "csrf_token": csrf_from(client, url)})
    assert "05/2011/QH13" not in client.get(url).get_data(as_text=True)
    auth.logout()
    with time_machine.travel("2026-12-06 09:00+07:00", tick=False):
        assert _mark(client, world, "replaced", replaced_by="99/2026/QH15",
                     status_date="06/12/2026").status_code == 302
        auth.login_as(world.lecturer)
        assert "05/2011/QH13" in client.get(url).get_data(as_text=True)


def test_only_admins_change_a_status(client, based) -> None:
    world = based
    record = db.session.scalar(select(LegalRecord).where(LegalRecord.number == "05/2011/QH13"))
    Auth(client).login_as(world.lecturer)
    url = f"/courses/{world.course.slug}/legal/{record.id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"status": "expired", "status_date": "01/01/2026",
                                  "csrf_token": csrf_from(client, "/")}).status_code == 404
    db.session.expire_all()
    assert db.session.get(LegalRecord, record.id).status == "in_force"


def _token(user) -> str:
    from lms.auth.services import create_token

    _row, raw = create_token(user)
    db.session.commit()
    return raw
