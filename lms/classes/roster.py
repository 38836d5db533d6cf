"""Roster import into a class: link existing accounts, create the others with one-time
activation codes, enrol everyone — all or nothing, with a dry run.

Built for size (10,000 rows): existing accounts are fetched in chunks, new accounts and
enrolments are written with bulk statements, and completion rows are computed in one batch.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select

from lms.auth.models import Role, User
from lms.classes.models import (
    ActivationCode,
    Class,
    Enrolment,
    EnrolmentRole,
    EnrolmentState,
    RosterImport,
)
from lms.classes.roster_io import RosterError, RosterProblem, RosterRow
from lms.db import aware, utcnow
from lms.db_upsert import insert_for
from lms.extensions import db
from lms.vietnamese import fold, username_from_name

log = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed by hand
CODE_LENGTH = 10
CODE_DAYS = 30
CHUNK = 500


@dataclass
class NewAccount:
    """An account created by the import, with its one-time activation code (shown once)."""

    row: int
    username: str
    full_name: str
    code: str


@dataclass
class RosterReport:
    """What an import did (or would do)."""

    rows: int = 0
    created: list[NewAccount] = field(default_factory=list)
    linked: int = 0
    enrolled: int = 0
    already_enrolled: int = 0
    expires_at: datetime | None = None


def hash_code(code: str) -> str:
    """Codes are random (≈49 bits) and expire: a plain digest suffices."""
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def new_code() -> str:
    """A random activation code, e.g. ``K7QW-M3XP-9A``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def _existing(rows: list[RosterRow]) -> tuple[dict[str, User], dict[str, User]]:
    usernames = sorted({r.username for r in rows if r.username})
    emails = sorted({r.email for r in rows if r.email})
    by_name: dict[str, User] = {}
    by_email: dict[str, User] = {}
    for chunk in _chunks(usernames):
        for user in db.session.scalars(select(User).where(User.username.in_(chunk))):
            by_name[user.username] = user
    for chunk in _chunks(emails):
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(chunk))):
            by_email[(user.email or "").lower()] = user
    return by_name, by_email


def _class_people(klass: Class) -> dict[tuple[str, object], User]:
    """Learners already in the class, by folded name and date of birth."""
    users = db.session.scalars(select(User).join(Enrolment, Enrolment.user_id == User.id)
                               .where(Enrolment.class_id == klass.id,
                                      Enrolment.role == EnrolmentRole.LEARNER.value))
    return {(fold(u.full_name), u.date_of_birth): u for u in users}


def _match(klass: Class, rows: list[RosterRow]) -> tuple[dict[int, User], list[RosterProblem]]:
    """Existing accounts per row (same username or email; for rows with neither, the same
    name and date of birth among the class's learners, so a re-import duplicates no one),
    and conflicts."""
    by_name, by_email = _existing(rows)
    in_class = _class_people(klass)
    matched: dict[int, User] = {}
    problems = []
    for r in rows:
        user = by_name.get(r.username or "") or by_email.get(r.email or "")
        if user is None and not r.username and not r.email:
            user = in_class.get((fold(r.full_name), r.date_of_birth))
        if user is None:
            continue
        if r.username and r.email and r.email in by_email and by_email[r.email] is not user:
            problems.append(RosterProblem(r.row, "Email", _(
                "this email belongs to another account (%(username)s)",
                username=by_email[r.email].username), "email_conflict"))
            continue
        if user.role != Role.LEARNER:
            problems.append(RosterProblem(r.row, _("Username"), _(
                "%(username)s is not a learner account", username=user.username),
                "not_a_learner"))
            continue
        matched[r.row] = user
    return matched, problems


def _taken_usernames(rows: list[RosterRow]) -> set[str]:
    """Existing usernames that the rows' generated names could collide with, in a few
    queries (not one per candidate): exact bases first, then the numbered variants of the
    bases that are taken."""
    bases = sorted({r.username or username_from_name(r.full_name, lambda _n: False)
                    for r in rows})
    taken: set[str] = set()
    for chunk in _chunks(bases):
        taken.update(db.session.scalars(select(User.username).where(User.username.in_(chunk))))
    clashing = sorted(taken)
    for start in range(0, len(clashing), 50):
        part = clashing[start:start + 50]
        taken.update(db.session.scalars(select(User.username).where(
            or_(*(User.username.like(f"{base}%") for base in part)))))
    return taken


def create_accounts(new_rows: list[RosterRow],
                    expires_at: datetime) -> list[tuple[NewAccount, int]]:
    """Create learner accounts for ``new_rows`` (usernames from the names when not given),
    each with a one-time activation code (stored hashed; returned once, in clear), with
    bulk statements; returns each account with its user id."""
    now = utcnow()
    taken_cache = _taken_usernames(new_rows)

    def is_taken(name: str) -> bool:
        return name in taken_cache
    values = []
    for r in new_rows:
        username = r.username or username_from_name(r.full_name, is_taken)
        taken_cache.add(username)
        values.append({"username": username, "full_name": r.full_name, "email": r.email,
                       "unit": r.unit, "position": r.position, "date_of_birth": r.date_of_birth,
                       "role": Role.LEARNER.value, "active": True, "locale": "vi",
                       "password_hash": None, "must_change_password": True,
                       "created_at": now, "updated_at": now})
    out: list[tuple[NewAccount, int]] = []
    for chunk_start in range(0, len(values), CHUNK):
        part = values[chunk_start:chunk_start + CHUNK]
        created = db.session.execute(
            insert(User.__table__).returning(User.__table__.c.id,
                                             User.__table__.c.username), part).all()
        ids = {username: uid for uid, username in created}
        codes = []
        for value, r in zip(part, new_rows[chunk_start:chunk_start + CHUNK], strict=True):
            code = new_code()
            uid = ids[value["username"]]
            codes.append({"user_id": uid, "code_hash": hash_code(code),
                          "expires_at": expires_at, "created_at": now})
            out.append((NewAccount(r.row, value["username"], r.full_name, code), uid))
        db.session.execute(insert(ActivationCode.__table__), codes)
    return out


def import_roster(klass: Class, rows: list[RosterRow], filename: str,
                  actor: User | None) -> RosterReport:
    """Enrol ``rows`` in ``klass`` (flushes; the caller commits, or rolls back a dry run).

    :raises RosterError: on conflicts with existing accounts (nothing is changed).
    """
    matched, problems = _match(klass, rows)
    if problems:
        raise RosterError(problems)
    now = utcnow()
    report = RosterReport(rows=len(rows), expires_at=now + timedelta(days=CODE_DAYS))
    new_rows = [r for r in rows if r.row not in matched]
    user_ids: dict[int, int] = {r.row: u.id for r, u in
                                ((r, matched[r.row]) for r in rows if r.row in matched)}
    for account, uid in create_accounts(new_rows, report.expires_at):
        user_ids[account.row] = uid
        report.created.append(account)
    report.linked = len(matched)
    already = set(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.class_id == klass.id, Enrolment.user_id.in_(list(user_ids.values())),
        Enrolment.state != EnrolmentState.WITHDRAWN.value)))
    report.already_enrolled = len(already)
    table = Enrolment.__table__
    stmt = insert_for(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["class_id", "user_id"],
        set_={"state": EnrolmentState.ACTIVE.value, "updated_at": now},
        where=table.c.state == EnrolmentState.WITHDRAWN.value)
    enrol_rows = [{"class_id": klass.id, "user_id": uid, "role": EnrolmentRole.LEARNER.value,
                   "state": EnrolmentState.ACTIVE.value, "created_at": now, "updated_at": now}
                  for uid in user_ids.values()]
    for start in range(0, len(enrol_rows), CHUNK):
        db.session.execute(stmt, enrol_rows[start:start + CHUNK])
    report.enrolled = len(user_ids) - len(already)
    db.session.add(RosterImport(class_id=klass.id, filename=filename[:300], rows=len(rows),
                                created_accounts=len(report.created), linked_accounts=report.linked,
                                actor_id=actor.id if actor else None))
    db.session.flush()
    from lms.audit.services import record

    record("roster_import", actor.id if actor else None, f"class:{klass.code}",
           file=filename[:200], rows=len(rows), created=len(report.created),
           linked=report.linked)
    from lms.classes.completion import recompute

    recompute(klass, list(user_ids.values()))
    log.info("Roster %s into %s: %d rows, %d created, %d linked", filename, klass.code,
             len(rows), len(report.created), report.linked)
    return report


def activate(username: str, code: str, now: datetime | None = None) -> User | None:
    """Check an activation code; the user, or None (unknown, used or expired: one answer)."""
    now = now or utcnow()
    row = db.session.execute(
        select(ActivationCode, User).join(User, User.id == ActivationCode.user_id)
        .where(ActivationCode.code_hash == hash_code(code),
               User.username == username.strip().lower())
    ).first()
    if row is None:
        return None
    activation, user = row
    if activation.used_at is not None or aware(activation.expires_at) < now or not user.active:
        return None
    activation.used_at = now
    db.session.flush()
    return user
