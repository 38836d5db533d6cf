"""Password hashing with Argon2id (argon2-cffi) and the password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import gettext as _

from lms.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 200


@cache
def _hasher(fast: bool) -> PasswordHasher:
    if fast:  # the test suite hashes hundreds of passwords; production never sets this
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()  # RFC 9106 low-memory profile: Argon2id, 64 MiB, t=3


def _current() -> PasswordHasher:
    return _hasher(bool(current_app.config.get("LMS_PASSWORD_HASH_FAST")))


def check_policy(password: str, username: str | None = None, field: str = "password") -> None:
    """Raise :class:`InvalidInput` when ``password`` is too weak."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            field, _("The password must have at least %(n)d characters.", n=MIN_LENGTH)
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(field, _("The password is too long."))
    if username and password.casefold() == username.casefold():
        raise InvalidInput(field, _("The password must not be the username."))


def hash_password(password: str) -> str:
    """Hash ``password`` with Argon2id."""
    return _current().hash(password)


# A real hash to verify against when the user does not exist, so that an unknown
# username costs as much time as a wrong password (no user enumeration by timing).
@cache
def _dummy_hash(fast: bool) -> str:
    return _hasher(fast).hash("not-a-real-password")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``password_hash`` in constant-ish time."""
    hasher = _current()
    target = password_hash or _dummy_hash(bool(current_app.config.get("LMS_PASSWORD_HASH_FAST")))
    try:
        ok = hasher.verify(target, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Whether the stored hash uses outdated parameters."""
    return _current().check_needs_rehash(password_hash)
