"""Home page per role, the health check and the language switch."""

from __future__ import annotations

import logging
from typing import Any

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload

from lms.auth.forms import EmptyForm
from lms.auth.login import safe_next_url
from lms.auth.models import User
from lms.classes.models import Class
from lms.classes.standing import standings
from lms.core import bp
from lms.courses.models import Course
from lms.extensions import db
from lms.i18n import SUPPORTED_LOCALES
from lms.legal.review import courses_with_changes, flagged
from lms.legal.services import local_today
from lms.permissions import can_edit_course, visible_classes, visible_courses
from lms.users.services import set_locale

log = logging.getLogger(__name__)


@bp.route("/")
@login_required
def index() -> Any:
    """The home page: what this user can reach, by role."""
    # A learner's classes come with where they stand (lms.classes.standing).
    classes = [] if current_user.is_learner else db.session.scalars(
        visible_classes(current_user).options(selectinload(Class.course))
        .order_by(Class.start_date.desc().nulls_last(), Class.code).limit(20)
    ).all()
    courses = db.session.scalars(visible_courses(current_user).order_by(Course.title)).all()
    counts = None
    if current_user.is_admin:
        counts = {
            "users": db.session.scalar(select(func.count(User.id))),
            "classes": db.session.scalar(select(func.count(Class.id))),
            "courses": len(courses),
        }
    to_review = {}
    mine = standings(current_user) if current_user.is_learner else None
    if not current_user.is_learner:  # lecturers' and admins' dashboard: law that changed
        today = local_today()
        changed = courses_with_changes([c.id for c in courses])  # one statement
        to_review = {c.slug: n for c in courses if c.id in changed
                     and can_edit_course(current_user, c) and (n := len(flagged(c, today)))}
    return render_template("core/index.html", classes=classes, courses=courses, counts=counts,
                           to_review=to_review, standings=mine)


@bp.route("/favicon.ico")
def favicon() -> Any:
    """The site icon where browsers look for it."""
    response = send_from_directory(current_app.static_folder or "static", "favicon.ico",
                                   mimetype="image/vnd.microsoft.icon", max_age=86400)
    return response


@bp.route("/healthz")
def healthz() -> Any:
    """Liveness and database reachability, for load balancers and monitoring.

    A pooled connection answers ``SELECT 1`` directly: no ORM session, no transaction
    (monitoring polls this often; it costs what a bare request costs).
    """
    engine = db.engine
    try:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        finally:
            connection.close()  # back to the pool, rolled back
    except (SQLAlchemyError, engine.dialect.loaded_dbapi.Error):
        log.warning("Health check: database unreachable", exc_info=True)
        return jsonify({"status": "error", "database": "error"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.route("/locale", methods=["POST"])
def set_language() -> Any:
    """Switch the interface language; persisted on the account when logged in."""
    form = EmptyForm()
    locale = request.form.get("locale", "")
    if form.validate_on_submit() and locale in SUPPORTED_LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            set_locale(current_user, locale)
            db.session.commit()
    else:
        flash(_("Unknown language."), "error")
    return redirect(safe_next_url(request.form.get("next")) or url_for("core.index"))
