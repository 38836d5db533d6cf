"""What a settings edit changed, from what to what, as lines of the audit page.

Services record ``changes={field: {"old": …, "new": …}}`` (see
:func:`lms.audit.services.changes`); each changed field reads as one line, its label in
the reader's language and both values formatted as people read them (dd/mm/yyyy dates,
yes/no, the names of modes), never as stored codes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.i18n import format_number

FIELD_LABELS = {
    # quiz settings
    "title": _l("Title"),
    "time_limit_seconds": _l("Time limit (minutes, 0 = none)"),
    "attempts_allowed": _l("Attempts (0 = unlimited)"),
    "pass_mark10": _l("Pass mark (of 10)"),
    "grading": _l("Grading method"),
    "on_expiry": _l("When time expires"),
    "shuffle_questions": _l("Shuffle questions"),
    "shuffle_options": _l("Shuffle options"),
    "opens_at": _l("Opens"),
    "closes_at": _l("Closes"),
    "review": _l("What learners may review"),
    "draw": _l("Mark per question"),
    "fixed_marks": _l("Mark"),
    "fixed_questions": _l("Fixed questions"),
    # class settings
    "certificate_mode": _l("Issue mode"),
    "completion_rule": _l("Completion rule"),
    "certificate_issuer_parent": _l("Issuing body (upper line)"),
    "certificate_issuer": _l("Issuing body"),
    "certificate_signer_title": _l("Signer's title"),
    "certificate_signer_name": _l("Signer's name"),
    "certificate_place": _l("Place of issue"),
    # accounts and enrolments
    "full_name": _l("Full name"),
    "email": _l("Email"),
    "unit": _l("Unit"),
    "position": _l("Position"),
    "date_of_birth": _l("Date of birth"),
    "locale": _l("Language"),
    "state": _l("Enrolment state"),
}


def _choice(field: str, value: Any) -> str | None:
    """A stored code as its name, or None when the field has no named codes."""
    from lms.quizzes.settings_forms import EXPIRY, GRADINGS

    named: dict[str, dict[Any, Any]] = {
        "grading": dict(GRADINGS),
        "on_expiry": dict(EXPIRY),
        "certificate_mode": {
            "auto": _l("Issue automatically at completion"),
            "manual": _l("Issue by an administrator"),
        },
        "state": {
            "active": _l("Active"),
            "withdrawn": _l("Withdrawn"),
            "completed": _l("Completed"),
        },
        "locale": {"vi": "Tiếng Việt", "en": "English"},
    }
    if field in named and value in named[field]:
        return str(named[field][value])
    return None


def _review(value: dict[str, Any]) -> str:
    from lms.quizzes.settings_forms import REVIEW_ITEMS, REVIEW_WINDOWS

    items = dict(REVIEW_ITEMS)
    parts = [
        f"{label}: " + (", ".join(str(items.get(i, i)) for i in value.get(key) or []) or "–")
        for key, label in REVIEW_WINDOWS
    ]
    return "; ".join(parts)


def _rule(value: dict[str, Any]) -> str:
    lessons = value.get("lessons", "all")
    text = (
        _("All lessons")
        if lessons == "all"
        else _("Only these lessons:") + " " + (", ".join(lessons) or "–")
    )
    quizzes = [
        _("Pass %(title)s", title=q.get("slug", "?"))
        + " ≥ "
        + format_number(float(q.get("pass_mark10") or 0), 1)
        for q in value.get("quizzes") or []
    ]
    return "; ".join([text, *quizzes])


def change_value(field: str, value: Any) -> str:
    """One old or new value as a reader reads it."""
    named = _choice(field, value)
    if named is not None:
        return named
    if value is None or value == "":
        return _("the course's rule") if field == "completion_rule" else "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field == "time_limit_seconds" and isinstance(value, int | float):
        return format_number(value / 60, 0)
    if field == "review" and isinstance(value, dict):
        return _review(value)
    if field == "completion_rule" and isinstance(value, dict):
        return _rule(value)
    if field == "draw" and isinstance(value, list):
        return (
            "; ".join(
                f"{r.get('category')}: {r.get('count')}"
                + (f" × {format_number(float(r['mark']), 2)}" if r.get("mark") else "")
                for r in value
                if isinstance(r, dict)
            )
            or "–"
        )
    if isinstance(value, str) and field in ("opens_at", "closes_at", "date_of_birth"):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if field == "date_of_birth":
            return moment.strftime("%d/%m/%Y")
        return format_datetime(moment, "dd/MM/yyyy HH:mm")
    if isinstance(value, float):
        return format_number(value, 2)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    if isinstance(value, dict):
        return (
            "; ".join(
                f"{k}: {format_number(v, 2) if isinstance(v, float) else v}"
                for k, v in value.items()
            )
            or "–"
        )
    return str(value)


def change_lines(changed: Any) -> list[tuple[str, str]]:
    """(field label, "old → new") for each changed field of a ``changes`` detail."""
    if not isinstance(changed, dict):
        return []
    lines = []
    for field, pair in changed.items():
        label = FIELD_LABELS.get(field)
        if not isinstance(pair, dict):
            continue
        lines.append(
            (
                str(label) if label is not None else field.replace("_", " "),
                _(
                    "%(old)s → %(new)s",
                    old=change_value(field, pair.get("old")),
                    new=change_value(field, pair.get("new")),
                ),
            )
        )
    return lines
