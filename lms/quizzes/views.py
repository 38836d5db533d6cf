"""Learner quiz pages: intro, the attempt (autosave with JS, plain form posts without),
submit and review. Time comes from the server; the page only displays it."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.forms import EmptyForm
from lms.db import utcnow
from lms.extensions import db
from lms.legal.review import flagged
from lms.legal.services import local_today
from lms.quizzes import bp
from lms.quizzes.attempt_models import OPEN_STATES, AttemptState
from lms.quizzes.attempts import (
    AttemptClosed,
    accommodation_for,
    can_take,
    finalize_if_due,
    has_left,
    start_attempt,
    submit_attempt,
    timing_of,
)
from lms.quizzes.autosave import SEQ_MAX, save_answer
from lms.quizzes.flags import set_flag
from lms.quizzes.queries import my_attempts, own_attempt, quiz_for
from lms.quizzes.render import attempt_payload, question_states, review_items
from lms.quizzes.timing import attempts_limit, time_limit
from lms.quizzes.types import ResponseError, type_label
from lms.quizzes.windows import learner_class, window_for


def _require_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.route("/quizzes/<int:quiz_id>")
@login_required
def quiz(quiz_id: int) -> Any:
    """A quiz's intro: rules, previous attempts, start or continue."""
    item = quiz_for(quiz_id, current_user)
    attempts = my_attempts(item, current_user)
    now = utcnow()
    for attempt in attempts:
        if finalize_if_due(attempt, now):
            db.session.commit()
    accommodation = accommodation_for(current_user.id, item)
    open_attempt = next((a for a in attempts if a.state in ("in_progress", "overdue")), None)
    limit = attempts_limit(item, accommodation)
    used = sum(1 for a in attempts if not a.preview)
    learner = can_take(current_user, item)
    window = window_for(item, learner_class(current_user.id, item.course_id) if learner else None)
    held = 0 if learner else sum(1 for i in flagged(item.course, local_today()) if i.held_back)
    return render_template(
        "quizzes/quiz.html", quiz=item, attempts=attempts, open_attempt=open_attempt,
        limit=limit, used=used, time_limit=time_limit(item, accommodation), held=held,
        learner=learner, form=EmptyForm(), now=now, window=window,
        review_items=lambda a: review_items(a, now),
    )


@bp.route("/quizzes/<int:quiz_id>/start", methods=["POST"])
@login_required
def start(quiz_id: int) -> Any:
    """Start (or continue) an attempt; a double click lands on the same attempt."""
    item = quiz_for(quiz_id, current_user)
    _require_form()
    try:
        attempt, _created = start_attempt(item, current_user,
                                          preview=not can_take(current_user, item))
    except AttemptClosed as exc:
        db.session.commit()
        flash(exc.message, "error")
        return redirect(url_for("quizzes.quiz", quiz_id=quiz_id))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int) -> Any:
    """The attempt page; finished attempts go to their review."""
    item = own_attempt(attempt_id, current_user)
    if item.state in (AttemptState.IN_PROGRESS.value, AttemptState.OVERDUE.value) and \
            has_left(item):
        abort(404)
    now = utcnow()
    if finalize_if_due(item, now):
        db.session.commit()
    if item.state in (AttemptState.FINISHED.value, AttemptState.ABANDONED.value):
        return redirect(url_for("quizzes.review", attempt_id=attempt_id))
    timing = timing_of(item)
    payload = attempt_payload(item, timing, now, include_answers=True)
    return render_template("quizzes/attempt.html", attempt=item, quiz=item.quiz,
                           payload=payload, timing=timing, now=now, form=EmptyForm(),
                           rows=question_states(payload["questions"]),
                           overdue=item.state == AttemptState.OVERDUE.value)


def _form_response(question: dict[str, Any]) -> tuple[bool, Any]:
    """The answer of one question from a plain form post: (given, value)."""
    name = f"q{question['slot']}"
    kind = question["type"]
    if kind == "multiple_choice":
        values = request.form.getlist(name)
        return bool(values), values
    if kind == "matching":
        pairs = {item["id"]: request.form.get(f"{name}-{item['id']}", "")
                 for item in question["items"]}
        pairs = {k: v for k, v in pairs.items() if v}
        return bool(pairs), pairs
    raw = request.form.get(name)
    if raw is None or raw == "":
        return False, None
    if kind == "true_false":
        return True, raw == "true"
    if kind == "numerical":
        try:
            return True, float(raw.replace(",", "."))
        except ValueError:
            return True, raw
    return True, raw


@bp.route("/attempts/<int:attempt_id>", methods=["POST"])
@login_required
def save(attempt_id: int) -> Any:
    """The no-JavaScript path: save every answer of the form, then maybe submit."""
    item = own_attempt(attempt_id, current_user)
    if has_left(item):
        abort(404)
    _require_form()
    now = utcnow()
    payload = attempt_payload(item, timing_of(item), now, include_answers=True)
    errors = []
    action, flag = request.form.get("action"), None
    try:
        if item.state == AttemptState.IN_PROGRESS.value:
            for question in payload["questions"]:
                given, value = _form_response(question)
                if not given or value == question.get("response"):
                    continue
                try:
                    save_answer(item.id, current_user.id, question["slot"], value,
                                min((question.get("seq") or 0) + 1, SEQ_MAX), now)
                except ResponseError as exc:
                    errors.append(_("Question %(n)d: %(message)s", n=question["slot"],
                                    message=exc.message))
        if action == "submit" and not errors:
            db.session.commit()
            db.session.expire_all()
            submit_attempt(own_attempt(attempt_id, current_user), now)
            db.session.commit()
            return redirect(url_for("quizzes.review", attempt_id=attempt_id))
        flag = _flag_of(payload)
        if flag is not None:
            set_flag(item.id, current_user.id, flag[0], flag[1])
    except AttemptClosed as exc:
        db.session.commit()
        flash(exc.message, "error")
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
    db.session.commit()
    for error in errors:
        flash(error, "error")
    if errors:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
    if action == "summary":
        return redirect(url_for("quizzes.summary", attempt_id=attempt_id))
    if flag is not None:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id,
                                _anchor=f"question-{flag[0]}"))
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))


def _flag_of(payload: dict[str, Any]) -> tuple[int, bool] | None:
    """The flag button pressed in a plain form post: (slot, new state), or None."""
    raw = request.form.get("flag", "")
    slots = {q["slot"]: q for q in payload["questions"]}
    if not raw.isdigit() or int(raw) not in slots:
        return None
    return int(raw), not slots[int(raw)].get("flagged")


@bp.route("/attempts/<int:attempt_id>/summary")
@login_required
def summary(attempt_id: int) -> Any:
    """Before submitting: every question's state, what is unanswered or flagged, the time
    left; "back to the attempt" or "submit and finish"."""
    item = own_attempt(attempt_id, current_user)
    if item.state in OPEN_STATES and has_left(item):
        abort(404)
    now = utcnow()
    if finalize_if_due(item, now):
        db.session.commit()
    if item.state not in OPEN_STATES:
        return redirect(url_for("quizzes.review", attempt_id=attempt_id))
    timing = timing_of(item)
    payload = attempt_payload(item, timing, now, include_answers=True)
    rows = question_states(payload["questions"])
    return render_template("quizzes/summary.html", attempt=item, quiz=item.quiz, rows=rows,
                           unanswered=sum(1 for r in rows if r.state == "unanswered"),
                           flagged=sum(1 for r in rows if r.flagged),
                           timing=timing, now=now, form=EmptyForm(),
                           overdue=item.state == AttemptState.OVERDUE.value)


@bp.route("/attempts/<int:attempt_id>/review")
@login_required
def review(attempt_id: int) -> Any:
    """The result, showing only what the quiz's review options allow now."""
    item = own_attempt(attempt_id, current_user)
    now = utcnow()
    if finalize_if_due(item, now):
        db.session.commit()
    if item.state in (AttemptState.IN_PROGRESS.value, AttemptState.OVERDUE.value):
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
    payload = attempt_payload(item, timing_of(item), now, include_answers=True)
    return render_template("quizzes/review.html", attempt=item, quiz=item.quiz,
                           payload=payload, review=review_items(item, now))


@bp.app_template_filter("question_type")
def question_type(name: str) -> str:
    """A question type's translated label (``single_choice`` → "Một lựa chọn")."""
    return type_label(name)


@bp.app_template_filter("tojson_attr")
def tojson_attr(value: Any) -> str:
    """JSON for a data-* attribute (escaped by Jinja's autoescape)."""
    return json.dumps(value, ensure_ascii=False)


