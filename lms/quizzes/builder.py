"""Build a quiz from the question bank on the web: settings, draws per category and fixed
questions. (Quizzes also come from ``quizzes/*.toml``; both end in the same table.)"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lms.audit.services import changes
from lms.auth.forms import EmptyForm
from lms.courses.services import log_edit
from lms.errors import InvalidInput
from lms.extensions import db
from lms.lengths import check_length
from lms.quizzes import bp
from lms.quizzes.bank_views import _editable
from lms.quizzes.marks import with_marks
from lms.quizzes.models import Question, Quiz
from lms.quizzes.pools import exam_pools, forbidden_sources
from lms.vietnamese import clean_text

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REVIEW_ITEMS = ("score", "correctness", "right_answer", "feedback")
WINDOWS = ("during", "immediately", "later", "after_close")


def _number(name: str, kind: type, low: float, high: float, field: str) -> Any:
    raw = (request.form.get(name) or "").replace(",", ".").strip()
    try:
        value = kind(raw) if raw else kind(0)
    except ValueError as exc:
        raise InvalidInput(field, _("Write a number.")) from exc
    if not low <= value <= high:
        raise InvalidInput(field, _("Out of range (%(low)s–%(high)s).", low=low, high=high))
    return value


def _apply(quiz: Quiz, categories: dict[str, int], names: dict[str, str]) -> None:
    title = clean_text(request.form.get("title", ""))
    if not title:
        raise InvalidInput("title", _("The title is required."))
    quiz.title = check_length(title, Quiz.title, "title")
    minutes = _number("minutes", int, 0, 600, "minutes")
    quiz.time_limit_seconds = minutes * 60 or None
    quiz.attempts_allowed = _number("attempts", int, 0, 50, "attempts")
    quiz.pass_mark10 = _number("pass_mark10", float, 0, 10, "pass_mark10")
    quiz.grading = request.form.get("grading", "highest")
    if quiz.grading not in ("highest", "last", "first", "average"):
        raise InvalidInput("grading", _("Unknown grading method."))
    quiz.on_expiry = request.form.get("on_expiry", "autosubmit")
    if quiz.on_expiry not in ("autosubmit", "grace", "abandon"):
        raise InvalidInput("on_expiry", _("Unknown expiry policy."))
    quiz.shuffle_questions = bool(request.form.get("shuffle_questions"))
    quiz.shuffle_options = bool(request.form.get("shuffle_options"))
    draw = []
    for category, available in categories.items():
        count = _number(f"draw-{category}", int, 0, available, "draw")
        if count:
            draw.append({"category": category, "count": count})
    fixed = [n for n in request.form.getlist("fixed") if n in names]
    if not draw and not fixed:
        raise InvalidInput("draw", _("Draw some questions or pick some."))
    # Marks are set on the settings page: a rule kept keeps its mark.
    quiz.draw = with_marks(draw, {r["category"]: r.get("mark") for r in quiz.draw or []})
    quiz.fixed_questions = fixed
    quiz.review = {w: [i for i in REVIEW_ITEMS if request.form.get(f"review-{w}-{i}")]
                   for w in WINDOWS}
    misused = forbidden_sources(quiz.review, {rule["category"]: rule["count"] for rule in draw},
                                {name: names[name] for name in fixed},
                                exam_pools(quiz.course_id), quiz.attempts_allowed, categories)
    if misused:
        raise InvalidInput("draw", _(
            "This quiz shows right answers or feedback before it closes, so it may not use "
            "the exam pool: %(sources)s. Draw from practice categories, or show right "
            "answers and feedback only after the close.", sources=", ".join(misused)))


BUILT = ("title", "time_limit_seconds", "attempts_allowed", "pass_mark10", "grading",
         "on_expiry", "shuffle_questions", "shuffle_options", "draw", "fixed_questions",
         "review")


def _snapshot(quiz: Quiz) -> dict[str, Any]:
    """What the builder sets, for the audit entry's old and new values."""
    return {name: getattr(quiz, name) for name in BUILT}


@bp.route("/courses/<slug>/quizzes/new", methods=["GET", "POST"])
@bp.route("/courses/<slug>/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
@login_required
def build(slug: str, quiz_id: int | None = None) -> Any:
    """Create or edit a quiz from the bank."""
    course = _editable(slug)
    quiz = db.session.get(Quiz, quiz_id) if quiz_id else None
    if quiz_id and (quiz is None or quiz.course_id != course.id):
        abort(404)
    categories = dict(db.session.execute(
        select(Question.category, func.count(Question.id))
        .where(Question.course_id == course.id, Question.archived.is_(False))
        .group_by(Question.category).order_by(Question.category)).all())
    questions = db.session.scalars(select(Question).options(joinedload(Question.current_version))
                                   .where(Question.course_id == course.id,
                                          Question.archived.is_(False))
                                   .order_by(Question.category, Question.source_order,
                                             Question.name)).all()
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        # A new quiz stays hidden from learners until a lecturer publishes it.
        target = quiz or Quiz(course_id=course.id, published=False)
        try:
            if quiz is None:
                new_slug = (request.form.get("slug") or "").strip()
                check_length(new_slug, Quiz.slug, "slug")
                if not SLUG_RE.match(new_slug):
                    raise InvalidInput("slug", _("A slug uses lowercase letters, digits and "
                                                 "dashes."))
                if db.session.scalar(select(Quiz.id).where(Quiz.course_id == course.id,
                                                           Quiz.slug == new_slug)):
                    raise InvalidInput("slug", _("A quiz with this slug exists already."))
                target.slug = new_slug
                db.session.add(target)
            before = _snapshot(target)
            _apply(target, categories, {q.idnumber: q.category for q in questions})
            db.session.flush()
        except InvalidInput as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            log_edit(course, current_user, "quiz.save", None, target.slug,
                     changes=changes(before, _snapshot(target)) if quiz else None)
            db.session.commit()
            flash(_("Quiz saved."), "success")
            return redirect(url_for("quizzes.quiz", quiz_id=target.id))
    return render_template("quizzes/build.html", course=course, quiz=quiz,
                           categories=categories, questions=questions, form=EmptyForm())
