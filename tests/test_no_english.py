"""No English on Vietnamese pages (issue 14): as each role of the demo, follow every in-app
link (GET only, same origin, no downloads, no logout) in ``vi``, and fail on an untranslated
msgid, a library's English message or a raw internal code (see tests/no_english.py). One
invalid form per role is posted too, so that validation messages are read.

The browser walk of the same pages is tests/e2e/test_no_english_journey.py.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html import unescape
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from flask.testing import FlaskClient

from lms import ROOT
from lms.demo import DEMO_ACCOUNTS, run_demo
from tests.conftest import csrf_from
from tests.no_english import PER_SHAPE, SKIP_PATH, problems, report, shape, visible_text

HREF_RE = re.compile(r'<a\b[^>]*\bhref="([^"]+)"')
MAX_PAGES = 400
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}


def crawl(client: FlaskClient, start: str = "/", limit: int = MAX_PAGES) -> dict[str, str]:
    """URL -> HTML of every page reachable from ``start`` by in-app links."""
    seen: dict[str, str] = {}
    queue = deque([start])
    queued = {start}
    shapes: Counter[str] = Counter()
    while queue and len(seen) < limit:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code in (301, 302, 303):
            target = urlsplit(urljoin(url, response.headers["Location"]))
            location = target.path + (f"?{target.query}" if target.query else "")
            if not target.netloc.startswith(("localhost", "")) or location in queued:
                continue
            queued.add(location)
            queue.append(location)
            continue
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        seen[url] = html
        for href in HREF_RE.findall(html):
            link = urldefrag(urljoin(url, unescape(href)))[0]
            parts = urlsplit(link)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if SKIP_PATH.search(parts.path) or path in queued:
                continue
            shapes[shape(parts)] += 1
            if shapes[shape(parts)] > PER_SHAPE:
                continue
            queued.add(path)
            queue.append(path)
    return seen


def _login(client: FlaskClient, username: str) -> None:
    response = client.post("/auth/login", data={
        "username": username, "password": PASSWORDS[username],
        "csrf_token": csrf_from(client)})
    assert response.status_code == 302, f"{username} could not log in"


@pytest.fixture
def demo(app) -> None:
    """The demo, lived in: each quiz attempted and submitted by a learner (one attempt left
    open), a lesson published again on the web, and one audit entry of every action."""
    from sqlalchemy import select

    from lms.audit.services import record
    from lms.auth.models import User
    from lms.courses.models import Lesson
    from lms.courses.services import publish
    from lms.extensions import db
    from lms.quizzes.attempts import start_attempt, submit_attempt
    from lms.quizzes.models import Quiz

    run_demo(Path(ROOT) / "courses")
    users = {u.username: u for u in db.session.scalars(select(User))}
    learner, lecturer, admin = users["hocvien"], users["giangvien"], users["admin"]
    quizzes = db.session.scalars(select(Quiz).order_by(Quiz.id)).all()
    attempts = [start_attempt(quiz, learner)[0] for quiz in quizzes]
    for attempt in attempts[:-1]:
        submit_attempt(attempt)
    start_attempt(quizzes[0], users["hocvien2"])
    lesson = db.session.scalars(select(Lesson).order_by(Lesson.position)).first()
    publish(lesson, lecturer)
    first = attempts[0]
    for action, actor, target, details in (
        ("role_change", admin, "hocvien3", {"old": "learner", "new": "lecturer"}),
        ("regrade", lecturer, f"quiz:{quizzes[0].slug}", {"changed": 1}),
        ("manual_grade", lecturer, f"attempt:{first.id}/slot:1", {"fraction": 0.5,
                                                                    "comment": "Khá"}),
        ("accommodation", admin, "hocvien2", {"class_code": "K74-HN", "extra_minutes": 15,
                                              "time_multiplier": 1.5, "extra_attempts": 1}),
        ("roster_import", admin, "class:K74-HN", {"file": "ds.xlsx", "rows": 3, "created": 2,
                                                  "linked": 1}),
        ("certificate_issue", None, "CY-2025-000001", {"user_id": learner.id,
                                                       "class_code": "K74-HN"}),
        ("certificate_reissue", admin, "CY-2025-000002", {"user_id": learner.id,
                                                          "replaces": "CY-2025-000001"}),
        ("certificate_revoke", admin, "CY-2025-000002", {"reason": "Cấp nhầm"}),
        ("learner_withdraw", admin, "hocvien3", {"class_code": "K74-HN",
                                                 "attempts_closed": []}),
        ("lesson_marked_done", lecturer, "hocvien2", {"lesson": lesson.slug, "reason": "Đã học",
                                                      "seconds_spent": 600}),
        ("legal_status", admin, "quan-ly-nha-nuoc-ve-co-yeu:05/2011/QH13",
         {"status": "amended", "replaced_by": None, "status_date": "2026-01-01"}),
        ("legal_review", lecturer, f"quan-ly-nha-nuoc-ve-co-yeu:lesson:{lesson.id}",
         {"documents": ["05/2011/QH13"]}),
        ("login_failed", None, "khong-co", {"ip": "127.0.0.1"}),
    ):
        record(action, actor.id if actor else None, target, **details)
    db.session.flush()


INVALID_FORMS = {
    # role -> (form page, posted data): one invalid submission per role
    "admin": ("/classes/new", {"code": "", "name": "", "start_date": "31/02/2025"}),
    "giangvien": ("/auth/password", {"current_password": "", "new_password": "ngan",
                                     "confirm": "khac"}),
    "hocvien": ("/auth/password", {"current_password": "sai", "new_password": "x",
                                   "confirm": ""}),
}


@pytest.mark.parametrize("username", ["admin", "giangvien", "hocvien"])
def test_no_english_on_vietnamese_pages(app, demo, username: str) -> None:
    """Every page a role reaches by links, and one invalid form, read in Vietnamese."""
    client = app.test_client()
    _login(client, username)
    pages = crawl(client)
    assert len(pages) >= 5, sorted(pages)
    assert all('<html lang="vi">' in html for html in pages.values())
    form_url, data = INVALID_FORMS[username]
    answer = client.post(form_url, data={**data, "csrf_token": csrf_from(client, form_url)})
    assert answer.status_code == 200 and 'class="error"' in answer.get_data(as_text=True)
    pages[f"POST {form_url}"] = answer.get_data(as_text=True)
    leaks = report(pages)
    assert not leaks, f"{len(leaks)} leaks on {len(pages)} pages:\n" + "\n".join(leaks[:80])


def test_no_english_for_visitors(app, demo) -> None:
    """The pages of someone not logged in: login (with a wrong login), activation,
    verification."""
    client = app.test_client()
    pages = {url: client.get(url).get_data(as_text=True)
             for url in ("/auth/login", "/auth/activate", "/verify")}
    pages["POST /auth/login"] = client.post("/auth/login", data={
        "username": "", "password": "", "csrf_token": csrf_from(client)}).get_data(as_text=True)
    pages["POST /auth/activate"] = client.post("/auth/activate", data={
        "username": "hocvien", "code": "", "new_password": "ngan", "confirm": "",
        "csrf_token": csrf_from(client, "/auth/activate")}).get_data(as_text=True)
    assert all('<html lang="vi">' in html for html in pages.values())
    assert "Trường này là bắt buộc." in pages["POST /auth/activate"]
    leaks = report(pages)
    assert not leaks, "\n".join(leaks)


def test_the_detector_finds_what_it_looks_for(app) -> None:
    """Its own check: each kind of leak is caught, Vietnamese text is not."""
    page = ('<html lang="vi"><body><h1>Trang chủ</h1><p>This field is required.</p>'
            '<p>Log out</p><td>single_choice</td><td>b01-q09</td><p>lesson.publish</p>'
            '<button lang="en">English</button><textarea>code_word</textarea>'
            '<span title="Not started">x</span></body></html>')
    found = " ".join(problems(page))
    for leak in ("This field is required", "'Log out'", "single_choice", "b01-q09",
                 "lesson.publish", "'Not started'"):
        assert leak in found, leak
    assert "English" not in visible_text(page) and "code_word" not in found
    assert problems('<html lang="vi"><p>Trang chủ · Đăng xuất · Khóa học</p></html>') == []
