"""Admin forms for accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import TextInput

from lms.auth.models import User
from lms.auth.passwords import MAX_LENGTH, MIN_LENGTH
from lms.forms import Form
from lms.lengths import max_length

ROLE_CHOICES = [
    SelectChoice("learner", _l("Learner")),
    SelectChoice("lecturer", _l("Lecturer")),
    SelectChoice("admin", _l("Administrator")),
]
LOCALE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


class UserForm(Form):
    """Profile fields shared by create and edit."""

    full_name = StringField(_l("Full name"), validators=[
        DataRequired(), Length(max=max_length(User.full_name))])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=max_length(User.email))])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=max_length(User.unit))])
    position = StringField(_l("Position"),
                           validators=[Optional(), Length(max=max_length(User.position))])
    date_of_birth = DateField(
        _l("Date of birth"), format=["%d/%m/%Y", "%Y-%m-%d"], validators=[Optional()],
        description=_l("dd/mm/yyyy"), render_kw={"placeholder": "dd/mm/yyyy"}, widget=TextInput(),
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="learner")
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES, default="vi")
    active = BooleanField(_l("Active"), default=True)


class NewUserForm(UserForm):
    """Create an account with an initial password."""

    username = StringField(_l("Username"), validators=[
        DataRequired(), Length(min=2, max=max_length(User.username))])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l("The user must change it at first login."),
        render_kw={"autocomplete": "new-password"},
    )
