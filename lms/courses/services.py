"""Lesson authoring: drafts, immutable published revisions, restore, order, schedule,
attachments; every change is logged with who and when."""

from __future__ import annotations

import difflib
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.auth.models import User
from lms.courses.files import sniff_content_type
from lms.courses.models import (
    Attachment,
    ContentEdit,
    Course,
    Lesson,
    LessonRevision,
    LessonStatus,
)
from lms.db import utcnow
from lms.errors import InvalidInput
from lms.extensions import db
from lms.vietnamese import clean_text, fold

log = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ATTACHMENT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_BODY_CHARS = 200_000


@dataclass
class LessonDraft:
    """The editable fields of a lesson."""

    title: str
    minutes: int
    objectives: list[str]
    body: str
    #: Numbers of documents of the course's legal basis (``None``: keep the lesson's).
    legal: list[str] | None = None


def log_edit(course: Course, actor: User | None, action: str, lesson: Lesson | None = None,
             detail: str = "", *, audited: bool = False,
             changes: dict[str, Any] | None = None) -> None:
    """Record a content change (who, when, what) in the course's changes and, as a
    ``content_edit``, in the audit log (``audited``: the caller wrote an entry of its own;
    ``changes``: settings changed, from :func:`lms.audit.services.changes`)."""
    db.session.add(ContentEdit(course_id=course.id, lesson_id=lesson.id if lesson else None,
                               user_id=actor.id if actor else None, action=action,
                               detail=detail))
    if not audited:
        from lms.audit.services import record

        record("content_edit", actor.id if actor else None, f"course:{course.slug}",
               edit=action, lesson_id=lesson.id if lesson else None, detail=detail,
               **({"changes": changes} if changes else {}))


def slugify(title: str) -> str:
    """An ASCII slug from a Vietnamese title ("Bài 1. Khái niệm" → "bai-1-khai-niem")."""
    return re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:80] or "bai-hoc"


def _clean(draft: LessonDraft) -> LessonDraft:
    title = clean_text(draft.title)
    if not title:
        raise InvalidInput("title", _("The title is required."))
    if not 0 <= draft.minutes <= 600:
        raise InvalidInput("minutes", _("Estimated minutes must be between 0 and 600."))
    if len(draft.body) > MAX_BODY_CHARS:
        raise InvalidInput("body", _("The lesson is too long."))
    objectives = [clean_text(o) for o in draft.objectives if clean_text(o)]
    # NFC for the body too, but no whitespace folding: Markdown is line-sensitive.
    body = unicodedata.normalize("NFC", draft.body.replace("\r\n", "\n")).strip("\n") + "\n"
    legal = None if draft.legal is None else list(dict.fromkeys(
        unicodedata.normalize("NFC", n).strip() for n in draft.legal if n.strip()))
    return LessonDraft(title=title, minutes=draft.minutes, objectives=objectives, body=body,
                       legal=legal)


def _check_citations(course: Course, legal: list[str] | None) -> None:
    """Each cited number must be a document of the course's legal basis."""
    if not legal:
        return
    from lms.legal.models import LegalRecord

    known = set(db.session.scalars(select(LegalRecord.number).where(
        LegalRecord.course_id == course.id)))
    unknown = [n for n in legal if n not in known]
    if unknown:
        raise InvalidInput("legal", _("Not in the course's legal basis: %(numbers)s.",
                                      numbers=", ".join(unknown)))


def next_position(course: Course) -> int:
    """One past the last lesson's position."""
    return (db.session.scalar(select(func.max(Lesson.position))
                              .where(Lesson.course_id == course.id)) or 0) + 1


def create_lesson(course: Course, actor: User | None, draft: LessonDraft,
                  slug: str | None = None) -> Lesson:
    """Create a draft lesson at the end of the course."""
    draft = _clean(draft)
    _check_citations(course, draft.legal)
    slug = slug or slugify(draft.title)
    if not SLUG_RE.match(slug):
        raise InvalidInput("slug", _("A slug uses lowercase letters, digits and dashes."))
    base, n = slug, 2
    while db.session.scalar(select(Lesson.id).where(Lesson.course_id == course.id,
                                                    Lesson.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    lesson = Lesson(course=course, slug=slug, position=next_position(course),
                    status=LessonStatus.DRAFT.value, title=draft.title, minutes=draft.minutes,
                    objectives=draft.objectives, body=draft.body, legal=draft.legal or [],
                    draft_updated_at=utcnow())
    db.session.add(lesson)
    db.session.flush()
    log_edit(course, actor, "lesson.create", lesson, lesson.title)
    return lesson


def save_draft(lesson: Lesson, actor: User | None, draft: LessonDraft) -> Lesson:
    """Save the working copy; learners keep seeing the published revision."""
    draft = _clean(draft)
    _check_citations(lesson.course, draft.legal)
    lesson.title, lesson.minutes = draft.title, draft.minutes
    lesson.objectives, lesson.body = draft.objectives, draft.body
    if draft.legal is not None:
        lesson.legal = draft.legal
    lesson.draft_updated_at = utcnow()
    db.session.flush()
    log_edit(lesson.course, actor, "lesson.edit", lesson)
    return lesson


def has_unpublished_changes(lesson: Lesson) -> bool:
    """Whether the draft differs from the published revision."""
    rev = lesson.published_revision
    if rev is None:
        return True
    return (rev.title, rev.minutes, list(rev.objectives), rev.body, list(rev.legal)) != (
        lesson.title, lesson.minutes, list(lesson.objectives), lesson.body, list(lesson.legal))


def publish(lesson: Lesson, actor: User | None, source: str = "web") -> LessonRevision:
    """Snapshot the draft as a new immutable revision and make it the published one."""
    number = (db.session.scalar(select(func.max(LessonRevision.number))
                                .where(LessonRevision.lesson_id == lesson.id)) or 0) + 1
    revision = LessonRevision(lesson_id=lesson.id, number=number, title=lesson.title,
                              minutes=lesson.minutes, objectives=list(lesson.objectives),
                              body=lesson.body, legal=list(lesson.legal or []), source=source,
                              created_by_id=actor.id if actor else None)
    db.session.add(revision)
    db.session.flush()
    lesson.published_revision = revision
    lesson.status = LessonStatus.PUBLISHED.value
    db.session.flush()
    log_edit(lesson.course, actor, "lesson.publish", lesson, f"revision {number}")
    log.info("Lesson %s published as revision %d", lesson.slug, number)
    return revision


def restore(lesson: Lesson, revision: LessonRevision, actor: User | None) -> LessonRevision:
    """Bring back an old revision: it becomes the draft and is published as a new revision."""
    if revision.lesson_id != lesson.id:
        raise InvalidInput("revision", _("This revision belongs to another lesson."))
    lesson.title, lesson.minutes = revision.title, revision.minutes
    lesson.objectives, lesson.body = list(revision.objectives), revision.body
    lesson.legal = list(revision.legal or [])
    lesson.draft_updated_at = utcnow()
    new = publish(lesson, actor, source="restore")
    log_edit(lesson.course, actor, "lesson.restore", lesson,
             f"revision {revision.number} → {new.number}")
    return new


def revision_diff(old: LessonRevision | None, new: LessonRevision | Lesson) -> list[str]:
    """A unified diff (lines) between two versions of a lesson's text."""

    def text(item: LessonRevision | Lesson | None) -> list[str]:
        if item is None:
            return []
        head = [f"# {item.title}", f"minutes: {item.minutes}",
                *(f"- {o}" for o in item.objectives),
                *([f"legal: {', '.join(item.legal)}"] if item.legal else []), ""]
        return head + item.body.split("\n")

    old_name = f"#{old.number}" if old else "∅"
    new_name = f"#{new.number}" if isinstance(new, LessonRevision) else "draft"
    return list(difflib.unified_diff(text(old), text(new), old_name, new_name, lineterm="", n=2))


def move(lesson: Lesson, actor: User | None, direction: int) -> None:
    """Swap the lesson with its neighbour above (-1) or below (+1)."""
    siblings = db.session.scalars(
        select(Lesson).where(Lesson.course_id == lesson.course_id,
                             Lesson.status != LessonStatus.ARCHIVED.value)
        .order_by(Lesson.position, Lesson.id)
    ).all()
    index = siblings.index(lesson)
    other = index + direction
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, item in enumerate(siblings, start=1):
        item.position = position
    db.session.flush()
    log_edit(lesson.course, actor, "lesson.reorder", lesson, "up" if direction < 0 else "down")


def schedule(lesson: Lesson, actor: User | None, available_from: datetime | None) -> None:
    """Hide a published lesson from learners until ``available_from`` (None: at once)."""
    lesson.available_from = available_from
    db.session.flush()
    log_edit(lesson.course, actor, "lesson.schedule", lesson,
             available_from.isoformat() if available_from else "")


def add_attachment(course: Course, actor: User | None, name: str, data: bytes) -> Attachment:
    """Store an uploaded file, checking its size and its type by content, not by name."""
    name = name.strip().replace(" ", "-")
    if not ATTACHMENT_NAME_RE.match(name):
        raise InvalidInput("file", _("Use a file name of letters, digits, '.', '_' or '-'."))
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput("file", _("The file is larger than %(mb)d MB.",
                                     mb=MAX_ATTACHMENT_BYTES // 2**20))
    content_type = sniff_content_type(data, name)
    if content_type is None:
        raise InvalidInput("file", _("This type of file is not allowed (PDF, images, Office "
                                     "documents and plain text are)."))
    attachment = db.session.scalar(
        select(Attachment).where(Attachment.course_id == course.id, Attachment.name == name))
    if attachment is None:
        attachment = Attachment(course_id=course.id, name=name)
        db.session.add(attachment)
    attachment.content_type = content_type
    attachment.size = len(data)
    attachment.sha256 = hashlib.sha256(data).hexdigest()
    attachment.data = data
    attachment.created_by_id = actor.id if actor else None
    db.session.flush()
    log_edit(course, actor, "attachment.upload", None, name)
    return attachment
