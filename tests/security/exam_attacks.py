"""A learner who wants the certificate without studying, scripted against the JSON API.

Used by ``test_exam_integrity``: the shipped course and demo class (``lms demo``), extra
learners with API tokens, and the strategies a cheating script would try.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select

from lms import ROOT
from lms.auth.models import User
from lms.auth.services import create_token
from lms.classes.models import Class, EnrolmentRole
from lms.classes.services import enrol
from lms.db import utcnow
from lms.demo import DEMO_CLASS, DEMO_COURSE, run_demo
from lms.extensions import db
from lms.quizzes.attempt_models import AttemptSlot
from tests.conftest import make_user

FINAL = "kiem-tra-cuoi-khoa"
TAGS = re.compile(r"<[^>]+>")

Question = dict[str, Any]
Chooser = Callable[[Question], Any]


def plain(text_html: str) -> str:
    """The text of an option or question as a person reads it."""
    return " ".join(html.unescape(TAGS.sub("", text_html)).split())


@dataclass
class Learner:
    """One learner's API session."""

    client: FlaskClient
    user: User
    token: str
    calls: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str) -> Any:
        self.calls += 1
        return self.client.get(f"/api/v1{url}", headers=self.headers)

    def post(self, url: str, json: Any = None) -> Any:
        self.calls += 1
        return self.client.post(f"/api/v1{url}", headers=self.headers, json=json)

    def put(self, url: str, json: Any) -> Any:
        self.calls += 1
        return self.client.put(f"/api/v1{url}", headers=self.headers, json=json)

    # --- the course -------------------------------------------------------------------

    def lessons(self) -> list[dict[str, Any]]:
        response = self.get(f"/courses/{DEMO_COURSE}/lessons")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def quizzes(self) -> dict[str, int]:
        response = self.get(f"/courses/{DEMO_COURSE}/quizzes")
        assert response.status_code == 200, response.get_json()
        return {q["slug"]: q["id"] for q in response.get_json()}

    def complete_all_lessons(self) -> list[int]:
        """``POST /lessons/<id>/complete`` for every lesson at once; the status codes."""
        return [self.post(f"/lessons/{lesson['id']}/complete").status_code
                for lesson in self.lessons()]

    def study(self, minutes_each: float = 46.0) -> None:
        """Read every lesson for real: a heartbeat a minute on a moving clock, then
        complete it (the legitimate path)."""
        start = utcnow()
        with time_machine.travel(start, tick=False) as clock:
            for lesson in self.lessons():
                for _ in range(round(minutes_each)):
                    assert self.post(f"/lessons/{lesson['id']}/heartbeat").status_code == 200
                    clock.shift(timedelta(seconds=60))
                response = self.post(f"/lessons/{lesson['id']}/complete")
                assert response.status_code == 200, response.get_json()

    # --- quizzes ----------------------------------------------------------------------

    def start(self, quiz_id: int) -> dict[str, Any]:
        response = self.post(f"/quizzes/{quiz_id}/attempts")
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    def take(self, quiz_id: int, chooser: Chooser) -> tuple[dict[str, Any], dict[str, Any]]:
        """Start, answer every question with ``chooser`` (None skips it), submit:
        ``(attempt as started, submit response)``."""
        attempt = self.start(quiz_id)
        for question in attempt["questions"]:
            answer = chooser(question)
            if answer is None:
                continue
            response = self.put(f"/attempts/{attempt['id']}/answers/{question['slot']}",
                                {"response": answer, "seq": 1})
            assert response.status_code in (200, 422), response.get_json()
        result = self.post(f"/attempts/{attempt['id']}/submit")
        assert result.status_code == 200, result.get_json()
        return attempt, result.get_json()

    def review(self, attempt_id: int) -> dict[str, Any]:
        response = self.get(f"/attempts/{attempt_id}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()


def _ids(question: Question) -> list[str]:
    return [o["id"] for o in question["options"]]


def _pick(question: Question, ordered: list[str]) -> Any:
    """Answer a question with the options of ``ordered`` (first ones first)."""
    kind = question["type"]
    if kind == "single_choice":
        return ordered[0]
    if kind == "multiple_choice":  # the harvested habit: all but the last two
        return ordered[: max(1, len(ordered) - 2)]
    if kind == "true_false":
        return True
    if kind == "matching":
        return {item["id"]: ordered[i % len(ordered)] for i, item in enumerate(question["items"])}
    return None


def lowest_id(question: Question) -> Any:
    return _pick(question, sorted(_ids(question)))


def highest_id(question: Question) -> Any:
    return _pick(question, sorted(_ids(question), reverse=True))


def first_shown(question: Question) -> Any:
    return _pick(question, _ids(question))


@dataclass
class Harvest:
    """What reviews gave away: question text → right answer text, and → right ids."""

    by_text: dict[str, str] = field(default_factory=dict)
    ids: dict[str, list[str]] = field(default_factory=dict)
    questions_seen: set[int] = field(default_factory=set)

    def add(self, review: dict[str, Any]) -> None:
        for question in review["questions"]:
            self.questions_seen.add(question["id"])
            if "right_answer" not in question:
                continue
            text = plain(question["text_html"])
            self.by_text[text] = question["right_answer"]
            rights = set(question["right_answer"].split("; "))
            self.ids[text] = [o["id"] for o in question["options"]
                              if plain(o["text_html"]) in rights]

    def by_text_chooser(self, fallback: Chooser) -> Chooser:
        def choose(question: Question) -> Any:
            known = self.by_text.get(plain(question["text_html"]))
            if known is None:
                return fallback(question)
            rights = set(known.split("; "))
            picked = [o["id"] for o in question["options"] if plain(o["text_html"]) in rights]
            if question["type"] == "single_choice" and picked:
                return picked[0]
            if question["type"] == "multiple_choice" and picked:
                return picked
            return fallback(question)
        return choose

    def same_ids_chooser(self, fallback: Chooser) -> Chooser:
        """Reuse the ids that were right in an earlier attempt at the same question."""
        def choose(question: Question) -> Any:
            known = self.ids.get(plain(question["text_html"]))
            if not known:
                return fallback(question)
            return known[0] if question["type"] == "single_choice" else known
        return choose


@dataclass
class Shipped:
    """The shipped course and demo class, with learners holding API tokens."""

    client_factory: Callable[[], FlaskClient]
    klass: Class
    learners: list[Learner]
    admin: User

    def learner(self, index: int) -> Learner:
        return self.learners[index]


def shipped_world(client_factory: Callable[[], FlaskClient], extra_learners: int) -> Shipped:
    """``lms demo`` in the test database, plus ``extra_learners`` learners in its class."""
    run_demo(ROOT / "courses")
    klass = db.session.scalar(select(Class).where(Class.code == DEMO_CLASS))
    assert klass is not None
    learners = []
    for _ in range(extra_learners):
        user = make_user("learner")
        enrol(klass, user, EnrolmentRole.LEARNER)
        _row, raw = create_token(user)
        learners.append(Learner(client_factory(), user, raw))
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    db.session.commit()
    return Shipped(client_factory, klass, learners, admin)


def right_response(question: Question, attempt_id: int) -> Any:
    """The full-marks answer, worked out from the server's own data the way the page
    shows it (by option text): what a learner who studied would answer."""
    item = db.session.scalar(select(AttemptSlot).where(
        AttemptSlot.attempt_id == attempt_id, AttemptSlot.slot == question["slot"]))
    assert item is not None
    data = item.version.data
    kind = question["type"]
    if kind in ("single_choice", "multiple_choice"):
        rights = {plain_md(a["text"]) for a in data["answers"] if a["fraction"] > 0}
        picked = [o["id"] for o in question["options"] if plain(o["text_html"]) in rights]
        return picked[0] if kind == "single_choice" else picked
    if kind == "true_false":
        return bool(data["correct"])
    if kind == "short_answer":
        return next(a["text"] for a in data["answers"] if a["fraction"] >= 1)
    if kind == "numerical":
        return next(a["value"] for a in data["answers"] if a["fraction"] >= 1)
    if kind == "matching":
        rights = {r["id"]: r["text"] for r in data["rights"]}
        by_text = {plain(o["text_html"]): o["id"] for o in question["options"]}
        items = {plain(i["text_html"]): i["id"] for i in question["items"]}
        return {items[plain_md(p["text"])]: by_text[plain_md(rights[p["right"]])]
                for p in data["pairs"]}
    return None


def plain_md(text: str) -> str:
    """Option text from the bank, rendered and flattened like :func:`plain`."""
    from lms.quizzes.render import text_html

    return plain(str(text_html(text, "markdown")))
