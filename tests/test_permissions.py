"""Permission helpers and per-page statement counts."""

from __future__ import annotations

from lms.extensions import db
from lms.permissions import (
    can_edit_course,
    can_manage_class,
    can_view_class,
    can_view_course,
    visible_classes,
)
from tests.conftest import Auth, assign_lecturer, make_class, make_course, make_user


def test_helpers(app) -> None:
    course, other = make_course("a"), make_course("b")
    admin = make_user("admin")
    lecturer, assigned = make_user("lecturer"), make_user("lecturer")
    learner, stranger = make_user("learner"), make_user("learner")
    assign_lecturer(course, assigned)
    k1 = make_class(course, "K1", lecturer=lecturer, learners=(learner,))
    k2 = make_class(other, "K2")
    assert can_view_course(admin, other) and can_edit_course(admin, other)
    assert can_view_course(lecturer, course) and not can_edit_course(lecturer, course)
    assert can_view_course(assigned, course) and can_edit_course(assigned, course)
    assert not can_view_course(assigned, other)
    assert can_view_course(learner, course) and not can_view_course(learner, other)
    assert not can_edit_course(learner, course)
    assert not can_view_course(stranger, course)
    assert can_manage_class(lecturer, k1) and not can_manage_class(lecturer, k2)
    assert can_view_class(learner, k1) and not can_manage_class(learner, k1)
    assert not can_view_class(learner, k2)
    assert {c.code for c in db.session.scalars(visible_classes(admin))} >= {"K1", "K2"}


def test_class_page_statement_count_does_not_grow(auth: Auth, client, count_statements) -> None:
    course = make_course()
    lecturer = make_user("lecturer")
    small = make_class(course, "NHO", lecturer=lecturer,
                       learners=tuple(make_user("learner") for _ in range(3)))
    big = make_class(course, "LON", lecturer=lecturer,
                     learners=tuple(make_user("learner") for _ in range(40)))
    auth.login_as(lecturer)
    counts = []
    for code in (small.code, big.code):
        with count_statements() as counter:
            page = client.get(f"/classes/{code}")
            assert page.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert page.get_data(as_text=True).count("<tr><td>") == 40
