"""Account administration: create, update, deactivate, reset."""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.auth.models import LOCALES, Role, User
from lms.auth.passwords import check_policy, hash_password
from lms.auth.sessions import sign_out_everywhere
from lms.errors import InvalidInput
from lms.extensions import db
from lms.lengths import check_length
from lms.vietnamese import clean_text

log = logging.getLogger(__name__)

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass
class UserData:
    """Validated-at-the-edge profile fields; the service normalises and checks them."""

    full_name: str
    email: str | None = None
    unit: str | None = None
    position: str | None = None
    date_of_birth: date | None = None
    role: str = Role.LEARNER.value
    locale: str = "vi"


def _clean_optional(value: str | None) -> str | None:
    cleaned = clean_text(value or "")
    return cleaned or None


def check_email(email: str | None, user_id: int | None) -> str | None:
    if not email:
        return None
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        message = _("Invalid email address: %(reason)s", reason=str(exc))
        raise InvalidInput("email", message) from exc
    clash = db.session.scalar(
        select(User.id).where(func.lower(User.email) == email, User.id != (user_id or -1))
    )
    if clash:
        raise InvalidInput("email", _("This email address is already used by another account."))
    return email


def _apply(user: User, data: UserData) -> None:
    full_name = clean_text(data.full_name)
    if not full_name:
        raise InvalidInput("full_name", _("The full name is required."))
    if data.role not in {r.value for r in Role}:
        raise InvalidInput("role", _("Unknown role."))
    if data.locale not in LOCALES:
        raise InvalidInput("locale", _("Unknown language."))
    user.full_name = check_length(full_name, User.full_name, "full_name")
    user.email = check_length(check_email(_clean_optional(data.email), user.id), User.email,
                              "email")
    user.unit = check_length(_clean_optional(data.unit), User.unit, "unit")
    user.position = check_length(_clean_optional(data.position), User.position, "position")
    user.date_of_birth = data.date_of_birth
    user.role = data.role
    user.locale = data.locale


def create_user(username: str, password: str | None, data: UserData) -> User:
    """Create an account. ``password`` None leaves it unusable until reset or activation.

    :raises InvalidInput: on a bad or taken username, a weak password, a bad email.
    """
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise InvalidInput(
            "username",
            _("A username has 2 to 64 characters: lowercase letters, digits, '.', '_' or '-'."),
        )
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise InvalidInput("username", _("This username is already taken."))
    user = User(username=username, active=True)
    _apply(user, data)
    if password is not None:
        check_policy(password, username)
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    log.info("Created user %s (%s)", user.username, user.role)
    return user


PROFILE_FIELDS = ("full_name", "email", "unit", "position", "date_of_birth", "locale")


def update_user(user: User, data: UserData, actor_id: int | None = None) -> User:
    """Update a profile, audited: a role change as ``role_change``, the other fields as
    ``account_edit`` with each changed field's old and new value."""
    from lms.audit.services import changes, record

    before = {name: getattr(user, name) for name in PROFILE_FIELDS}
    old_role = user.role
    _apply(user, data)
    db.session.flush()
    if user.role != old_role:
        record("role_change", actor_id, user.username, old=old_role, new=user.role)
    changed = changes(before, {name: getattr(user, name) for name in PROFILE_FIELDS})
    if changed:
        record("account_edit", actor_id, user.username, changes=changed)
    return user


def set_active(user: User, active: bool, actor_id: int | None = None,
               audit: bool = True) -> None:
    """Activate or deactivate an account; deactivated users cannot log in or use tokens.

    Deactivating signs the user out everywhere and revokes their API tokens; a change of
    status is audited (``audit=False`` for an account being created inactive).
    """
    from lms.audit.services import record

    changed = bool(user.active) != active
    user.active = active
    db.session.flush()
    if not changed:
        return
    details = {}
    if not active:
        sessions, tokens = sign_out_everywhere(user.id)
        details = {"sessions_ended": sessions, "tokens_revoked": tokens}
    if audit:
        record("account_reactivate" if active else "account_deactivate", actor_id,
               user.username, **details)
    log.info("User %s %s", user.username, "activated" if active else "deactivated")


def reset_password(user: User, actor_id: int | None = None) -> str:
    """Give ``user`` a random temporary password they must change at next login.

    Every login session of theirs ends and every API token is revoked: whoever held the
    old password (or a session opened with it) is out.
    """
    from lms.audit.services import record

    temporary = secrets.token_urlsafe(9)
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    db.session.flush()
    sessions, tokens = sign_out_everywhere(user.id)
    record("password_reset", actor_id, user.username, sessions_ended=sessions,
           tokens_revoked=tokens)
    log.info("Password of %s reset", user.username)
    return temporary


def record_created(user: User, actor_id: int | None) -> None:
    """Audit the creation of an account by an administrator (or the shell)."""
    from lms.audit.services import record

    record("account_create", actor_id, user.username, role=user.role, active=user.active)


def set_locale(user: User, locale: str) -> None:
    """Persist the user's interface language."""
    if locale not in LOCALES:
        raise InvalidInput("locale", _("Unknown language."))
    user.locale = locale
    db.session.flush()


def find_user(username: str) -> User | None:
    """The account with ``username`` (case-insensitive), or ``None``."""
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))
