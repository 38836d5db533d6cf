"""The people of a class, one at a time: lecturers assigned and removed, a learner found or
created (with an activation code, as the roster import does) and enrolled, a learner moved
to another class of the course. Enrolments are upserts (never check-then-insert) and are
never deleted; every change is audited. Services flush; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.audit.services import record
from lms.auth.models import Role, User, matching
from lms.classes.models import Class, ClassStatus, Enrolment, EnrolmentRole, EnrolmentState
from lms.classes.roster import CODE_DAYS, NewAccount, create_accounts
from lms.classes.roster_io import RosterRow
from lms.classes.services import enrol_checked, withdraw
from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from lms.users.services import check_email
from lms.vietnamese import clean_text, fold

SEARCH_LIMIT = 20


def assign_lecturer(klass: Class, user: User, actor: User) -> Enrolment:
    """Make a lecturer account teach ``klass`` (again, if removed before)."""
    if user.role != Role.LECTURER:
        raise InvalidInput("user_id", _("Only lecturer accounts can teach a class."))
    enrolment, changed = enrol_checked(klass, user, EnrolmentRole.LECTURER)
    if changed:
        record("lecturer_assign", actor.id, user.username, class_code=klass.code)
    return enrolment


def remove_lecturer(klass: Class, user: User, actor: User) -> Enrolment:
    """Stop a lecturer teaching ``klass`` (the row stays, withdrawn, as history)."""
    enrolment = db.session.scalar(select(Enrolment).where(
        Enrolment.class_id == klass.id, Enrolment.user_id == user.id,
        Enrolment.role == EnrolmentRole.LECTURER.value))
    if enrolment is None:
        raise InvalidInput("user_id", _("%(name)s does not teach this class.",
                                        name=user.full_name))
    if enrolment.state != EnrolmentState.WITHDRAWN.value:
        enrolment.state = EnrolmentState.WITHDRAWN.value
        db.session.flush()
        record("lecturer_remove", actor.id, user.username, class_code=klass.code)
    return enrolment


def lecturer_choices(klass: Class) -> list[User]:
    """Active lecturer accounts not teaching ``klass`` now (one statement)."""
    teaching = select(Enrolment.user_id).where(
        Enrolment.class_id == klass.id, Enrolment.state != EnrolmentState.WITHDRAWN.value)
    return list(db.session.scalars(select(User).where(
        User.role == Role.LECTURER.value, User.active.is_(True), User.id.not_in(teaching))
        .order_by(User.full_name)))


def find_learners(query: str) -> list[User]:
    """Learner accounts whose username, email or name contains ``query``."""
    query = clean_text(query)
    if len(fold(query)) < 2:  # what is matched: e.g. lone accents fold to nothing
        return []
    return list(db.session.scalars(select(User).where(
        User.role == Role.LEARNER.value, matching(query))
        .order_by(User.full_name).limit(SEARCH_LIMIT)))


def add_learner(klass: Class, user: User, actor: User) -> Enrolment:
    """Enrol an existing learner account in ``klass``.

    :raises InvalidInput: when the learner is already in the class (studying or done).
    """
    enrolment, changed = enrol_checked(klass, user, EnrolmentRole.LEARNER)
    if not changed:
        raise InvalidInput("user_id", _("%(name)s is already in class %(code)s.",
                                        name=user.full_name, code=klass.code))
    record("learner_enrol", actor.id, user.username, class_code=klass.code, created=False)
    return enrolment


@dataclass
class NewLearner:
    """The profile of a learner the admin types in."""

    full_name: str
    date_of_birth: date | None = None
    unit: str | None = None
    position: str | None = None
    email: str | None = None


def create_learner(klass: Class, data: NewLearner,
                   actor: User) -> tuple[NewAccount, datetime]:
    """Create a learner account with an activation code (as the roster import does) and
    enrol it; returns the account, its code shown once, and when the code expires."""
    full_name = clean_text(data.full_name)
    if not full_name:
        raise InvalidInput("full_name", _("The full name is required."))
    email = check_email(clean_text(data.email or "") or None, None)
    row = RosterRow(1, full_name, data.date_of_birth, unit=clean_text(data.unit or "") or None,
                    position=clean_text(data.position or "") or None, email=email)
    expires_at = utcnow() + timedelta(days=CODE_DAYS)
    for attempt in range(3):
        try:  # the unique username and email decide, not a check before the insert
            with db.session.begin_nested():
                ((account, user_id),) = create_accounts([row], expires_at)
            break
        except IntegrityError:
            check_email(email, None)  # taken meanwhile: the usual message
            if attempt == 2:
                raise
    user = db.session.get(User, user_id)
    enrol_checked(klass, user, EnrolmentRole.LEARNER)
    record("learner_enrol", actor.id, user.username, class_code=klass.code, created=True)
    return account, expires_at


def move_targets(klass: Class) -> list[Class]:
    """The active classes of the same course a learner of ``klass`` may move to."""
    return list(db.session.scalars(select(Class).where(
        Class.course_id == klass.course_id, Class.id != klass.id,
        Class.status == ClassStatus.ACTIVE.value).order_by(Class.code)))


def move_learner(klass: Class, user: User, target: Class, actor: User) -> Enrolment:
    """Withdraw ``user`` from ``klass`` and enrol them in ``target``, in one step: the old
    enrolment stays, withdrawn, pointing to ``target``; completion is recomputed in both.

    :raises InvalidInput: a target of another course, closed or planned, the same class,
        a learner not studying in ``klass``, or already active in ``target``.
    """
    if target.id == klass.id or target.course_id != klass.course_id:
        raise InvalidInput("target", _("Choose another class of the same course."))
    if target.status != ClassStatus.ACTIVE.value:
        raise InvalidInput("target", _("Class %(code)s is not active.", code=target.code))
    source = db.session.scalar(select(Enrolment).where(
        Enrolment.class_id == klass.id, Enrolment.user_id == user.id,
        Enrolment.role == EnrolmentRole.LEARNER.value,
        Enrolment.state == EnrolmentState.ACTIVE.value))
    if source is None:
        raise InvalidInput("target", _("Only a learner studying in this class can be moved."))
    new, changed = enrol_checked(target, user, EnrolmentRole.LEARNER)
    if not changed:
        raise InvalidInput("target", _("%(name)s is already in class %(code)s.",
                                       name=user.full_name, code=target.code))
    withdraw(klass, user, actor, moved_to=target)
    from lms.classes.completion import recompute

    recompute(klass, [user.id])
    return new
