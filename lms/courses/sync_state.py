"""The three-way comparison of a course's files with its database (issue 12).

Every item of a course (the course file, each lesson, question, quiz and attachment) is
rendered canonically, as the exporter writes it, and hashed. Comparing the hash in the
files, in the database now, and the base (recorded at the last import or export) tells a
file change from a web edit:

====================  ==============================================================
status                meaning (f: files, d: database, b: base)
====================  ==============================================================
``unchanged``         f = d
``file changed``      d = b ≠ f: the files win
``web changed``       f = b ≠ d: the web edit is kept
``conflict``          f ≠ b, d ≠ b, f ≠ d (or no base to tell): nothing is written
``web only``          only in the database, never in the files: kept, never deleted
``file only``         new in the files: created
``file removed``      gone from the files, untouched on the web: archived or removed
``web removed``       removed on the web, unchanged in the files: stays removed
====================  ==============================================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from lms.courses.files import CourseFiles, CourseFilesError, LessonFile, Problem
from lms.courses.files_dump import render_course_toml, render_lesson, render_quiz
from lms.courses.models import Course, CourseSyncBase, Lesson, LessonStatus
from lms.db import utcnow
from lms.extensions import db

Key = tuple[str, str]  # (kind, key)

UNCHANGED, FILE_CHANGED, WEB_CHANGED, CONFLICT = ("unchanged", "file changed", "web changed",
                                                  "conflict")
WEB_ONLY, FILE_ONLY, FILE_REMOVED, WEB_REMOVED = ("web only", "file only", "file removed",
                                                  "web removed")
#: Statuses whose database version is what the course keeps.
WEB_WINS = frozenset({WEB_CHANGED, WEB_ONLY, WEB_REMOVED})


@dataclass(frozen=True)
class Item:
    """One item as files: where it lives and its canonical text."""

    kind: str
    key: str
    path: str
    text: str
    #: A question's name (its key may be its place in its file and its name).
    name: str = ""

    @property
    def hash(self) -> str:
        return hashlib.sha256(f"{self.kind}\0{self.text}".encode()).hexdigest()


def question_item(path: str, key: str, name: str, question: object,
                  files: dict[str, str] | None = None) -> Item:
    """A question as an item: its key is its identity, so its text leaves the ID out;
    embedded files count by content hash (``files``, default: the question's own).

    :raises ValueError: the question is invalid.
    """
    from lms.quizzes.bankfile import item_text

    named = replace(question, name=name, idnumber="")  # type: ignore[type-var]
    return Item("question", key, path, f"{path}\n{item_text(named, files)}", name)


def question_renames(files: Mapping[Key, Item], web: Mapping[Key, Item]) -> dict[str, str]:
    """``{database key: file key}`` for the questions the import will know by a new key
    (given an ID number in the file, or imported before keys existed): same file, same
    name (:func:`lms.quizzes.identity.adopt`)."""
    from lms.quizzes.identity import adopt

    def places(items: Mapping[Key, Item]) -> dict[str, tuple[str, str]]:
        return {key: (item.path, item.name) for (kind, key), item in items.items()
                if kind == "question"}

    return {old: new for new, old in adopt(places(files), places(web)).items()}


def rekey(mapping: Mapping[Key, object], renames: Mapping[str, str]) -> dict:
    """``mapping`` with its question keys renamed."""
    return {(kind, renames.get(key, key) if kind == "question" else key): value
            for (kind, key), value in mapping.items()}


def items_of(files: CourseFiles) -> dict[Key, Item]:
    """Every item of a course, rendered as the exporter writes it."""
    from lms.quizzes.bankfile import parse_bank
    from lms.quizzes.identity import keyed
    from lms.quizzes.parsed import QuestionFormatError

    out: dict[Key, Item] = {("course", "course.toml"): Item(
        "course", "course.toml", "course.toml", render_course_toml(files))}
    banks, problems = [], []
    for bank in files.questions:
        try:
            banks.append((bank, parse_bank(bank.text, f"{files.slug}/{bank.path}")))
        except QuestionFormatError as exc:
            problems += [Problem(e.filename, e.line, e.reason) for e in exc.errors]
    if problems:
        raise CourseFilesError(problems)
    for lesson in files.lessons:
        out[("lesson", lesson.slug)] = Item("lesson", lesson.slug, lesson.path,
                                            f"{lesson.path}\n{render_lesson(lesson)}")
    for bank, questions in banks:
        for key, name, question in keyed(bank.path, questions):
            out[("question", key)] = question_item(bank.path, key, name, question)
    for quiz in files.quizzes:
        out[("quiz", quiz.slug)] = Item("quiz", quiz.slug, quiz.path, render_quiz(quiz))
    if files.legal is not None:
        from lms.legal.registry import render_registry

        out[("legal", "legal.toml")] = Item("legal", "legal.toml", "legal.toml",
                                            render_registry(files.legal))
    for attachment in files.attachments:
        out[("attachment", attachment.name)] = Item("attachment", attachment.name,
                                                    attachment.path, attachment.sha256)
    return out


def pending_drafts(course: Course, items: dict[Key, Item]) -> dict[Key, Item]:
    """``items`` (the database's) with unpublished lesson drafts counted as web edits."""
    out = dict(items)
    for lesson in db.session.scalars(select(Lesson).where(
            Lesson.course_id == course.id, Lesson.status == LessonStatus.PUBLISHED.value)
            .options(selectinload(Lesson.published_revision))):
        revision, key = lesson.published_revision, ("lesson", lesson.slug)
        if revision is None or key not in out:
            continue
        if (lesson.title, lesson.minutes, list(lesson.objectives), lesson.body,
                list(lesson.legal)) != (revision.title, revision.minutes,
                                        list(revision.objectives), revision.body,
                                        list(revision.legal)):
            draft = LessonFile(slug=lesson.slug, position=lesson.position, title=lesson.title,
                               minutes=lesson.minutes, objectives=tuple(lesson.objectives),
                               body=lesson.body, path=out[key].path,
                               legal=tuple(lesson.legal))
            item = out[key]
            out[key] = Item(item.kind, item.key, item.path,
                            f"{item.text}\n[draft]\n{render_lesson(draft)}")
    return out


@dataclass(frozen=True)
class Planned:
    """What an import does with one item."""

    kind: str
    key: str
    path: str
    status: str
    file: Item | None
    web: Item | None

    def line(self) -> str:
        return f"{self.status}: {self.path} ({self.kind} {self.key})"


def compare(files: Mapping[Key, Item], web: Mapping[Key, Item],
            bases: Mapping[Key, str]) -> list[Planned]:
    """The status of every item, in a stable order (kind, then path, then key)."""
    out = []
    for key in set(files) | set(web):
        f, d, b = files.get(key), web.get(key), bases.get(key)
        fh, dh = (f.hash if f else None), (d.hash if d else None)
        if fh == dh:
            status = UNCHANGED
        elif d is None:
            status = FILE_ONLY if b is None else (WEB_REMOVED if fh == b else CONFLICT)
        elif f is None:
            status = WEB_ONLY if b is None else (FILE_REMOVED if dh == b else CONFLICT)
        elif b is not None and dh == b:
            status = FILE_CHANGED
        elif b is not None and fh == b:
            status = WEB_CHANGED
        else:
            status = CONFLICT
        item = f or d
        assert item is not None
        out.append(Planned(key[0], key[1], (d or f).path if status in WEB_WINS else item.path,
                           status, f, d))
    order = {"course": 0, "lesson": 1, "question": 2, "quiz": 3, "attachment": 4, "legal": 5}
    return sorted(out, key=lambda p: (order[p.kind], p.path, p.key))


def bases_of(course: Course) -> dict[Key, str]:
    """The recorded bases of a course (one statement)."""
    return {(row.kind, row.key): row.hash for row in db.session.scalars(
        select(CourseSyncBase).where(CourseSyncBase.course_id == course.id))}


def record_bases(course: Course, items: Iterable[Item], now: datetime | None = None) -> None:
    """Replace the course's bases with these items' hashes (after an import or export)."""
    now = now or utcnow()
    db.session.execute(delete(CourseSyncBase).where(CourseSyncBase.course_id == course.id))
    rows = [{"course_id": course.id, "kind": i.kind, "key": i.key, "hash": i.hash,
             "recorded_at": now} for i in items]
    if rows:
        db.session.execute(CourseSyncBase.__table__.insert(), rows)


def legacy_bases(course: Course, web: Mapping[Key, Item]) -> dict[Key, str]:
    """Bases for a course imported before bases were recorded: an item whose current
    content was last written by an import is taken as its own base (a file change then
    goes in); one last written on the web has none, so a file change is a conflict."""
    from lms.courses.models import ContentEdit, LessonRevision
    from lms.quizzes.models import Question, QuestionVersion

    from_import: set[Key] = {("course", "course.toml")}
    for slug, source in db.session.execute(
            select(Lesson.slug, LessonRevision.source)
            .join(LessonRevision, LessonRevision.id == Lesson.published_revision_id)
            .where(Lesson.course_id == course.id)):
        if source == "import":
            from_import.add(("lesson", slug))
    for name, author in db.session.execute(
            select(Question.idnumber, QuestionVersion.created_by_id)
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(Question.course_id == course.id)):
        if author is None:
            from_import.add(("question", name))
    edited = set(db.session.execute(select(ContentEdit.action, ContentEdit.detail).where(
        ContentEdit.course_id == course.id,
        ContentEdit.action.in_(("quiz.save", "attachment.upload")))).all())
    for (kind, key) in web:
        if kind == "quiz" and ("quiz.save", key) not in edited:
            from_import.add((kind, key))
        if kind == "attachment" and ("attachment.upload", key) not in edited:
            from_import.add((kind, key))
    return {key: item.hash for key, item in web.items() if key in from_import}
