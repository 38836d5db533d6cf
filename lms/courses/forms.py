"""Lesson authoring forms."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.forms import Form


class LessonForm(Form):
    """Edit a lesson's draft."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    minutes = IntegerField(_l("Estimated minutes"), default=30,
                           validators=[DataRequired(), NumberRange(min=0, max=600)])
    objectives = TextAreaField(_l("Learning objectives"), description=_l("One per line."),
                               render_kw={"rows": 4})
    body = TextAreaField(_l("Content (Markdown)"), render_kw={"rows": 22, "spellcheck": "true"},
                         description=_l("Markdown: # headings, **bold**, lists, links. "
                                        "HTML is not allowed."))

    legal = TextAreaField(_l("Legal basis"), render_kw={"rows": 3},
                          description=_l("Numbers of documents of the course's legal basis "
                                         "(legal.toml), one per line, e.g. 05/2011/QH13."))

    def objectives_list(self) -> list[str]:
        return [line for line in (self.objectives.data or "").splitlines() if line.strip()]

    def legal_list(self) -> list[str]:
        return [line.strip() for line in (self.legal.data or "").splitlines() if line.strip()]


class VNDateTimeField(StringField):
    """A ``dd/mm/yyyy hh:mm`` (or ``dd/mm/yyyy``) text field giving a naive datetime."""

    formats = ("%d/%m/%Y %H:%M", "%d/%m/%Y")

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        for fmt in self.formats:
            try:
                self.data = datetime.strptime(text, fmt)  # noqa: DTZ007 (local, converted later)
                return
            except ValueError:
                continue
        raise ValueError(_l("Write the date as dd/mm/yyyy hh:mm."))

    def _value(self) -> str:
        return self.data.strftime("%d/%m/%Y %H:%M") if isinstance(self.data, datetime) else ""


class ScheduleForm(Form):
    """When a published lesson becomes visible to learners."""

    available_from = VNDateTimeField(
        _l("Visible from"), validators=[Optional()],
        render_kw={"placeholder": "dd/mm/yyyy hh:mm"},
        description=_l("Leave empty to show it at once."),
    )


class AttachmentForm(Form):
    """Upload a file for lessons to link to."""

    file = FileField(_l("File"), validators=[FileRequired()],
                     description=_l("PDF, image, Office document or text; at most 20 MB."))
    name = StringField(_l("Name in links"), validators=[Optional(), Length(max=200)],
                       description=_l("Lessons link to it as attachments/NAME."))
