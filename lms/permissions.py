"""Who may see or manage what. Every object route goes through these helpers.

Rules:
- admins see and manage everything;
- a lecturer sees the courses they are assigned to or teach a class of, and manages
  only the classes they are enrolled in as lecturer;
- a learner sees only the classes they are enrolled in (active or completed) and the
  courses of those classes.

Objects a user may not see are answered with 404, not 403, so their existence leaks not.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, exists, or_, select

from lms.auth.models import Role, User
from lms.classes.models import Class, Enrolment, EnrolmentRole, EnrolmentState
from lms.courses.models import Course, CourseLecturer
from lms.extensions import db

_VISIBLE_STATES = (EnrolmentState.ACTIVE.value, EnrolmentState.COMPLETED.value)


def _enrolled(user: User, role: EnrolmentRole, class_id_column: object) -> object:
    return exists().where(
        Enrolment.class_id == class_id_column,
        Enrolment.user_id == user.id,
        Enrolment.role == role.value,
        Enrolment.state.in_(_VISIBLE_STATES),
    )


def visible_classes(user: User) -> Select[tuple[Class]]:
    """A query of the classes ``user`` may view."""
    query = select(Class)
    if user.role == Role.ADMIN:
        return query
    role = EnrolmentRole.LECTURER if user.role == Role.LECTURER else EnrolmentRole.LEARNER
    return query.where(_enrolled(user, role, Class.id))


def managed_classes(user: User) -> Select[tuple[Class]]:
    """A query of the classes ``user`` may manage (roster, results, dashboards)."""
    if user.role == Role.ADMIN:
        return select(Class)
    if user.role != Role.LECTURER:
        return select(Class).where(False)
    return select(Class).where(_enrolled(user, EnrolmentRole.LECTURER, Class.id))


def visible_courses(user: User) -> Select[tuple[Course]]:
    """A query of the courses ``user`` may view."""
    query = select(Course)
    if user.role == Role.ADMIN:
        return query
    via_class = exists().where(
        Class.course_id == Course.id,
        _enrolled(
            user,
            EnrolmentRole.LECTURER if user.role == Role.LECTURER else EnrolmentRole.LEARNER,
            Class.id,
        ),
    )
    if user.role == Role.LECTURER:
        assigned = exists().where(
            CourseLecturer.course_id == Course.id, CourseLecturer.user_id == user.id
        )
        return query.where(or_(assigned, via_class))
    return query.where(via_class)


def _exists(query: Select) -> bool:
    return bool(db.session.scalar(select(query.exists())))


def can_view_course(user: User, course: Course) -> bool:
    """Whether ``user`` may read ``course``."""
    return _exists(visible_courses(user).where(Course.id == course.id))


def can_edit_course(user: User, course: Course) -> bool:
    """Whether ``user`` may edit ``course``'s content: admins and its lecturers."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.LECTURER:
        return False
    return _exists(
        select(CourseLecturer).where(
            CourseLecturer.course_id == course.id, CourseLecturer.user_id == user.id
        )
    )


def can_view_class(user: User, klass: Class) -> bool:
    """Whether ``user`` may see ``klass``."""
    return _exists(visible_classes(user).where(Class.id == klass.id))


def can_manage_class(user: User, klass: Class) -> bool:
    """Whether ``user`` may manage ``klass`` (its lecturers and admins)."""
    return _exists(managed_classes(user).where(Class.id == klass.id))


def learner_enrolment(user: User, course: Course) -> Enrolment | None:
    """The learner's active enrolment in a class of ``course``, if any."""
    return db.session.scalar(
        select(Enrolment)
        .join(Class, Class.id == Enrolment.class_id)
        .where(
            Class.course_id == course.id,
            Enrolment.user_id == user.id,
            Enrolment.role == EnrolmentRole.LEARNER.value,
            Enrolment.state == EnrolmentState.ACTIVE.value,
        )
        .order_by(Enrolment.id.desc())
        .limit(1)
    )


def get_course_or_404(slug: str, user: User) -> Course:
    """Load a course the user may view, or 404."""
    course = db.session.scalar(visible_courses(user).where(Course.slug == slug))
    if course is None:
        abort(404)
    return course


def editable_course_or_404(slug: str, user: User) -> Course:
    """Load a course the user may edit (an admin, or one of its lecturers), or 404."""
    course = get_course_or_404(slug, user)
    if not can_edit_course(user, course):
        abort(404)
    return course


def get_class_or_404(code: str, user: User, *, manage: bool = False) -> Class:
    """Load a class the user may view (or manage), or 404."""
    query = managed_classes(user) if manage else visible_classes(user)
    klass = db.session.scalar(query.where(Class.code == code))
    if klass is None:
        abort(404)
    return klass


def managed_learner_or_404(code: str, learner_id: int, user: User) -> tuple[Class, User]:
    """A class ``user`` manages and a learner of it who is not withdrawn; 404 otherwise."""
    klass = db.session.scalar(managed_classes(user).where(Class.code == code))
    learner = db.session.get(User, learner_id)
    if klass is None or learner is None or not db.session.scalar(select(Enrolment.id).where(
            Enrolment.class_id == klass.id, Enrolment.user_id == learner_id,
            Enrolment.role == EnrolmentRole.LEARNER.value,
            Enrolment.state != EnrolmentState.WITHDRAWN.value)):
        abort(404)
    return klass, learner
