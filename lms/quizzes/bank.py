"""The question bank and quiz settings: import from files (GIFT, quiz TOML), export back.

Questions are keyed by name within a course. Importing a changed question adds a new
immutable version (attempts keep theirs); a question gone from the files is archived,
never deleted, so past attempts stay intact.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath
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
from lms.quizzes.bank_bulk import Entry, save_questions
from lms.quizzes.gift import GiftError, dump_gift, parse_gift_cached
from lms.quizzes.models import Question, QuestionVersion, Quiz
from lms.quizzes.parsed import ParsedQuestion, nfc
from lms.quizzes.pools import exam_pools, forbidden_sources, set_exam_pools
from lms.quizzes.types import get_type

log = logging.getLogger(__name__)

REVIEW_WINDOWS = ("during", "immediately", "later", "after_close")


def content_of(q: ParsedQuestion) -> dict[str, Any]:
    """The versioned content of a parsed question."""
    return {"type": q.type, "text": q.text, "text_format": q.text_format,
            "general_feedback": q.general_feedback, "data": get_type(q.type).from_parsed(q)}


def _version_content(v: QuestionVersion) -> dict[str, Any]:
    return {"type": v.type, "text": v.text, "text_format": v.text_format,
            "general_feedback": v.general_feedback, "data": v.data}


def to_parsed(question: Question, version: QuestionVersion,
              exam_pool: bool = False) -> ParsedQuestion:
    """A stored question as the interchange dataclass (for GIFT/XML export)."""
    return ParsedQuestion(
        type=version.type, text=version.text, name=question.name,  # type: ignore[arg-type]
        text_format=version.text_format, category=question.category,  # type: ignore[arg-type]
        exam_pool=exam_pool,
        tags=list(question.tags), general_feedback=version.general_feedback,
        **get_type(version.type).to_parsed_fields(version.data),
    )


def save_question(course: Course, q: ParsedQuestion, actor: User | None, *,
                  name: str, source_path: str = "", source_order: int = 0) -> tuple[Question, str]:
    """Create or update the question ``name``; returns it and "created"/"updated"/"unchanged".

    Every text is stored in NFC, whichever path the question came by.
    """
    q, name = nfc(q), unicodedata.normalize("NFC", name)
    question = db.session.scalar(select(Question).where(Question.course_id == course.id,
                                                        Question.name == name))
    content = content_of(q)
    status = "unchanged"
    if question is None:
        question = Question(course_id=course.id, name=name)
        db.session.add(question)
        status = "created"
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
    return question, status


def _parse_files(course_dir: str, files: Iterable[QuestionFile]) -> list[
        tuple[QuestionFile, list[ParsedQuestion]]]:
    parsed, problems = [], []
    for item in files:
        try:
            parsed.append((item, list(parse_gift_cached(item.text, f"{course_dir}/{item.path}"))))
        except GiftError as exc:
            problems.extend(Problem(e.filename, e.line, e.reason) for e in exc.errors)
    if problems:
        raise CourseFilesError(problems)
    return parsed


def _default_name(path: str, index: int) -> str:
    return f"{PurePosixPath(path).stem}-{index:03d}"


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


def _check_draws(files: CourseFiles, counts: Counter[str], names: dict[str, str],
                 exam: set[str]) -> None:
    problems = []
    for quiz in files.quizzes:
        where = f"{files.slug}/{quiz.path}"
        for rule in quiz.draw:
            if counts[rule.category] < rule.count:
                problems.append(Problem(where, rule.line or 1, (
                    f"draws {rule.count} questions from category “{rule.category}”, "
                    f"which has {counts[rule.category]}")))
        problems.extend(Problem(where, 1, f"no question named “{name}”")
                        for name in quiz.questions if name not in names)
        review = {w: getattr(quiz.review, w) for w in REVIEW_WINDOWS}
        lines = {rule.category: rule.line for rule in quiz.draw}
        fixed = {n: names[n] for n in quiz.questions if n in names}
        for source in forbidden_sources(review, lines, fixed, exam):
            problems.append(Problem(where, lines.get(source) or 1, _(
                "draws from the exam pool “%(pool)s” but its review shows right answers or "
                "feedback before the quiz closes: draw from a practice category, or show "
                "them only after the close", pool=source)))
    if problems:
        raise CourseFilesError(problems)


def import_bank(course: Course, files: CourseFiles, actor: User | None) -> str:
    """Sync ``questions/`` and ``quizzes/`` of a course (an import hook of courses.sync)."""
    parsed = _parse_files(files.slug, files.questions)
    counts: Counter[str] = Counter()
    seen: dict[str, str] = {}
    categories: dict[str, str] = {}
    marks: dict[str, bool] = {}
    entries = []
    for item, questions in parsed:
        for i, q in enumerate(questions, start=1):
            name = q.name or _default_name(item.path, i)
            if name in seen:
                raise CourseFilesError([Problem(f"{files.slug}/{item.path}", q.line,
                                                f"question name “{name}” is also used in "
                                                f"{seen[name]}")])
            seen[name] = item.path
            categories[name] = q.category
            marks[q.category] = marks.get(q.category, False) or q.exam_pool
            counts[q.category] += 1
            entries.append((item.path, i, name, q))
    _check_draws(files, counts, categories, {c for c, pool in marks.items() if pool})
    set_exam_pools(course.id, marks)
    status = save_questions(course, [Entry(name, q, path, order)
                                     for path, order, name, q in entries], actor)
    for question in db.session.scalars(select(Question).where(
            Question.course_id == course.id, Question.archived.is_(False),
            Question.name.not_in(list(seen) or [""]))):
        question.archived = True
        status["archived"] += 1
    sync_quizzes(course, files.quizzes)
    db.session.flush()
    summary = ", ".join(f"{key} {value}" for key, value in sorted(status.items()))
    return f"questions: {len(entries)} ({summary}); quizzes: {len(files.quizzes)}"


def sync_quizzes(course: Course, quizzes: Iterable[QuizFile]) -> None:
    """Create or update quiz settings by slug; quizzes gone from the files are archived."""
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
        quiz.draw = [{"category": r.category, "count": r.count} for r in item.draw]
        quiz.fixed_questions = list(item.questions)
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
    """The course's live questions as the interchange dataclass (exam pools marked), for
    the GIFT, Moodle XML and JSON exports."""
    exam = exam_pools(course.id)
    return [to_parsed(q, v, q.category in exam) for q, v in current_rows(course)]


def export_bank(course: Course, files: CourseFiles) -> CourseFiles:
    """Add the course's questions (grouped by source file) and quizzes (an export hook)."""
    from dataclasses import replace

    rows = current_rows(course)
    by_path: dict[str, list[ParsedQuestion]] = {}
    exam = exam_pools(course.id)
    for question, version in rows:
        path = question.source_path or "questions/bank.gift"
        by_path.setdefault(path, []).append(
            to_parsed(question, version, question.category in exam))
    questions = tuple(QuestionFile(path=path, text=dump_gift(items))
                      for path, items in sorted(by_path.items()))
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
        draw=tuple(DrawRule(category=r["category"], count=r["count"]) for r in q.draw),
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

