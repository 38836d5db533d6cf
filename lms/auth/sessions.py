"""Server-side login sessions: logging out, or a password change, takes effect at once.

The Flask-Login identifier kept in the signed cookie is ``"<session id>:<key>"``. Each
request resolves it with ONE indexed statement (the session joined with its user, by
primary key); the key's digest must match and the session must not have ended. Ending a
session is setting ``ended_at``: a cookie copied before logout is refused afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update

from lms.auth.models import ApiToken, LoginSession, User
from lms.db import utcnow
from lms.extensions import db

KEEP_FOR = timedelta(days=30)  # ended sessions kept this long; open ones expire after it
MAX_VALUE = 120  # "<id>:<key>" is about 50 characters; anything longer is not ours


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _bind(user: User, session_id: int, value: str) -> User:
    """Remember on ``user`` which login session it came with (read by ``User.get_id``)."""
    user.login_session_id = session_id  # type: ignore[attr-defined]
    user.login_session_value = value  # type: ignore[attr-defined]
    return user


def session_id_of(user: Any) -> int | None:
    """The login session the request's user came with (``None`` for token identities)."""
    return getattr(user, "login_session_id", None)


def start_session(user: User, ip: str | None = None, user_agent: str | None = None) -> str:
    """Open a login session for ``user``; returns the identifier for Flask-Login.

    Call before ``login_user(user)``: ``user.get_id()`` then answers the identifier.
    """
    key = secrets.token_urlsafe(32)
    row = LoginSession(
        user_id=user.id,
        key_hash=_digest(key),
        ip=(ip or "")[:45] or None,
        user_agent=(user_agent or "")[:300] or None,
    )
    db.session.add(row)
    db.session.flush()
    value = f"{row.id}:{key}"
    _bind(user, row.id, value)
    return value


@cache
def _load_query() -> Any:
    return (
        select(User, LoginSession.key_hash)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.id == bindparam("sid"), LoginSession.ended_at.is_(None))
    )


def load_user(value: str) -> User | None:
    """The user of the open login session ``value``, or ``None`` (one statement)."""
    sid, sep, key = value.partition(":")
    if not sep or not sid.isdigit() or len(sid) > 18 or not key or len(value) > MAX_VALUE:
        return None  # includes the plain user ids of cookies from before login sessions
    row = db.session.execute(_load_query(), {"sid": int(sid)}).first()
    if row is None or not hmac.compare_digest(row.key_hash, _digest(key)):
        return None
    return _bind(row.User, int(sid), value)


def end_session(session_id: int | None) -> None:
    """End one login session (logout)."""
    if session_id is None:
        return
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.id == session_id, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_sessions(user_id: int, keep: int | None = None) -> int:
    """End every open login session of the user except ``keep``; how many were ended."""
    query = update(LoginSession).where(
        LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(LoginSession.id != keep)
    ended = db.session.execute(query.values(ended_at=utcnow()).returning(LoginSession.id))
    return len(ended.all())


def revoke_tokens(user_id: int) -> int:
    """Revoke every API token of the user; how many were revoked."""
    revoked = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(ApiToken.id)
    )
    return len(revoked.all())


def sign_out_everywhere(user_id: int) -> tuple[int, int]:
    """After an admin's reset or a deactivation: every session ended, every token revoked."""
    return end_sessions(user_id), revoke_tokens(user_id)


def purge_sessions(keep_for: timedelta = KEEP_FOR) -> int:
    """Delete sessions ended, or opened, more than ``keep_for`` ago; how many went.

    A browser still holding one of them is simply logged out (logins are in the audit log).
    """
    cutoff = utcnow() - keep_for
    gone = db.session.execute(
        delete(LoginSession)
        .where(or_(LoginSession.ended_at < cutoff, LoginSession.created_at < cutoff))
        .returning(LoginSession.id)
    )
    return len(gone.all())
