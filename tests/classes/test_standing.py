"""The learner's home: where they stand in each class (progress, requirements, the next
step, the dates, the certificate), "Giấy chứng nhận của tôi" in the same words, the API,
and a constant number of statements."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import time_machine

from lms.auth.services import create_token
from lms.certificates.models import Certificate
from lms.classes.services import withdraw
from lms.classes.standing import CERTIFICATE_STATES, standings
from lms.courses.progress import record_activity
from lms.courses.services import LessonDraft, create_lesson, publish
from lms.extensions import db
from lms.i18n import format_datetime
from lms.quizzes.attempt_models import Accommodation
from lms.quizzes.attempts import accommodation_for
from lms.quizzes.bank import save_question
from lms.quizzes.gift import parse_gift
from lms.quizzes.timing import attempts_limit
from lms.quizzes.windows import learner_class, set_window, window_for
from tests.conftest import Auth, make_class, make_course, make_user
from tests.quizzes.conftest import make_quiz, take_quiz

BANK = "::t1::Đúng? {T}\n\n::t2::Sai? {F}\n"
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
HIDDEN_REVIEW = {"during": [], "immediately": [], "later": [], "after_close": ["score"]}


def _course(slug: str, lessons: int = 6, **quiz):
    course = make_course(slug, "Quản lý nhà nước về Cơ yếu")
    author = make_user("lecturer")
    made = []
    for i in range(1, lessons + 1):
        lesson = create_lesson(course, author, LessonDraft(f"Bài {i}", 10, [], "x"))
        publish(lesson, author)
        made.append(lesson)
    for i, q in enumerate(parse_gift(BANK), start=1):
        save_question(course, q, None, name=q.name, source_order=i)
    settings = {"slug": "cuoi-khoa", "title": "Kiểm tra cuối khóa", "attempts_allowed": 2,
                "shuffle_questions": False, "draw": [], "fixed_questions": ["t1", "t2"]}
    settings.update(quiz)
    final = make_quiz(course, **settings)
    course.completion_policy = {"lessons": "all", "min_read_share": 0.5,
                                "quizzes": [{"slug": "cuoi-khoa", "pass_mark10": 5.0}]}
    return course, made, final


def _world(code: str = "K1", learner=None, end: date | None = date(2026, 3, 31), **quiz):
    course, lessons, final = _course(f"c-{code.lower()}", **quiz)
    learner = learner or make_user("learner", full_name="Nguyễn Thị Ánh")
    klass = make_class(course, code, learners=(learner,))
    klass.end_date, klass.certificate_mode = end, "manual"  # issued by the test
    db.session.flush()
    return klass, lessons, final, learner


def _read(learner, lessons) -> None:
    for lesson in lessons:
        record_activity(learner.id, lesson.id, complete=True, enforce_reading=False)


def _certificate(klass, learner, status: str, serial: str = "CY-2026-000001") -> Certificate:
    certificate = Certificate(class_id=klass.id, user_id=learner.id, serial=serial,
                              code=serial[-6:] + "AB", status=status, snapshot={},
                              pdf=b"%PDF-1.7", pdf_sha256="0" * 64)
    db.session.add(certificate)
    db.session.flush()
    return certificate


def _card(page: str, klass) -> str:
    match = re.search(rf'<li class="card standing" aria-labelledby="class-{klass.id}-title">'
                      r'(.*?)</li>\s*(?:<li class="card standing"|</ul>\s*</section>)',
                      page, re.S)
    assert match, page
    return match.group(1)


@time_machine.travel(NOW, tick=False)
def test_half_read_shows_progress_next_lesson_ticks_and_dates(auth: Auth, client) -> None:
    klass, lessons, final, learner = _world()
    _read(learner, lessons[:3])
    record_activity(learner.id, lessons[3].id)  # opened the fourth, not read long enough
    auth.login_as(learner)
    card = _card(client.get("/").get_data(as_text=True), klass)
    assert "<dd data-lessons>3/6</dd>" in card
    # 3 unread lessons of 10 minutes at a 0.5 share: 15 minutes still to read.
    assert "15 phút" in card
    assert "Đã làm 0/2 lượt" in card
    assert f'href="/courses/{klass.course.slug}/lessons/{lessons[3].slug}"' in card
    assert "Tiếp tục" in card
    assert card.count('class="tick tick-done"') == 0 and card.count('class="tick"') == 2
    assert "31/03/2026" in card and "đã đóng" not in card  # the class ends, still open
    closes = window_for(final, learner_class(learner.id, klass.course_id)).closes_at
    assert f"<span data-quiz-closes>{format_datetime(closes)}</span>" in card
    assert 'data-certificate="not_eligible"' in card
    assert "Chưa đủ điều kiện" in card


@time_machine.travel(NOW, tick=False)
def test_close_date_is_the_class_window(auth: Auth, client) -> None:
    klass, _lessons, final, learner = _world()
    own = datetime(2026, 3, 20, 10, 30, tzinfo=UTC)
    set_window(klass, final, None, own, None)
    auth.login_as(learner)
    card = _card(client.get("/").get_data(as_text=True), klass)
    assert window_for(final, klass).closes_at == own
    assert f"<span data-quiz-closes>{format_datetime(own)}</span>" in card
    assert "20/03/2026" in card


@time_machine.travel(NOW, tick=False)
def test_lessons_read_lead_to_the_quiz_then_the_certificate(auth: Auth, client) -> None:
    klass, lessons, final, learner = _world()
    _read(learner, lessons)
    auth.login_as(learner)
    card = _card(client.get("/").get_data(as_text=True), klass)
    assert f'href="/quizzes/{final.id}"' in card and card.count('class="tick tick-done"') == 1
    take_quiz(final, learner, (True, False))
    card = _card(client.get("/").get_data(as_text=True), klass)
    assert card.count('class="tick tick-done"') == 2
    assert "1/2" in card and "10,0" in card  # attempts used of allowed, best score
    assert 'data-certificate="waiting"' in card and 'href="/certificates"' in card
    mine = client.get("/certificates").get_data(as_text=True)
    assert 'data-certificate="waiting"' in mine
    assert str(CERTIFICATE_STATES["waiting"]) in card and str(CERTIFICATE_STATES["waiting"]) in mine
    certificate = _certificate(klass, learner, "valid")
    card = _card(client.get("/").get_data(as_text=True), klass)
    assert 'data-certificate="issued"' in card
    assert f'href="/certificates/{certificate.serial}.pdf"' in card
    mine = client.get("/certificates").get_data(as_text=True)
    assert 'data-certificate="issued"' in mine and f"{certificate.serial}.pdf" in mine
    assert "Đã cấp" in card and "Đã cấp" in mine
    certificate.status, certificate.revoked_at = "revoked", NOW
    db.session.flush()
    card = _card(client.get("/").get_data(as_text=True), klass)
    mine = client.get("/certificates").get_data(as_text=True)
    assert 'data-certificate="revoked"' in card and 'data-certificate="revoked"' in mine
    assert "Đã thu hồi" in card and "Đã thu hồi" in mine
    assert ".pdf" not in card and ".pdf" not in mine


@time_machine.travel(NOW, tick=False)
def test_revoked_never_turns_back_until_a_reissue(app) -> None:
    klass, lessons, final, learner = _world()
    _read(learner, lessons)
    take_quiz(final, learner, (True, False))
    old = _certificate(klass, learner, "revoked")
    assert standings(learner)[0].certificate_state == "revoked"
    new = _certificate(klass, learner, "valid", serial="CY-2026-000002")
    old.superseded_by_id = new.id
    db.session.flush()
    standing = standings(learner)[0]
    assert standing.certificate_state == "issued" and standing.certificate.id == new.id


def test_hidden_score_does_not_leak(auth: Auth, client) -> None:
    with time_machine.travel(NOW, tick=False):
        klass, lessons, final, learner = _world(review=HIDDEN_REVIEW)
        _read(learner, lessons)
        take_quiz(final, learner, (True, True))  # 5,0 of 10
        auth.login_as(learner)
        card = _card(client.get("/").get_data(as_text=True), klass)
        assert "1/2" in card and "5,0/10" in card  # the pass mark is shown
        assert "điểm cao nhất" not in card and "5,0 " not in card.replace("5,0/10", "")
        headers = {"Authorization": f"Bearer {create_token(learner)[1]}"}
        body = client.get("/api/v1/me/classes", headers=headers).json
        assert body[0]["quizzes"][0]["best_score10"] is None
        assert body[0]["quizzes"][0]["attempts_used"] == 1
    # Once the window has closed, the review shows the score: so does the home page.
    with time_machine.travel(datetime(2026, 4, 1, tzinfo=UTC), tick=False):
        auth.login_as(learner)
        card = _card(client.get("/").get_data(as_text=True), klass)
        assert "điểm cao nhất 5,0" in card and "đã đóng" in card
        body = client.get("/api/v1/me/classes", headers=headers).json
        assert body[0]["quizzes"][0]["best_score10"] == 5.0


@time_machine.travel(NOW, tick=False)
def test_attempts_allowed_include_the_accommodation(app) -> None:
    klass, _lessons, final, learner = _world()
    db.session.add(Accommodation(user_id=learner.id, class_id=klass.id, quiz_id=final.id,
                                 extra_attempts=3))
    db.session.flush()
    quiz = standings(learner)[0].quizzes[0]
    assert quiz.attempts_allowed == attempts_limit(final, accommodation_for(learner.id, final))
    assert quiz.attempts_allowed == 5


@time_machine.travel(NOW, tick=False)
def test_withdrawn_class_has_no_next_step(auth: Auth, client) -> None:
    klass, _lessons, _final, learner = _world()
    withdraw(klass, learner)
    standing = standings(learner)[0]
    assert standing.withdrawn and standing.next_step is None
    auth.login_as(learner)
    card = _card(client.get("/").get_data(as_text=True), klass)
    assert "Tiếp tục" not in card


@time_machine.travel(NOW, tick=False)
def test_staff_home_is_unchanged(auth: Auth, client) -> None:
    klass, _lessons, _final, _learner = _world()
    lecturer = make_user("lecturer")
    from lms.classes.models import EnrolmentRole
    from lms.classes.services import enrol

    enrol(klass, lecturer, EnrolmentRole.LECTURER)
    auth.login_as(lecturer)
    page = client.get("/").get_data(as_text=True)
    assert "card standing" not in page and f"/classes/{klass.code}" in page
    headers = {"Authorization": f"Bearer {create_token(lecturer)[1]}"}
    assert client.get("/api/v1/me/classes", headers=headers).json == []


def _home_statements(client, count_statements) -> tuple[int, int]:
    # A real request starts with no quiz window read yet (the test's setup read some).
    db.session.info.pop("lms_quiz_windows", None)
    with count_statements() as counter:
        assert client.get("/").status_code == 200
    db.session.info.pop("lms_quiz_windows", None)
    with count_statements() as mine:
        assert client.get("/certificates").status_code == 200
    return counter.count, mine.count


@time_machine.travel(NOW, tick=False)
def test_statements_do_not_grow_with_classes_or_attempts(auth: Auth, client,
                                                         count_statements) -> None:
    one, lessons, final, learner = _world("A1", attempts_allowed=0)
    _read(learner, lessons[:2])
    take_quiz(final, learner, (True, False))
    auth.login_as(learner)
    ids = [(type(x), x.id) for x in (learner, one, final)]
    first = _home_statements(client, count_statements)
    learner, one, final = (db.session.get(kind, id_) for kind, id_ in ids)
    # Three classes, many lessons read, many attempts, a certificate, a class window.
    for code in ("A2", "A3"):
        klass, more, other, _ = _world(code, learner=learner, attempts_allowed=0)
        _read(learner, more)
        for _ in range(4):
            take_quiz(other, learner, (True, False))
        set_window(klass, other, None, datetime(2026, 3, 25, tzinfo=UTC), None)
    for _ in range(3):
        take_quiz(final, learner, (True, False))
    _certificate(one, learner, "valid")
    db.session.commit()
    assert len(standings(learner)) == 3
    assert _home_statements(client, count_statements) == first


@time_machine.travel(NOW, tick=False)
def test_window_matches_learner_class_window(app) -> None:
    klass, _lessons, final, learner = _world(end=date(2026, 5, 15))
    standing = standings(learner)[0]
    assert learner_class(learner.id, klass.course_id).id == klass.id
    assert standing.quiz_closes_at == window_for(final, klass).closes_at
    assert standing.quiz_closes_at == datetime(2026, 5, 15, 17, 0, tzinfo=UTC)
    assert timedelta(0) < standing.quiz_closes_at - NOW
