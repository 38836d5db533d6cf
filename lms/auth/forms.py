"""Login, password and locale forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.auth.passwords import MAX_LENGTH, MIN_LENGTH
from lms.forms import Form


class LoginForm(Form):
    """Username and password."""

    username = StringField(
        _l("Username"), validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ChangePasswordForm(Form):
    """Change one's own password."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l("At least %(n)d characters.", n=MIN_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class EmptyForm(Form):
    """A POST-only button: carries nothing but the CSRF token."""


class ActivateForm(Form):
    """First login of a roster-created account: the code, then a new password."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username"})
    code = StringField(_l("Activation code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code"})
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l("At least %(n)d characters.", n=MIN_LENGTH),
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"})
