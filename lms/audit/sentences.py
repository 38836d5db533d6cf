"""Audit entries as sentences: who did what to what, in the reader's language.

One sentence per action in :data:`SENTENCES` (every action of
:data:`lms.audit.services.ACTIONS` has one; an unknown action still reads as a sentence).
The people, quizzes and lessons that targets and details name are looked up in a fixed
number of queries for the whole page, never one per entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from lms.audit.models import AuditEntry
from lms.audit.sentences_coverage import COVERAGE_SENTENCES
from lms.auth.models import User
from lms.extensions import db
from lms.i18n import format_number

ATTEMPT_RE = re.compile(r"^attempt:(\d+)(?:/slot:(\d+))?$")


@dataclass
class Names:
    """What the page's entries refer to, looked up once."""

    users: dict[str, str] = field(default_factory=dict)  # username -> full name
    user_ids: dict[int, str] = field(default_factory=dict)
    attempts: dict[int, tuple[str, str, int]] = field(default_factory=dict)  # learner, quiz, n
    quizzes: dict[str, str] = field(default_factory=dict)  # slug or "#id" -> title
    lessons: dict[str, str] = field(default_factory=dict)  # slug or "#id" -> title

    def user(self, username: str) -> str:
        return self.users.get(username, username)

    def user_id(self, user_id: Any) -> str:
        return self.user_ids.get(user_id, _("a deleted account")) if user_id else "–"

    def attempt(self, target: str) -> tuple[str, str, int, str]:
        """(learner, quiz title, attempt number, question slot) of an ``attempt:…`` target."""
        match = ATTEMPT_RE.match(target)
        if not match or int(match.group(1)) not in self.attempts:
            return _("a deleted attempt"), "–", 0, ""
        learner, quiz, number = self.attempts[int(match.group(1))]
        return learner, quiz, number, match.group(2) or ""


def role_label(role: Any) -> str:
    return {"admin": _("Administrator"), "lecturer": _("Lecturer"),
            "learner": _("Learner")}.get(role, str(role))


def _class(details: dict[str, Any], target: str = "") -> str:
    return str(details.get("class_code") or target.removeprefix("class:") or "–")


def _after(target: str, sep: str = ":") -> str:
    return target.split(sep, 1)[1] if sep in target else target


Sentence = Callable[[str, str, dict[str, Any], Names], str]


def _grade(actor: str, target: str, d: dict[str, Any], names: Names) -> str:
    learner, quiz, number, _slot = names.attempt(target)
    return _("Attempt %(n)d of %(learner)s at “%(quiz)s” was graded.", n=number,
             learner=learner, quiz=quiz)


def _manual_grade(actor: str, target: str, d: dict[str, Any], names: Names) -> str:
    learner, quiz, number, slot = names.attempt(target)
    return _("%(actor)s marked question %(slot)s of attempt %(n)d of %(learner)s at “%(quiz)s”.",
             actor=actor, slot=slot, n=number, learner=learner, quiz=quiz)


def _legal_review(actor: str, target: str, d: dict[str, Any], names: Names) -> str:
    documents = ", ".join(d.get("documents") or [])
    parts = target.split(":")
    if len(parts) == 3 and parts[1] == "lesson":
        return _("%(actor)s checked the lesson “%(lesson)s” against the changed documents "
                 "%(documents)s.", actor=actor, lesson=names.lessons.get(f"#{parts[2]}", "–"),
                 documents=documents)
    return _("%(actor)s checked a question against the changed documents %(documents)s.",
             actor=actor, documents=documents)


def _legal_status(actor: str, target: str, d: dict[str, Any], names: Names) -> str:
    from lms.legal.forms import status_labels

    status = d.get("status") or ""
    return _("%(actor)s set the status of document %(number)s to “%(status)s”.", actor=actor,
             number=_after(target), status=status_labels().get(status, status))


def _certificate(action: str) -> Sentence:
    def sentence(actor: str, target: str, d: dict[str, Any], names: Names) -> str:
        learner = names.user_id(d.get("user_id"))
        if action == "certificate_reissue":
            return _("%(actor)s issued certificate %(serial)s to %(learner)s again, replacing "
                     "%(old)s.", actor=actor, serial=target, learner=learner,
                     old=d.get("replaces") or "–")
        if action == "certificate_revoke":
            return _("%(actor)s revoked certificate %(serial)s.", actor=actor, serial=target)
        return _("%(actor)s issued certificate %(serial)s to %(learner)s (class %(class)s).",
                 actor=actor, serial=target, learner=learner, **{"class": _class(d)})
    return sentence


def _quiz_window(actor: str, target: str, d: dict[str, Any], names: Names) -> str:
    code, _sep, slug = target.removeprefix("class:").partition("/quiz:")
    quiz = names.quizzes.get(slug, slug)
    if not d.get("opens_at") and not d.get("closes_at"):
        return _("%(actor)s gave class %(class)s the default times of the quiz “%(quiz)s”.",
                 actor=actor, quiz=quiz, **{"class": code})
    return _("%(actor)s set the times of the quiz “%(quiz)s” for class %(class)s.",
             actor=actor, quiz=quiz, **{"class": code})


#: action -> sentence(actor, target, details, names).
SENTENCES: dict[str, Sentence] = {
    "login": lambda a, t, d, n: _("%(actor)s logged in.", actor=a),
    "login_failed": lambda a, t, d, n: _("Failed login with the username “%(name)s”.", name=t),
    "role_change": lambda a, t, d, n: _(
        "%(actor)s changed the role of %(user)s from %(old)s to %(new)s.", actor=a,
        user=n.user(t), old=role_label(d.get("old")), new=role_label(d.get("new"))),
    "grade": _grade,
    "regrade": lambda a, t, d, n: _("%(actor)s regraded the quiz “%(quiz)s”.", actor=a,
                                    quiz=n.quizzes.get(_after(t), _after(t))),
    "manual_grade": _manual_grade,
    "accommodation": lambda a, t, d, n: _(
        "%(actor)s set an accommodation for %(user)s in class %(class)s.", actor=a,
        user=n.user(t), **{"class": _class(d)}),
    "roster_import": lambda a, t, d, n: _(
        "%(actor)s imported a roster into class %(class)s.", actor=a, **{"class": _class(d, t)}),
    "certificate_issue": _certificate("certificate_issue"),
    "certificate_revoke": _certificate("certificate_revoke"),
    "certificate_reissue": _certificate("certificate_reissue"),
    "learner_withdraw": lambda a, t, d, n: _(
        "%(actor)s withdrew %(user)s from class %(class)s.", actor=a, user=n.user(t),
        **{"class": _class(d)}),
    "lesson_marked_done": lambda a, t, d, n: _(
        "%(actor)s marked the lesson “%(lesson)s” done for %(user)s.", actor=a, user=n.user(t),
        lesson=n.lessons.get(d.get("lesson") or "", d.get("lesson") or "–")),
    "legal_status": _legal_status,
    "legal_review": _legal_review,
    "lecturer_assign": lambda a, t, d, n: _(
        "%(actor)s made %(user)s a lecturer of class %(class)s.", actor=a, user=n.user(t),
        **{"class": _class(d)}),
    "lecturer_remove": lambda a, t, d, n: _(
        "%(actor)s removed %(user)s from the lecturers of class %(class)s.", actor=a,
        user=n.user(t), **{"class": _class(d)}),
    "learner_enrol": lambda a, t, d, n: _(
        "%(actor)s added %(user)s to class %(class)s.", actor=a, user=n.user(t),
        **{"class": _class(d)}),
    "learner_move": lambda a, t, d, n: _(
        "%(actor)s moved %(user)s from class %(old)s to class %(new)s.", actor=a,
        user=n.user(t), old=d.get("from_class") or "–", new=d.get("to_class") or "–"),
    "quiz_window": _quiz_window,
    "quiz_settings": lambda a, t, d, n: _(
        "%(actor)s changed the settings of the quiz “%(quiz)s”.", actor=a,
        quiz=n.quizzes.get(_after(t), _after(t))),
    # accounts and sessions
    "password_reset": lambda a, t, d, n: _(
        "%(actor)s reset the password of %(user)s.", actor=a, user=n.user(t)),
    "account_deactivate": lambda a, t, d, n: _(
        "%(actor)s deactivated the account of %(user)s.", actor=a, user=n.user(t)),
    "account_reactivate": lambda a, t, d, n: _(
        "%(actor)s reactivated the account of %(user)s.", actor=a, user=n.user(t)),
    "account_create": lambda a, t, d, n: _(
        "%(actor)s created the account %(username)s (%(role)s) for %(user)s.", actor=a,
        username=t, user=n.user(t), role=role_label(d.get("role"))),
    "login_activation": lambda a, t, d, n: _(
        "%(actor)s activated their account with an activation code and logged in.", actor=a),
    "password_change": lambda a, t, d, n: _("%(actor)s changed their password.", actor=a),
    "sessions_end": lambda a, t, d, n: _("%(actor)s signed out on every device.", actor=a),
    "password_check_failed": lambda a, t, d, n: _(
        "%(actor)s gave a wrong current password when changing their password.", actor=a),
    "audit_keyed": lambda a, t, d, n: _(
        "The audit log is keyed from here on; the %(count)s entries before are legacy.",
        count=format_number(d.get("legacy_entries") or 0)),
    **COVERAGE_SENTENCES,
    "signing_key_rotate": lambda a, t, d, n: _(
        "%(actor)s switched certificate signing to key %(label)s (fingerprint %(fp)s).",
        actor=a, label=d.get("label") or _after(t), fp=d.get("fingerprint") or "–"),
    "certificate_ltv_refresh": lambda a, t, d, n: _(
        "%(actor)s added a new document timestamp to certificate %(serial)s (long-term "
        "validation; its earlier file still verifies).", actor=a, serial=t or "–"),
}

#: Short names of the actions, for the filter.
ACTION_LABELS = {
    "login": _l("Login"), "login_failed": _l("Failed login"), "role_change": _l("Role change"),
    "grade": _l("Grading"), "regrade": _l("Regrading"), "manual_grade": _l("Marking by hand"),
    "accommodation": _l("Accommodation"), "roster_import": _l("Roster import"),
    "certificate_issue": _l("Certificate issued"), "certificate_revoke": _l("Certificate revoked"),
    "certificate_reissue": _l("Certificate reissued"), "learner_withdraw": _l("Withdrawal"),
    "lesson_marked_done": _l("Lesson marked done"), "legal_status": _l("Document status"),
    "legal_review": _l("Legal review"), "lecturer_assign": _l("Lecturer assigned"),
    "lecturer_remove": _l("Lecturer removed"), "learner_enrol": _l("Learner added"),
    "learner_move": _l("Learner moved"), "quiz_window": _l("Quiz times for a class"),
    "quiz_settings": _l("Quiz settings"), "audit_keyed": _l("Audit log keyed"),
    "password_reset": _l("Password reset"), "account_deactivate": _l("Account deactivated"),
    "account_reactivate": _l("Account reactivated"), "account_create": _l("Account created"),
    "login_activation": _l("Login with an activation code"),
    "password_change": _l("Password change"), "sessions_end": _l("Signed out everywhere"),
    "password_check_failed": _l("Wrong current password"), "class_create": _l("Class created"),
    "class_settings": _l("Class settings"), "account_edit": _l("Account edited"),
    "content_edit": _l("Course content changed"), "export_request": _l("Export requested"),
    "certificate_run": _l("Certificate run"), "attempt_start": _l("Attempt started"),
    "signing_key_rotate": _l("Signing key rotated"),
    "certificate_ltv_refresh": _l("Certificate timestamp renewed"),
}


def action_label(action: str) -> str:
    """The short name of an action (an unknown one reads as words, not as a code)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else _humanize(action)


#: Details already told by the sentence (or meaningless to a reader).
SHOWN_IN_SENTENCE = {"user_id", "quiz_id", "class_code", "lesson", "documents", "old", "new",
                     "status", "replaces", "quiz", "from_class", "to_class", "role",
                     "legacy_entries", "legacy_head", "changes", "edit", "detail", "lesson_id",
                     "course", "format", "kind", "job_id", "run_id"}

DETAIL_LABELS = {
    "ip": _l("IP address"), "reason": _l("Reason"), "comment": _l("Comment"),
    "note": _l("Note"), "file": _l("File"), "rows": _l("Rows"),
    "created": _l("New accounts"), "linked": _l("Existing accounts linked"),
    "fraction": _l("Share of the marks"), "extra_minutes": _l("Extra minutes"),
    "time_multiplier": _l("Time multiplier"), "extra_attempts": _l("Extra attempts"),
    "score10": _l("Score (out of 10)"), "state": _l("Attempt state"),
    "needs_grading": _l("Needs marking by hand"), "attempts_closed": _l("Attempts closed"),
    "seconds_spent": _l("Reading time (minutes)"), "replaced_by": _l("Replaced by"),
    "status_date": _l("From"), "changed": _l("Attempts changed"),
    "opens_at": _l("Opens"), "closes_at": _l("Closes"),
    "sessions_ended": _l("Login sessions ended"), "tokens_revoked": _l("API tokens revoked"),
    "active": _l("Active"), "learners": _l("Learners"), "preview": _l("Preview"),
    "name": _l("Class name"),
}


def attempt_state_label(state: Any) -> str:
    return {"in_progress": _("in progress"), "overdue": _("overdue"),
            "finished": _("finished"), "abandoned": _("not submitted")}.get(state, str(state))


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key == "seconds_spent" and isinstance(value, int | float):
        return format_number(value / 60, 0)
    if key == "state":
        return attempt_state_label(value)
    if key in ("opens_at", "closes_at") and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value), "dd/MM/yyyy HH:mm")
        except ValueError:
            return value
    if key == "status_date" and isinstance(value, str):
        try:
            return datetime.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    if isinstance(value, float):
        return format_number(value, 2)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _humanize(key: str) -> str:
    return re.sub(r"[_.:]+", " ", key).strip()


def details_lines(details: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of what the sentence does not say already; a settings edit's
    ``changes`` as one line per field, "old → new" (lms/audit/sentences_changes.py)."""
    from lms.audit.sentences_changes import change_lines

    lines = [(str(DETAIL_LABELS.get(key, _humanize(key))), _value(key, value))
             for key, value in details.items()
             if key not in SHOWN_IN_SENTENCE and value not in (None, "", [], {})]
    return lines + change_lines(details.get("changes"))


@dataclass
class Line:
    """One entry as the page shows it."""

    entry: AuditEntry
    actor: str
    sentence: str
    details: list[tuple[str, str]]


def _names(entries: Iterable[AuditEntry]) -> Names:
    names = Names()
    usernames, user_ids, attempt_ids = set(), set(), set()
    quiz_keys, quiz_ids, lesson_slugs, lesson_ids = set(), set(), set(), set()
    for e in entries:
        usernames.add(e.target)
        if isinstance(e.details.get("user_id"), int):
            user_ids.add(e.details["user_id"])
        if (match := ATTEMPT_RE.match(e.target)) is not None:
            attempt_ids.add(int(match.group(1)))
        if e.target.startswith("quiz:"):
            quiz_keys.add(_after(e.target))
        if isinstance(e.details.get("quiz_id"), int):
            quiz_ids.add(e.details["quiz_id"])
        if e.action == "content_edit":
            if isinstance(e.details.get("lesson_id"), int):
                lesson_ids.add(e.details["lesson_id"])
            if str(e.details.get("edit", "")).startswith("quiz."):
                quiz_keys.add(str(e.details.get("detail") or "").split(":", 1)[0])
        if e.details.get("lesson"):
            lesson_slugs.add(str(e.details["lesson"]))
        parts = e.target.split(":")
        if e.action == "legal_review" and len(parts) == 3 and parts[2].isdigit():
            lesson_ids.add(int(parts[2]))
    if usernames or user_ids:
        for user in db.session.scalars(select(User).where(
                or_(User.username.in_(usernames), User.id.in_(user_ids)))):
            names.users[user.username] = user.full_name
            names.user_ids[user.id] = user.full_name
    from lms.courses.models import Lesson
    from lms.quizzes.attempt_models import Attempt
    from lms.quizzes.models import Quiz

    if attempt_ids:
        for attempt_id, learner, quiz, number in db.session.execute(
                select(Attempt.id, User.full_name, Quiz.title, Attempt.number)
                .join(User, User.id == Attempt.user_id).join(Quiz, Quiz.id == Attempt.quiz_id)
                .where(Attempt.id.in_(attempt_ids))):
            names.attempts[attempt_id] = (learner, quiz, number)
    if quiz_keys or quiz_ids:
        for quiz_id, slug, title in db.session.execute(select(Quiz.id, Quiz.slug, Quiz.title)
                                                       .where(or_(Quiz.slug.in_(quiz_keys),
                                                                  Quiz.id.in_(quiz_ids)))):
            names.quizzes[slug] = names.quizzes[f"#{quiz_id}"] = title
    if lesson_slugs or lesson_ids:
        for lesson_id, slug, title in db.session.execute(
                select(Lesson.id, Lesson.slug, Lesson.title).where(
                    or_(Lesson.slug.in_(lesson_slugs), Lesson.id.in_(lesson_ids)))):
            names.lessons[slug] = names.lessons[f"#{lesson_id}"] = title
    return names


def sentence_for(entry: AuditEntry, actor: str, names: Names) -> str:
    """The entry as a sentence; an action without its own reads generically."""
    write = SENTENCES.get(entry.action)
    if write is not None:
        return write(actor, entry.target, entry.details or {}, names)
    return generic_sentence(actor, entry.action, entry.target)


def generic_sentence(actor: str, action: str, target: str) -> str:
    """The sentence of an action that has none of its own: words, not a code."""
    return _("%(actor)s performed the action “%(action)s” on %(target)s.", actor=actor,
             action=_humanize(action), target=target or "–")


def describe(rows: Iterable[tuple[AuditEntry, User | None]]) -> list[Line]:
    """The page's rows (entry, actor) as lines, in three to six queries."""
    rows = list(rows)
    names = _names(e for e, _u in rows)
    lines = []
    for entry, user in rows:
        actor = user.full_name if user else _("The system")
        lines.append(Line(entry, actor, sentence_for(entry, actor, names),
                          details_lines(entry.details or {})))
    return lines
