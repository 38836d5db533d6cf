"""Content to review when the law changes (issue 13).

When a document of a course's legal basis is marked amended, replaced or expired (by an
admin on the web, or by an import of legal.toml), every lesson and question citing it is
flagged at once: the flags are computed when asked for, from the documents' status and
the reviews, never by a scheduled job. A lecturer who has checked an item marks it reviewed;
the flag comes back if the document changes again. A question citing a document that is
no longer in force, and not reviewed since, is held back from new random draws.

Every function reads a fixed number of statements, whatever the course's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from lms.auth.models import User
from lms.courses.models import Course, Lesson, LessonStatus
from lms.db import aware, utcnow
from lms.db_upsert import insert_for
from lms.extensions import db
from lms.legal.model import cited
from lms.legal.models import LegalRecord, LegalReview
from lms.legal.services import records


@dataclass(frozen=True)
class Flagged:
    """An item resting on a changed document, not reviewed since the change."""

    kind: str  # lesson | question
    item_id: int
    label: str  # the lesson's title, the question's text
    path: str  # where it lives in the course files
    documents: tuple[LegalRecord, ...]
    #: A question no longer drawn at random (a cited document is not in force).
    held_back: bool
    ident: str = ""  # the question's name in the bank


def _changed(course_id: int) -> dict[str, LegalRecord]:
    return {r.number: r for r in records(course_id) if r.status != "in_force"}


def _reviews(course_id: int) -> dict[tuple[str, int, str], datetime]:
    return {(r.kind, r.item_id, r.number): aware(r.reviewed_at)  # type: ignore[misc]
            for r in db.session.scalars(select(LegalReview).where(
                LegalReview.course_id == course_id))}


def _open(kind: str, item_id: int, numbers: list[str], changed: dict[str, LegalRecord],
          reviews: dict[tuple[str, int, str], datetime]) -> tuple[LegalRecord, ...]:
    """The changed documents among ``numbers`` the item was not reviewed against since."""
    out = []
    for number in dict.fromkeys(numbers):
        record = changed.get(number)
        if record is None:
            continue
        reviewed = reviews.get((kind, item_id, number))
        if reviewed is None or reviewed < aware(record.changed_at):  # type: ignore[operator]
            out.append(record)
    return tuple(out)


def courses_with_changes(course_ids: list[int]) -> set[int]:
    """Of these courses, those with a document not simply in force (one statement)."""
    if not course_ids:
        return set()
    return set(db.session.scalars(select(LegalRecord.course_id).where(
        LegalRecord.course_id.in_(course_ids), LegalRecord.status != "in_force").distinct()))


def flagged(course: Course, today: date) -> list[Flagged]:
    """Every lesson and question of the course to review (four statements)."""
    from lms.courses.files import lesson_path
    from lms.quizzes.models import Question

    changed = _changed(course.id)
    if not changed:
        return []
    reviews = _reviews(course.id)
    out = []
    for lesson in db.session.scalars(select(Lesson).where(
            Lesson.course_id == course.id, Lesson.status != LessonStatus.ARCHIVED.value)
            .order_by(Lesson.position)):
        found = _open("lesson", lesson.id, list(lesson.legal or []), changed, reviews)
        if found:
            out.append(Flagged("lesson", lesson.id, lesson.title,
                               lesson_path(lesson.position, lesson.slug), found, False))
    from sqlalchemy.orm import joinedload

    from lms.quizzes.labels import plain_text

    for question in db.session.scalars(select(Question).where(
            Question.course_id == course.id, Question.archived.is_(False))
            .options(joinedload(Question.current_version))
            .order_by(Question.source_path, Question.source_order)):
        found = _open("question", question.id, cited(question.tags), changed, reviews)
        if found:
            version = question.current_version
            text = plain_text(version.text, version.text_format, 120) if version else ""
            out.append(Flagged("question", question.id, text or question.name,
                               question.source_path, found,
                               any(not r.document().in_force(today) for r in found),
                               ident=question.name))
    return out


def held_back(course_id: int, rows: list[tuple[int, list[str]]], today: date) -> set[int]:
    """Of ``(question id, tags)`` rows, the questions no new random draw may pick: they
    cite a document not in force ``today`` and were not reviewed since it changed (no
    statement at all when no document of the course changed)."""
    changed = {n: r for n, r in _changed(course_id).items()
               if not r.document().in_force(today)}
    if not changed:
        return set()
    reviews = _reviews(course_id)
    return {question_id for question_id, tags in rows
            if _open("question", question_id, cited(tags), changed, reviews)}


def mark_reviewed(course: Course, kind: str, item_id: int, numbers: list[str],
                  actor: User) -> None:
    """Record that ``actor`` checked the item against these documents (an upsert)."""
    now = utcnow()
    values = [{"course_id": course.id, "kind": kind, "item_id": item_id, "number": number,
               "reviewed_by_id": actor.id, "reviewed_at": now} for number in numbers]
    if values:
        statement = insert_for(LegalReview.__table__)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["kind", "item_id", "number"],
            set_={"reviewed_by_id": statement.excluded.reviewed_by_id,
                  "reviewed_at": statement.excluded.reviewed_at}), values)


def set_status(record: LegalRecord, status: str, replaced_by: str, status_date: date | None,
               note: str, actor: User) -> None:
    """An admin marks a document amended, replaced, expired (or in force again): the flags
    of everything citing it appear at once, and reviews made before no longer count."""
    record.status, record.replaced_by = status, replaced_by
    record.status_date, record.note = status_date, note
    record.changed_at, record.changed_by_id = utcnow(), actor.id
    db.session.flush()
