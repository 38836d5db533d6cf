"""The legal basis of a course in the JSON API (issue 13)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel
from spectree import Response

from lms.api import bp
from lms.api.auth import api_user
from lms.api.spec import ErrorOut, spec
from lms.courses.models import Course
from lms.errors import APIError
from lms.extensions import db
from lms.legal.models import LegalRecord
from lms.legal.review import flagged
from lms.legal.services import local_today, records
from lms.permissions import can_edit_course, visible_courses

State = Literal["not_yet", "in_force", "amended", "replaced", "expired"]


class DocumentOut(BaseModel):
    """A document of the course's legal basis, with its status today."""

    number: str
    kind: str
    title: str
    issuer: str
    signed: date | None
    effective: date | None
    status: Literal["in_force", "amended", "replaced", "expired"]
    replaced_by: str
    status_date: date | None
    source: str
    state_today: State


class LegalOut(BaseModel):
    """The registry: when it was last checked, and its documents."""

    reviewed_on: date | None
    today: date
    documents: list[DocumentOut]


class FlaggedOut(BaseModel):
    """A lesson or question resting on a changed document, not reviewed since."""

    kind: Literal["lesson", "question"]
    id: int
    label: str
    path: str
    documents: list[str]
    held_back: bool


def _course(slug: str, editors: bool = False) -> Course:
    user = api_user()
    course = db.session.scalar(visible_courses(user).where(Course.slug == slug))
    if course is None or (editors and not can_edit_course(user, course)):
        raise APIError(404, "not_found", "No such course.")
    return course


def _out(row: LegalRecord, today: date) -> DocumentOut:
    return DocumentOut(number=row.number, kind=row.kind, title=row.title, issuer=row.issuer,
                       signed=row.signed_on, effective=row.effective_on,
                       status=row.status,  # type: ignore[arg-type]
                       replaced_by=row.replaced_by, status_date=row.status_date,
                       source=row.source,
                       state_today=row.document().state(today))  # type: ignore[arg-type]


@bp.get("/courses/<slug>/legal")
@spec.validate(resp=Response(HTTP_200=LegalOut, HTTP_401=ErrorOut, HTTP_404=ErrorOut),
               tags=["courses"])
def course_legal(slug: str) -> Any:
    """The documents the course relies on, with their status today."""
    course = _course(slug)
    today = local_today()
    return LegalOut(reviewed_on=course.legal_reviewed_on, today=today,
                    documents=[_out(row, today) for row in records(course.id)])


@bp.get("/courses/<slug>/review")
@spec.validate(resp=Response(HTTP_200=list[FlaggedOut], HTTP_401=ErrorOut, HTTP_404=ErrorOut),
               tags=["courses"])
def course_review(slug: str) -> Any:
    """For the course's editors: what rests on a changed document, not reviewed since."""
    course = _course(slug, editors=True)
    return [FlaggedOut(kind=i.kind, id=i.item_id, label=i.label,  # type: ignore[arg-type]
                       path=i.path, documents=[d.number for d in i.documents],
                       held_back=i.held_back)
            for i in flagged(course, local_today())]
