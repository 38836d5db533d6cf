"""What every state-changing route of the app and the API must leave in the audit log.

``CASES``: one per ``"METHOD rule"`` of the url_map: who sends it, how to prepare the
world (tests/security/world.py, the IDOR matrix's), the request body, and the audit
action that must appear. ``EXEMPT``: the routes that change no audited state, each with
the reason. ``AUDITED_ON_ANOTHER_BRANCH``: routes a branch not merged yet audits (skipped
until then; the integrator replaces each with a case when merging).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient

from lms.classes.models import ActivationCode, EnrolmentRole
from lms.classes.roster import hash_code
from lms.classes.services import enrol
from lms.courses.services import LessonDraft, create_lesson, publish
from lms.db import utcnow
from lms.extensions import db
from lms.quizzes.attempts import start_attempt
from lms.quizzes.models import Question
from tests.conftest import PASSWORD, make_user
from tests.security.world import PDF_BYTES, World

Values = dict[str, Any]
Body = Callable[[World, Values], dict[str, Any]]
Prepare = Callable[[World, FlaskClient, str], Values]

NEW_PASSWORD = "mat-khau-moi-2026"
ROSTER_CSV = ("\ufeffSTT;Họ và tên;Ngày sinh;Đơn vị công tác;Chức vụ;Email\n"
              "1;Nguyễn Văn An;02/09/1975;Sở Nội vụ tỉnh Hà Tĩnh;Phó Giám đốc;\n")


def _empty(_world: World, _values: Values) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Case:
    """A request that must write an ``action`` entry naming ``actor``: by default the role
    that sends it; else a role of the world, a key of the values ``prepare`` returned (an
    account it made), or None (the system, e.g. grading)."""

    action: str
    role: str = "admin"
    body: Body = _empty
    prepare: Prepare | None = None
    actor: str | None = field(default="sender")


def body(**values: Any) -> Body:
    return lambda _world, _values: dict(values)


# --- preparations: objects the request needs, committed (views roll back to here) -------

def _fresh_attempt(world: World, _client: FlaskClient, _csrf: str) -> Values:
    """The owner's second attempt, in progress (the quiz allows two)."""
    attempt, _created = start_attempt(world.quiz, world.users["learner_owner"])
    db.session.commit()
    return {"attempt_id": attempt.id}


def _new_k1_learner(world: World, _client: FlaskClient, _csrf: str) -> Values:
    """A K1 learner who has not completed the class (the owner has)."""
    learner = make_user("learner")
    enrol(world.klass, learner, EnrolmentRole.LEARNER)
    db.session.commit()
    return {"user_id": learner.id}


def _second_lesson(world: World, _client: FlaskClient, _csrf: str) -> Values:
    author = world.users["lecturer_right"]
    publish(create_lesson(world.course, author, LessonDraft("Bài 2", 5, [], "Nội dung")),
            author)
    db.session.commit()
    return {}


def _truefalse_question(world: World, _client: FlaskClient, _csrf: str) -> Values:
    question = db.session.query(Question).filter_by(course_id=world.course.id,
                                                     name="q3").one()
    return {"question_id": question.id}


def _law_changed(world: World, _client: FlaskClient, _csrf: str) -> Values:
    """The world's question cites the law, which an admin has just marked amended: it is
    on the review list."""
    from lms.legal.review import set_status

    world.question.tags = [*world.question.tags, f"legal:{world.legal.number}"]
    set_status(world.legal, "amended", "", date(2020, 1, 1), "Sửa đổi", world.users["admin"])
    db.session.commit()
    return {}


def _activation_code(_world: World, _client: FlaskClient, _csrf: str) -> Values:
    """An account made by a roster import, waiting for its owner's activation code."""
    learner = make_user("learner", password=None)
    db.session.add(ActivationCode(user_id=learner.id, code_hash=hash_code("ABCD-EFGH"),
                                  expires_at=utcnow() + timedelta(days=7)))
    db.session.commit()
    return {"_username": learner.username, "_actor_id": learner.id}


def _roster_preview(world: World, client: FlaskClient, csrf: str) -> Values:
    """Upload a roster: the preview page holds the token the confirmation posts."""
    page = client.post(f"/classes/{world.klass.code}/roster", data={
        "csrf_token": csrf, "file": (io.BytesIO(ROSTER_CSV.encode()), "ds.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    match = re.search(r'name="token" value="([^"]+)"', page)
    assert match, "the roster preview shows no confirmation token"
    return {"_token": match.group(1)}


QUIZ_FORM = {"title": "Kiểm tra cuối khóa", "minutes": "45", "attempts": "3",
             "pass_mark10": "6,5", "grading": "last", "on_expiry": "grace",
             "review_immediately_score": "y", "review_after_close_score": "y"}
BUILD_FORM = {"title": "Kiểm tra (sửa)", "minutes": "30", "attempts": "2",
              "pass_mark10": "5", "draw-bai-01": "3"}

CASES: dict[str, Case] = {
    # accounts and sessions
    "POST /auth/login": Case("login", "anonymous", lambda w, v: {
        "username": w.users["learner_other"].username, "password": PASSWORD},
        actor="learner_other"),
    "POST /auth/activate": Case("login_activation", "anonymous", prepare=_activation_code,
                                body=lambda w, v: {
                                    "username": v["_username"], "code": "ABCD-EFGH",
                                    "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
                                actor="_actor_id"),
    "POST /auth/password": Case("password_change", "learner_other", body=body(
        current_password=PASSWORD, new_password=NEW_PASSWORD, confirm=NEW_PASSWORD)),
    "POST /auth/sessions/end": Case("sessions_end", "learner_other"),
    "POST /admin/users/new": Case("account_create", body=body(  # an administrator, too
        username="qt.moi", password=NEW_PASSWORD, full_name="Trần Văn Mới", role="admin",
        locale="vi", active="y")),
    "POST /admin/users/<int:user_id>": Case("account_edit", body=body(
        full_name="Nguyễn Văn Đổi Tên", role="learner", locale="vi", active="y")),
    "POST /admin/users/<int:user_id>/reset-password": Case("password_reset"),
    # classes and their people
    "POST /classes/new": Case("class_create", body=lambda w, v: {
        "code": "K3", "name": "Lớp ba", "course": w.course.slug}),
    "POST /classes/<code>/settings": Case("class_settings", body=body(
        lessons_mode="all", certificate_mode="manual", certificate_place="Đà Nẵng")),
    "POST /classes/<code>/roster": Case("roster_import", prepare=_roster_preview,
                                        body=lambda w, v: {"token": v["_token"],
                                                           "filename": "ds.csv"}),
    "POST /classes/<code>/learners/add": Case("learner_enrol", body=lambda w, v: {
        "user_id": w.users["learner_stranger"].id}),
    "POST /classes/<code>/learners/new": Case("learner_enrol",
                                              body=body(full_name="Nguyễn Văn Mới")),
    "POST /classes/<code>/learners/<int:user_id>/withdraw": Case("learner_withdraw"),
    "POST /classes/<code>/learners/<int:user_id>/move": Case(
        "learner_move", prepare=_new_k1_learner,
        body=lambda w, v: {"target": w.other_class.code}),
    "POST /classes/<code>/learners/<int:user_id>/lessons": Case(
        "lesson_marked_done", "lecturer_right", prepare=_new_k1_learner,
        body=lambda w, v: {"lesson_id": w.lesson.id, "reason": "Học trực tiếp trên lớp"}),
    "POST /classes/<code>/learners/<int:user_id>/accommodation": Case(
        "accommodation", "lecturer_right", body=body(extra_minutes="15", note="Thị lực kém")),
    "POST /classes/<code>/lecturers": Case("lecturer_assign", body=lambda w, v: {
        "user_id": w.users["lecturer_other"].id}),
    "POST /classes/<code>/lecturers/<int:user_id>/remove": Case("lecturer_remove"),
    "POST /classes/<code>/export.<fmt>": Case("export_request", "lecturer_right"),
    # certificates
    "POST /admin/certificates/<serial>": Case("certificate_revoke", body=body(
        action="revoke", reason="Cấp nhầm", confirm="1")),
    "POST /admin/classes/<code>/certificates": Case("certificate_run", body=body(
        action="issue_all", confirm="1")),
    # course content
    "POST /courses/<slug>/lessons/new": Case("content_edit", "lecturer_right", body=body(
        title="Bài mới", minutes="10", body="Nội dung bài mới")),
    "POST /courses/<slug>/lessons/<lesson_slug>/edit": Case(
        "content_edit", "lecturer_right", body=body(title="Bài 1 (sửa)", minutes="10",
                                                    body="Nội dung đã sửa")),
    "POST /courses/<slug>/lessons/<lesson_slug>/move": Case(
        "content_edit", "lecturer_right", prepare=_second_lesson,
        body=body(direction="down")),
    "POST /courses/<slug>/lessons/<lesson_slug>/revisions/<int:number>/restore": Case(
        "content_edit", "lecturer_right"),
    "POST /courses/<slug>/lessons/<lesson_slug>/schedule": Case(
        "content_edit", "lecturer_right", body=body(available_from="01/01/2030 08:00")),
    "POST /courses/<slug>/attachments": Case("content_edit", "lecturer_right", body=lambda w, v: {
        "file": (io.BytesIO(PDF_BYTES), "moi.pdf")}),
    "POST /courses/<slug>/legal/<int:record_id>": Case("legal_status", body=body(
        status="in_force")),
    "POST /courses/<slug>/legal/review": Case("legal_review", "lecturer_right",
                                              prepare=_law_changed, body=lambda w, v: {
        "kind": "question", "item_id": w.question.id}),
    # question bank
    "POST /courses/<slug>/questions/new": Case("content_edit", "lecturer_right", body=body(
        name="q-moi", category="bai-01", source="::q-moi::Trời xanh? {T}")),
    "POST /courses/<slug>/questions/<int:question_id>/edit": Case(
        "content_edit", "lecturer_right", body=body(
            category="bai-01", source="Ngày truyền thống (sửa)? {=12/09/1945 ~02/09/1945}")),
    "POST /courses/<slug>/questions/write": Case("content_edit", "lecturer_right", body=body(
        type="true_false", name="q-dung-sai", category="bai-01", text="Trời xanh.",
        truth="true")),
    "POST /courses/<slug>/questions/<int:question_id>/write": Case(
        "content_edit", "lecturer_right", prepare=_truefalse_question,
        body=body(category="bai-01", text="Nghị quyết 56 (sửa).", truth="false")),
    "POST /courses/<slug>/questions/import": Case("content_edit", "lecturer_right",
                                                  body=lambda w, v: {"file": (
                                                      io.BytesIO("::q9::Câu mới? {T}".encode()),
                                                      "moi.gift")}),
    "POST /courses/<slug>/questions/pools": Case("content_edit", "lecturer_right",
                                                 body=lambda w, v: {
                                                     "category": w.question.category,
                                                     "exam_pool": "1"}),
    # quizzes
    "POST /courses/<slug>/quizzes/new": Case("content_edit", "lecturer_right", body=body(
        slug="bai-moi", **BUILD_FORM)),
    "POST /courses/<slug>/quizzes/<int:quiz_id>/edit": Case("content_edit", "lecturer_right",
                                                            body=body(**BUILD_FORM)),
    "POST /courses/<slug>/quizzes/<int:quiz_id>/settings": Case(
        "quiz_settings", "lecturer_right", body=body(**QUIZ_FORM)),
    "POST /courses/<slug>/quizzes/<int:quiz_id>/publish": Case(
        "quiz_settings", "lecturer_right", body=body(published="0", back="quiz")),
    "POST /quizzes/<int:quiz_id>/grading": Case("manual_grade", "lecturer_right",
                                                body=lambda w, v: {
                                                    "slot_id": w.essay_slot.id,
                                                    "points": "1"}),
    "POST /quizzes/<int:quiz_id>/regrade": Case("regrade", "lecturer_right"),
    # attempts: a start is audited; a submit is audited as its grading (by the system)
    "POST /quizzes/<int:quiz_id>/start": Case("attempt_start", "learner_owner"),
    "POST /api/v1/quizzes/<int:quiz_id>/attempts": Case("attempt_start", "learner_owner"),
    "POST /attempts/<int:attempt_id>": Case("grade", "learner_owner", prepare=_fresh_attempt,
                                            body=body(action="submit"), actor=None),
    "POST /api/v1/attempts/<int:attempt_id>/submit": Case(
        "grade", "learner_owner", prepare=_fresh_attempt, actor=None),
}

EXEMPT: dict[str, str] = {
    "PUT /api/v1/attempts/<int:attempt_id>/answers/<int:slot>": (
        "answers are kept in the attempt; audit would be per keystroke"),
    "PUT /api/v1/attempts/<int:attempt_id>/flags/<int:slot>": (
        "a learner's own reminder on a question of their attempt: no grade or right changes"),
    "POST /api/v1/lessons/<int:lesson_id>/heartbeat": (
        "reading time, once a minute per open lesson; the progress row keeps it"),
    "POST /api/v1/lessons/<int:lesson_id>/complete": (
        "a learner's own progress: the progress row keeps when the lesson was completed; "
        "one entry per learner and lesson would queue every learner on the chain's head "
        "lock; a certificate it leads to is audited (certificate_issue)"),
    "POST /courses/<slug>/lessons/<lesson_slug>/done": (
        "the no-JavaScript path of the lesson completion above; same reason"),
    "POST /courses/<slug>/preview": "renders Markdown for the editor; changes nothing",
    "POST /classes/<code>/roster/codes.xlsx": (
        "formats the codes the page already shows as XLSX; changes nothing (the import "
        "that created them is audited as roster_import)"),
    "POST /locale": "the display language of the session; changes no data",
    "POST /auth/logout": (
        "ends one's own login session (its row keeps when it ended); the login that began "
        "it is audited, and so is signing out everywhere (sessions_end)"),
    "POST /verify": "checks an uploaded certificate file; changes nothing",
}

AUDITED_ON_ANOTHER_BRANCH: dict[str, str] = {}
"""Routes a branch not yet merged audits (route → branch): skipped until the merge, then
replaced by a case. Empty since main brought wt-sess's account audit (its routes are
cases above: activation, password change and reset, sign-out everywhere, account
creation; deactivation and reactivation are audited by ``POST /admin/users/<id>``)."""
