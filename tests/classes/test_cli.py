"""``lms classes`` commands and enrolment rules."""

from __future__ import annotations

from sqlalchemy import select

from lms.classes.models import Class, Enrolment, EnrolmentRole
from lms.classes.services import enrol, withdraw
from lms.extensions import db
from tests.conftest import make_class, make_course, make_user


def test_create_and_enrol(runner) -> None:
    make_course("ql-co-yeu")
    make_user("learner", username="hv1")
    make_user("learner", username="hv2")
    make_user("lecturer", username="gv1")
    result = runner.invoke(args=["classes", "create", "--code", "K74-HN", "--name",
                                 "Lớp Cao cấp lý luận chính trị K74", "--course", "ql-co-yeu",
                                 "--start", "03/03/2025", "--end", "19/12/2025"])
    assert result.exit_code == 0, result.output
    klass = db.session.scalar(select(Class).where(Class.code == "K74-HN"))
    assert klass.start_date.isoformat() == "2025-03-03"
    assert runner.invoke(args=["classes", "enrol", "K74-HN", "hv1", "hv2"]).exit_code == 0
    assert runner.invoke(args=["classes", "enrol", "K74-HN", "gv1", "--role",
                               "lecturer"]).exit_code == 0
    roles = sorted(e.role for e in db.session.scalars(
        select(Enrolment).where(Enrolment.class_id == klass.id)))
    assert roles == ["learner", "learner", "lecturer"]


def test_bad_date_and_reversed_dates(runner) -> None:
    make_course("c1")
    bad = runner.invoke(args=["classes", "create", "--code", "X", "--name", "X",
                              "--course", "c1", "--start", "31/02/2025"])
    assert bad.exit_code != 0 and "--start" in bad.output
    reversed_ = runner.invoke(args=["classes", "create", "--code", "X", "--name", "X",
                                    "--course", "c1", "--start", "02/03/2025",
                                    "--end", "01/03/2025"])
    assert reversed_.exit_code != 0 and "--end-date" in reversed_.output


def test_enrol_is_all_or_nothing(runner) -> None:
    course = make_course()
    klass = make_class(course, "K1")
    make_user("learner", username="hv1")
    result = runner.invoke(args=["classes", "enrol", "K1", "hv1", "khongco"])
    assert result.exit_code != 0 and "khongco" in result.output
    assert not db.session.scalars(select(Enrolment).where(Enrolment.class_id == klass.id)).all()


def test_enrol_is_idempotent_and_keeps_history(app) -> None:
    course = make_course()
    klass = make_class(course, "K1")
    learner = make_user("learner")
    first = enrol(klass, learner)
    again = enrol(klass, learner)
    assert first.id == again.id
    withdraw(klass, learner)
    assert db.session.get(Enrolment, first.id).state == "withdrawn"
    back = enrol(klass, learner)
    assert back.id == first.id and back.state == "active"


def test_role_mismatch_is_refused(app) -> None:
    import pytest

    from lms.errors import InvalidInput

    klass = make_class(make_course(), "K1")
    with pytest.raises(InvalidInput):
        enrol(klass, make_user("learner"), EnrolmentRole.LECTURER)
    with pytest.raises(InvalidInput):
        enrol(klass, make_user("lecturer"), EnrolmentRole.LEARNER)
