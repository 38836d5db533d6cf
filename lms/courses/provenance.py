"""Where each course item stands against the course files, for editors' pages: as in the
files (last import or export), edited on the web since, or made on the web.

One statement (the course's recorded bases) and the items' canonical texts, computed from
rows the page has loaded already: the cost does not grow with the course.
"""

from __future__ import annotations

from collections.abc import Iterable

from lms.courses.files import LessonFile, lesson_path
from lms.courses.files_dump import render_lesson, render_quiz
from lms.courses.models import Course, Lesson, LessonRevision
from lms.courses.sync_state import Item, bases_of, question_item

AS_FILES, WEB_EDITED, WEB_MADE = "files", "web_edited", "web_made"


def _status(item: Item | None, bases: dict[tuple[str, str], str]) -> str | None:
    if item is None:
        return None
    base = bases.get((item.kind, item.key))
    if base is None:
        return WEB_MADE
    return AS_FILES if base == item.hash else WEB_EDITED


def lesson_item(lesson: Lesson, revision: LessonRevision | None) -> Item | None:
    """The published lesson as the exporter writes it (None: never published)."""
    if revision is None:
        return None
    path = lesson_path(lesson.position, lesson.slug)
    file = LessonFile(slug=lesson.slug, position=lesson.position, title=revision.title,
                      minutes=revision.minutes, objectives=tuple(revision.objectives),
                      body=revision.body, path=path, legal=tuple(revision.legal or ()))
    return Item("lesson", lesson.slug, path, f"{path}\n{render_lesson(file)}")


def lessons_provenance(course: Course, lessons: Iterable[tuple[Lesson, LessonRevision | None]]
                       ) -> dict[int, str]:
    """Lesson id → files / web_edited / web_made, for ``(lesson, published revision)``
    pairs the page has loaded."""
    bases = bases_of(course)
    out = {}
    for lesson, revision in lessons:
        status = _status(lesson_item(lesson, revision), bases)
        if status is not None:
            out[lesson.id] = status
    return out


def quizzes_provenance(course: Course, quizzes: Iterable[object]) -> dict[int, str]:
    """Quiz id → files / web_edited / web_made."""
    from lms.quizzes.bank import quiz_file

    bases = bases_of(course)
    return {quiz.id: _status(Item("quiz", quiz.slug, "", render_quiz(quiz_file(quiz))),  # type: ignore[attr-defined]
                             bases) for quiz in quizzes}


def questions_provenance(course: Course, rows: Iterable[tuple[object, object]]) -> dict[int, str]:
    """Question id → files / web_edited / web_made, for ``(question, version)`` rows."""
    from lms.quizzes.bank import to_parsed
    from lms.quizzes.pools import exam_pools

    bases, exam = bases_of(course), exam_pools(course.id)
    out = {}
    for question, version in rows:
        path = question.source_path or "questions/bank.gift"  # type: ignore[attr-defined]
        parsed = to_parsed(question, version, question.category in exam)  # type: ignore[arg-type,attr-defined]
        try:
            item = question_item(path, question.idnumber, question.name,  # type: ignore[attr-defined]
                                 parsed, version.data.get("files", {}))  # type: ignore[attr-defined]
        except ValueError:  # an invalid question (written before a rule): no badge
            continue
        out[question.id] = _status(item, bases)  # type: ignore[attr-defined]
    return out
