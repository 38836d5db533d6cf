"""The attacker of issue 11: a learner scripting the API to get the certificate without
studying, on the shipped course and the demo class with their default settings.

Each attack must fail: guessing by option id scores at chance, harvesting every review
reachable before the exam closes gives away nothing of the exam, lessons do not count
as read in a second, and a revoked certificate never comes back on its own.
"""

from __future__ import annotations

import io
import re
from statistics import fmean
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from lms.audit.models import AuditEntry
from lms.certificates.models import Certificate
from lms.certificates.services import issue_for_class, reissue, revoke
from lms.classes.completion import recompute
from lms.classes.models import ClassCompletion
from lms.courses.models import LessonProgress
from lms.extensions import db
from lms.quizzes.attempt_models import Attempt
from lms.quizzes.attempts import regrade_quiz
from lms.quizzes.models import Question, Quiz
from tests.conftest import Auth, csrf_from
from tests.security.exam_attacks import (
    FINAL,
    Harvest,
    Learner,
    Shipped,
    first_shown,
    highest_id,
    lowest_id,
    plain,
    right_response,
    shipped_world,
)

pytestmark = pytest.mark.security

VN = ZoneInfo("Asia/Ho_Chi_Minh")
LEARNERS = 6  # per strategy: the mean of six attempts at chance is far below the pass mark


@pytest.fixture
def shipped(app) -> Shipped:
    return shipped_world(app.test_client, LEARNERS)


def _score(attempt_id: int) -> float:
    attempt = db.session.get(Attempt, attempt_id)
    db.session.refresh(attempt)
    return attempt.score10 or 0.0


def _valid_certificates(user_id: int) -> int:
    return db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.user_id == user_id, Certificate.status == "valid")) or 0


def _final_id(learner: Learner) -> int:
    return learner.quizzes()[FINAL]


@pytest.mark.parametrize("strategy", [lowest_id, highest_id, first_shown],
                         ids=["lowest-id", "highest-id", "first-shown"])
def test_guessing_by_option_id_scores_at_chance(shipped: Shipped, strategy) -> None:
    scores = []
    for learner in shipped.learners:
        attempt, _result = learner.take(_final_id(learner), strategy)
        scores.append(_score(attempt["id"]))
    # Chance on the shipped final is about 2,5/10; the finding was 9,0 for every learner.
    print(f"\n[attack] {strategy.__name__}: scores {scores}, mean {fmean(scores):.2f}")
    assert fmean(scores) < 4.0, scores
    assert sum(s >= 5.0 for s in scores) <= 1, scores


def _harvest(learner: Learner, rounds: int = 12) -> Harvest:
    """Empty attempts at every practice quiz, reading every review the API gives."""
    harvest = Harvest()
    for slug, quiz_id in learner.quizzes().items():
        if slug == FINAL:
            continue
        stale = 0
        for _ in range(rounds):
            before = len(harvest.questions_seen)
            attempt, _result = learner.take(quiz_id, lambda _q: None)
            harvest.add(learner.review(attempt["id"]))
            stale = stale + 1 if len(harvest.questions_seen) == before else 0
            if stale >= 3:
                break
    return harvest


def test_harvesting_reviews_gives_away_nothing_of_the_exam(shipped: Shipped) -> None:
    spy = shipped.learner(0)
    harvest = _harvest(spy)
    assert harvest.by_text, "practice reviews show right answers (they should)"
    final = db.session.scalar(select(Quiz).where(Quiz.slug == FINAL))
    exam_categories = {rule["category"] for rule in final.draw}
    exam_texts = {plain_question(q) for q in db.session.scalars(
        select(Question).where(Question.course_id == final.course_id,
                               Question.category.in_(exam_categories)))}
    leaked = exam_texts & set(harvest.by_text)
    assert not leaked, f"{len(leaked)} exam questions answered by practice reviews"
    # The spy's own first attempt at the final, and its review, before the close.
    attempt, _ = spy.take(_final_id(spy), harvest.by_text_chooser(lowest_id))
    harvest.add(spy.review(attempt["id"]))
    scores = [_score(attempt["id"])]
    for learner in shipped.learners[1:]:
        chooser = harvest.by_text_chooser(harvest.same_ids_chooser(lowest_id))
        attempt, _ = learner.take(_final_id(learner), chooser)
        scores.append(_score(attempt["id"]))
    print(f"\n[attack] harvest: {len(harvest.by_text)} answers harvested in {spy.calls} "
          f"calls, {len(leaked)} of the exam; scores by text {scores}, mean {fmean(scores):.2f}")
    assert fmean(scores) < 4.0, scores


def plain_question(question: Question) -> str:
    from lms.quizzes.render import text_html

    version = question.current_version
    return plain(str(text_html(version.text, version.text_format)))


def test_completing_every_lesson_at_once_counts_nothing(shipped: Shipped) -> None:
    learner = shipped.learner(0)
    statuses = learner.complete_all_lessons()
    assert statuses and set(statuses) == {409}, statuses
    body = learner.post(f"/lessons/{learner.lessons()[0]['id']}/complete").get_json()
    assert body["error"]["code"] == "not_read_yet"
    assert body["error"]["seconds_needed"] > 0
    assert {lesson["status"] for lesson in learner.lessons()} != {"done"}
    row = db.session.scalar(select(ClassCompletion).where(
        ClassCompletion.user_id == learner.user.id))
    assert row is None or row.lessons_done == 0


def test_complete_button_refuses_an_unread_lesson_on_the_web(shipped: Shipped, client) -> None:
    auth = Auth(client)
    assert auth.login("hocvien", "hocvien-demo").status_code == 302
    slug = "khai-niem-vi-tri-vai-tro"
    url = f"/courses/quan-ly-nha-nuoc-ve-co-yeu/lessons/{slug}"
    response = auth.post(f"{url}/done", form_url=url)
    assert response.status_code in (302, 409)
    done = db.session.scalar(select(func.count(LessonProgress.id)).where(
        LessonProgress.status == "done"))
    assert done == 0


def _pass_final(learner: Learner) -> None:
    attempt = learner.start(_final_id(learner))
    for question in attempt["questions"]:
        answer = right_response(question, attempt["id"])
        assert learner.put(f"/attempts/{attempt['id']}/answers/{question['slot']}",
                           {"response": answer, "seq": 1}).status_code == 200
    assert learner.post(f"/attempts/{attempt['id']}/submit").status_code == 200
    assert _score(attempt["id"]) == 10.0


def test_revocation_sticks_through_every_completion_event(shipped: Shipped, client) -> None:
    learner = shipped.learner(0)
    learner.study()
    _pass_final(learner)
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.user_id == learner.user.id))
    assert certificate is not None and certificate.status == "valid"
    revoke(certificate, shipped.admin, "Gian lận khi kiểm tra")
    db.session.commit()

    # 1. a practice submit (the finding: a new certificate five seconds later)
    practice = next(q for s, q in learner.quizzes().items() if s != FINAL)
    learner.take(practice, lambda _q: None)
    assert _valid_certificates(learner.user.id) == 0
    # 2. a lesson completed again
    row = db.session.scalar(select(LessonProgress).where(
        LessonProgress.user_id == learner.user.id))
    row.status, row.completed_at = "in_progress", None
    db.session.commit()
    assert learner.post(f"/lessons/{row.lesson_id}/complete").status_code == 200
    assert _valid_certificates(learner.user.id) == 0
    # 3. the class's completion rule changed by an admin
    auth = Auth(client)
    assert auth.login("admin", "quantri-demo").status_code == 302
    settings = f"/classes/{shipped.klass.code}/settings"
    response = auth.post(settings, {"certificate_mode": "auto", "lessons_mode": "all",
                                    f"quiz-{FINAL}": "1", f"mark-{FINAL}": "4,5"},
                         form_url=settings)
    assert response.status_code == 302
    assert _valid_certificates(learner.user.id) == 0
    # 4. a regrade, a recompute of the whole class, a bulk issue by an admin
    regrade_quiz(db.session.scalar(select(Quiz).where(Quiz.slug == FINAL)))
    recompute(shipped.klass)
    issue_for_class(shipped.klass, shipped.admin)
    db.session.commit()
    assert _valid_certificates(learner.user.id) == 0
    issues = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "certificate_issue", AuditEntry.actor_id.is_(None))).all()
    assert [e for e in issues if e.created_at > certificate.revoked_at] == []

    # Only an explicit reissue by an admin, with a reason, gives a new one.
    db.session.refresh(certificate)
    new = reissue(certificate, shipped.admin, "Hội đồng xem xét lại, cấp lại")
    db.session.commit()
    assert new.status == "valid" and _valid_certificates(learner.user.id) == 1
    db.session.refresh(certificate)
    assert certificate.status == "revoked"


def test_a_revoked_pdf_says_revoked_first(shipped: Shipped, client, runner, tmp_path) -> None:
    learner = shipped.learner(0)
    learner.study()
    _pass_final(learner)
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.user_id == learner.user.id))
    pdf = certificate.pdf
    revoke(certificate, shipped.admin, "Gian lận khi kiểm tra")
    db.session.commit()
    when = certificate.revoked_at

    path = tmp_path / "cert.pdf"
    path.write_bytes(pdf)
    result = runner.invoke(args=["certificates", "verify", str(path)])
    assert result.exit_code == 1
    first = result.output.splitlines()[0]
    revoked_on = f"{when.astimezone(VN):%d/%m/%Y}"
    assert first.startswith(f"KHÔNG HỢP LỆ: Đã bị thu hồi ngày {revoked_on}"), first
    assert certificate.serial in first

    token = csrf_from(client, "/verify")
    page = client.post("/verify", data={"file": (io.BytesIO(pdf), "c.pdf"), "csrf_token": token})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    verdict = text.index('id="verdict"')
    assert "Đã bị thu hồi" in text[verdict:verdict + 400], text[verdict:verdict + 400]
    assert f"{when.astimezone(VN):%d/%m/%Y}" in text[verdict:verdict + 400]
    assert verdict < text.index("Chữ ký")


RADIO = re.compile(r'<input type="(radio|checkbox)" name="q(\d+)" value="([^"]+)"')


def test_the_web_form_gives_nothing_away_either(shipped: Shipped, app) -> None:
    """The same guess through the page: the lowest value of each question's inputs."""
    from lms.auth.models import User

    scores = []
    for learner in shipped.learners:
        client = app.test_client()
        db.session.get(User, learner.user.id).must_change_password = False
        db.session.commit()
        Auth(client).login_as(learner.user)
        quiz_id = _final_id(learner)
        started = client.post(f"/quizzes/{quiz_id}/start",
                              data={"csrf_token": csrf_from(client, f"/quizzes/{quiz_id}")})
        url = started.headers["Location"]
        page = client.get(url).get_data(as_text=True)
        inputs: dict[str, list[tuple[str, str]]] = {}
        for kind, slot, value in RADIO.findall(page):
            inputs.setdefault(slot, []).append((kind, value))
        form = {"csrf_token": csrf_from(client, url), "action": "submit"}
        for slot, values in inputs.items():
            if values[0][0] == "radio":
                form[f"q{slot}"] = min(v for _k, v in values)
        assert client.post(url, data=form).status_code == 302
        scores.append(_score(int(url.rsplit("/", 1)[1])))
    print(f"\n[attack] web lowest value: scores {scores}, mean {fmean(scores):.2f}")
    assert fmean(scores) < 4.0, scores
