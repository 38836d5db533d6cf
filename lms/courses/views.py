"""Course pages."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user, login_required

from lms.courses import bp
from lms.courses.models import Course
from lms.extensions import db
from lms.permissions import can_edit_course, get_course_or_404, visible_courses


@bp.route("/")
@login_required
def index() -> Any:
    """The courses visible to the user."""
    courses = db.session.scalars(visible_courses(current_user).order_by(Course.title)).all()
    return render_template("courses/index.html", courses=courses)


@bp.route("/<slug>")
@login_required
def detail(slug: str) -> Any:
    """A course's overview."""
    course = get_course_or_404(slug, current_user)
    return render_template(
        "courses/detail.html", course=course, can_edit=can_edit_course(current_user, course)
    )
