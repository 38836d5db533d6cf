"""Admin views for accounts."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.auth.forms import EmptyForm
from lms.auth.login import admin_required
from lms.auth.models import User, matching
from lms.errors import InvalidInput
from lms.extensions import db
from lms.users import bp
from lms.users.forms import NewUserForm, UserForm
from lms.users.services import (
    UserData,
    create_user,
    record_created,
    reset_password,
    set_active,
    update_user,
)

PAGE_SIZE = 50


def _data(form: UserForm) -> UserData:
    return UserData(
        full_name=form.full_name.data or "",
        email=form.email.data,
        unit=form.unit.data,
        position=form.position.data,
        date_of_birth=form.date_of_birth.data,
        role=form.role.data or "learner",
        locale=form.locale.data or "vi",
    )


def _load(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
@admin_required
def index() -> Any:
    """List accounts with search and role filter."""
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role") or ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = select(User).order_by(User.username)
    if q:
        query = query.where(matching(q))
    if role:
        query = query.where(User.role == role)
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return render_template("users/index.html", pagination=pagination, q=q, role=role)


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new() -> Any:
    """Create an account."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.username.data or "", form.password.data, _data(form))
            user.must_change_password = True
            if not form.active.data:
                set_active(user, False, current_user.id, audit=False)
            record_created(user, current_user.id)
        except InvalidInput as exc:
            getattr(form, exc.field, form.username).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Account %(username)s created.", username=user.username), "success")
            return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=None)


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@admin_required
def edit(user_id: int) -> Any:
    """Edit an account's profile, role and status."""
    user = _load(user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        try:
            update_user(user, _data(form), current_user.id)
            set_active(user, bool(form.active.data), current_user.id)
        except InvalidInput as exc:
            getattr(form, exc.field, form.full_name).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Account %(username)s saved.", username=user.username), "success")
            return redirect(url_for("users.index"))
    return render_template("users/form.html", form=form, user=user, action_form=EmptyForm())


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
@admin_required
def reset(user_id: int) -> Any:
    """Give the user a temporary password, shown once to the admin."""
    user = _load(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    temporary = reset_password(user, current_user.id)
    db.session.commit()
    flash(
        _("Temporary password for %(username)s: %(password)s (they must change it at login).",
          username=user.username, password=temporary),
        "success",
    )
    return redirect(url_for("users.edit", user_id=user.id))
