"""Hot-path statements run on the DBAPI cursor (lms.db_prepared): same values, same
errors and the same events as through SQLAlchemy's execution."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import bindparam, column, event, select, table
from sqlalchemy.exc import DBAPIError, OperationalError

from lms.auth.models import User
from lms.db import aware, utcnow
from lms.db_prepared import Prepared
from lms.extensions import db
from tests.conftest import make_user

_USERS = User.__table__.c


def _user_row(_dialect: str) -> Any:
    return (select(_USERS.id, _USERS.username, _USERS.active, _USERS.created_at,
                   (_USERS.id + bindparam("plus")).label("shifted"))
            .where(_USERS.id == bindparam("user_id")))


def test_rows_match_what_the_session_reads(app) -> None:
    user = make_user("learner")
    db.session.flush()
    prepared = Prepared(_user_row)
    row = prepared.first({"user_id": user.id, "plus": 3})
    via_orm = db.session.execute(_user_row(""), {"user_id": user.id, "plus": 3}).one()
    assert tuple(row) == tuple(via_orm)
    assert row.active is True  # an integer on SQLite, converted by the column's type
    assert row.created_at is not None
    assert abs(aware(row.created_at) - utcnow()) < timedelta(minutes=5)
    assert row.shifted == user.id + 3
    assert prepared.first({"user_id": -1, "plus": 0}) is None
    assert prepared.scalar({"user_id": user.id, "plus": 0}) == user.id


def test_statements_fire_the_engines_cursor_events(app) -> None:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE")):  # the test's transaction
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        Prepared(_user_row).first({"user_id": 1, "plus": 0})
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert len(seen) == 1 and seen[0].lstrip().upper().startswith("SELECT")


def test_driver_errors_are_sqlalchemys(app) -> None:
    # lms.errors answers SQLAlchemy's OperationalError (a locked or lost database) with 503;
    # a missing table is one on SQLite, a ProgrammingError on PostgreSQL.
    missing = Prepared(lambda _d: select(table("no_such_table", column("x")).c.x))
    with pytest.raises(OperationalError if db.engine.dialect.name == "sqlite"
                       else DBAPIError):
        missing.first({})
    db.session.rollback()


def test_python_side_defaults_must_be_given(app) -> None:
    from lms.db_upsert import insert_for
    from lms.quizzes.attempt_models import AttemptSlot

    slots = AttemptSlot.__table__
    # ``flagged`` has a Python-side default, which only SQLAlchemy's execution fills in.
    statement = Prepared(lambda d: insert_for(slots, d).values(
        attempt_id=1, slot=1, question_id=1, question_version_id=1, option_order=[],
        max_points=1.0, comment="", seq=0, response=None, saved_at=utcnow()))
    with pytest.raises(TypeError, match="flagged"):
        statement.first({})


def test_a_missing_parameter_is_an_error_not_null(app) -> None:
    with pytest.raises(KeyError, match="plus"):
        Prepared(_user_row).first({"user_id": 1})
