"""The form editor of a question (every type): rows of answers with a "right" toggle or a
Moodle grade, feedback per row, general feedback. It reads and writes the same
:class:`~lms.quizzes.parsed.ParsedQuestion` as the GIFT and Moodle XML formats, and checks it
with their rules (:func:`lms.quizzes.parsed.validate`), so a question saved here exports and
imports back the same."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from lms.forms import Form, SubForm
from lms.i18n import format_answer_number
from lms.quizzes.bankfile import GIFT_LESS
from lms.quizzes.parsed import (
    CATCH_ALL,
    MOODLE_FRACTIONS,
    ParsedAnswer,
    ParsedQuestion,
    format_percent,
    is_moodle_fraction,
    numeric_range,
    parse_number,
    validate,
)

#: Types whose answers are rows of the form.
ROW_TYPES = ("single_choice", "multiple_choice", "short_answer", "numerical", "matching")
#: Blank rows a new question starts with, and how many "add rows" adds.
NEW_ROWS, MORE_ROWS, MAX_ROWS = 4, 3, 40
#: What the form keeps of a question as it was (Moodle XML holds it; the form does not show
#: it): embedded files, hints, combined feedback, the formats of its feedback texts, tags.
KEPT = (*(k for k in GIFT_LESS if k not in ("response_template", "grader_info")),
        "general_feedback_format", "feedback_true_format", "feedback_false_format", "tags",
        "idnumber", "exam_pool", "text_format")


def weight_key(fraction: float) -> str:
    """The select value of a grade: the Moodle grade it is (within Moodle's 0.00001)."""
    near = min(MOODLE_FRACTIONS, key=lambda f: abs(f - fraction))
    return format_percent(near if is_moodle_fraction(fraction) else fraction)


def weight_choices() -> list[SelectChoice]:
    """Moodle's grades, 100 % down to -100 %, labelled with the locale's decimal sign."""
    return [SelectChoice(format_percent(f), f"{format_answer_number(float(format_percent(f)))} %")
            for f in MOODLE_FRACTIONS]


TOO_LONG = _l("At most %(max)d characters.")


class AnswerRow(SubForm):
    """One option, accepted answer or matching pair."""

    text = TextAreaField(_l("Text"), render_kw={"rows": 2})
    weight = SelectField(_l("Share of the mark"), default="0", validate_choice=False)
    feedback = TextAreaField(_l("Feedback"), render_kw={"rows": 2})
    value = StringField(_l("Number"), render_kw={"inputmode": "decimal"})
    tolerance = StringField(_l("Tolerance (±)"), render_kw={"inputmode": "decimal"})
    match = StringField(_l("Matches"))
    text_format = HiddenField()
    feedback_format = HiddenField()

    def is_blank(self) -> bool:
        return not any((f.data or "").strip() for f in (
            self.text, self.feedback, self.value, self.tolerance, self.match))


class QuestionForm(Form):
    """A question of any type; the view shows the fields its type uses."""

    name = StringField(_l("Name"), validators=[Length(max=200, message=TOO_LONG)])
    category = StringField(_l("Category"), validators=[Length(max=200, message=TOO_LONG)])
    text = TextAreaField(_l("Question text"), render_kw={"rows": 5})
    general_feedback = TextAreaField(_l("General feedback"), render_kw={"rows": 3},
                                     description=_l("Shown to every learner after answering, "
                                                    "as the quiz's review allows."))
    answers = FieldList(FormField(AnswerRow), min_entries=NEW_ROWS, max_entries=MAX_ROWS)
    right = StringField()  # the row index of the right option (single choice), a radio
    truth = RadioField(_l("The statement is"), default="true", validate_choice=False,
                       choices=[SelectChoice("true", _l("True")),
                                SelectChoice("false", _l("False"))])
    feedback_true = TextAreaField(_l("Feedback for the answer “True”"), render_kw={"rows": 2})
    feedback_false = TextAreaField(_l("Feedback for the answer “False”"), render_kw={"rows": 2})
    case_sensitive = BooleanField(_l("Case sensitive"))
    ignore_diacritics = BooleanField(_l("Accept answers without Vietnamese diacritics"))
    response_template = TextAreaField(_l("Response template"), render_kw={"rows": 3})
    grader_info = TextAreaField(_l("Information for graders"), render_kw={"rows": 3})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problems: list[str] = []
        choices = weight_choices()
        for row in self.answers:
            row.form.weight.choices = choices

    def add_rows(self) -> None:
        for _i in range(min(MORE_ROWS, MAX_ROWS - len(self.answers))):
            self.answers.append_entry()
        choices = weight_choices()
        for row in self.answers:
            row.form.weight.choices = choices

    # --- form -> question ---------------------------------------------------------------

    def question(self, kind: str, before: ParsedQuestion | None) -> ParsedQuestion | None:
        """The question the form describes (what the form does not show kept from
        ``before``), or ``None`` with each problem attached to its field or row."""
        q = ParsedQuestion(type=kind, text=(self.text.data or "").strip(),  # type: ignore[arg-type]
                           name=(self.name.data or "").strip(),
                           category=(self.category.data or "").strip(),
                           general_feedback=(self.general_feedback.data or "").strip())
        if before is not None:
            q = replace(q, **{k: getattr(before, k) for k in KEPT})
        elif not q.name:
            self.name.errors.append(_("Give the question a name."))  # type: ignore[attr-defined]
        if kind in ROW_TYPES:
            q.answers = self._answers(kind)
        elif kind == "true_false":
            q = replace(q, correct=self.truth.data == "true",
                        feedback_true=(self.feedback_true.data or "").strip(),
                        feedback_false=(self.feedback_false.data or "").strip())
        elif kind == "essay":
            q = replace(q, response_template=(self.response_template.data or "").strip(),
                        grader_info=(self.grader_info.data or "").strip())
        if kind == "short_answer":
            q = replace(q, case_sensitive=bool(self.case_sensitive.data),
                        ignore_diacritics=bool(self.ignore_diacritics.data))
        if self.problems or self.name.errors or any(row.errors for row in self.answers):
            return None
        reason = validate(q)
        if reason is not None and not q.text:
            self.text.errors.append(_("The question text is required."))  # type: ignore[attr-defined]
        elif reason is not None:
            self.problems.append(reason)
        return None if reason else q

    def _answers(self, kind: str) -> list[ParsedAnswer]:
        answers = []
        for n, entry in enumerate(self.answers, start=1):
            row: AnswerRow = entry.form
            if row.is_blank():
                continue
            answer = self._answer(kind, n, row)
            if answer is not None:
                answers.append(answer)
        return answers

    def _weight(self, kind: str, n: int, row: AnswerRow) -> float | None:
        if kind == "single_choice" and self.right.data == str(n - 1):
            row.weight.data = weight_key(1.0)  # shown as it counts
            return 1.0
        if kind == "matching":
            return 0.0
        percent = parse_number((row.weight.data or "0").strip())
        if percent is None:
            row.weight.errors.append(_("Row %(n)d: choose a grade.", n=n))  # type: ignore[attr-defined]
            return None
        return percent / 100

    def _answer(self, kind: str, n: int, row: AnswerRow) -> ParsedAnswer | None:
        fraction = self._weight(kind, n, row)
        text = (row.text.data or "").strip()
        own = {"feedback": (row.feedback.data or "").strip(),
               "text_format": row.text_format.data or "",
               "feedback_format": row.feedback_format.data or ""}
        if fraction is None:
            return None
        if kind == "matching":
            match = (row.match.data or "").strip()
            if not match:
                row.match.errors.append(  # type: ignore[attr-defined]
                    _("Row %(n)d: write the item it matches.", n=n))
                return None
            return ParsedAnswer(text=text, match=match, text_format=own["text_format"])
        if kind == "numerical":
            return self._number(n, row, fraction, own)
        if not text:
            row.text.errors.append(_("Row %(n)d: the text is empty.", n=n))  # type: ignore[attr-defined]
            return None
        return ParsedAnswer(text=text, fraction=fraction, **own)

    @staticmethod
    def _number(n: int, row: AnswerRow, fraction: float, own: dict[str, str]
                ) -> ParsedAnswer | None:
        raw = (row.value.data or "").strip().replace(",", ".")
        tolerance_raw = (row.tolerance.data or "").strip().replace(",", ".") or "0"
        if raw == CATCH_ALL:
            return ParsedAnswer(text=CATCH_ALL, fraction=fraction, **own)
        if raw.find("..") > 0:
            low, high = (parse_number(p.strip()) for p in raw.split("..", 1))
            if low is not None and high is not None and low <= high:
                return replace(numeric_range(low, high, fraction, own["feedback"]),
                               feedback_format=own["feedback_format"])
        value, tolerance = parse_number(raw), parse_number(tolerance_raw)
        if value is None:
            row.value.errors.append(_(  # type: ignore[attr-defined]
                "Row %(n)d: “%(value)s” is not a number. Write 2,5 or 2.5, a range 1..3, or * "
                "for any other answer.", n=n, value=row.value.data or ""))
            return None
        if tolerance is None or tolerance < 0:
            row.tolerance.errors.append(_(  # type: ignore[attr-defined]
                "Row %(n)d: the tolerance is a number of at least 0.", n=n))
            return None
        return ParsedAnswer(fraction=fraction, value=value, tolerance=tolerance, **own)


def form_data(q: ParsedQuestion) -> dict[str, Any]:
    """The form's fields for a stored question (the inverse of :meth:`QuestionForm.question`),
    with blank rows to add more."""
    rows = [_row(q, a) for a in q.answers]
    right = next((str(i) for i, a in enumerate(q.answers) if a.fraction == 1), "")
    extra = (NEW_ROWS if not rows else 2) if q.type in ROW_TYPES else 0
    return {"name": q.name, "category": q.category, "text": q.text,
            "general_feedback": q.general_feedback,
            "answers": rows + [{"weight": "0"}] * extra, "right": right,
            "truth": "true" if q.correct else "false",
            "feedback_true": q.feedback_true, "feedback_false": q.feedback_false,
            "case_sensitive": q.case_sensitive, "ignore_diacritics": q.ignore_diacritics,
            "response_template": q.response_template, "grader_info": q.grader_info}


def _row(q: ParsedQuestion, a: ParsedAnswer) -> dict[str, Any]:
    value, tolerance = "", ""
    if q.type == "numerical":
        if a.text == CATCH_ALL:
            value = CATCH_ALL
        elif a.low is not None and a.high is not None:
            value = f"{format_answer_number(a.low)}..{format_answer_number(a.high)}"
        else:
            value = format_answer_number(a.value)
            tolerance = format_answer_number(a.tolerance) if a.tolerance else ""
    return {"text": "" if q.type == "numerical" else a.text, "weight": weight_key(a.fraction),
            "feedback": a.feedback, "value": value, "tolerance": tolerance, "match": a.match,
            "text_format": a.text_format, "feedback_format": a.feedback_format}
