"""Class forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import TextInput

from lms.auth.models import User
from lms.classes.models import Class
from lms.forms import Form
from lms.lengths import max_length


class ClassForm(Form):
    """Create a class."""

    code = StringField(_l("Class code"),
                       validators=[DataRequired(), Length(max=max_length(Class.code))],
                       description=_l("For example K74-HN."))
    name = StringField(_l("Class name"), validators=[DataRequired(),
                                                    Length(max=max_length(Class.name))])
    course = SelectField(_l("Course"), choices=[])
    start_date = DateField(_l("Start date"), format=["%d/%m/%Y"], validators=[Optional()],
                           widget=TextInput(), render_kw={"placeholder": "dd/mm/yyyy"})
    end_date = DateField(_l("End date"), format=["%d/%m/%Y"], validators=[Optional()],
                         widget=TextInput(), render_kw={"placeholder": "dd/mm/yyyy"})
    place = StringField(_l("Place or mode"),
                        validators=[Optional(), Length(max=max_length(Class.place))])


class RosterUploadForm(Form):
    """Upload a roster file for a preview."""

    file = FileField(_l("Roster file (CSV or XLSX)"), validators=[FileRequired()],
                     description=_l("Columns: Họ và tên (required), Ngày sinh, Giới tính, "
                                    "Đơn vị công tác, Chức vụ, Email, Số điện thoại, "
                                    "Tên đăng nhập."))


class LecturerForm(Form):
    """Assign a lecturer to the class."""

    user_id = SelectField(_l("Lecturer"), coerce=int, choices=[],
                          validators=[DataRequired()])


class NewLearnerForm(Form):
    """Create one learner account (with an activation code) and enrol it."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(),
                                                   Length(max=max_length(User.full_name))])
    date_of_birth = DateField(_l("Date of birth"), format=["%d/%m/%Y"], validators=[Optional()],
                              widget=TextInput(), render_kw={"placeholder": "dd/mm/yyyy"})
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=max_length(User.unit))])
    position = StringField(_l("Position"),
                           validators=[Optional(), Length(max=max_length(User.position))])
    email = StringField(_l("Email"), validators=[Optional(), Length(max=max_length(User.email))])


class MoveForm(Form):
    """Move a learner to another class of the course."""

    target = SelectField(_l("Move to class"), choices=[], validators=[DataRequired()])
