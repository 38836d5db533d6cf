"""One learner's lessons in a class, for the class's lecturers and admins: where the
learner stands, and marking a lesson done with a reason (audited) when the learner
studied it some other way (a printed copy, a lecture)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.forms import EmptyForm
from lms.classes import bp
from lms.courses.models import Lesson, LessonStatus
from lms.courses.progress import mark_done_by_staff, progress_by_lesson, required_seconds
from lms.errors import InvalidInput
from lms.extensions import db
from lms.permissions import managed_learner_or_404


@bp.route("/<code>/learners/<int:user_id>/lessons", methods=["GET", "POST"])
@login_required
def learner_lessons(code: str, user_id: int) -> Any:
    """The learner's lessons; POST marks one done (``lesson_id``, ``reason``)."""
    klass, learner = managed_learner_or_404(code, user_id, current_user)
    lessons = list(db.session.scalars(select(Lesson).where(
        Lesson.course_id == klass.course_id, Lesson.status == LessonStatus.PUBLISHED.value)
        .order_by(Lesson.position)))
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        lesson = next((x for x in lessons if str(x.id) == request.form.get("lesson_id")), None)
        if lesson is None:
            abort(404)
        try:
            mark_done_by_staff(learner, lesson, current_user, request.form.get("reason", ""))
        except InvalidInput as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Lesson marked as done for %(name)s.", name=learner.full_name), "success")
        return redirect(url_for("classes.learner_lessons", code=code, user_id=user_id))
    progress = progress_by_lesson(learner.id, [x.id for x in lessons])
    needed = {x.id: required_seconds(x.id) for x in lessons}
    return render_template("classes/learner_lessons.html", klass=klass, learner=learner,
                           lessons=lessons, progress=progress, needed=needed,
                           form=EmptyForm())
