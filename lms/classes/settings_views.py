"""Class settings for administrators: completion rule and certificate settings."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from lms.auth.forms import EmptyForm
from lms.auth.login import admin_required
from lms.classes import bp
from lms.classes.completion import rule_of
from lms.classes.models import Class
from lms.classes.services import set_completion_rule
from lms.courses.models import Lesson, LessonStatus
from lms.errors import InvalidInput
from lms.extensions import db
from lms.lengths import check_length
from lms.quizzes.models import Quiz
from lms.vietnamese import clean_text

TEXT_FIELDS = ("certificate_issuer", "certificate_issuer_parent", "certificate_signer_name",
               "certificate_signer_title", "certificate_place")


def _rule_from_form(lessons: list[Lesson], quizzes: list[Quiz]) -> dict[str, Any]:
    if request.form.get("lessons_mode") == "selected":
        chosen = set(request.form.getlist("lesson"))
        lesson_rule: Any = [lesson.slug for lesson in lessons if lesson.slug in chosen]
    else:
        lesson_rule = "all"
    quiz_rule = []
    for quiz in quizzes:
        if request.form.get(f"quiz-{quiz.slug}"):
            raw = (request.form.get(f"mark-{quiz.slug}") or "5").replace(",", ".")
            try:
                mark = float(raw)
            except ValueError as exc:
                raise InvalidInput("quizzes", _("Write the pass mark as a number.")) from exc
            quiz_rule.append({"slug": quiz.slug, "pass_mark10": mark})
    return {"lessons": lesson_rule, "quizzes": quiz_rule}


@bp.route("/<code>/settings", methods=["GET", "POST"])
@admin_required
def settings(code: str) -> Any:
    """Completion rule (recomputed at once for every learner) and certificate settings."""
    klass = db.one_or_404(select(Class).where(Class.code == code))
    lessons = list(db.session.scalars(select(Lesson).where(
        Lesson.course_id == klass.course_id, Lesson.status == LessonStatus.PUBLISHED.value)
        .order_by(Lesson.position)))
    quizzes = list(db.session.scalars(select(Quiz).where(
        Quiz.course_id == klass.course_id, Quiz.archived.is_(False)).order_by(Quiz.slug)))
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        try:
            mode = request.form.get("certificate_mode", "auto")
            if mode not in ("auto", "manual"):
                raise InvalidInput("certificate_mode", _("Unknown issue mode."))
            klass.certificate_mode = mode
            for field in TEXT_FIELDS:
                value = clean_text(request.form.get(field, ""))
                setattr(klass, field, check_length(value, getattr(Class, field), field))
            rule = _rule_from_form(lessons, quizzes)
            default = klass.course.completion_policy or {"lessons": "all", "quizzes": []}
            set_completion_rule(klass, None if rule == default else rule)
        except InvalidInput as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Settings saved; every learner's completion was recomputed."), "success")
            return redirect(url_for("classes.settings", code=code))
    rule = rule_of(klass)
    required = {q["slug"]: q["pass_mark10"] for q in rule.get("quizzes", [])}
    return render_template("classes/settings.html", klass=klass, lessons=lessons,
                           quizzes=quizzes, rule=rule, required=required, form=EmptyForm())
