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


def update_user(user: User, data: UserData, actor_id: int | None = None) -> User:
    """Update a profile (role changes included, and audited)."""
    old_role = user.role
    _apply(user, data)
    db.session.flush()
    if user.role != old_role:
        from lms.audit.services import record

        record("role_change", actor_id, user.username, old=old_role, new=user.role)
    return user


def set_active(user: User, active: bool) -> None:
    """Activate or deactivate an account; deactivated users cannot log in or use tokens."""
    user.active = active
    db.session.flush()
    log.info("User %s %s", user.username, "activated" if active else "deactivated")


def reset_password(user: User) -> str:
    """Give ``user`` a random temporary password they must change at next login."""
    temporary = secrets.token_urlsafe(9)
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    db.session.flush()
    log.info("Password of %s reset", user.username)
    return temporary


def set_locale(user: User, locale: str) -> None:
    """Persist the user's interface language."""
    if locale not in LOCALES:
        raise InvalidInput("locale", _("Unknown language."))
    user.locale = locale
    db.session.flush()


def find_user(username: str) -> User | None:
    """The account with ``username`` (case-insensitive), or ``None``."""
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))
