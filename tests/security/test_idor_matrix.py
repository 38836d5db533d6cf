"""IDOR matrix: every URL rule × every method it accepts × every role, against one world.

EXPECTED says what *should* happen, reasoned from lms.permissions and the views:
objects that are not yours → 404 (existence does not leak); role-only pages → 403 for
logged-in users without the role; anonymous → 302 to the login page (pages) or 401 (API);
public pages → 200 for everyone. Where the app disagrees for a security reason, the case
is a strict xfail whose reason starts with "SECURITY BUG" (listed in BUGS), never a
weakened expectation.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import Rule

from lms.extensions import db
from lms.quizzes.attempt_models import AttemptSlot
from tests.security.world import (
    BODIES,
    ESSAY,
    ROLES,
    app_rules,
    build_world,
    collected_rules,
    log_in,
    send,
)

pytestmark = pytest.mark.security

A, STRANGER, L_OTHER, OWNER, C_OTHER, C_RIGHT, ADMIN = ROLES
LOGGED = frozenset(ROLES[1:])
VIEWERS = frozenset({L_OTHER, OWNER, C_OTHER, C_RIGHT, ADMIN})  # may read the course
QUIZ_STAFF = frozenset({C_OTHER, C_RIGHT, ADMIN})  # lecturers of any class of the course
EDITORS = frozenset({C_RIGHT, ADMIN})  # assigned lecturers and admins edit content
K1_STAFF = frozenset({C_RIGHT, ADMIN})  # manage class K1 and its learners
K1_MEMBERS = frozenset({OWNER, C_RIGHT, ADMIN})
COURSE_LEARNERS = frozenset({L_OTHER, OWNER})
STAFF = frozenset({C_OTHER, C_RIGHT, ADMIN})
ONLY_ADMIN = frozenset({ADMIN})
ONLY_OWNER = frozenset({OWNER})
EVERYONE = frozenset(ROLES)
EITHER_200_404 = frozenset({200, 404})

Expected = dict[str, int | frozenset[int]]


def exp(ok: int | frozenset[int], allowed: frozenset[str] = LOGGED, denied: int = 404,
        anon: int = 302, **special: int | frozenset[int]) -> Expected:
    """``ok`` for the ``allowed`` roles, ``denied`` for the other logged-in ones, ``anon``
    for anonymous; ``special`` overrides single roles."""
    table: Expected = {role: ok if role in allowed else denied for role in ROLES}
    if A not in allowed:
        table[A] = anon
    table.update(special)
    return table


def admin_page(ok: int) -> Expected:
    return exp(ok, ONLY_ADMIN, denied=403)


def api(ok: int, allowed: frozenset[str] = LOGGED, denied: int = 404) -> Expected:
    return exp(ok, allowed, denied, anon=401)


EXPECTED: dict[tuple[str, str], Expected] = {
    # core and auth
    ("core.index", "GET"): exp(200),
    ("core.favicon", "GET"): exp(200, EVERYONE),
    ("core.healthz", "GET"): exp(200, EVERYONE),
    ("core.set_language", "POST"): exp(302, EVERYONE),
    ("auth.login", "GET"): exp(302, LOGGED, anon=200),  # logged in: sent home
    ("auth.login", "POST"): exp(302, LOGGED, anon=200),  # empty form: shown again
    ("auth.logout", "POST"): exp(302, EVERYONE),
    ("auth.end_sessions", "POST"): exp(302, EVERYONE),  # signed out: on to the login page
    ("auth.password", "GET"): exp(200),
    ("auth.password", "POST"): exp(200),  # empty form: errors shown
    ("auth.activate", "GET"): exp(200, EVERYONE),
    ("auth.activate", "POST"): exp(200, EVERYONE),
    # administrators' pages
    ("users.index", "GET"): admin_page(200),
    ("users.new", "GET"): admin_page(200),
    ("users.new", "POST"): admin_page(200),
    ("users.edit", "GET"): admin_page(200),
    ("users.edit", "POST"): admin_page(302),
    ("users.reset", "POST"): admin_page(302),
    ("audit.index", "GET"): admin_page(200),
    ("classes.new", "GET"): admin_page(200),
    ("classes.new", "POST"): admin_page(200),
    ("certificates.preview", "GET"): admin_page(200),
    ("classes.settings", "GET"): admin_page(200),
    ("classes.settings", "POST"): admin_page(302),
    ("classes.roster", "GET"): admin_page(200),
    ("classes.roster", "POST"): admin_page(404),  # an unknown stash token
    ("classes.roster_codes", "POST"): admin_page(200),
    ("classes.withdraw_learner", "GET"): admin_page(200),
    ("classes.withdraw_learner", "POST"): admin_page(302),
    ("classes.move_learner_view", "GET"): admin_page(200),
    ("classes.move_learner_view", "POST"): admin_page(200),  # K1's learner completed: kept
    ("classes.add_learner_view", "GET"): admin_page(200),
    ("classes.add_learner_view", "POST"): admin_page(302),
    ("classes.new_learner_view", "POST"): admin_page(200),
    ("classes.assign_lecturer_view", "POST"): admin_page(302),
    ("classes.remove_lecturer_view", "POST"): admin_page(302),
    ("certificates.admin_list", "GET"): admin_page(200),
    ("certificates.admin_detail", "GET"): admin_page(200),
    ("certificates.admin_detail", "POST"): admin_page(302),
    ("certificates.class_runs", "GET"): admin_page(200),
    ("certificates.class_runs", "POST"): admin_page(302),
    ("certificates.run_status", "GET"): admin_page(200),
    ("certificates.run_download", "GET"): admin_page(200),
    # courses: reading
    ("courses.index", "GET"): exp(200),
    ("courses.detail", "GET"): exp(200, VIEWERS),
    ("courses.lesson", "GET"): exp(200, VIEWERS),
    ("legal.registry", "GET"): exp(200, VIEWERS),
    ("legal.change_status", "GET"): exp(200, ONLY_ADMIN),
    ("legal.change_status", "POST"): exp(302, ONLY_ADMIN),
    ("legal.review", "GET"): exp(200, EDITORS),
    ("legal.review", "POST"): exp(302, EDITORS),
    ("courses.lesson_print", "GET"): exp(200, VIEWERS),
    ("courses.attachment", "GET"): exp(200, VIEWERS),
    ("courses.mark_done", "POST"): exp(302, VIEWERS),
    # courses: authoring
    ("courses.manage", "GET"): exp(200, EDITORS),
    ("courses.new_lesson", "GET"): exp(200, EDITORS),
    ("courses.new_lesson", "POST"): exp(200, EDITORS),
    ("courses.edit_lesson", "GET"): exp(200, EDITORS),
    ("courses.edit_lesson", "POST"): exp(302, EDITORS),
    ("courses.history", "GET"): exp(200, EDITORS),
    ("courses.restore_revision", "POST"): exp(302, EDITORS),
    ("courses.move_lesson", "POST"): exp(302, EDITORS),
    ("courses.schedule_lesson", "POST"): exp(302, EDITORS),
    ("courses.preview", "POST"): exp(200, EDITORS),
    ("courses.upload_attachment", "POST"): exp(302, EDITORS),
    # question bank
    ("quizzes.bank", "GET"): exp(200, EDITORS),
    ("quizzes.question", "GET"): exp(200, EDITORS),
    ("quizzes.edit_question", "GET"): exp(200, EDITORS),
    ("quizzes.edit_question", "POST"): exp(200, EDITORS),
    ("quizzes.write_question", "GET"): exp(200, EDITORS),
    ("quizzes.write_question", "POST"): exp(200, EDITORS),  # an empty form: errors shown
    ("quizzes.import_questions", "GET"): exp(200, EDITORS),
    ("quizzes.import_questions", "POST"): exp(302, EDITORS),
    ("quizzes.build", "GET"): exp(200, EDITORS),
    ("quizzes.build", "POST"): exp(200, EDITORS),  # an empty form: errors shown
    ("quizzes.settings", "GET"): exp(200, EDITORS),
    ("quizzes.settings", "POST"): exp(200, EDITORS),  # an empty form: errors shown
    ("quizzes.publish", "POST"): exp(302, EDITORS),
    # quizzes and attempts: an attempt is its learner's only (admins included)
    ("quizzes.quiz", "GET"): exp(200, VIEWERS),
    ("quizzes.start", "POST"): exp(302, VIEWERS),
    ("quizzes.attempt", "GET"): exp(302, ONLY_OWNER),  # finished: on to its review
    ("quizzes.save", "POST"): exp(302, ONLY_OWNER),
    ("quizzes.review", "GET"): exp(200, ONLY_OWNER),
    ("quizzes.summary", "GET"): exp(302, ONLY_OWNER),  # finished: on to its review
    ("quizzes.attempt_file", "GET"): exp(200, ONLY_OWNER),
    ("quizzes.question_file", "GET"): exp(200, EDITORS),
    # Quiz pages of lecturers of any class of the course (lms.quizzes.attempts.can_manage):
    # lecturer_other may be refused, or served the data of their own class only (checked by
    # test_quiz_staff_pages_show_only_managed_learners below).
    ("quizzes.results", "GET"): exp(200, QUIZ_STAFF, lecturer_other=EITHER_200_404),
    ("quizzes.analysis", "GET"): exp(200, QUIZ_STAFF, lecturer_other=EITHER_200_404),
    ("quizzes.grading", "GET"): exp(200, QUIZ_STAFF, lecturer_other=EITHER_200_404),
    # marking the K1 learner's essay: only who manages K1
    ("quizzes.grading", "POST"): exp(302, K1_STAFF),
    # Regrading changes every class's grades: the course's editors only.
    ("quizzes.regrade", "POST"): exp(302, EDITORS, lecturer_other=403),
    ("quizzes.accommodation", "GET"): exp(200, K1_STAFF),
    ("quizzes.accommodation", "POST"): exp(302, K1_STAFF),
    ("classes.learner_lessons", "GET"): exp(200, K1_STAFF),
    ("quizzes.set_pool", "POST"): exp(302, EDITORS),
    ("quizzes.export_bank_file", "GET"): exp(200, EDITORS),
    ("classes.learner_lessons", "POST"): exp(302, K1_STAFF),
    # classes and reports
    ("classes.index", "GET"): exp(200),
    ("classes.overview_page", "GET"): exp(200, STAFF, denied=403),
    ("classes.detail", "GET"): exp(200, K1_MEMBERS),
    ("classes.dashboard", "GET"): exp(200, K1_STAFF),
    ("reports.export", "POST"): exp(302, K1_STAFF),
    # an export job is its requester's only (the right lecturer's here)
    ("reports.export_status", "GET"): exp(200, frozenset({C_RIGHT})),
    ("reports.export_download", "GET"): exp(200, frozenset({C_RIGHT})),
    # certificates
    ("certificates.mine", "GET"): exp(200),
    ("certificates.download", "GET"): exp(200, frozenset({OWNER, ADMIN})),
    ("certificates.verify", "GET"): exp(200, EVERYONE),
    ("certificates.verify_file", "GET"): exp(200, EVERYONE),
    ("certificates.verify_file", "POST"): exp(200, EVERYONE),
    # JSON API (bearer tokens)
    ("api.me", "GET"): api(200),
    ("api.openapi", "GET"): exp(200, EVERYONE),
    ("api.certificate", "GET"): exp(200, EVERYONE),
    ("api.classes", "GET"): api(200),
    ("api.class_completion", "GET"): api(200, K1_STAFF),
    ("api.my_classes", "GET"): api(200),
    ("api.courses", "GET"): api(200),
    ("api.course_lessons", "GET"): api(200, VIEWERS),
    ("api.course_legal", "GET"): api(200, VIEWERS),
    ("api.course_review", "GET"): api(200, EDITORS),
    ("api.course_quizzes", "GET"): api(200, VIEWERS),
    ("api.complete_lesson", "POST"): api(200, COURSE_LEARNERS),
    ("api.lesson_heartbeat", "POST"): api(200, COURSE_LEARNERS),
    ("api.create_attempt", "POST"): api(201, VIEWERS),  # staff get a preview attempt
    ("api.get_attempt", "GET"): api(200, ONLY_OWNER),
    ("api.put_answer", "PUT"): api(409, ONLY_OWNER),  # the attempt is finished
    ("api.post_submit", "POST"): api(200, ONLY_OWNER),  # idempotent
    ("api.put_flag", "PUT"): api(409, ONLY_OWNER),  # the attempt is finished
}

# Known security bugs, each a strict xfail until fixed. Fixed: a lecturer of another class
# (K2) could mark the essay of a K1 learner by posting its slot_id (now 404).
BUGS: dict[tuple[str, str, str], str] = {}


def _cases() -> list[Any]:
    cases = []
    for path, endpoint, method in collected_rules():
        for role in ROLES:
            marks = ()
            reason = BUGS.get((endpoint, method, role))
            if reason:
                marks = (pytest.mark.xfail(strict=True, reason=reason),)
            cases.append(pytest.param(path, endpoint, method, role, marks=marks,
                                      id=f"{method} {path} {role}"))
    return cases


def _rule(app: Flask, path: str, endpoint: str) -> Rule:
    return next(r for r in app.url_map.iter_rules() if r.rule == path and r.endpoint == endpoint)


@pytest.mark.parametrize(("path", "endpoint", "method", "role"), _cases())
def test_access(app: Flask, client: Any, path: str, endpoint: str, method: str,
                role: str) -> None:
    assert (endpoint, method) in EXPECTED, f"no EXPECTED entry for {endpoint} {method}"
    world = build_world()
    csrf = log_in(client, world, role)
    body = BODIES.get((endpoint, method), lambda _w: {})(world)
    response = send(client, world, _rule(app, path, endpoint), method, role, csrf, body)
    expected = EXPECTED[(endpoint, method)][role]
    allowed = expected if isinstance(expected, frozenset) else {expected}
    assert response.status_code in allowed, (
        f"{role} {method} {path}: {response.status_code}, expected {expected}")
    if role == A and response.status_code == 302 and endpoint != "core.set_language":
        assert "/auth/login" in response.headers["Location"]
    if response.status_code == 401:
        assert response.json["error"]["code"] == "unauthorized"


def test_every_route_has_an_expectation(app: Flask) -> None:
    """A new route (or method) fails the suite until its row is added to EXPECTED."""
    routes = {(rule.endpoint, method) for rule, method in app_rules(app)}
    assert not routes - EXPECTED.keys(), f"routes without EXPECTED: {routes - EXPECTED.keys()}"
    assert not EXPECTED.keys() - routes, f"EXPECTED of no route: {EXPECTED.keys() - routes}"
    for key, table in EXPECTED.items():
        assert set(table) == set(ROLES), key
    assert {key[:2] for key in BUGS} <= EXPECTED.keys()
    assert all(reason.startswith("SECURITY BUG") for reason in BUGS.values())


def test_matrix_size(app: Flask) -> None:
    """The matrix covers every rule of the live url_map × every role."""
    pairs = app_rules(app)
    assert len(collected_rules()) == len(pairs) > 80
    assert len(_cases()) == len(pairs) * len(ROLES)


# --- what the pages show, beyond their status ---------------------------------------------

OWNER_DATA_PAGES = {  # page: (url, what of the K1 learner it must not show to K2's lecturer)
    "results": ("/quizzes/{quiz}/results", "the name and score"),
    "grading": ("/quizzes/{quiz}/grading", "the name and essay answer"),
}


@pytest.mark.parametrize("page", sorted(OWNER_DATA_PAGES))
def test_quiz_staff_pages_show_only_managed_learners(client: Any, page: str) -> None:
    world = build_world()
    log_in(client, world, C_OTHER)
    response = client.get(OWNER_DATA_PAGES[page][0].format(quiz=world.quiz.id))
    assert response.status_code in (200, 404)  # refused, or their own class's data only
    html = response.get_data(as_text=True)
    assert world.users[OWNER].full_name not in html
    assert ESSAY not in html


@pytest.mark.parametrize("page", sorted(OWNER_DATA_PAGES))
def test_quiz_staff_pages_show_the_right_lecturer_their_learner(client: Any, page: str) -> None:
    world = build_world()
    log_in(client, world, C_RIGHT)
    url = OWNER_DATA_PAGES[page][0].format(quiz=world.quiz.id)
    html = client.get(url).get_data(as_text=True)
    assert world.users[OWNER].full_name in html
    assert page != "grading" or ESSAY in html


@pytest.mark.parametrize("role", [C_OTHER, L_OTHER, STRANGER])
def test_only_the_class_staff_marks_an_essay(client: Any, role: str) -> None:
    world = build_world()
    csrf = log_in(client, world, role)
    client.post(f"/quizzes/{world.quiz.id}/grading",
                data={"slot_id": world.essay_slot.id, "points": "1", "csrf_token": csrf})
    db.session.expire_all()
    assert db.session.get(AttemptSlot, world.essay_slot.id).fraction is None


def test_the_right_lecturer_marks_the_essay(client: Any) -> None:
    world = build_world()
    csrf = log_in(client, world, C_RIGHT)
    response = client.post(f"/quizzes/{world.quiz.id}/grading", data={
        "slot_id": world.essay_slot.id, "points": "1", "csrf_token": csrf})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AttemptSlot, world.essay_slot.id).fraction is not None


@pytest.mark.parametrize(("role", "shown"), [(C_OTHER, False), (C_RIGHT, True), (ADMIN, True)])
def test_regrade_is_offered_only_to_the_course_editors(client: Any, role: str,
                                                       shown: bool) -> None:
    world = build_world()
    log_in(client, world, role)
    html = client.get(f"/quizzes/{world.quiz.id}/results").get_data(as_text=True)
    assert (f"/quizzes/{world.quiz.id}/regrade" in html) is shown
