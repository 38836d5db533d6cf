"""The legal basis in the database: written by the course import, read by the export and
the pages (issue 13)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from lms.auth.models import User
from lms.courses.files import CourseFiles
from lms.courses.models import Course, Lesson
from lms.db import utcnow
from lms.extensions import db
from lms.legal.model import LegalDocument, Registry, cited
from lms.legal.models import LegalRecord
from lms.quizzes.parsed import ParsedQuestion, QuestionFormatError


def local_today() -> date:
    """Today in the platform's time zone (LMS_TIMEZONE)."""
    return utcnow().astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


_FIELDS = {"kind": "kind", "title": "title", "issuer": "issuer", "signed_on": "signed",
           "effective_on": "effective", "status": "status", "replaced_by": "replaced_by",
           "status_date": "status_date", "source": "source", "note": "note"}


def check_citations(course_id: int, questions: Iterable[ParsedQuestion], filename: str) -> None:
    """Questions uploaded or written on the web may cite only documents of the course's
    legal basis (as the course import requires of the files).

    :raises QuestionFormatError: ``file:line`` of each citation of an unlisted number.
    """
    from flask_babel import gettext as _

    known = set(db.session.scalars(select(LegalRecord.number).where(
        LegalRecord.course_id == course_id)))
    problems = [QuestionFormatError(filename, q.line, _(
        "cites “%(number)s”, which legal.toml does not list", number=number))
        for q in questions for number in cited(q.tags) if number not in known]
    if problems:
        raise QuestionFormatError.combine(problems)


def records(course_id: int) -> list[LegalRecord]:
    """The course's documents, in the registry's order (one statement)."""
    return list(db.session.scalars(select(LegalRecord).where(
        LegalRecord.course_id == course_id).order_by(LegalRecord.position, LegalRecord.id)))


def registry_of(course: Course) -> Registry | None:
    """The course's registry as the files hold it (``None``: the course has none)."""
    rows = records(course.id)
    if not rows and course.legal_reviewed_on is None:
        return None
    return Registry(course.legal_reviewed_on, tuple(row.document() for row in rows))


def write_registry(course: Course, registry: Registry | None, actor: User | None) -> str:
    """Make the course's rows what ``registry`` says (a document gone from it is removed:
    citations of it were refused before)."""
    rows = {row.number: row for row in records(course.id)}
    course.legal_reviewed_on = registry.reviewed_on if registry else None
    documents: tuple[LegalDocument, ...] = registry.documents if registry else ()
    changed = 0
    for position, document in enumerate(documents, start=1):
        row = rows.pop(document.number, None)
        if row is None:
            row = LegalRecord(course_id=course.id, number=document.number)
            db.session.add(row)
        values = {column: getattr(document, name) for column, name in _FIELDS.items()}
        if row.id is None or any(getattr(row, k) != v for k, v in values.items()):
            for column, value in values.items():
                setattr(row, column, value)
            row.changed_at, row.changed_by_id = utcnow(), actor.id if actor else None
            changed += 1
        row.position = position
    for row in rows.values():
        db.session.delete(row)
    db.session.flush()
    return f"legal: {len(documents)} documents ({changed} changed, {len(rows)} removed)"


def import_legal(course: Course, files: CourseFiles, actor: User | None) -> str:
    """The course import hook (says nothing of a course without a legal basis)."""
    if files.legal is None and course.legal_reviewed_on is None and not records(course.id):
        return ""
    return write_registry(course, files.legal, actor)


def export_legal(course: Course, files: CourseFiles) -> CourseFiles:
    """The course export hook."""
    return replace(files, legal=registry_of(course))


def register_hooks() -> None:
    """Plug the legal basis into the course import/export (called by the app factory)."""
    from lms.courses import sync

    if import_legal not in sync.IMPORT_HOOKS:
        sync.IMPORT_HOOKS.append(import_legal)
    if export_legal not in sync.EXPORT_HOOKS:
        sync.EXPORT_HOOKS.append(export_legal)


def lesson_basis(course: Course, lesson: Lesson, cited: list[str]) -> dict[str, Any] | None:
    """What the lesson page shows of its legal basis (one statement), or ``None``."""
    if not cited:
        return None
    from lms.legal.forms import status_labels

    today = local_today()
    by_number = {row.number: row for row in records(course.id)}
    documents = [by_number[n] for n in cited if n in by_number]
    return {"documents": documents, "today": today, "labels": status_labels(),
            "reviewed_on": course.legal_reviewed_on,
            "outdated": [d for d in documents if not d.document().in_force(today)]}
