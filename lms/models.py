"""Imports every model module so that ``db.metadata`` is complete (Alembic, tests)."""

from lms.auth.models import ApiToken, User
from lms.classes.models import Class, Enrolment
from lms.courses.models import Course, CourseLecturer

__all__ = ["ApiToken", "Class", "Course", "CourseLecturer", "Enrolment", "User"]
