"""Finding people as Vietnamese staff type: without diacritics, in any case, đ as d.

Before: the search lowered the query with SQLite's ``lower()`` (ASCII only) and compared
with diacritics, so "nguyen" did not find "Nguyễn" and "NGUYỄN" found nothing on SQLite.
"""

from __future__ import annotations

from datetime import date

import pytest

from lms.auth.models import User
from lms.classes.people import find_learners
from lms.classes.roster import import_roster
from lms.classes.roster_io import RosterRow
from lms.extensions import db
from tests.conftest import Auth, make_class, make_course, make_user


@pytest.fixture
def people(app):
    found = [
        make_user("learner", full_name="Nguyễn Thị Ngọc Huyền", email="huyen@example.vn"),
        make_user("learner", full_name="Đặng Văn Đức"),
        make_user("learner", full_name="Trần Quốc Toản", email="TOAN@example.vn"),
    ]
    db.session.commit()
    return found


@pytest.mark.parametrize(("query", "expected"), [
    ("nguyen", "Nguyễn Thị Ngọc Huyền"),
    ("NGUYỄN", "Nguyễn Thị Ngọc Huyền"),
    ("ngoc huyen", "Nguyễn Thị Ngọc Huyền"),
    ("Ngọc  Huyền", "Nguyễn Thị Ngọc Huyền"),
    ("dang van duc", "Đặng Văn Đức"),
    ("ĐỨC", "Đặng Văn Đức"),
    ("toan@example", "Trần Quốc Toản"),
    ("tran quoc", "Trần Quốc Toản"),
])
def test_find_learners_ignores_case_and_diacritics(people, query: str, expected: str) -> None:
    assert [u.full_name for u in find_learners(query)] == [expected]


def test_like_wildcards_in_the_query_are_literal(people) -> None:
    assert find_learners("%%") == []
    assert find_learners("__") == []


def test_the_admin_user_list_ignores_case_and_diacritics(people, auth: Auth, client) -> None:
    auth.login_as(make_user("admin"))
    page = client.get("/admin/users/?q=dang+van").get_data(as_text=True)
    assert "Đặng Văn Đức" in page and "Trần Quốc Toản" not in page
    page = client.get("/admin/users/?q=NGUYỄN").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Huyền" in page


def test_a_renamed_account_is_found_by_its_new_name(people) -> None:
    user = people[1]
    user.full_name = "Đỗ Thị Hà"
    db.session.commit()
    assert [u.id for u in find_learners("do thi ha")] == [user.id]
    assert find_learners("dang van") == []


def test_accounts_created_by_a_roster_import_are_found(app) -> None:
    klass = make_class(make_course(), "K9")
    db.session.flush()
    import_roster(klass, [RosterRow(row=2, full_name="Lê Thị Thuỷ",
                                    date_of_birth=date(1980, 1, 2))], "roster.csv", None)
    db.session.flush()
    assert [u.full_name for u in find_learners("le thi thuy")] == ["Lê Thị Thuỷ"]
    assert db.session.query(User).filter_by(full_name="Lê Thị Thuỷ").one().search_key


def test_the_certificate_list_finds_holders_without_diacritics(auth: Auth, client) -> None:
    from lms.certificates.services import issue_for_class
    from tests.certificates.conftest import completed_class

    klass, _learners = completed_class(3, "K6")  # Huyền, Lan, Ưng
    issue_for_class(klass, None)
    db.session.commit()
    auth.login_as(make_user("admin"))
    page = client.get("/admin/certificates?q=dang+thi+y+lan").get_data(as_text=True)
    assert "Đặng Thị Ỷ Lan" in page and "Nguyễn Thị Ngọc Huyền" not in page
    page = client.get("/admin/certificates?q=NGUYỄN").get_data(as_text=True)
    assert "Nguyễn Thị Ngọc Huyền" in page and "Nguyễn Hữu Ưng" in page


def test_a_name_that_grows_when_folded_still_saves(app) -> None:
    # "ﬃ" folds to "ffi": the key is cut to its column (PostgreSQL refused it: a 500).
    user = make_user("learner", full_name="ﬃ" * 200)
    db.session.commit()
    assert len(user.search_key) == 520


def test_lone_accents_are_not_a_search_for_everyone(people) -> None:
    assert find_learners("\u0301\u0301") == []
