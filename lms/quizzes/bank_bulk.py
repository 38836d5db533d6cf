"""Saving many questions at once (a course import, ``lms questions import``): a fixed
number of statements whatever the bank's size, instead of several per question.

Unchanged questions cost nothing but one comparison in memory; a changed one gets a new
version (versions are immutable); new ones are inserted in bulk. The outcome per question
is the same as :func:`lms.quizzes.bank.save_question`'s.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lms.auth.models import User
from lms.courses.models import Course
from lms.db import utcnow
from lms.extensions import db
from lms.lengths import max_length
from lms.quizzes.identity import adopt, keyed, repeated
from lms.quizzes.models import Question, QuestionVersion
from lms.quizzes.parsed import ParsedQuestion, QuestionFormatError, nfc
from lms.quizzes.question_files import store


@dataclass(frozen=True)
class Entry:
    """One question to save, with where it lives in the files."""

    name: str
    question: ParsedQuestion
    source_path: str = ""
    source_order: int = 0
    #: The question's identity (:mod:`lms.quizzes.identity`); by default its ID number,
    #: else its name.
    key: str = ""

    @property
    def identity(self) -> str:
        return self.key or self.question.idnumber or self.name


def file_entries(questions: Sequence[ParsedQuestion], filename: str,
                 source_path: str) -> list[Entry]:
    """The entries of one uploaded or imported file, keyed by :mod:`lms.quizzes.identity`.

    :raises QuestionFormatError: an ID number is given twice (``file:line`` of each repeat).
    """
    items = keyed(source_path, questions)
    problems = [QuestionFormatError(filename, items[i][2].line, _(
        "ID number “%(id)s” is also used at line %(line)d", id=items[i][0],
        line=next(q.line for k, _n, q in items if k == items[i][0])))
        for i in repeated([k for k, _n, _q in items])]
    problems += [QuestionFormatError(filename, q.line, _(
        "%(field)s: at most %(max)d characters.", field=label, max=max_length(column)))
        for key, name, q in items
        for label, value, column in ((_("ID number"), key, Question.idnumber),
                                     (_("Name"), name, Question.name),
                                     (_("Category"), q.category, Question.category))
        if len(unicodedata.normalize("NFC", value or "")) > max_length(column)]
    if problems:
        raise QuestionFormatError.combine(problems)
    return [Entry(name, q, source_path, index, key)
            for index, (key, name, q) in enumerate(items, start=1)]


def _content(version: QuestionVersion | None) -> dict | None:
    if version is None:
        return None
    return {"type": version.type, "text": version.text, "text_format": version.text_format,
            "general_feedback": version.general_feedback, "data": version.data}


def save_questions(course: Course, entries: Sequence[Entry], actor: User | None) -> Counter[str]:
    """Create or update every entry's question; counts of created/updated/unchanged."""
    from lms.quizzes.bank import content_of

    entries = [Entry(unicodedata.normalize("NFC", e.name), nfc(e.question), e.source_path,
                     e.source_order, unicodedata.normalize("NFC", e.identity))
               for e in entries]
    keys = [e.key for e in entries]
    if len(set(keys)) != len(keys):
        raise ValueError("a question key is given twice; check with identity.repeated first")
    # Three statements read the whole bank of the course (no IN list of thousands).
    existing = {q.idnumber: q for q in db.session.scalars(select(Question).where(
        Question.course_id == course.id))}
    renamed = adopt({e.key: (e.source_path, e.name) for e in entries},
                    {k: (q.source_path, q.name) for k, q in existing.items()})
    for new, old in renamed.items():
        existing[new] = existing.pop(old)
    current = {v.id: v for v in db.session.scalars(
        select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.course_id == course.id))}
    numbers = dict(db.session.execute(
        select(QuestionVersion.question_id, func.max(QuestionVersion.number))
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.course_id == course.id).group_by(QuestionVersion.question_id)).all())
    outcome: Counter[str] = Counter()
    metadata, versions = [], []
    new_ids: dict[str, int] = {}
    new_entries = [e for e in entries if e.key not in existing]
    for entry in entries:
        question = existing.get(entry.key)
        if question is None:
            continue
        q = entry.question
        fields = {"idnumber": entry.key, "name": entry.name,
                  "category": q.category, "tags": list(q.tags),
                  "source_path": entry.source_path, "source_order": entry.source_order,
                  "archived": False}
        if any(getattr(question, k) != v for k, v in fields.items()):
            metadata.append({"id": question.id, **fields})
        content = content_of(q)
        if _content(current.get(question.current_version_id)) == content:
            outcome["unchanged"] += 1
            continue
        versions.append({"question_id": question.id, "number": numbers.get(question.id, 0) + 1,
                         "created_by_id": actor.id if actor else None,
                         "created_at": utcnow(), **content})
        outcome["updated"] += 1
    if new_entries:
        rows = [{"course_id": course.id, "idnumber": e.key, "name": e.name,
                 "category": e.question.category, "tags": list(e.question.tags),
                 "source_path": e.source_path, "source_order": e.source_order,
                 "archived": False, "created_at": utcnow()}
                for e in new_entries]
        ids = db.session.scalars(Question.__table__.insert().returning(
            Question.__table__.c.id, sort_by_parameter_order=True), rows).all()
        for entry, question_id in zip(new_entries, ids, strict=True):
            new_ids[entry.key] = question_id
            versions.append({"question_id": question_id, "number": 1,
                             "created_by_id": actor.id if actor else None,
                             "created_at": utcnow(), **content_of(entry.question)})
        outcome["created"] += len(new_entries)
    if metadata:
        db.session.execute(update(Question), metadata)
    if versions:
        table = QuestionVersion.__table__
        pairs = db.session.execute(table.insert().returning(
            table.c.id, table.c.question_id, sort_by_parameter_order=True), versions).all()
        db.session.execute(update(Question), [{"id": question_id, "current_version_id": vid}
                                              for vid, question_id in pairs])
    store((existing[e.key].id if e.key in existing else new_ids[e.key], item)
          for e in entries for item in e.question.files)
    db.session.expire_all()
    return outcome
