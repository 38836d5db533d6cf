"""Authentication services: password login, password change and personal API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, update

from lms.auth.models import ApiToken, RoleMixin, User
from lms.auth.passwords import check_policy, hash_password, needs_rehash, verify_password
from lms.auth.sessions import end_sessions
from lms.db import utcnow
from lms.db_prepared import Prepared
from lms.errors import InvalidInput
from lms.extensions import db

log = logging.getLogger(__name__)

TOKEN_PREFIX = "lms_"  # noqa: S105 (a prefix, not a secret)


def normalise_username(username: str) -> str:
    """Usernames are compared lowercased and stripped."""
    return username.strip().lower()


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or ``None``.

    Unknown, inactive and wrong-password cases are indistinguishable to the caller's
    user, and cost the same hashing time.
    """
    user = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    ok = verify_password(user.password_hash if user else None, password)
    if not (ok and user and user.active):
        log.info("Failed login for %r", username[:64])
        return None
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def set_password(user: User, new_password: str, *, must_change: bool = False) -> None:
    """Set ``user``'s password after checking the policy."""
    check_policy(new_password, user.username, field="new_password")
    user.password_hash = hash_password(new_password)
    user.must_change_password = must_change
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str,
                    keep: int | None = None) -> int:
    """Change one's own password; the current one must be given.

    Every login session of the user but ``keep`` (the one making the change) ends;
    returns how many did.
    """
    if not verify_password(user.password_hash, current_password):
        raise InvalidInput("current_password", _("The current password is not correct."))
    set_password(user, new_password)
    ended = end_sessions(user.id, keep=keep)
    log.info("User %s changed their password (%d other sessions ended)", user.username, ended)
    return ended


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a personal token; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_digest(raw), prefix=raw[:12])
    db.session.add(token)
    db.session.flush()
    return token, raw


def revoke_token(token: ApiToken) -> None:
    """Revoke ``token`` (kept for the record, refused from now on)."""
    token.revoked_at = utcnow()
    db.session.flush()


@dataclass(frozen=True)
class Identity(RoleMixin):
    """Who an API token belongs to: the few fields requests need, without an ORM load.

    Duck-types :class:`User` for permission checks (``id``, ``role``, ``is_*``).
    """

    id: int
    username: str
    full_name: str
    role: str
    active: bool = True
    must_change_password: bool = False


def _token_query(_dialect: str) -> Any:
    users, tokens = User.__table__, ApiToken.__table__
    u, t = users.c, tokens.c
    return (select(u.id, u.username, u.full_name, u.role, u.active, u.must_change_password)
            .select_from(users.join(tokens, t.user_id == u.id))
            .where(t.token_hash == bindparam("digest"), t.revoked_at.is_(None)))


# Runs on every API request: prepared once, run on the session's DBAPI connection.
_TOKEN_LOOKUP = Prepared(_token_query)


def user_for_token(raw: str) -> Identity | None:
    """The active user owning the unrevoked token ``raw``, or ``None``.

    One indexed lookup by digest, columns only: this runs on every API request.
    """
    if not raw.startswith(TOKEN_PREFIX):
        return None
    row = _TOKEN_LOOKUP.first({"digest": _digest(raw)})
    if row is None or not row.active:
        return None
    return Identity(row.id, row.username, row.full_name, row.role, row.active,
                    bool(row.must_change_password))


def touch_token(token_id: int) -> None:
    """Record the token's last use (coarse: callers may skip it on hot paths)."""
    db.session.execute(
        update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow())
    )
