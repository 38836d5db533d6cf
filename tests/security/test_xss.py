"""Stored XSS: payloads entered through the app's own forms and uploads come out inert on
every page, file and document that shows them.

Entered: lesson Markdown (published), question text and answers (GIFT, three formats),
a learner's full name and unit (admin form and roster import), a class name.
Inert means: no live ``<script>`` other than our /static files, no ``on…=`` attribute,
no ``javascript:`` URL (parsed with html.parser, as a browser would tokenise), ``{{7*7}}``
shown as written (never 49), spreadsheet cells never starting a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from markupsafe import escape
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.auth.models import User
from lms.certificates import services as certificate_services
from lms.certificates.models import Certificate
from lms.certificates.services import issue_for_class
from lms.classes.models import Class, EnrolmentRole
from lms.classes.services import enrol
from lms.extensions import db
from lms.quizzes.models import Quiz
from tests.conftest import (
    Auth,
    assign_lecturer,
    csrf_from,
    make_course,
    make_user,
    reading_not_required,
)
from tests.quizzes.conftest import make_quiz
from tests.security.html_checks import assert_inert
from tests.security.world import render_off_loop

pytestmark = pytest.mark.security

PAYLOADS = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
            '"><svg onload=alert(1)>', "{{7*7}}")
EVIL = "An " + " ".join(PAYLOADS)  # a full name, a class name
EVIL_UNIT = "Sở " + " ".join(PAYLOADS)  # a unit
FORMULA = '=HYPERLINK("http://evil.example","x")'
LESSON_BODY = "\n\n".join((*PAYLOADS, "[bấm](javascript:alert(1))",
                           '<a href="javascript:alert(1)">x</a>', "Cuối bài {{7*7}}"))
GIFT = r"""$CATEGORY: xss

::xss-md::<script>alert(1)</script> <img src\=x onerror\=alert(1)> "><svg onload\=alert(1)>
\{\{7*7\}\} [bấm](javascript:alert(1)) {
=<script>alert(1)</script>#<img src\=x onerror\=alert(1)>
~"><svg onload\=alert(1)>#\{\{7*7\}\}
}

::xss-html::[html]<script>alert(1)</script> <img src\=x onerror\=alert(1)>
"><svg onload\=alert(1)> \{\{7*7\}\} <a href\="javascript:alert(1)">bấm</a> {
=<b onclick\="alert(1)">A</b>
~<img src\=x onerror\=alert(1)>
}

::xss-plain::[plain]<script>alert(1)</script> \{\{7*7\}\} {T#<script>alert(1)</script>#\{\{7*7\}\}}
"""
@dataclass
class XssWorld:
    app: Flask
    admin: Any
    learner: Any
    anonymous: Any
    klass: Class
    quiz: Quiz
    course_slug: str
    lesson_slug: str
    learner_id: int
    pages: dict[str, str] = field(default_factory=dict)

    def page(self, client: Any, url: str, *shown: str) -> str:
        """GET ``url`` (following redirects), check it is inert and shows ``shown``."""
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, (url, response.status_code)
        html = response.get_data(as_text=True)
        assert_inert(html, url)
        for text in shown:
            assert str(escape(text)) in html, f"{url} does not show {text!r}"
        return html

    def download(self, client: Any, url: str) -> bytes:
        if "/export." in url:  # queueing an export is a POST
            response = client.post(url, data={"csrf_token": csrf_from(client, "/")})
        else:
            response = client.get(url)
        if response.status_code == 302:  # an export job: status page, then the file
            job = response.headers["Location"].rsplit("/", 1)[-1]
            response = client.get(f"/exports/{job}/download")
        assert response.status_code == 200, (url, response.status_code)
        return response.data


def _client(app: Flask, user: User | None) -> tuple[Any, str]:
    client = app.test_client()
    if user is None:
        return client, csrf_from(client, "/auth/login")
    Auth(client).login_as(user)
    return client, csrf_from(client, "/")


@pytest.fixture
def xss(app: Flask) -> XssWorld:
    """Everything entered through the web as an admin, a lecturer and a learner would."""
    course = reading_not_required(make_course("xss", "Khóa học"))
    admin_user, lecturer = make_user("admin"), make_user("lecturer")
    assign_lecturer(course, lecturer)
    db.session.commit()
    admin, token = _client(app, admin_user)
    # A learner account and a class, both through the admin forms.
    assert admin.post("/admin/users/new", data={
        "csrf_token": token, "username": "hv.xss", "password": "mat-khau-dung-9",
        "full_name": EVIL, "unit": EVIL_UNIT, "position": FORMULA, "role": "learner",
        "locale": "vi", "active": "y"}).status_code == 302
    learner_user = db.session.query(User).filter_by(username="hv.xss").one()
    learner_user.must_change_password = False
    assert admin.post("/classes/new", data={
        "csrf_token": token, "code": "XSS1", "name": EVIL,
        "course": course.slug}).status_code == 302
    klass = db.session.query(Class).filter_by(code="XSS1").one()
    klass.certificate_mode = "manual"
    enrol(klass, learner_user, EnrolmentRole.LEARNER)
    db.session.commit()
    # A second learner through the roster import (preview, then confirm).
    roster = io.StringIO()
    csv.writer(roster, delimiter=";").writerows(
        [["STT", "Họ và tên", "Đơn vị công tác", "Chức vụ"], [1, EVIL + " Hai", FORMULA, "@x"]])
    url = f"/classes/{klass.code}/roster"
    preview = admin.post(url, data={"csrf_token": token, "file": (
        io.BytesIO(roster.getvalue().encode()), "ds.csv")}).get_data(as_text=True)
    stash = re.search(r'name="token" value="([^"]+)"', preview)
    assert stash, preview[-2000:]
    done = admin.post(url, data={"csrf_token": token, "token": stash.group(1),
                                 "filename": "ds.csv"})
    assert done.status_code == 200
    world = XssWorld(app, admin, None, None, klass, None, course.slug, "", learner_user.id,
                     {"roster preview": preview, "roster done": done.get_data(as_text=True)})
    # A lesson written and published by the course's lecturer in the editor.
    teacher, ttoken = _client(app, lecturer)
    lesson_form = {"csrf_token": ttoken, "title": "Bài {{7*7}}", "minutes": "5",
                   "objectives": EVIL, "body": LESSON_BODY}
    created = teacher.post(f"/courses/{course.slug}/lessons/new", data=lesson_form)
    assert created.status_code == 302
    world.lesson_slug = created.headers["Location"].rstrip("/").split("/")[-2]
    assert teacher.post(created.headers["Location"],
                        data={**lesson_form, "action": "publish"}).status_code == 302
    # Questions imported from a GIFT file.
    imported = teacher.post(f"/courses/{course.slug}/questions/import", data={
        "csrf_token": ttoken, "file": (io.BytesIO(GIFT.encode()), "xss.gift")})
    assert imported.status_code == 200
    world.pages["question import report"] = imported.get_data(as_text=True)
    everything = ["score", "correctness", "right_answer", "feedback"]
    world.quiz = make_quiz(course, slug="xss", draw=[{"category": "xss", "count": 3}],
                           review={"during": [], "immediately": everything,
                                   "later": everything, "after_close": everything})
    db.session.commit()
    # The learner reads the lesson, starts the quiz (the page is kept), submits.
    world.learner, ltoken = _client(app, learner_user)
    world.anonymous, _ = _client(app, None)
    world.learner.post(f"/courses/{course.slug}/lessons/{world.lesson_slug}/done",
                       data={"csrf_token": ltoken})
    started = world.learner.post(f"/quizzes/{world.quiz.id}/start", data={"csrf_token": ltoken})
    attempt_url = started.headers["Location"]
    world.pages["attempt"] = world.learner.get(attempt_url).get_data(as_text=True)
    attempt_id = attempt_url.rsplit("/", 1)[-1]
    world.pages["attempt api"] = world.learner.get(f"/api/v1/attempts/{attempt_id}").data.decode()
    assert world.learner.post(attempt_url, data={"csrf_token": ltoken, "action": "submit"}
                              ).status_code == 302
    world.pages["review"] = world.learner.get(f"{attempt_url}/review").get_data(as_text=True)
    db.session.expire_all()
    with mock.patch.object(certificate_services, "_render", render_off_loop):
        assert issue_for_class(db.session.get(Class, klass.id), admin_user) == 1
    world.admin = admin
    return world


def _html_fragments(payload: Any) -> list[str]:
    """Every ``*_html`` string of an API payload."""
    if isinstance(payload, dict):
        return [v for k, v in payload.items() if k.endswith("_html") and isinstance(v, str)] + \
            [f for v in payload.values() for f in _html_fragments(v)]
    if isinstance(payload, list):
        return [f for v in payload for f in _html_fragments(v)]
    return []


def test_pages_seen_while_entering_are_inert(xss: XssWorld) -> None:
    for name in ("roster preview", "roster done", "question import report", "attempt",
                 "review"):
        assert_inert(xss.pages[name], name)
    assert str(escape(EVIL + " Hai")) in xss.pages["roster preview"]
    assert "{{7*7}}" in xss.pages["attempt"] and "{{7*7}}" in xss.pages["review"]
    fragments = _html_fragments(json.loads(xss.pages["attempt api"]))
    assert len(fragments) >= 3
    for fragment in fragments:  # the attempt page's script inserts these as HTML
        assert_inert(fragment, "attempt api text_html")


def test_lesson_pages_are_inert(xss: XssWorld) -> None:
    base = f"/courses/{xss.course_slug}/lessons/{xss.lesson_slug}"
    for url in (base, f"{base}/print"):
        html = xss.page(xss.learner, url, "Cuối bài {{7*7}}", "Bài {{7*7}}")
        assert "Cuối bài 49" not in html
    for url in (base, f"{base}/edit", f"{base}/history?draft=1",
                f"/courses/{xss.course_slug}/manage", f"/courses/{xss.course_slug}"):
        xss.page(xss.admin, url)


def test_question_bank_pages_are_inert(xss: XssWorld) -> None:
    bank = xss.page(xss.admin, f"/courses/{xss.course_slug}/questions")
    question_ids = sorted(set(re.findall(r"/questions/(\d+)", bank)))
    assert len(question_ids) == 3
    for question_id in question_ids:
        xss.page(xss.admin, f"/courses/{xss.course_slug}/questions/{question_id}")
        xss.page(xss.admin, f"/courses/{xss.course_slug}/questions/{question_id}/edit")


def test_people_and_class_pages_are_inert(xss: XssWorld) -> None:
    code, quiz = xss.klass.code, xss.quiz.id
    for url in (f"/classes/{code}", f"/classes/{code}/dashboard", "/admin/users/",
                "/admin/users/?q=an"):
        xss.page(xss.admin, url, EVIL, EVIL_UNIT)
    for url in (f"/quizzes/{quiz}/results", f"/admin/certificates?class={code}"):
        xss.page(xss.admin, url, EVIL)
    xss.page(xss.admin, f"/admin/users/{xss.learner_id}")
    for url in ("/", "/classes/", "/classes/overview", f"/admin/classes/{code}/certificates",
                f"/quizzes/{quiz}/analysis", f"/quizzes/{quiz}/grading"):
        xss.page(xss.admin, url)
    for url in ("/", "/classes/", f"/classes/{code}", "/certificates", f"/quizzes/{quiz}"):
        xss.page(xss.learner, url)


def test_certificate_pages_and_pdf_are_inert(xss: XssWorld) -> None:
    certificate = db.session.query(Certificate).filter_by(user_id=xss.learner_id).one()
    xss.page(xss.anonymous, f"/verify/{certificate.code}", EVIL)
    xss.page(xss.admin, f"/verify/{certificate.code}", EVIL, EVIL_UNIT)  # staff: the unit too
    xss.page(xss.admin, f"/admin/certificates/{certificate.serial}", EVIL)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        xss.download(xss.learner, f"/certificates/{certificate.serial}.pdf"))).pages)
    squeezed = re.sub(r"\s+", "", text)
    for payload in PAYLOADS:  # the name was printed as text, not interpreted as markup
        assert re.sub(r"\s+", "", payload) in squeezed, payload
    api = xss.anonymous.get(f"/api/v1/certificates/{certificate.code}")
    assert api.json["holder"] == EVIL and api.mimetype == "application/json"


def test_exports_are_inert_and_cells_neutralised(xss: XssWorld) -> None:
    code = xss.klass.code
    rows = list(csv.reader(io.StringIO(
        xss.download(xss.admin, f"/classes/{code}/export.csv").decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert {EVIL, EVIL_UNIT, "'" + FORMULA, "'@x"} <= set(cells)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    book = load_workbook(io.BytesIO(xss.download(xss.admin, f"/classes/{code}/export.xlsx")))
    values = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in values if c.data_type == "f"]
    texts = [c.value for c in values if isinstance(c.value, str)]
    assert {EVIL, EVIL_UNIT, "'" + FORMULA, "'@x"} <= set(texts)
    assert not [t for t in texts if t.startswith(("=", "+", "@", "\t", "\r"))]
    pdf = PdfReader(io.BytesIO(xss.download(xss.admin, f"/classes/{code}/export.pdf")))
    squeezed = re.sub(r"\s+", "", "".join(page.extract_text() for page in pdf.pages))
    for payload in ("<script>alert(1)</script>", "{{7*7}}"):
        assert payload in squeezed
    assert "An49" not in squeezed
    document = json.loads(xss.download(xss.admin, f"/classes/{code}/export.json"))
    assert EVIL in [learner["full_name"] for learner in document["learners"]]


@pytest.mark.parametrize("live", [*PAYLOADS[:3], '<a href=" javascript:alert(1)">x</a>',
                                  "<script>x()</script>", "An 49"])
def test_the_checker_catches_live_markup(live: str) -> None:
    with pytest.raises(AssertionError):
        assert_inert(f"<p>{live}</p>", "self-test")
