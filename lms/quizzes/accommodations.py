"""Learners' accommodations, scoped to a class (or to one quiz of it).

A lecturer sets them only for learners of classes they teach, and they apply only to
those classes' quizzes; admins may set them in any class. Every change is audited, and
applies at once, also to attempts in progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, text

from lms.audit.services import record
from lms.auth.forms import EmptyForm
from lms.auth.models import User
from lms.classes.models import Class
from lms.db import utcnow
from lms.db_upsert import insert_for
from lms.errors import InvalidInput
from lms.extensions import db
from lms.permissions import managed_learner_or_404
from lms.quizzes import bp
from lms.quizzes.attempt_models import Accommodation
from lms.quizzes.models import Quiz


@dataclass(frozen=True)
class AccommodationData:
    """What an accommodation grants."""

    extra_minutes: int = 0
    time_multiplier: float = 1.0
    extra_attempts: int = 0
    note: str = ""


def set_accommodation(klass: Class, learner: User, quiz: Quiz | None,
                      data: AccommodationData, actor: User) -> Accommodation:
    """Create or replace the learner's accommodation in ``klass`` (for ``quiz``, or for
    all its quizzes): one upsert on the partial unique index, then an audit entry."""
    if not (0 <= data.extra_minutes <= 600 and 1 <= data.time_multiplier <= 5
            and 0 <= data.extra_attempts <= 20):
        raise InvalidInput("extra_minutes", _(
            "Allowed: 0–600 extra minutes, a multiplier of 1–5, 0–20 extra attempts."))
    table = Accommodation.__table__
    scope = "quiz_id IS NOT NULL" if quiz else "quiz_id IS NULL"
    stmt = insert_for(table).values(
        user_id=learner.id, class_id=klass.id, quiz_id=quiz.id if quiz else None,
        extra_minutes=data.extra_minutes, time_multiplier=data.time_multiplier,
        extra_attempts=data.extra_attempts, note=data.note[:500],
        updated_by_id=actor.id, updated_at=utcnow())
    keys = ["user_id", "class_id", "quiz_id"] if quiz else ["user_id", "class_id"]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, index_where=text(scope),
        set_={c: stmt.excluded[c] for c in ("extra_minutes", "time_multiplier",
                                            "extra_attempts", "note", "updated_by_id",
                                            "updated_at")})
    db.session.execute(stmt)
    record("accommodation", actor.id, learner.username, class_code=klass.code,
           quiz=quiz.slug if quiz else None, extra_minutes=data.extra_minutes,
           time_multiplier=data.time_multiplier, extra_attempts=data.extra_attempts)
    item = db.session.scalar(select(Accommodation).where(
        Accommodation.user_id == learner.id, Accommodation.class_id == klass.id,
        Accommodation.quiz_id == quiz.id if quiz else Accommodation.quiz_id.is_(None))
        .execution_options(populate_existing=True))
    assert item is not None
    return item


def _form_data() -> AccommodationData:
    try:
        return AccommodationData(
            extra_minutes=int(request.form.get("extra_minutes") or 0),
            time_multiplier=float((request.form.get("time_multiplier") or "1")
                                  .replace(",", ".")),
            extra_attempts=int(request.form.get("extra_attempts") or 0),
            note=request.form.get("note", ""))
    except ValueError as exc:
        raise InvalidInput("extra_minutes", _(
            "Write whole numbers (the multiplier may be decimal, e.g. 1,5).")) from exc


@bp.route("/classes/<code>/learners/<int:user_id>/accommodation", methods=["GET", "POST"])
@login_required
def accommodation(code: str, user_id: int) -> Any:
    """A learner's accommodation in one class: for all its quizzes, or for one quiz."""
    klass, learner = managed_learner_or_404(code, user_id, current_user)
    quizzes = list(db.session.scalars(select(Quiz).where(
        Quiz.course_id == klass.course_id, Quiz.archived.is_(False)).order_by(Quiz.slug)))
    by_id = {q.id: q for q in quizzes}
    raw = request.values.get("quiz") or ""
    quiz = by_id.get(int(raw)) if raw.isdigit() else None
    if raw and quiz is None:
        abort(404)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        try:
            set_accommodation(klass, learner, quiz, _form_data(), current_user)
        except InvalidInput as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Accommodation saved; it applies at once, also to attempts in progress."),
                  "success")
        return redirect(url_for("quizzes.accommodation", code=code, user_id=user_id,
                                **({"quiz": quiz.id} if quiz else {})))
    items = list(db.session.scalars(select(Accommodation).where(
        Accommodation.class_id == klass.id, Accommodation.user_id == learner.id)))
    item = next((a for a in items if a.quiz_id == (quiz.id if quiz else None)), None)
    return render_template("quizzes/accommodation.html", klass=klass, learner=learner,
                           quiz=quiz, quizzes=quizzes, items=items, by_id=by_id, item=item,
                           form=EmptyForm())
