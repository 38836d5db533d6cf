"""One fixture world holding one object of every kind the URL map addresses, and one
user per role, for the IDOR matrix, the CSRF sweep and the header checks."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from unittest import mock

from flask import Flask, current_app
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from lms.auth.models import User
from lms.auth.services import create_token
from lms.certificates import services as certificate_services
from lms.certificates.models import Certificate, IssueRun
from lms.certificates.services import issue_for_class
from lms.classes.models import Class, EnrolmentRole
from lms.classes.services import enrol
from lms.courses.models import Attachment, Course, Lesson
from lms.courses.services import add_attachment, publish
from lms.extensions import db
from lms.legal.models import LegalRecord
from lms.quizzes.attempt_models import Accommodation, Attempt, AttemptSlot
from lms.quizzes.attempts import start_attempt, submit_attempt
from lms.quizzes.autosave import save_answer
from lms.quizzes.bank import save_question
from lms.quizzes.gift import parse_gift
from lms.quizzes.models import Question, Quiz
from lms.quizzes.parsed import ParsedFile
from lms.reports.models import ExportJob
from lms.reports.services import request_export, run_export
from tests.certificates.conftest import completed_class
from tests.conftest import (
    Auth,
    assign_lecturer,
    csrf_from,
    make_app,
    make_class,
    make_user,
)
from tests.quizzes.conftest import BANK, make_quiz

ROLES = ("anonymous", "learner_stranger", "learner_other", "learner_owner",
         "lecturer_other", "lecturer_right", "admin")
"""learner_stranger: enrolled nowhere. learner_other / lecturer_other: learner and
lecturer of another class (K2) of the same course; lecturer_other is not assigned to the
course. lecturer_right: lecturer of K1 and assigned to the course. learner_owner: the K1
learner owning the attempt, certificate and accommodation."""

ESSAY = "Bài luận của học viên."  # the owner's essay answer, pending a mark
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SKIPPED_ENDPOINTS = {"static"}


@dataclass
class World:
    course: Course
    lesson: Lesson
    attachment: Attachment
    question: Question
    quiz: Quiz
    klass: Class
    other_class: Class
    attempt: Attempt
    essay_slot: AttemptSlot
    job: ExportJob
    certificate: Certificate
    run: IssueRun
    accommodation: Accommodation
    legal: LegalRecord
    users: dict[str, User]
    tokens: dict[str, str] = field(default_factory=dict)

    def url_values(self, endpoint: str) -> dict[str, Any]:
        """The world's value for every URL variable the url_map uses."""
        certificate_route = endpoint in ("certificates.verify", "api.certificate")
        return {
            "slug": self.course.slug, "lesson_slug": self.lesson.slug,
            "code": self.certificate.code if certificate_route else self.klass.code,
            "quiz_id": self.quiz.id, "attempt_id": self.attempt.id,
            "user_id": self.users["lecturer_right" if endpoint == "classes.remove_lecturer_view"
                                  else "learner_owner"].id,
            "question_id": self.question.id,
            "number": 1, "serial": self.certificate.serial, "job_id": self.job.id,
            "run_id": self.run.id,
            "fmt": "xml" if endpoint == "quizzes.export_bank_file" else "csv",
            "name": self.attachment.name,
            "lesson_id": self.lesson.id, "slot": 1, "filename": "css/app.css",
            "record_id": self.legal.id,
        }


_REAL_RENDER = certificate_services._render
_PDF: list[bytes] = []


def render_off_loop(contexts: Sequence[Any], *material: Any) -> list[bytes]:
    """The real renderer and signer, run in a thread of its own.

    Signing calls ``asyncio.run()``, which refuses to run while the calling thread has an
    event loop running, and tests/e2e keeps Playwright's loop running in the main thread
    for the rest of the session (its fixtures are session-scoped). A fresh thread has none.
    """
    app = current_app._get_current_object()

    def work() -> list[bytes]:
        with app.app_context():
            return _REAL_RENDER(list(contexts), *material)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def _render_once(contexts: Sequence[Any], *material: Any) -> list[bytes]:
    """Render and sign one real certificate per run; the world reuses its bytes (the
    matrix is about who gets the file, not what it says)."""
    if not _PDF:
        _PDF.extend(render_off_loop(contexts[:1], *material))
    return [_PDF[0]] * len(contexts)


def build_world() -> World:
    """Create the world (committed: views' rollbacks must not undo it)."""
    klass, (owner,) = completed_class(n=1, code="K1")
    course = klass.course
    lesson = db.session.query(Lesson).filter_by(course_id=course.id).one()
    users = {
        "learner_owner": owner,
        "learner_stranger": make_user("learner"),
        "learner_other": make_user("learner"),
        "lecturer_other": make_user("lecturer"),
        "lecturer_right": make_user("lecturer"),
        "admin": make_user("admin"),
    }
    enrol(klass, users["lecturer_right"], EnrolmentRole.LECTURER)
    assign_lecturer(course, users["lecturer_right"])
    other_class = make_class(course, "K2", lecturer=users["lecturer_other"],
                             learners=(users["learner_other"],))
    other_class.certificate_mode = "manual"  # no signing when a request completes the class
    attachment = add_attachment(course, users["lecturer_right"], "tai-lieu.pdf", PDF_BYTES)
    # Learners reach an attachment only through a published lesson that links it.
    lesson.body = "x\n\n[Tài liệu](attachments/tai-lieu.pdf)\n"
    publish(lesson, users["lecturer_right"])
    for index, parsed in enumerate(parse_gift(BANK), start=1):
        # Each question shows a file of its own (the matrix's "name" is the attachment's).
        parsed.text += ' <a href="@@PLUGINFILE@@/tai-lieu.pdf">Tài liệu</a>'
        parsed.files = [ParsedFile("tai-lieu.pdf", PDF_BYTES)]
        save_question(course, parsed, None, name=parsed.name,
                      source_path="questions/x.gift", source_order=index)
    question = db.session.query(Question).filter_by(course_id=course.id, name="q1").one()
    legal = LegalRecord(course_id=course.id, number="05/2011/QH13", kind="Luật",
                        title="Luật Cơ yếu", issuer="Quốc hội", status="in_force",
                        source="https://example.gov.vn/05-2011", position=1)
    db.session.add(legal)
    quiz = make_quiz(course)
    db.session.commit()
    with mock.patch.object(certificate_services, "_render", _render_once):
        issue_for_class(klass, users["admin"])
    certificate = db.session.query(Certificate).filter_by(user_id=owner.id).one()
    attempt, _created = start_attempt(quiz, owner)
    essay_slot = next(s for s in attempt.slots if s.version.type == "essay")
    save_answer(attempt.id, owner.id, essay_slot.slot, ESSAY, 1)
    submit_attempt(attempt)
    job = request_export(klass, users["lecturer_right"].id, "csv")
    db.session.commit()
    run_export(job.id)
    run = IssueRun(class_id=klass.id, kind="zip", requested_by_id=users["admin"].id,
                   status="done", data=b"PK\x05\x06" + b"\x00" * 18)
    accommodation = Accommodation(user_id=owner.id, class_id=klass.id, extra_minutes=15)
    db.session.add_all([run, accommodation])
    db.session.commit()
    tokens = {role: create_token(user)[1] for role, user in users.items()}
    db.session.commit()
    return World(course, lesson, attachment, question, quiz, klass, other_class, attempt,
                 essay_slot, job, certificate, run, accommodation, legal, users, tokens)


BODIES: dict[tuple[str, str], Callable[[World], dict[str, Any]]] = {
    ("classes.roster", "POST"): lambda w: {"token": secrets.token_urlsafe(24)},
    ("classes.roster_codes", "POST"): lambda w: {
        "codes": '[["Nguyễn Văn An", "an.nv", "ABCD-EFGH"]]', "expires": "31/12/2030"},
    ("certificates.admin_detail", "POST"): lambda w: {"action": "revoke", "reason": "thử",
                                                      "confirm": "1"},
    ("certificates.class_runs", "POST"): lambda w: {"action": "issue_all", "confirm": "1"},
    ("classes.move_learner_view", "POST"): lambda w: {"target": w.other_class.code},
    ("classes.add_learner_view", "POST"): lambda w: {"user_id": w.users["learner_other"].id},
    ("classes.new_learner_view", "POST"): lambda w: {"full_name": "Nguyễn Văn Mới"},
    ("classes.assign_lecturer_view", "POST"): lambda w: {
        "user_id": w.users["lecturer_other"].id},
    ("quizzes.grading", "POST"): lambda w: {"slot_id": w.essay_slot.id, "points": "1"},
    ("api.put_answer", "PUT"): lambda w: {"response": "x", "seq": 1},
    ("api.put_flag", "PUT"): lambda w: {"flagged": True},
    ("quizzes.set_pool", "POST"): lambda w: {"category": w.question.category,
                                             "exam_pool": "1"},
    ("legal.change_status", "POST"): lambda w: {"status": "in_force"},
    ("quizzes.publish", "POST"): lambda w: {"published": "1", "back": "quiz"},
    ("legal.review", "POST"): lambda w: {"kind": "question", "item_id": w.question.id},
    ("classes.learner_lessons", "POST"): lambda w: {"lesson_id": w.lesson.id,
                                                    "reason": "Học trực tiếp trên lớp"},
}
"""Request bodies of the matrix (an empty form, or JSON, otherwise)."""

_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def rule_url(rule: Rule, values: dict[str, Any]) -> str:
    """The rule's path with its variables filled from ``values``."""
    return _VARIABLE.sub(lambda m: str(values[m.group(1)]), rule.rule)


def app_rules(app: Flask) -> list[tuple[Rule, str]]:
    """Every (rule, method) of the app, except static files and HEAD/OPTIONS."""
    pairs = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in SKIPPED_ENDPOINTS or "_spectree" in rule.rule \
                or rule.endpoint.startswith("openapi"):
            continue
        pairs.extend((rule, method) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return pairs


@cache
def collected_rules() -> list[tuple[str, str, str]]:
    """(rule, endpoint, method) of the url_map, read at collection time (no fixtures yet)."""
    return [(rule.rule, rule.endpoint, method)
            for rule, method in app_rules(make_app("sqlite://"))]


def log_in(client: FlaskClient, world: World, role: str) -> str:
    """Log ``client`` in as ``role``; returns a CSRF token valid for its session."""
    if role == "anonymous":
        return csrf_from(client, "/auth/login")
    Auth(client).login_as(world.users[role])
    return csrf_from(client, "/")


def send(client: FlaskClient, world: World, rule: Rule, method: str, role: str,
         csrf: str | None, body: dict[str, Any] | None = None) -> Any:
    """One request as ``role``: a bearer token for the API, a CSRF token for forms."""
    url = rule_url(rule, world.url_values(rule.endpoint))
    if rule.rule.startswith("/api/"):
        headers = {} if role == "anonymous" else {
            "Authorization": f"Bearer {world.tokens[role]}"}
        if method == "GET":
            return client.get(url, headers=headers)
        return client.open(url, method=method, json=body or {}, headers=headers)
    if method == "GET":
        return client.get(url)
    data = dict(body or {})
    if csrf is not None:
        data["csrf_token"] = csrf
    return client.open(url, method=method, data=data)
