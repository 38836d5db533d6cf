"""Forms of the legal basis pages."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from lms.forms import Form


class VNDateField(StringField):
    """A ``dd/mm/yyyy`` date."""

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007
            except ValueError:
                raise ValueError(_l("Write the date as dd/mm/yyyy.")) from None

    def _value(self) -> str:
        return self.data.strftime("%d/%m/%Y") if isinstance(self.data, date) else ""


def status_labels() -> dict[str, str]:
    return {"in_force": str(_l("in force")), "amended": str(_l("amended")),
            "replaced": str(_l("replaced")), "expired": str(_l("expired")),
            "not_yet": str(_l("not yet in force"))}


class StatusForm(Form):
    """An admin marks a document amended, replaced or expired."""

    status = SelectField(_l("Status"), choices=[
        SelectChoice("in_force", _l("in force")), SelectChoice("amended", _l("amended")),
        SelectChoice("replaced", _l("replaced")), SelectChoice("expired", _l("expired"))])
    replaced_by = StringField(_l("Replaced by (number)"), validators=[Length(max=60)])
    status_date = VNDateField(_l("From (dd/mm/yyyy)"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)], render_kw={"rows": 2})
