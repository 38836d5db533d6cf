"""The form editor of questions (every type), beside the GIFT editor: write, preview as a
learner sees it, save as a new version."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from lms.extensions import db
from lms.quizzes import bp
from lms.quizzes.bank import content_of, to_parsed
from lms.quizzes.bank_views import _editable, _question, save_edited
from lms.quizzes.models import QuestionVersion
from lms.quizzes.parsed import QUESTION_TYPES, ParsedQuestion
from lms.quizzes.question_files import blobs
from lms.quizzes.question_form import ROW_TYPES, QuestionForm, form_data
from lms.quizzes.render import shown, version_file_url
from lms.quizzes.types import get_type, type_labels


def preview_payload(q: ParsedQuestion, files: Any = None) -> dict[str, Any]:
    """The question as the attempt page shows it to a learner (``_question.html``'s
    payload), with its right answer for the editor."""
    version = QuestionVersion(**content_of(q))  # transient: never added to the session
    return {"slot": 1, **shown(version, str, None, files),
            "right_answer": get_type(q.type).right_answer(version.data)}


@bp.route("/courses/<slug>/questions/write", methods=["GET", "POST"])
@bp.route("/courses/<slug>/questions/<int:question_id>/write", methods=["GET", "POST"])
@login_required
def write_question(slug: str, question_id: int | None = None) -> Any:
    """Write or edit a question in a form; saving a change makes a new version."""
    course = _editable(slug)
    existing = _question(course, question_id) if question_id else None
    before = (to_parsed(existing, existing.current_version, found=blobs([existing.id]))
              if existing else None)
    kind = before.type if before else request.values.get("type", "")
    if kind not in QUESTION_TYPES:
        return render_template("quizzes/question_editor.html", course=course, kind="",
                               existing=None, types=type_labels(), form=None)
    form = QuestionForm(data=form_data(before) if before and request.method == "GET" else None)
    preview = None
    if request.method == "POST":
        if not form.validate_on_submit() and form.csrf_token.errors:
            abort(400)
        action = request.form.get("action")
        if action == "add_rows":
            form.add_rows()
        elif not form.errors and (question := form.question(kind, before)) is not None:
            files = version_file_url(existing.current_version, slug) if existing else None
            if action == "preview":
                preview = preview_payload(question, files)
            else:
                name = existing.name if existing else question.name
                saved = save_edited(course, name, question.category, question, existing)
                if saved is not None:
                    db.session.commit()
                    flash(_("Question saved."), "success")
                    return redirect(url_for("quizzes.question", slug=slug,
                                            question_id=saved.id))
                db.session.rollback()
    return render_template("quizzes/question_editor.html", course=course, kind=kind,
                           existing=existing, form=form, preview=preview,
                           rows=kind in ROW_TYPES, types=type_labels())
