"""The course's "recent changes" as sentences: ``lesson.publish`` with "revision 1" reads
"Trần Minh Đức đã xuất bản bài “…” (phiên bản 1)." One sentence per action, here.

The ``detail`` a :class:`~lms.courses.models.ContentEdit` keeps is data written by the
callers of :func:`lms.courses.services.log_edit`; it is read back here, never shown raw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from lms.audit.sentences import generic_sentence
from lms.courses.models import ContentEdit
from lms.i18n import format_datetime

NUMBERS_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class Context:
    """What the sentences name: the course's lessons (id -> title), quizzes (slug -> title)."""

    lessons: Mapping[int, str]
    quizzes: Mapping[str, str]


Sentence = Callable[[str, str, str, Context], str]  # (actor, lesson title, detail, context)


def _numbers(detail: str) -> list[str]:
    return NUMBERS_RE.findall(detail)


def _publish(actor: str, lesson: str, detail: str, ctx: Context) -> str:
    return _("%(actor)s published the lesson “%(lesson)s” (revision %(n)s).", actor=actor,
             lesson=lesson, n=(_numbers(detail) or ["–"])[0])


def _restore(actor: str, lesson: str, detail: str, ctx: Context) -> str:
    numbers = [*_numbers(detail), "–", "–"]
    return _("%(actor)s restored revision %(old)s of the lesson “%(lesson)s” as revision "
             "%(new)s.", actor=actor, lesson=lesson, old=numbers[0], new=numbers[1])


def _schedule(actor: str, lesson: str, detail: str, ctx: Context) -> str:
    try:
        when = format_datetime(datetime.fromisoformat(detail)) if detail else ""
    except ValueError:
        when = detail
    if not when:
        return _("%(actor)s made the lesson “%(lesson)s” visible at once.", actor=actor,
                 lesson=lesson)
    return _("%(actor)s made the lesson “%(lesson)s” visible from %(when)s.", actor=actor,
             lesson=lesson, when=when)


def _legal_status(actor: str, lesson: str, detail: str, ctx: Context) -> str:
    from lms.legal.forms import status_labels

    number, _sep, status = detail.rpartition(": ")
    return _("%(actor)s set the status of document %(number)s to “%(status)s”.", actor=actor,
             number=number or detail, status=status_labels().get(status, status))


def _question_import(actor: str, lesson: str, detail: str, ctx: Context) -> str:
    name, _sep, count = detail.rpartition(": ")
    return _("%(actor)s imported %(n)s questions from the file “%(file)s”.", actor=actor,
             n=count, file=name)


def _quiz(detail: str, ctx: Context) -> str:
    slug = detail.split(":", 1)[0]
    return ctx.quizzes.get(slug, slug)


#: ContentEdit.action -> sentence.
SENTENCES: dict[str, Sentence] = {
    "lesson.create": lambda a, le, d, c: _("%(actor)s created the lesson “%(lesson)s”.",
                                           actor=a, lesson=le),
    "lesson.edit": lambda a, le, d, c: _("%(actor)s edited the draft of the lesson "
                                         "“%(lesson)s”.", actor=a, lesson=le),
    "lesson.publish": _publish,
    "lesson.restore": _restore,
    "lesson.reorder": lambda a, le, d, c: (
        _("%(actor)s moved the lesson “%(lesson)s” up.", actor=a, lesson=le) if d == "up"
        else _("%(actor)s moved the lesson “%(lesson)s” down.", actor=a, lesson=le)),
    "lesson.schedule": _schedule,
    "attachment.upload": lambda a, le, d, c: _("%(actor)s uploaded the file “%(name)s”.",
                                               actor=a, name=d),
    "course.import": lambda a, le, d, c: _("%(actor)s imported the course from its files.",
                                           actor=a),
    "legal.status": _legal_status,
    "category.exam_pool": lambda a, le, d, c: _(
        "%(actor)s made the category “%(name)s” an exam pool.", actor=a, name=d),
    "category.practice": lambda a, le, d, c: _(
        "%(actor)s made the category “%(name)s” a practice category.", actor=a, name=d),
    "question.created": lambda a, le, d, c: _("%(actor)s added a question to the bank.",
                                              actor=a),
    "question.updated": lambda a, le, d, c: _("%(actor)s changed a question of the bank.",
                                              actor=a),
    "question.unchanged": lambda a, le, d, c: _(
        "%(actor)s saved a question of the bank without changes.", actor=a),
    "question.import": _question_import,
    "quiz.save": lambda a, le, d, c: _("%(actor)s saved the quiz “%(quiz)s”.", actor=a,
                                       quiz=_quiz(d, c)),
    "quiz.regrade": lambda a, le, d, c: _(
        "%(actor)s regraded the quiz “%(quiz)s”: %(n)s attempts changed score.", actor=a,
        quiz=_quiz(d, c), n=(_numbers(d.split(":", 1)[-1]) or ["0"])[0]),
}


def edit_sentence(edit: ContentEdit, ctx: Context) -> str:
    """One change as a sentence in the reader's language."""
    actor = edit.user.full_name if edit.user else _("The system")
    lesson = ctx.lessons.get(edit.lesson_id or 0, "–")
    write = SENTENCES.get(edit.action)
    if write is None:
        return generic_sentence(actor, edit.action, edit.detail)
    return write(actor, lesson, edit.detail or "", ctx)
