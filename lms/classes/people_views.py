"""The people of a class, from its page (administrators): lecturers assigned and removed,
one learner added (found, or created with an activation code), withdrawn after a
confirmation, or moved to another class of the same course."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.auth.forms import EmptyForm
from lms.auth.login import admin_required
from lms.auth.models import User
from lms.classes import bp
from lms.classes.admin_views import class_or_404
from lms.classes.forms import LecturerForm, MoveForm, NewLearnerForm
from lms.classes.models import Class, Enrolment, EnrolmentRole
from lms.classes.people import (
    NewLearner,
    add_learner,
    assign_lecturer,
    create_learner,
    find_learners,
    lecturer_choices,
    move_learner,
    move_targets,
    remove_lecturer,
)
from lms.classes.services import withdraw
from lms.errors import InvalidInput
from lms.extensions import db


def _back(klass: Class) -> Any:
    return redirect(url_for("classes.detail", code=klass.code))


def _member_or_404(klass: Class, user_id: int, role: EnrolmentRole) -> tuple[User, Enrolment]:
    row = db.session.execute(select(User, Enrolment).join(
        Enrolment, Enrolment.user_id == User.id).where(
        Enrolment.class_id == klass.id, Enrolment.user_id == user_id,
        Enrolment.role == role.value)).first()
    if row is None:
        abort(404)
    return row[0], row[1]


def _user_or_404(user_id: Any) -> User:
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        abort(404)
    return user


@bp.route("/<code>/lecturers", methods=["POST"])
@admin_required
def assign_lecturer_view(code: str) -> Any:
    """Assign a lecturer account to the class."""
    klass = class_or_404(code)
    form = LecturerForm()
    form.user_id.choices = [(u.id, u.full_name) for u in lecturer_choices(klass)]
    if not form.validate_on_submit():
        flash(_("Choose a lecturer."), "error")
        return _back(klass)
    user = _user_or_404(form.user_id.data)
    try:
        assign_lecturer(klass, user, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _back(klass)
    db.session.commit()
    flash(_("%(name)s now teaches the class.", name=user.full_name), "success")
    return _back(klass)


@bp.route("/<code>/lecturers/<int:user_id>/remove", methods=["POST"])
@admin_required
def remove_lecturer_view(code: str, user_id: int) -> Any:
    """Stop a lecturer teaching the class (kept as history)."""
    klass = class_or_404(code)
    if not EmptyForm().validate_on_submit():
        abort(400)
    user, _enrolment = _member_or_404(klass, user_id, EnrolmentRole.LECTURER)
    remove_lecturer(klass, user, current_user)
    db.session.commit()
    flash(_("%(name)s no longer teaches the class.", name=user.full_name), "success")
    return _back(klass)


def _add_page(klass: Class, new_form: NewLearnerForm, status: int = 200) -> Any:
    q = (request.args.get("q") or "").strip()[:100]
    found = find_learners(q) if q else []
    in_class = set(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.class_id == klass.id, Enrolment.state != "withdrawn",
        Enrolment.user_id.in_([u.id for u in found])))) if found else set()
    return render_template("classes/add_learner.html", klass=klass, q=q, found=found,
                           in_class=in_class, form=EmptyForm(), new_form=new_form), status


@bp.route("/<code>/learners/add", methods=["GET", "POST"])
@admin_required
def add_learner_view(code: str) -> Any:
    """Find a learner account (username, email or name) and enrol it."""
    klass = class_or_404(code)
    if request.method == "GET":
        return _add_page(klass, NewLearnerForm(formdata=None))
    if not EmptyForm().validate_on_submit():
        abort(400)
    raw = request.form.get("user_id", "")
    user = _user_or_404(int(raw) if raw.isdigit() else None)
    try:
        add_learner(klass, user, current_user)
    except InvalidInput as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("classes.add_learner_view", code=klass.code))
    db.session.commit()
    flash(_("%(name)s added to the class.", name=user.full_name), "success")
    return _back(klass)


@bp.route("/<code>/learners/new", methods=["POST"])
@admin_required
def new_learner_view(code: str) -> Any:
    """Create a learner account with an activation code (shown once) and enrol it."""
    klass = class_or_404(code)
    form = NewLearnerForm()
    if not form.validate_on_submit():
        return _add_page(klass, form, 400 if form.csrf_token.errors else 200)
    try:
        account, expires_at = create_learner(klass, NewLearner(
            full_name=form.full_name.data or "", date_of_birth=form.date_of_birth.data,
            unit=form.unit.data, position=form.position.data, email=form.email.data),
            current_user)
    except InvalidInput as exc:
        db.session.rollback()
        getattr(form, exc.field, form.full_name).errors.append(exc.message)
        return _add_page(klass, form)
    db.session.commit()
    flash(_("Account %(username)s created and added to the class.",
            username=account.username), "success")
    codes_json = json.dumps([(account.full_name, account.username, account.code)],
                            ensure_ascii=False)
    return render_template("classes/learner_added.html", klass=klass, accounts=[account],
                           expires_at=expires_at, codes_json=codes_json, form=EmptyForm())


@bp.route("/<code>/learners/<int:user_id>/withdraw", methods=["GET", "POST"])
@admin_required
def withdraw_learner(code: str, user_id: int) -> Any:
    """Withdraw a learner after a confirmation (the enrolment is kept as history)."""
    klass = class_or_404(code)
    user, enrolment = _member_or_404(klass, user_id, EnrolmentRole.LEARNER)
    if request.method == "GET":
        return render_template("classes/withdraw.html", klass=klass, user=user,
                               enrolment=enrolment, form=EmptyForm())
    if not EmptyForm().validate_on_submit():
        abort(400)
    withdraw(klass, user, current_user)
    db.session.commit()
    flash(_("%(name)s withdrawn from the class.", name=user.full_name), "success")
    return _back(klass)


@bp.route("/<code>/learners/<int:user_id>/move", methods=["GET", "POST"])
@admin_required
def move_learner_view(code: str, user_id: int) -> Any:
    """Move a learner to another active class of the same course, history kept."""
    klass = class_or_404(code)
    user, enrolment = _member_or_404(klass, user_id, EnrolmentRole.LEARNER)
    form = MoveForm()
    targets = move_targets(klass)
    form.target.choices = [(k.code, f"{k.code} · {k.name}") for k in targets]
    if form.validate_on_submit():
        target = next(k for k in targets if k.code == form.target.data)
        try:
            move_learner(klass, user, target, current_user)
        except InvalidInput as exc:
            db.session.rollback()
            form.target.errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("%(name)s moved to class %(code)s.", name=user.full_name,
                    code=target.code), "success")
            return _back(klass)
    return render_template("classes/move.html", klass=klass, user=user, enrolment=enrolment,
                           form=form, targets=targets)
