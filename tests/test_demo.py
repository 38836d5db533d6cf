"""``lms demo`` is idempotent and gives working logins."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.auth.models import User
from lms.classes.models import Class, Enrolment
from lms.demo import DEMO_ACCOUNTS, DEMO_CLASS
from lms.extensions import db
from tests.conftest import Auth


def _counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Class.id))),
            db.session.scalar(select(func.count(Enrolment.id))))


def test_demo_twice_changes_nothing(runner, auth: Auth, client) -> None:
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert _counts() == counts
    for account in DEMO_ACCOUNTS[:3]:
        assert account.username in first.output and account.password in first.output
        assert auth.login(account.username, account.password).status_code == 302
        auth.logout()
    assert db.session.scalar(select(Class).where(Class.code == DEMO_CLASS)) is not None
