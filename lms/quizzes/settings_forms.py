"""The quiz settings form (Vietnamese labels and messages): timing, attempts, grading, the
quiz's open and close times, a window per class, marks and the review matrix. Fields that
depend on the quiz (a mark per draw rule and fixed question, times per class) are added by
:func:`settings_form`."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field, HiddenField, SelectField, StringField
from wtforms.validators import (
    AnyOf,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from lms.courses.files_model import MAX_MARK
from lms.courses.forms import VNDateTimeField
from lms.forms import Form
from lms.vietnamese import clean_text

REVIEW_WINDOWS = (("during", _l("During the attempt")), ("immediately", _l("Right after")),
                  ("later", _l("Later, while open")), ("after_close", _l("After the quiz closes")))
REVIEW_ITEMS = (("score", _l("Score")), ("correctness", _l("Correct or not")),
                ("right_answer", _l("Right answer")), ("feedback", _l("Feedback")))
GRADINGS = (("highest", _l("highest")), ("last", _l("last")), ("first", _l("first")),
            ("average", _l("average")))
EXPIRY = (("autosubmit", _l("submit automatically")),
          ("grace", _l("grace period: submit only")),
          ("abandon", _l("not counted unless submitted")))
DATE_HINT = {"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off"}


class NumberField(StringField):
    """A number typed the Vietnamese way (``7,5``; ``7.5`` too), or empty (``None``);
    ``whole`` refuses fractions."""

    def __init__(self, *args: Any, whole: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric" if whole else "decimal"})
        super().__init__(*args, **kwargs)
        self.whole = whole

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip().replace(" ", "")
        self.raw = text
        self.data = None
        if not text:
            return
        try:
            value = float(text.replace(",", "."))
        except ValueError:
            value = None
        if value is None or value != value or value in (float("inf"), float("-inf")):
            raise ValueError(_l("Write a number, such as 7,5."))
        if self.whole and value != int(value):
            raise ValueError(_l("Write a whole number."))
        self.data = int(value) if self.whole else value

    def _value(self) -> str:
        if self.data is None:
            return getattr(self, "raw", "") or ""
        if self.whole:
            return str(int(self.data))
        return f"{self.data:g}".replace(".", ",")


def between(low: float, high: float) -> Any:
    """A number from ``low`` to ``high``, with a message that says so."""

    def check(_form: Any, field: Field) -> None:
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(_l("Choose a number from %(low)s to %(high)s.",
                                     low=f"{low:g}", high=f"{high:g}"))
    return check


def mark_range(_form: Any, field: Field) -> None:
    """A mark is above 0 and at most :data:`MAX_MARK` (empty: the default)."""
    if field.data is not None and not 0 < field.data <= MAX_MARK:
        raise ValidationError(_l("A mark is above 0 and at most %(max)s.", max=f"{MAX_MARK:g}"))


def required(_form: Any, field: Field) -> None:
    """Something must be written (a number typed wrong says so once, not twice)."""
    if field.process_errors:
        raise StopValidation()
    if field.data is None or (isinstance(field.data, str) and not clean_text(field.data)):
        raise ValidationError(_l("Fill in this field."))


class QuizSettingsForm(Form):
    """The settings every quiz has (see :func:`settings_form` for the rest)."""

    title = StringField(_l("Title"), validators=[
        required, Length(max=300, message=_l("At most %(max)d characters."))])
    minutes = NumberField(_l("Time limit (minutes, 0 = none)"), whole=True,
                          validators=[required, between(0, 600)])
    attempts = NumberField(_l("Attempts (0 = unlimited)"), whole=True,
                           validators=[required, between(0, 50)])
    pass_mark10 = NumberField(_l("Pass mark (of 10)"), validators=[required, between(0, 10)],
                              description=_l("A decimal comma is fine: 6,5."))
    grading = SelectField(_l("Grading method"), choices=GRADINGS, validators=[
        InputRequired(message=_l("Choose one."))])
    on_expiry = SelectField(_l("When time expires"), choices=EXPIRY, validators=[
        InputRequired(message=_l("Choose one."))])
    shuffle_questions = BooleanField(_l("Shuffle questions"))
    shuffle_options = BooleanField(_l("Shuffle options"))
    opens = VNDateTimeField(_l("Opens"), validators=[Optional()], render_kw=DATE_HINT,
                            description=_l("dd/mm/yyyy hh:mm, local time; empty: open at once."))
    closes = VNDateTimeField(_l("Closes"), validators=[Optional()], render_kw=DATE_HINT,
                             description=_l("Empty: each class's quizzes close at the end of "
                                            "its last day."))

    def validate_closes(self, field: Field) -> None:
        if field.data and self.opens.data and field.data <= self.opens.data:
            raise ValidationError(_l("The quiz must close after it opens."))

    def review(self) -> dict[str, list[str]]:
        """The review matrix as ticked."""
        return {w: [i for i, _label in REVIEW_ITEMS if self[f"review_{w}_{i}"].data]
                for w, _label in REVIEW_WINDOWS}


for _w, _window in REVIEW_WINDOWS:
    for _i, _item in REVIEW_ITEMS:
        setattr(QuizSettingsForm, f"review_{_w}_{_i}", BooleanField(_item))


def close_after_open(opens_name: str) -> Any:
    """A class's own close must come after its own open."""

    def check(form: Any, field: Field) -> None:
        opens = form[opens_name].data
        if field.data and opens and field.data <= opens:
            raise ValidationError(_l("The class's quiz must close after it opens."))
    return check


def settings_form(draw: list[dict[str, Any]], fixed: list[str], class_ids: list[int],
                  **kwargs: Any) -> QuizSettingsForm:
    """The form for one quiz: a mark per draw rule (``draw_mark_<n>``) and fixed question
    (``fixed_mark_<n>``), and times per class (``class_opens_<id>``, ``class_closes_<id>``)."""

    class Form(QuizSettingsForm):
        pass

    mark_help = _l("Empty: the question type's default (1).")
    for index, _rule in enumerate(draw):
        setattr(Form, f"draw_mark_{index}", NumberField(
            _l("Mark per question"), validators=[Optional(), mark_range], description=mark_help))
    for index, _key in enumerate(fixed):
        setattr(Form, f"fixed_mark_{index}", NumberField(
            _l("Mark"), validators=[Optional(), mark_range], description=mark_help))
    for class_id in class_ids:
        setattr(Form, f"class_opens_{class_id}", VNDateTimeField(
            _l("Opens"), validators=[Optional()], render_kw=DATE_HINT))
        setattr(Form, f"class_closes_{class_id}", VNDateTimeField(
            _l("Closes"), validators=[Optional(), close_after_open(f"class_opens_{class_id}")],
            render_kw=DATE_HINT))
    return Form(**kwargs)


class PublishForm(Form):
    """Show a quiz to learners or hide it, then go back where the button was."""

    published = HiddenField(validators=[AnyOf(("1", "0"))])
    back = HiddenField(validators=[AnyOf(("quiz", "settings", "course"))], default="quiz")
