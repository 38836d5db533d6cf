"""The quiz settings page (``/courses/<slug>/quizzes/<id>/settings``) and the publish /
hide action, for the course's editors; everyone else gets 404. The questions themselves
are chosen in the builder (:mod:`lms.quizzes.builder`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user, login_required

from lms.courses.models import Course
from lms.db import aware
from lms.errors import InvalidInput
from lms.extensions import db
from lms.permissions import can_edit_course, editable_course_or_404
from lms.quizzes import bp
from lms.quizzes.models import Quiz
from lms.quizzes.settings import (
    ClassWindow,
    QuizSettings,
    class_windows,
    fixed_rows,
    save_class_windows,
    save_settings,
    set_published,
)
from lms.quizzes.settings_forms import (
    REVIEW_ITEMS,
    REVIEW_WINDOWS,
    PublishForm,
    QuizSettingsForm,
    settings_form,
)
from lms.vietnamese import clean_text


def _quiz_of(slug: str, quiz_id: int) -> tuple[Course, Quiz]:
    course = editable_course_or_404(slug, current_user)
    quiz = db.session.get(Quiz, quiz_id)
    if quiz is None or quiz.course_id != course.id or quiz.archived:
        abort(404)
    return course, quiz


def _local(value: datetime | None) -> datetime | None:
    """A stored time as the naive local time the form shows."""
    return to_user_timezone(aware(value)).replace(tzinfo=None) if value else None


def _utc(value: datetime | None) -> datetime | None:
    """A naive local time typed in the form, as an aware UTC time."""
    return aware(to_utc(value)) if value else None


def _initial(quiz: Quiz, rows: list[ClassWindow]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": quiz.title, "minutes": (quiz.time_limit_seconds or 0) // 60,
        "attempts": quiz.attempts_allowed, "pass_mark10": quiz.pass_mark10,
        "grading": quiz.grading, "on_expiry": quiz.on_expiry,
        "shuffle_questions": quiz.shuffle_questions, "shuffle_options": quiz.shuffle_options,
        "opens": _local(quiz.opens_at), "closes": _local(quiz.closes_at),
    }
    for window, _label in REVIEW_WINDOWS:
        for item, _item_label in REVIEW_ITEMS:
            data[f"review_{window}_{item}"] = item in (quiz.review or {}).get(window, [])
    for index, rule in enumerate(quiz.draw):
        data[f"draw_mark_{index}"] = rule.get("mark")
    for index, key in enumerate(quiz.fixed_questions):
        data[f"fixed_mark_{index}"] = (quiz.fixed_marks or {}).get(key)
    for row in rows:
        data[f"class_opens_{row.klass.id}"] = _local(row.own_opens)
        data[f"class_closes_{row.klass.id}"] = _local(row.own_closes)
    return data


def _settings(form: QuizSettingsForm, quiz: Quiz) -> QuizSettings:
    return QuizSettings(
        title=clean_text(form.title.data), time_limit_seconds=form.minutes.data * 60 or None,
        attempts_allowed=form.attempts.data, pass_mark10=round(form.pass_mark10.data, 2),
        grading=form.grading.data, on_expiry=form.on_expiry.data,
        shuffle_questions=form.shuffle_questions.data,
        shuffle_options=form.shuffle_options.data,
        opens_at=_utc(form.opens.data), closes_at=_utc(form.closes.data),
        review=form.review(),
        draw_marks={rule["category"]: form[f"draw_mark_{index}"].data
                    for index, rule in enumerate(quiz.draw)},
        fixed_marks={key: form[f"fixed_mark_{index}"].data
                     for index, key in enumerate(quiz.fixed_questions)})


@bp.route("/courses/<slug>/quizzes/<int:quiz_id>/settings", methods=["GET", "POST"])
@login_required
def settings(slug: str, quiz_id: int) -> Any:
    """Edit a quiz's settings: times (and each class's), marks, review, visibility."""
    course, quiz = _quiz_of(slug, quiz_id)
    rows = class_windows(quiz)
    form = settings_form(quiz.draw, quiz.fixed_questions, [r.klass.id for r in rows],
                         data=_initial(quiz, rows))
    review_errors: list[str] = []
    if form.validate_on_submit():
        try:
            save_settings(quiz, _settings(form, quiz), current_user)
            save_class_windows(quiz, {row.klass.id: (
                _utc(form[f"class_opens_{row.klass.id}"].data),
                _utc(form[f"class_closes_{row.klass.id}"].data)) for row in rows},
                current_user)
        except InvalidInput as exc:
            db.session.rollback()
            (form[exc.field].errors if exc.field in form else review_errors).append(exc.message)
        else:
            db.session.commit()
            flash(_("Quiz settings saved."), "success")
            return redirect(url_for("quizzes.settings", slug=slug, quiz_id=quiz_id))
    elif form.is_submitted():
        flash(_("Some fields need fixing: see the messages below."), "error")
    return render_template("quizzes/settings.html", course=course, quiz=quiz, form=form,
                           rows=rows, fixed=fixed_rows(quiz), review_errors=review_errors,
                           windows=REVIEW_WINDOWS, items=REVIEW_ITEMS,
                           publish_form=PublishForm(back="settings"))


@bp.route("/courses/<slug>/quizzes/<int:quiz_id>/publish", methods=["POST"])
@login_required
def publish(slug: str, quiz_id: int) -> Any:
    """Show the quiz to learners ("Công bố") or hide it ("Ẩn")."""
    course, quiz = _quiz_of(slug, quiz_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    set_published(quiz, form.published.data == "1", current_user)
    db.session.commit()
    flash(_("Published: learners of the course see the quiz.") if quiz.published else
          _("Hidden: learners no longer see the quiz."), "success")
    return redirect({"quiz": url_for("quizzes.quiz", quiz_id=quiz.id),
                     "settings": url_for("quizzes.settings", slug=slug, quiz_id=quiz.id),
                     "course": url_for("courses.detail", slug=course.slug)}[form.back.data])


@bp.app_template_global()
def quiz_editable(quiz: Quiz) -> bool:
    """Whether the signed-in user may change the quiz's settings (its course's editors)."""
    return can_edit_course(current_user, quiz.course)
