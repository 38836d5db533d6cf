"""Sentences of the actions audited for issue 15's coverage (class creation and settings,
account edits, course content, exports, certificate runs, attempt starts); merged into
:data:`lms.audit.sentences.SENTENCES`. Each is ``sentence(actor, target, details, names)``
with ``names`` a :class:`lms.audit.sentences.Names`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _


def _class(d: dict[str, Any], target: str) -> str:
    return str(d.get("class_code") or target.removeprefix("class:") or "–")


def _content_edit(actor: str, target: str, d: dict[str, Any], names: Any) -> str:
    """A course content change, as the course's own changes page tells it."""
    from lms.audit.sentences import generic_sentence
    from lms.courses.edit_log import SENTENCES as EDITS
    from lms.courses.edit_log import Context

    lessons = {int(k[1:]): v for k, v in names.lessons.items() if k[1:].isdigit()}
    write = EDITS.get(str(d.get("edit")))
    if write is None:
        return generic_sentence(actor, str(d.get("edit") or "content_edit"), target)
    lesson = names.lessons.get(f"#{d.get('lesson_id')}", "–")
    return write(actor, lesson, str(d.get("detail") or ""), Context(lessons, names.quizzes))


def _certificate_run(actor: str, target: str, d: dict[str, Any], names: Any) -> str:
    if d.get("kind") == "zip":
        return _("%(actor)s asked for the certificates of class %(class)s as one ZIP file.",
                 actor=actor, **{"class": _class(d, target)})
    return _("%(actor)s started issuing the certificates of class %(class)s.", actor=actor,
             **{"class": _class(d, target)})


def _attempt_start(actor: str, target: str, d: dict[str, Any], names: Any) -> str:
    learner, quiz, number, _slot = names.attempt(target)
    return _("%(learner)s started attempt %(n)d at “%(quiz)s”.", learner=learner, n=number,
             quiz=quiz)


COVERAGE_SENTENCES: dict[str, Callable[[str, str, dict[str, Any], Any], str]] = {
    "class_create": lambda a, t, d, n: _(
        "%(actor)s created class %(class)s of the course %(course)s.", actor=a,
        course=d.get("course") or "–", **{"class": _class(d, t)}),
    "class_settings": lambda a, t, d, n: _(
        "%(actor)s changed the settings of class %(class)s.", actor=a,
        **{"class": _class(d, t)}),
    "account_edit": lambda a, t, d, n: _(
        "%(actor)s edited the account of %(user)s.", actor=a, user=n.user(t)),
    "content_edit": _content_edit,
    "export_request": lambda a, t, d, n: _(
        "%(actor)s requested an export of class %(class)s (%(format)s).", actor=a,
        format=str(d.get("format") or "–").upper(), **{"class": _class(d, t)}),
    "certificate_run": _certificate_run,
    "attempt_start": _attempt_start,
}
