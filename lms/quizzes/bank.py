"""The question bank and quiz settings: import from files (GIFT, quiz TOML), export back.

Questions are known by their ID number, or their place in their file and their name
(:mod:`lms.quizzes.identity`). Importing a changed question adds a new
immutable version (attempts keep theirs); a question gone from the files is archived,
never deleted, so past attempts stay intact.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.auth.models import User
from lms.courses.files import (
    CourseFiles,
    CourseFilesError,
    DrawRule,
    Problem,
    QuestionFile,
    QuizFile,
    ReviewOptions,
)
from lms.courses.models import Course
from lms.extensions import db
from lms.legal.model import cited
from lms.quizzes.bank_bulk import Entry, save_questions
from lms.quizzes.bankfile import bank_path, dump_bank, parse_bank
from lms.quizzes.embedded import parsed_files, version_files
from lms.quizzes.identity import keyed
from lms.quizzes.marks import with_marks
from lms.quizzes.models import Question, QuestionVersion, Quiz
from lms.quizzes.parsed import ParsedHint, ParsedQuestion, QuestionFormatError, nfc
from lms.quizzes.pools import exam_pools, forbidden_sources, set_exam_pools
from lms.quizzes.question_files import blobs, store
from lms.quizzes.types import get_type

log = logging.getLogger(__name__)

REVIEW_WINDOWS = ("during", "immediately", "later", "after_close")


#: Moodle's combined feedback (by outcome), kept in a version's data as ``combined``.
COMBINED = ("correct_feedback", "partially_correct_feedback", "incorrect_feedback",
            "show_num_correct")

#: Formats of a question's feedback texts, kept in its data as ``formats`` when they are
#: not the question's own.
FEEDBACK_FORMATS = ("general_feedback", "feedback_true", "feedback_false")


def content_of(q: ParsedQuestion) -> dict[str, Any]:
    """The versioned content of a parsed question."""
    data = get_type(q.type).from_parsed(q)
    formats = {k: getattr(q, f"{k}_format") for k in FEEDBACK_FORMATS if getattr(q, f"{k}_format")}
    if formats:
        data["formats"] = formats
    combined = {k: getattr(q, k) for k in COMBINED if getattr(q, k)}
    if combined:
        data["combined"] = combined
    if q.hints:
        data["hints"] = [{k: v for k, v in asdict(h).items() if v} for h in q.hints]
    if q.files:  # the bytes are kept by lms.quizzes.question_files.store
        data["files"] = version_files(q.files)
    return {"type": q.type, "text": q.text, "text_format": q.text_format,
            "general_feedback": q.general_feedback, "data": data}


def _version_content(v: QuestionVersion) -> dict[str, Any]:
    return {"type": v.type, "text": v.text, "text_format": v.text_format,
            "general_feedback": v.general_feedback, "data": v.data}


def to_parsed(question: Question, version: QuestionVersion, exam_pool: bool = False,
              found: Mapping[tuple[int, str], bytes] | None = None) -> ParsedQuestion:
    """A stored question as the interchange dataclass (for GIFT/XML export), with its
    embedded files when their bytes are given (``found``, from
    :func:`lms.quizzes.question_files.blobs`)."""
    return ParsedQuestion(
        type=version.type, text=version.text, name=question.name,  # type: ignore[arg-type]
        idnumber=question.idnumber,
        text_format=version.text_format, category=question.category,  # type: ignore[arg-type]
        exam_pool=exam_pool,
        tags=list(question.tags), general_feedback=version.general_feedback,
        **get_type(version.type).to_parsed_fields(version.data),
        **{f"{k}_format": v for k, v in version.data.get("formats", {}).items()},
        **version.data.get("combined", {}),
        hints=[ParsedHint(**h) for h in version.data.get("hints", [])],
        files=parsed_files(question.id, version.data, found or {}),
    )


def save_question(course: Course, q: ParsedQuestion, actor: User | None, *,
                  name: str, key: str = "", source_path: str = "", source_order: int = 0,
                  question: Question | None = None) -> tuple[Question, str]:
    """Create or update one question; returns it and "created"/"updated"/"unchanged".

    The question is ``question`` if given, else the one whose ID number is ``key`` (by
    default the parsed ID number, else ``name``). Every text is stored in NFC, whichever
    path the question came by.
    """
    q, name = nfc(q), unicodedata.normalize("NFC", name)
    key = unicodedata.normalize("NFC", key or q.idnumber or name)
    if question is None:
        question = db.session.scalar(select(Question).where(Question.course_id == course.id,
                                                            Question.idnumber == key))
    content = content_of(q)
    status = "unchanged"
    if question is None:
        question = Question(course_id=course.id)
        db.session.add(question)
        status = "created"
    question.idnumber, question.name = key, name
    question.category, question.tags = q.category, list(q.tags)
    question.source_path, question.source_order = source_path, source_order
    question.archived = False
    db.session.flush()
    current = question.current_version
    if current is None or _version_content(current) != content:
        number = (db.session.scalar(select(func.max(QuestionVersion.number))
                                    .where(QuestionVersion.question_id == question.id)) or 0) + 1
        version = QuestionVersion(question_id=question.id, number=number,
                                  created_by_id=actor.id if actor else None, **content)
        db.session.add(version)
        db.session.flush()
        question.current_version = version
        status = "updated" if status == "unchanged" else status
    store((question.id, item) for item in q.files)
    return question, status


def _parse_files(course_dir: str, files: Iterable[QuestionFile]) -> list[
        tuple[QuestionFile, list[ParsedQuestion]]]:
    parsed, problems = [], []
    for item in files:
        try:
            parsed.append((item, list(parse_bank(item.text, f"{course_dir}/{item.path}"))))
        except QuestionFormatError as exc:
            problems.extend(Problem(e.filename, e.line, e.reason) for e in exc.errors)
    if problems:
        raise CourseFilesError(problems)
    return parsed


def _local_to_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
    return value.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _utc_to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
    aware = value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(zone).replace(tzinfo=None)


def resolve_refs(refs: Iterable[str], keys: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The keys of a quiz's fixed questions, given by ID number (or key) or by a name that
    only one question has; and the problems (a name nobody or several questions have).
    ``keys`` maps each question's key to its name."""
    by_name: dict[str, list[str]] = {}
    for key, name in keys.items():
        by_name.setdefault(name, []).append(key)
    out, problems = [], []
    for ref in refs:
        if ref in keys:
            out.append(ref)
        elif len(by_name.get(ref, ())) == 1:
            out.append(by_name[ref][0])
        elif ref in by_name:
            problems.append(_("%(n)d questions are named “%(name)s”: give its ID number "
                              "([id:…]) instead", n=len(by_name[ref]), name=ref))
        else:
            problems.append(f"no question named “{ref}”")
    return out, problems


def _check_draws(files: CourseFiles, counts: Counter[str], names: dict[str, str],
                 categories: dict[str, str], exam: set[str]) -> dict[str, list[str]]:
    """Check every quiz's draw rules and fixed questions; the fixed questions' keys by quiz."""
    problems, fixed_keys = [], {}
    for quiz in files.quizzes:
        where = f"{files.slug}/{quiz.path}"
        for rule in quiz.draw:
            if counts[rule.category] < rule.count:
                problems.append(Problem(where, rule.line or 1, (
                    f"draws {rule.count} questions from category “{rule.category}”, "
                    f"which has {counts[rule.category]}")))
        keys, unresolved = resolve_refs(quiz.questions, names)
        problems.extend(Problem(where, 1, reason) for reason in unresolved)
        fixed_keys[quiz.slug] = keys
        review = {w: getattr(quiz.review, w) for w in REVIEW_WINDOWS}
        lines = {rule.category: rule.line for rule in quiz.draw}
        fixed = {k: categories[k] for k in keys}
        for source in forbidden_sources(review, {r.category: r.count for r in quiz.draw},
                                        fixed, exam, quiz.attempts, counts):
            problems.append(Problem(where, lines.get(source) or 1, _(
                "draws from the exam pool “%(pool)s” but its review shows right answers "
                "before the quiz closes, or shows correctness or feedback to learners who "
                "may meet the same question again (unlimited attempts, a fixed question, or "
                "fewer questions than draws × attempts): draw from a practice category, or "
                "show them only after the close", pool=source)))
    if problems:
        raise CourseFilesError(problems)
    return fixed_keys


def import_bank(course: Course, files: CourseFiles, actor: User | None) -> str:
    """Sync ``questions/`` and ``quizzes/`` of a course (an import hook of courses.sync)."""
    parsed = _parse_files(files.slug, files.questions)
    counts: Counter[str] = Counter()
    seen: dict[str, tuple[str, int]] = {}
    names: dict[str, str] = {}
    categories: dict[str, str] = {}
    marks: dict[str, bool] = {}
    entries, problems = [], []
    listed = files.legal.numbers if files.legal is not None else frozenset()
    for item, questions in parsed:
        where = f"{files.slug}/{item.path}"
        for i, (key, name, q) in enumerate(keyed(item.path, questions), start=1):
            problems += [Problem(where, q.line, _(
                "cites “%(number)s”, which legal.toml does not list", number=number))
                for number in cited(q.tags) if number not in listed]
            if key in seen:
                problems.append(Problem(where, q.line, _(
                    "ID number “%(id)s” is also used at %(place)s", id=key,
                    place=f"{files.slug}/{seen[key][0]}:{seen[key][1]}")))
                continue
            seen[key] = (item.path, q.line)
            names[key], categories[key] = name, q.category
            marks[q.category] = marks.get(q.category, False) or q.exam_pool
            counts[q.category] += q.type != "description"  # draws never pick one
            entries.append(Entry(name, q, item.path, i, key))
    if problems:
        raise CourseFilesError(problems)
    fixed = _check_draws(files, counts, names, categories,
                         {c for c, pool in marks.items() if pool})
    set_exam_pools(course.id, marks)
    status = save_questions(course, entries, actor)
    for question in db.session.scalars(select(Question).where(
            Question.course_id == course.id, Question.archived.is_(False),
            Question.idnumber.not_in(list(seen) or [""]))):
        question.archived = True
        status["archived"] += 1
    sync_quizzes(course, files.quizzes, fixed)
    db.session.flush()
    summary = ", ".join(f"{key} {value}" for key, value in sorted(status.items()))
    return f"questions: {len(entries)} ({summary}); quizzes: {len(files.quizzes)}"


def sync_quizzes(course: Course, quizzes: Iterable[QuizFile],
                 fixed: Mapping[str, list[str]] | None = None) -> None:
    """Create or update quiz settings by slug; quizzes gone from the files are archived.
    ``fixed`` gives each quiz's fixed questions as keys (default: as the files say)."""
    slugs = []
    for item in quizzes:
        slugs.append(item.slug)
        quiz = db.session.scalar(select(Quiz).where(Quiz.course_id == course.id,
                                                    Quiz.slug == item.slug))
        if quiz is None:
            quiz = Quiz(course_id=course.id, slug=item.slug)
            db.session.add(quiz)
        quiz.title, quiz.time_limit_seconds = item.title, item.time_limit_seconds
        quiz.attempts_allowed, quiz.pass_mark10 = item.attempts, item.pass_mark10
        quiz.grading, quiz.on_expiry = item.grading, item.on_expiry
        quiz.shuffle_questions, quiz.shuffle_options = item.shuffle_questions, item.shuffle_options
        quiz.opens_at, quiz.closes_at = _local_to_utc(item.opens), _local_to_utc(item.closes)
        quiz.review = {w: sorted(getattr(item.review, w)) for w in REVIEW_WINDOWS}
        quiz.draw = with_marks([{"category": r.category, "count": r.count} for r in item.draw],
                               {r.category: r.mark for r in item.draw})
        keys = list((fixed or {}).get(item.slug, item.questions))
        quiz.fixed_questions = keys
        # [marks] names questions as "questions" does: by the same position, their keys.
        key_of = dict(zip(item.questions, keys, strict=False))
        quiz.fixed_marks = {key_of.get(name, name): mark for name, mark in item.marks}
        quiz.published = item.published
        quiz.archived = False
    for quiz in db.session.scalars(select(Quiz).where(Quiz.course_id == course.id,
                                                      Quiz.slug.not_in(slugs or [""]))):
        quiz.archived = True
    db.session.flush()


def current_rows(course: Course) -> list[Any]:
    """``(question, current version)`` of the course's live questions, in file order."""
    return list(db.session.execute(
        select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.course_id == course.id, Question.archived.is_(False))
        .order_by(Question.source_path, Question.source_order, Question.id)).all())


def current_bank(course: Course) -> list[ParsedQuestion]:
    """The course's live questions as the interchange dataclass (exam pools marked, files
    included), for the GIFT, Moodle XML and JSON exports."""
    exam, rows = exam_pools(course.id), current_rows(course)
    found = blobs(q.id for q, v in rows if v.data.get("files"))
    return [to_parsed(q, v, q.category in exam, found) for q, v in rows]


def export_bank(course: Course, files: CourseFiles) -> CourseFiles:
    """Add the course's questions (grouped by source file) and quizzes (an export hook)."""
    from dataclasses import replace

    rows = current_rows(course)
    by_path: dict[str, list[ParsedQuestion]] = {}
    exam = exam_pools(course.id)
    found = blobs(q.id for q, v in rows if v.data.get("files"))
    for question, version in rows:
        path = question.source_path or "questions/bank.gift"
        by_path.setdefault(path, []).append(
            to_parsed(question, version, question.category in exam, found))
    written: dict[str, list[ParsedQuestion]] = {}
    for path, items in by_path.items():
        written.setdefault(bank_path(path, items), []).extend(items)
    questions = tuple(QuestionFile(path=path, text=dump_bank(path, items))
                      for path, items in sorted(written.items()))
    quizzes = tuple(quiz_file(q) for q in db.session.scalars(
        select(Quiz).where(Quiz.course_id == course.id, Quiz.archived.is_(False))
        .order_by(Quiz.slug)))
    return replace(files, questions=questions, quizzes=quizzes)


def quiz_file(q: Quiz) -> QuizFile:
    """A quiz as its file (``quizzes/<slug>.toml``) says it."""
    return QuizFile(
        slug=q.slug, title=q.title, time_limit_seconds=q.time_limit_seconds,
        attempts=q.attempts_allowed, pass_mark10=q.pass_mark10,
        grading=q.grading,  # type: ignore[arg-type]
        shuffle_questions=q.shuffle_questions, shuffle_options=q.shuffle_options,
        on_expiry=q.on_expiry,  # type: ignore[arg-type]
        questions=tuple(q.fixed_questions),
        draw=tuple(DrawRule(category=r["category"], count=r["count"], mark=r.get("mark"))
                   for r in q.draw),
        marks=tuple((key, float(q.fixed_marks[key])) for key in q.fixed_questions
                    if key in (q.fixed_marks or {})),
        published=q.published,
        review=ReviewOptions(**{w: frozenset(q.review.get(w, ())) for w in REVIEW_WINDOWS}),
        opens=_utc_to_local(q.opens_at), closes=_utc_to_local(q.closes_at),
        path=f"quizzes/{q.slug}.toml",
    )


def register_hooks() -> None:
    """Plug the bank into the course import/export (called once by the app factory)."""
    from lms.courses import sync

    if import_bank not in sync.IMPORT_HOOKS:
        sync.IMPORT_HOOKS.append(import_bank)
    if export_bank not in sync.EXPORT_HOOKS:
        sync.EXPORT_HOOKS.append(export_bank)

