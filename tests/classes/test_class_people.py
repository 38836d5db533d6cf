"""Running a class from its page (issue 14): lecturers assigned and removed, one learner
added (found, or created with an activation code), withdrawn after a confirmation, and
moved to another class of the course with the history kept."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.auth.models import User
from lms.classes.models import ClassCompletion, Enrolment
from lms.classes.people import move_learner
from lms.classes.roster import activate
from lms.classes.services import ClassData, create_class
from lms.errors import InvalidInput
from lms.extensions import db
from tests.conftest import Auth, csrf_from, make_class, make_course, make_user


def _world():
    course = make_course()
    admin = make_user("admin")
    learner = make_user("learner", full_name="Nguyễn Thị Ngọc Huyền", email="huyen@example.vn")
    k1 = make_class(course, "K1", learners=(learner,))
    k2 = make_class(course, "K2")
    db.session.commit()
    return course, admin, learner, k1, k2


def _enrolment(klass, user) -> Enrolment:
    return db.session.scalar(select(Enrolment).where(
        Enrolment.class_id == klass.id, Enrolment.user_id == user.id))


def _actions(name: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == name)))


def test_the_admin_assigns_and_removes_a_lecturer(auth: Auth, client) -> None:
    _course, admin, _learner, k1, _k2 = _world()
    lecturer = make_user("lecturer", full_name="Trần Văn Giảng")
    db.session.commit()
    auth.login_as(admin)
    page = client.get("/classes/K1").get_data(as_text=True)
    assert "Trần Văn Giảng" in page  # offered in the assign form
    token = csrf_from(client, "/classes/K1")
    assert client.post("/classes/K1/lecturers", data={
        "csrf_token": token, "user_id": lecturer.id}).status_code == 302
    assert _enrolment(k1, lecturer).state == "active"
    assert _enrolment(k1, lecturer).role == "lecturer"
    assert _actions("lecturer_assign")[0].target == lecturer.username
    # Twice is no error and no second row (an upsert).
    client.post("/classes/K1/lecturers", data={"csrf_token": token, "user_id": lecturer.id})
    assert len(db.session.scalars(select(Enrolment).where(
        Enrolment.user_id == lecturer.id)).all()) == 1
    assert client.post(f"/classes/K1/lecturers/{lecturer.id}/remove",
                       data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert _enrolment(k1, lecturer).state == "withdrawn"  # kept as history
    assert _actions("lecturer_remove")


def test_only_lecturer_accounts_can_be_assigned(auth: Auth, client) -> None:
    _course, admin, learner, _k1, _k2 = _world()
    from lms.classes.people import assign_lecturer

    for wrong in (learner, make_user("admin")):
        with pytest.raises(InvalidInput):
            assign_lecturer(_k1, wrong, admin)
    auth.login_as(admin)
    token = csrf_from(client, "/classes/K1")
    response = client.post("/classes/K1/lecturers", data={"csrf_token": token,
                                                          "user_id": learner.id})
    assert response.status_code == 302
    assert _enrolment(_k1, learner).role == "learner"
    assert not _actions("lecturer_assign")


def test_the_admin_adds_an_existing_learner_found_by_search(auth: Auth, client) -> None:
    _course, admin, learner, _k1, k2 = _world()
    auth.login_as(admin)
    page = client.get("/classes/K2/learners/add?q=huyen").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Huyền" in page
    page = client.get("/classes/K2/learners/add?q=Ngọc Huyền").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Huyền" in page
    token = csrf_from(client, "/classes/K2/learners/add")
    response = client.post("/classes/K2/learners/add", data={"csrf_token": token,
                                                             "user_id": learner.id})
    assert response.status_code == 302
    assert _enrolment(k2, learner).state == "active"
    assert _actions("learner_enrol")[0].details["class_code"] == "K2"
    again = client.post("/classes/K2/learners/add", data={"csrf_token": token,
                                                          "user_id": learner.id},
                        follow_redirects=True).get_data(as_text=True)
    assert "đã có trong lớp" in again


def test_the_admin_creates_one_learner_with_an_activation_code(auth: Auth, client) -> None:
    _course, admin, _learner, k1, _k2 = _world()
    auth.login_as(admin)
    token = csrf_from(client, "/classes/K1/learners/add")
    response = client.post("/classes/K1/learners/new", data={
        "csrf_token": token, "full_name": "Đặng Thị Ỷ Lan", "date_of_birth": "02/09/1975",
        "unit": "Sở Nội vụ", "position": "", "email": "lan.dty@example.vn"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    code = re.search(r"<code>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{2})</code>", page).group(1)
    user = db.session.scalar(select(User).where(User.email == "lan.dty@example.vn"))
    assert user.username == "landty" and user.password_hash is None
    assert user.date_of_birth.isoformat() == "1975-09-02"
    assert _enrolment(k1, user).state == "active"
    assert "landty" in page and "codes.xlsx" in page  # downloadable as the roster's codes
    assert activate("landty", code) is not None
    entry = _actions("learner_enrol")[0]
    assert entry.details["created"] is True and code not in str(entry.details)


def test_creating_a_learner_needs_a_name_and_a_free_email(auth: Auth, client) -> None:
    _world()
    auth.login_as(db.session.scalar(select(User).where(User.role == "admin")))
    token = csrf_from(client, "/classes/K1/learners/add")
    page = client.post("/classes/K1/learners/new", data={
        "csrf_token": token, "full_name": "Ai Đó", "email": "huyen@example.vn"}).get_data(
        as_text=True)
    assert "huyen@example.vn" in page or "email" in page.lower()
    assert db.session.scalar(select(User).where(User.full_name == "Ai Đó")) is None


def test_withdraw_asks_for_confirmation_without_javascript(auth: Auth, client) -> None:
    _course, admin, learner, k1, _k2 = _world()
    auth.login_as(admin)
    page = client.get("/classes/K1").get_data(as_text=True)
    assert f"/classes/K1/learners/{learner.id}/withdraw" in page
    confirm = client.get(f"/classes/K1/learners/{learner.id}/withdraw")
    assert confirm.status_code == 200
    assert "Nguyễn Thị Ngọc Huyền" in confirm.get_data(as_text=True)
    assert _enrolment(k1, learner).state == "active"  # nothing happened yet
    token = csrf_from(client, f"/classes/K1/learners/{learner.id}/withdraw")
    client.post(f"/classes/K1/learners/{learner.id}/withdraw", data={"csrf_token": token})
    db.session.expire_all()
    assert _enrolment(k1, learner).state == "withdrawn"


def test_a_move_withdraws_and_enrols_in_one_step_with_history(auth: Auth, client) -> None:
    _course, admin, learner, k1, k2 = _world()
    auth.login_as(admin)
    url = f"/classes/K1/learners/{learner.id}/move"
    page = client.get(url).get_data(as_text=True)
    assert "K2" in page
    response = client.post(url, data={"csrf_token": csrf_from(client, url), "target": "K2"})
    assert response.status_code == 302
    db.session.expire_all()
    old, new = _enrolment(k1, learner), _enrolment(k2, learner)
    assert old.state == "withdrawn" and old.moved_to_class_id == k2.id
    assert new.state == "active"
    assert db.session.scalar(select(ClassCompletion).where(
        ClassCompletion.class_id == k2.id, ClassCompletion.user_id == learner.id)) is not None
    entry = _actions("learner_move")[0]
    assert entry.details["from_class"] == "K1" and entry.details["to_class"] == "K2"
    assert not _actions("learner_withdraw")  # one move, one entry
    # The old class's page shows where the learner went.
    page = client.get("/classes/K1").get_data(as_text=True)
    assert 'href="/classes/K2"' in page


def test_move_guards(app) -> None:
    course, admin, learner, k1, k2 = _world()
    other_course = make_course("khac", "Khác")
    elsewhere = make_class(other_course, "X1")
    closed = create_class(ClassData(code="K3", name="Đã đóng", course_slug=course.slug,
                                    status="closed"))
    for target in (elsewhere, closed, k1):
        with pytest.raises(InvalidInput):
            move_learner(k1, learner, target, admin)
    # Already active in the target: a clear message, nothing changes.
    from lms.classes.services import enrol

    enrol(k2, learner)
    with pytest.raises(InvalidInput, match="K2"):
        move_learner(k1, learner, k2, admin)
    assert _enrolment(k1, learner).state == "active"


def test_people_pages_are_for_admins_only(auth: Auth, client) -> None:
    _course, _admin, learner, _k1, _k2 = _world()
    lecturer = make_user("lecturer")
    make_class(_course, "K9", lecturer=lecturer)
    db.session.commit()
    auth.login_as(lecturer)
    for url in ("/classes/K1/learners/add", f"/classes/K1/learners/{learner.id}/move",
                f"/classes/K1/learners/{learner.id}/withdraw"):
        assert client.get(url).status_code in (403, 404), url
    auth.logout()
    auth.login_as(db.session.scalar(select(User).where(User.role == "admin")))
    assert client.get("/classes/K1/learners/999999/move").status_code == 404
    assert client.get("/classes/NOPE/learners/add").status_code == 404


def test_class_page_statements_do_not_grow_with_people(auth: Auth, client,
                                                      count_statements) -> None:
    _course, admin, _learner, _k1, _k2 = _world()
    auth.login_as(admin)

    def measure() -> int:
        with count_statements() as counter:
            assert client.get("/classes/K1").status_code == 200
        return counter.count

    small = measure()
    from lms.classes.models import Class, EnrolmentRole
    from lms.classes.services import enrol

    k1 = db.session.scalar(select(Class).where(Class.code == "K1"))
    k2 = db.session.scalar(select(Class).where(Class.code == "K2"))
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    for _ in range(5):
        moved = make_user("learner")
        enrol(k1, moved)
        enrol(k1, make_user("learner"))
        enrol(k1, make_user("lecturer"), EnrolmentRole.LECTURER)
        move_learner(k1, moved, k2, admin)  # a withdrawn row linking to K2
    make_user("lecturer")  # one more to offer in the assign form
    db.session.commit()
    assert measure() == small


def test_a_username_taken_meanwhile_is_retried(app, monkeypatch) -> None:
    """Two admins creating "Đặng Thị Ỷ Lan" at once: the unique username decides, and the
    loser takes the next free name instead of failing."""
    from lms.classes import roster
    from lms.classes.people import NewLearner, create_learner

    _course, admin, _learner, k1, _k2 = _world()
    real = roster._taken_usernames
    calls = {"n": 0}

    def stale(rows):  # the first look misses an account created a moment later
        calls["n"] += 1
        return set() if calls["n"] == 1 else real(rows)

    make_user("learner", username="landty", full_name="Đặng Thị Ỷ Lan")
    monkeypatch.setattr(roster, "_taken_usernames", stale)
    account, _expires = create_learner(k1, NewLearner("Đặng Thị Ỷ Lan"), admin)
    assert account.username == "landty2" and calls["n"] == 2


def test_enrol_checked_says_whether_anything_changed(app) -> None:
    """A new row and a re-activated one are changes; enrolling an active learner is not
    (on PostgreSQL too, where the driver's rowcount for an upsert is -1)."""
    from lms.classes.services import enrol_checked, withdraw

    _course, _admin, learner, k1, k2 = _world()
    assert enrol_checked(k2, learner)[1] is True
    assert enrol_checked(k2, learner)[1] is False
    withdraw(k2, learner)
    again, changed = enrol_checked(k2, learner)
    assert changed is True and again.state == "active"
    assert enrol_checked(k1, learner)[1] is False
