"""Accounts, roles and personal API tokens."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import utcnow
from lms.extensions import db
from lms.vietnamese import fold


def search_key(full_name: str | None, username: str | None, email: str | None) -> str:
    """What people searches match: name, username and email without case or diacritics
    ("Đặng Văn Đức" → "dang van duc"), so staff find "Nguyễn" by typing "nguyen"."""
    # Cut to the column: case folding can lengthen a text ("ß" → "ss", "ﬃ" → "ffi").
    return fold(" ".join(part for part in (full_name, username, email) if part))[:520]


def _search_key_default(context) -> str:  # type: ignore[no-untyped-def]
    # A column default, so Core inserts (the roster import's bulk insert) fill it too.
    values = context.get_current_parameters()
    return search_key(values.get("full_name"), values.get("username"), values.get("email"))


class Role(StrEnum):
    """The three kinds of user; each account has exactly one."""

    ADMIN = "admin"
    LECTURER = "lecturer"
    LEARNER = "learner"


LOCALES = ("vi", "en")


class RoleMixin:
    """Role predicates shared by :class:`User` and token identities."""

    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_lecturer(self) -> bool:
        return self.role == Role.LECTURER

    @property
    def is_learner(self) -> bool:
        return self.role == Role.LEARNER


class User(RoleMixin, UserMixin, db.Model):
    """A person who can log in: administrator, lecturer (giảng viên) or learner (học viên)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'lecturer', 'learner')", name="role_valid"),
        CheckConstraint("locale IN ('vi', 'en')", name="locale_valid"),
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        Index("uq_users_email", "email", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    unit: Mapped[str | None] = mapped_column(String(300))
    position: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(16), default=Role.LEARNER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(8), default="vi")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: :func:`search_key` of the account, kept by the column default and an ORM hook.
    search_key: Mapped[str] = mapped_column(String(520), default=_search_key_default,
                                            server_default="")

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return bool(self.active)

    def get_id(self) -> str:
        """Flask-Login's identifier: the login session ("<id>:<key>"), never the user id.

        Set by :func:`lms.auth.sessions.start_session` and by the user loader; a user
        without a login session cannot be logged in (the loader refuses "").
        """
        return str(self.__dict__.get("login_session_value") or "")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"


@event.listens_for(User, "before_update")
def _refresh_search_key(_mapper, _connection, user: User) -> None:  # type: ignore[no-untyped-def]
    user.search_key = search_key(user.full_name, user.username, user.email)


def matching(query: str):  # type: ignore[no-untyped-def]
    """The condition "this account's name, username or email contains ``query``",
    without case or diacritics; ``%`` and ``_`` in the query are literal."""
    folded = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return User.search_key.like(f"%{folded}%", escape="\\")


class ApiToken(db.Model):
    """A personal bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), default="")
    # Tokens carry 256 bits of entropy, so a fast digest is enough (and keeps the
    # per-request lookup cheap); slow password hashes are for low-entropy secrets.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}… user={self.user_id}>"




class LoginSession(db.Model):
    """One logged-in browser: the cookie names it by ``id`` and proves it with a key.

    Only the key's SHA-256 digest is stored. Logging out, a password change (the other
    sessions) and an admin's reset or deactivation (all of them) set ``ended_at``; an
    ended session is refused on the next request.
    """

    __tablename__ = "login_sessions"
    __table_args__ = (Index("ix_login_sessions_user_open", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} user={self.user_id} ended={self.ended_at}>"
