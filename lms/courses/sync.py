"""Course files ⇄ database: an idempotent import keyed by slugs, and the export.

Import changes only what changed: a lesson whose content differs from its published
revision gets a new revision; a lesson removed from the files is archived when learners
have progress on it, deleted otherwise. The whole import is one transaction: a broken
course (``CourseFilesError``) changes nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select

from lms.auth.models import User
from lms.courses.files import (
    AttachmentFile,
    CourseFiles,
    CourseFilesError,
    LessonFile,
    Problem,
    dump_course,
    lesson_path,
    load_course,
)
from lms.courses.models import Attachment, Course, Lesson, LessonProgress, LessonStatus
from lms.courses.services import log_edit, publish
from lms.courses.sync_merge import merge
from lms.courses.sync_state import (
    CONFLICT,
    UNCHANGED,
    WEB_CHANGED,
    WEB_ONLY,
    WEB_REMOVED,
    Planned,
    bases_of,
    compare,
    items_of,
    legacy_bases,
    pending_drafts,
    question_renames,
    record_bases,
    rekey,
)
from lms.db import utcnow
from lms.extensions import db

log = logging.getLogger(__name__)

#: Hooks run after the lessons are synced, e.g. the question bank importer (quizzes
#: feature) registers one to load ``questions/`` and ``quizzes/``. Each returns a summary.
IMPORT_HOOKS: list[Callable[[Course, CourseFiles, User | None], str]] = []
EXPORT_HOOKS: list[Callable[[Course, CourseFiles], CourseFiles]] = []


@dataclass
class ImportReport:
    """What an import did (or would do, in a dry run)."""

    course: str
    created_course: bool = False
    lessons_created: list[str] = field(default_factory=list)
    lessons_updated: list[str] = field(default_factory=list)
    lessons_unchanged: list[str] = field(default_factory=list)
    lessons_archived: list[str] = field(default_factory=list)
    lessons_deleted: list[str] = field(default_factory=list)
    attachments_changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # the three-way decisions, item by item

    def lines(self) -> list[str]:
        """A short human summary."""
        out = [f"course {self.course}: {'created' if self.created_course else 'updated'}"]
        for label, items in (("lessons created", self.lessons_created),
                             ("lessons updated", self.lessons_updated),
                             ("lessons unchanged", self.lessons_unchanged),
                             ("lessons archived", self.lessons_archived),
                             ("lessons deleted", self.lessons_deleted),
                             ("attachments added or changed", self.attachments_changed)):
            out.append(f"{label}: {len(items)}" + (f" ({', '.join(items)})" if items else ""))
        return out + self.extra + self.items


def _sync_lesson(course: Course, item: LessonFile, actor: User | None,
                 existing: Lesson | None, report: ImportReport) -> None:
    content = (item.title, item.minutes, list(item.objectives), item.body, list(item.legal))
    if existing is None:
        lesson = Lesson(course=course, slug=item.slug, position=item.position,
                        title=item.title, minutes=item.minutes, objectives=list(item.objectives),
                        body=item.body, legal=list(item.legal),
                        status=LessonStatus.DRAFT.value, draft_updated_at=utcnow())
        db.session.add(lesson)
        db.session.flush()
        publish(lesson, actor, source="import")
        report.lessons_created.append(item.slug)
        return
    existing.position = item.position
    revision = existing.published_revision
    current = (revision.title, revision.minutes, list(revision.objectives),
               revision.body, list(revision.legal)) if revision else None
    if current == content and existing.status == LessonStatus.PUBLISHED.value:
        report.lessons_unchanged.append(item.slug)
        return
    existing.title, existing.minutes = item.title, item.minutes
    existing.objectives, existing.body = list(item.objectives), item.body
    existing.legal = list(item.legal)
    existing.draft_updated_at = utcnow()
    publish(existing, actor, source="import")
    report.lessons_updated.append(item.slug)


def _sync_attachment(course: Course, item: AttachmentFile, report: ImportReport) -> None:
    data = item.data
    current = db.session.scalar(select(Attachment).where(
        Attachment.course_id == course.id, Attachment.name == item.name))
    if current is not None and current.sha256 == item.sha256:
        return
    if current is None:
        current = Attachment(course_id=course.id, name=item.name)
        db.session.add(current)
    current.content_type, current.size = item.content_type, item.size
    current.sha256, current.data = hashlib.sha256(data).hexdigest(), data
    report.attachments_changed.append(item.name)


class SyncConflict(Exception):  # noqa: N818 (a state, read as "raise SyncConflict")
    """Items changed both in the files and on the web since the last import or export;
    nothing was written. ``conflicts`` says which, by whom and when."""

    def __init__(self, conflicts: list[ConflictReport]) -> None:
        super().__init__(f"{len(conflicts)} conflicts")
        self.conflicts = conflicts


@dataclass(frozen=True)
class ConflictReport:
    """One conflict, as the import reports it."""

    path: str
    who: str
    when: str
    diff: str

    def lines(self) -> list[str]:
        head = (f"{self.path}: edited on the web by {self.who} at {self.when}, "
                "also changed in the file")
        return [head, *("    " + line for line in self.diff.splitlines())]


def import_course(root: Path, actor: User | None = None,
                  prefer: str | None = None) -> ImportReport:
    """Load the course in ``root`` into the database (flushes; the caller commits).

    A course already in the database is compared item by item with it and with the base
    recorded at the last import or export (:mod:`lms.courses.sync_state`): web edits are
    kept, file changes go in, web-only items stay.

    :raises lms.courses.files.CourseFilesError: when any file is broken (nothing changed).
    :raises SyncConflict: an item changed on both sides and ``prefer`` (``"files"`` or
        ``"web"``) is not given (nothing changed).
    """
    files = load_course(root)
    course = db.session.scalar(select(Course).where(Course.slug == files.slug))
    if course is None:
        report = _apply(files, actor)
        record_bases(_course(files.slug), items_of(files).values())
        return report
    web_files = database_files(course)
    plans = plan_import(course, files, web_files)
    conflicts = [p for p in plans if p.status == CONFLICT]
    if conflicts and prefer is None:
        raise SyncConflict([_conflict_report(course, p) for p in conflicts])
    merged = merge(files, web_files, plans, prefer)
    report = _apply(merged, actor)
    for plan in plans:
        if plan.status == UNCHANGED:
            continue
        label = {WEB_CHANGED: "kept web edit", WEB_ONLY: "kept web-only item",
                 WEB_REMOVED: "kept removed on the web"}.get(plan.status, plan.status)
        if plan.status == CONFLICT:
            label = f"conflict resolved ({prefer})"
        report.items.append(f"{label}: {plan.path} ({plan.kind} {plan.key})")
    record_bases(course, items_of(merged).values())
    return report


def plan_import(course: Course, files: CourseFiles,
                web_files: CourseFiles | None = None) -> list[Planned]:
    """What importing ``files`` into ``course`` would do, item by item (reads only)."""
    published = items_of(web_files or database_files(course))
    web = pending_drafts(course, published)
    # Legacy bases come from what is published: a pending draft then counts as a web edit.
    bases = bases_of(course) or legacy_bases(course, published)
    incoming = items_of(files)
    renames = question_renames(incoming, published)
    return compare(incoming, rekey(web, renames), rekey(bases, renames))


def database_files(course: Course) -> CourseFiles:
    """The course in the database as files, for the comparison.

    :raises CourseFilesError: the database holds something the files cannot express
        (a question GIFT cannot write, imported from Moodle XML): no comparison is made.
    """
    from flask_babel import gettext as _

    try:
        return course_files_from_db(course)
    except ValueError as exc:
        raise CourseFilesError([Problem(course.slug, 1, _(
            "the database holds a question the course files cannot express (%(problem)s): "
            "edit it on the web, or export the bank as Moodle XML", problem=str(exc)))]
        ) from exc


def _course(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    assert course is not None
    return course


def _conflict_report(course: Course, plan: Planned) -> ConflictReport:
    from lms.courses.sync_who import last_web_edit

    who, when = last_web_edit(course, plan.kind, plan.key)
    before = plan.web.text.splitlines() if plan.web else []
    after = plan.file.text.splitlines() if plan.file else []
    diff = list(difflib.unified_diff(before, after, "web", "file", n=0, lineterm=""))[2:]
    shown = [line[:160] for line in diff[:12]]
    if len(diff) > 12:
        shown.append(f"… {len(diff) - 12} more lines")
    return ConflictReport(plan.path, who, when, "\n".join(shown))


def _apply(files: CourseFiles, actor: User | None) -> ImportReport:
    """Write ``files`` into the database: the import as it always was."""
    course = db.session.scalar(select(Course).where(Course.slug == files.slug))
    report = ImportReport(course=files.slug, created_course=course is None)
    if course is None:
        course = Course(slug=files.slug, title=files.title)
        db.session.add(course)
    course.title, course.description = files.title, files.description
    course.language, course.version = files.language, files.version
    course.lecturers_note = files.lecturers_note
    course.completion_policy = {
        "lessons": files.completion.lessons if files.completion.lessons == "all"
        else list(files.completion.lessons),
        "quizzes": [{"slug": q.slug, "pass_mark10": q.pass_mark10}
                    for q in files.completion.quizzes],
        **({"min_read_share": files.completion.min_read_share}
           if files.completion.min_read_share is not None else {}),
    }
    db.session.flush()
    existing = {lesson.slug: lesson for lesson in db.session.scalars(
        select(Lesson).where(Lesson.course_id == course.id))}
    for item in files.lessons:
        _sync_lesson(course, item, actor, existing.pop(item.slug, None), report)
    for slug, lesson in existing.items():
        if lesson.status == LessonStatus.ARCHIVED.value:
            continue
        has_progress = db.session.scalar(
            select(LessonProgress.id).where(LessonProgress.lesson_id == lesson.id).limit(1))
        if has_progress:
            lesson.status = LessonStatus.ARCHIVED.value
            report.lessons_archived.append(slug)
        else:
            lesson.published_revision = None
            db.session.flush()
            db.session.delete(lesson)
            report.lessons_deleted.append(slug)
    names = {item.name for item in files.attachments}
    for item in files.attachments:
        _sync_attachment(course, item, report)
    db.session.execute(delete(Attachment).where(
        Attachment.course_id == course.id, Attachment.name.not_in(names or {""})))
    db.session.flush()
    for hook in IMPORT_HOOKS:
        said = hook(course, files, actor)
        if said:  # a hook with nothing to do says nothing
            report.extra.append(said)
    log_edit(course, actor, "course.import", None, "; ".join(report.lines()[1:3]))
    db.session.flush()
    log.info("Imported course %s: %s", files.slug, report.lines())
    return report


def course_files_from_db(course: Course, base: CourseFiles | None = None) -> CourseFiles:
    """The course as files: published lessons (archived ones left out) and attachments."""
    from lms.courses.files import CompletionPolicy, QuizRequirement

    lessons = db.session.scalars(
        select(Lesson).where(Lesson.course_id == course.id,
                             Lesson.status == LessonStatus.PUBLISHED.value)
        .order_by(Lesson.position, Lesson.id)
    ).all()
    lesson_files = tuple(
        LessonFile(slug=lesson.slug, position=lesson.position, title=rev.title,
                   minutes=rev.minutes, objectives=tuple(rev.objectives), body=rev.body,
                   path=lesson_path(lesson.position, lesson.slug), legal=tuple(rev.legal or ()))
        for lesson in lessons if (rev := lesson.published_revision) is not None
    )
    attachments = tuple(
        AttachmentFile(name=a.name, path=f"attachments/{a.name}", size=a.size,
                       sha256=a.sha256, content_type=a.content_type, data=a.data)
        for a in db.session.scalars(select(Attachment).where(Attachment.course_id == course.id)
                                    .order_by(Attachment.name))
    )
    policy = course.completion_policy or {"lessons": "all", "quizzes": []}
    completion = CompletionPolicy(
        lessons=policy["lessons"] if policy["lessons"] == "all" else tuple(policy["lessons"]),
        quizzes=tuple(QuizRequirement(slug=q["slug"], pass_mark10=q["pass_mark10"])
                      for q in policy["quizzes"]),
        min_read_share=policy.get("min_read_share"),
    )
    files = CourseFiles(
        slug=course.slug, title=course.title, description=course.description,
        version=course.version, language=course.language,
        lecturers_note=course.lecturers_note or "", completion=completion,
        lessons=lesson_files, questions=base.questions if base else (),
        quizzes=base.quizzes if base else (), attachments=attachments,
    )
    for hook in EXPORT_HOOKS:
        files = hook(course, files)
    return files


def export_course(course: Course, dest: Path) -> None:
    """Write ``course`` as files into ``dest`` (the same layout the import reads), and
    record them as the base of the next import: importing them back is a no-op."""
    files = course_files_from_db(course)
    dump_course(files, dest)
    record_bases(course, items_of(files).values())
