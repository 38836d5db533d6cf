"""Class services: create classes and enrol people (history is kept, never deleted)."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.classes.models import Class, ClassStatus, Enrolment, EnrolmentRole, EnrolmentState
from lms.courses.models import Course
from lms.db import utcnow
from lms.db_upsert import insert_for
from lms.errors import InvalidInput
from lms.extensions import db
from lms.lengths import max_length
from lms.vietnamese import clean_text

log = logging.getLogger(__name__)

#: A class code: what fits a URL segment, a file name and a header as it is (no line
#: break, ``/`` or markup): a letter or digit, then letters, digits, ``.``, ``_``, ``-``.
CLASS_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")


def code_for_files(klass: Class) -> str:
    """The class code fit for a file name (ASCII, no separators): a code from before codes
    had a pattern may hold marks, a line break, a ``/`` or a quote."""
    code = unicodedata.normalize("NFKD", klass.code).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", code).strip("._-")[:50] or str(klass.id)


@dataclass
class ClassData:
    """Fields of a class."""

    code: str
    name: str
    course_slug: str
    start_date: date | None = None
    end_date: date | None = None
    place: str | None = None
    status: str = ClassStatus.ACTIVE.value


def create_class(data: ClassData, actor: User | None = None) -> Class:
    """Create a class of an existing course.

    :raises InvalidInput: on a taken code, an unknown course or reversed dates.
    """
    code = data.code.strip()
    if not code or len(code) > max_length(Class.code):
        raise InvalidInput("code", _("A class code has 1 to 50 characters."))
    if not CLASS_CODE_RE.fullmatch(code):
        raise InvalidInput("code", _("A class code uses letters without marks, digits, '.', "
                                     "'_' and '-', and starts with a letter or digit."))
    if db.session.scalar(select(Class.id).where(Class.code == code)):
        raise InvalidInput("code", _("A class with code %(code)s already exists.", code=code))
    course = db.session.scalar(select(Course).where(Course.slug == data.course_slug))
    if course is None:
        raise InvalidInput("course", _("No course with slug %(slug)s.", slug=data.course_slug))
    if data.start_date and data.end_date and data.end_date < data.start_date:
        raise InvalidInput("end_date", _("The end date is before the start date."))
    name = clean_text(data.name)
    if not name:
        raise InvalidInput("name", _("The class name is required."))
    if data.status not in {s.value for s in ClassStatus}:
        raise InvalidInput("status", _("Unknown class status."))
    klass = Class(
        code=code, name=name, course=course, start_date=data.start_date,
        end_date=data.end_date, place=clean_text(data.place or "") or None, status=data.status,
    )
    db.session.add(klass)
    db.session.flush()
    from lms.audit.services import record

    record("class_create", actor.id if actor else None, f"class:{klass.code}",
           class_code=klass.code, course=course.slug, name=klass.name)
    log.info("Created class %s of %s", klass.code, course.slug)
    return klass


def enrol(klass: Class, user: User, role: EnrolmentRole = EnrolmentRole.LEARNER) -> Enrolment:
    """Enrol ``user`` in ``klass`` (idempotent; re-activates a withdrawn enrolment)."""
    return enrol_checked(klass, user, role)[0]


def enrol_checked(klass: Class, user: User,
                  role: EnrolmentRole = EnrolmentRole.LEARNER) -> tuple[Enrolment, bool]:
    """Enrol ``user`` in ``klass``; also whether anything changed (False: already in it).

    An upsert on the (class, user) constraint, so two concurrent enrolments of the same
    person cannot create two rows or fail; only a withdrawn row is re-activated.
    """
    if role == EnrolmentRole.LECTURER and user.role not in (Role.LECTURER, Role.ADMIN):
        raise InvalidInput("role", _("Only lecturers can teach a class."))
    if role == EnrolmentRole.LEARNER and user.role != Role.LEARNER:
        raise InvalidInput("role", _("Only learner accounts can be enrolled as learners."))
    now = utcnow()
    stmt = insert_for(Enrolment.__table__).values(
        class_id=klass.id, user_id=user.id, role=role.value,
        state=EnrolmentState.ACTIVE.value, created_at=now, updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["class_id", "user_id"],
        set_={"role": role.value, "state": EnrolmentState.ACTIVE.value, "updated_at": now,
              "moved_to_class_id": None},
        # A completed enrolment stays completed when the roster is imported again.
        where=Enrolment.__table__.c.state == EnrolmentState.WITHDRAWN.value,
    )
    # RETURNING, not rowcount: psycopg gives -1 for an upsert SQLAlchemy adds RETURNING to.
    changed = db.session.execute(
        stmt.returning(Enrolment.__table__.c.id)).first() is not None
    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.class_id == klass.id, Enrolment.user_id == user.id)
        .execution_options(populate_existing=True)
    )
    assert enrolment is not None
    if role == EnrolmentRole.LEARNER:
        from lms.classes.completion import recompute

        recompute(klass, [user.id])
    return enrolment, changed


def withdraw(klass: Class, user: User, actor: User | None = None,
             moved_to: Class | None = None) -> Enrolment:
    """Withdraw ``user`` from ``klass``; the row stays as history (pointing to the class
    the learner was moved to, if any: then audited as one move).

    Withdrawal closes the door: the learner's open attempts at the course's quizzes are
    finalised as they stand (graded, audited), unless another class of the same course
    still holds them; later saves and submits answer 404.
    """
    from lms.audit.services import record
    from lms.quizzes.attempts import can_take_course, close_open_attempts

    enrolment = db.session.scalar(
        select(Enrolment).where(Enrolment.class_id == klass.id, Enrolment.user_id == user.id)
    )
    if enrolment is None:
        raise InvalidInput("username", _("%(username)s is not in this class.",
                                         username=user.username))
    state = {"state": {"old": enrolment.state, "new": EnrolmentState.WITHDRAWN.value}}
    enrolment.state = EnrolmentState.WITHDRAWN.value
    enrolment.moved_to_class_id = moved_to.id if moved_to else None
    db.session.flush()
    closed = [] if can_take_course(user.id, klass.course_id) else close_open_attempts(
        user.id, klass.course_id)
    if moved_to is None:
        record("learner_withdraw", actor.id if actor else None, user.username,
               class_code=klass.code, attempts_closed=closed, changes=state)
    else:
        record("learner_move", actor.id if actor else None, user.username,
               from_class=klass.code, to_class=moved_to.code, attempts_closed=closed,
               changes=state)
    return enrolment


def set_completion_rule(klass: Class, rule: dict | None) -> None:
    """Change the class's completion rule (None: the course default) and recompute
    every learner's standing at once."""
    from lms.classes.completion import recompute

    if rule is not None:
        lessons = rule.get("lessons", "all")
        if lessons != "all" and not (isinstance(lessons, list)
                                     and all(isinstance(x, str) for x in lessons)):
            raise InvalidInput("lessons", _("Give “all” or a list of lesson slugs."))
        for quiz in rule.get("quizzes", []):
            mark = quiz.get("pass_mark10")
            if not isinstance(quiz.get("slug"), str) or not isinstance(mark, int | float) or not (
                    0 <= mark <= 10):
                raise InvalidInput("quizzes", _("Each quiz needs a slug and a pass mark 0–10."))
    klass.completion_rule = rule
    db.session.flush()
    recompute(klass)
    log.info("Completion rule of %s changed; learners recomputed", klass.code)


CERTIFICATE_TEXTS = ("certificate_issuer", "certificate_issuer_parent", "certificate_signer_name",
                     "certificate_signer_title", "certificate_place")


def save_class_settings(klass: Class, mode: str, texts: dict[str, str], rule: dict | None,
                        actor: User | None) -> list[str]:
    """Set the issue mode, the certificate's texts and the completion rule (None: the
    course's), audited as one ``class_settings`` entry with each changed field's old and new
    value, written before the learners are recomputed (in automatic mode that may issue
    certificates). Returns the names of the fields that changed.

    :raises InvalidInput: an unknown mode or a malformed rule.
    """
    from lms.audit.services import changes, record

    if mode not in ("auto", "manual"):
        raise InvalidInput("certificate_mode", _("Unknown issue mode."))
    fields = ("certificate_mode", *CERTIFICATE_TEXTS, "completion_rule")
    before = {name: getattr(klass, name) for name in fields}
    after = {"certificate_mode": mode, "completion_rule": rule,
             **{name: texts.get(name) or "" for name in CERTIFICATE_TEXTS}}
    changed = changes(before, after)
    klass.certificate_mode = mode
    for name in CERTIFICATE_TEXTS:
        setattr(klass, name, after[name])
    if changed:
        record("class_settings", actor.id if actor else None, f"class:{klass.code}",
               class_code=klass.code, changes=changed)
    set_completion_rule(klass, rule)
    return list(changed)
