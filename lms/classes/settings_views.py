"""Class settings for administrators: completion rule and certificate settings."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.auth.forms import EmptyForm
from lms.auth.login import admin_required
from lms.classes import bp
from lms.classes.completion import rule_of
from lms.classes.models import Class
from lms.classes.services import CERTIFICATE_TEXTS, save_class_settings
from lms.courses.models import Lesson, LessonStatus
from lms.errors import InvalidInput
from lms.extensions import db
from lms.lengths import check_length
from lms.quizzes.models import Quiz
from lms.vietnamese import clean_text


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
            texts = {field: check_length(clean_text(request.form.get(field, "")),
                                         getattr(Class, field), field)
                     for field in CERTIFICATE_TEXTS}
            rule = _rule_from_form(lessons, quizzes)
            default = klass.course.completion_policy or {"lessons": "all", "quizzes": []}
            save_class_settings(klass, request.form.get("certificate_mode", "auto"), texts,
                                None if rule == default else rule, current_user)
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
