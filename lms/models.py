"""Imports every model module so that ``db.metadata`` is complete (Alembic, tests)."""

from lms.audit.models import AuditEntry, AuditHead
from lms.auth.models import ApiToken, User
from lms.certificates.models import Certificate, CertificateEvent, IssueRun, SerialCounter
from lms.classes.models import (
    ActivationCode,
    Class,
    ClassCompletion,
    Enrolment,
    RosterImport,
)
from lms.courses.models import (
    Attachment,
    ContentEdit,
    Course,
    CourseLecturer,
    Lesson,
    LessonProgress,
    LessonRevision,
)
from lms.legal.models import LegalRecord, LegalReview
from lms.quizzes.attempt_models import Accommodation, Attempt, AttemptSlot
from lms.quizzes.models import Question, QuestionVersion, Quiz
from lms.reports.models import ExportJob

__all__ = [
    "Accommodation",
    "ActivationCode",
    "ApiToken",
    "Attachment",
    "Attempt",
    "AttemptSlot",
    "AuditEntry",
    "AuditHead",
    "Certificate",
    "CertificateEvent",
    "Class",
    "ClassCompletion",
    "ContentEdit",
    "Course",
    "CourseLecturer",
    "Enrolment",
    "ExportJob",
    "IssueRun",
    "LegalRecord",
    "LegalReview",
    "Lesson",
    "LessonProgress",
    "LessonRevision",
    "Question",
    "QuestionVersion",
    "Quiz",
    "RosterImport",
    "SerialCounter",
    "User",
]
