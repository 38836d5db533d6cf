"""Class pages: the list a user may see and one class's page."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.classes import bp
from lms.classes.models import Class, Enrolment, EnrolmentRole
from lms.extensions import db
from lms.permissions import can_manage_class, get_class_or_404, visible_classes
from lms.vietnamese import sort_key


@bp.route("/")
@login_required
def index() -> Any:
    """The classes visible to the user."""
    classes = db.session.scalars(
        visible_classes(current_user).options(selectinload(Class.course))
        .order_by(Class.start_date.desc().nulls_last(), Class.code)
    ).all()
    return render_template("classes/index.html", classes=classes)


@bp.route("/<code>")
@login_required
def detail(code: str) -> Any:
    """One class: details for all who may see it, the roster for those who manage it."""
    klass = get_class_or_404(code, current_user)
    manage = can_manage_class(current_user, klass)
    learners: list[Enrolment] = []
    lecturers: list[Enrolment] = []
    if manage:
        rows = db.session.scalars(
            select(Enrolment).where(Enrolment.class_id == klass.id)
            .options(selectinload(Enrolment.user))
        ).all()
        learners = sorted(
            (e for e in rows if e.role == EnrolmentRole.LEARNER),
            key=lambda e: sort_key(e.user.full_name),
        )
        lecturers = [e for e in rows if e.role == EnrolmentRole.LECTURER]
    return render_template(
        "classes/detail.html", klass=klass, manage=manage, learners=learners, lecturers=lecturers
    )
