"""The files embedded in questions (:mod:`lms.quizzes.embedded`), served to those who see
them: a learner through their attempt, and only a file the attempt page shows them now
(a file of the feedback waits for the review to show the feedback); editors through the
bank, for any version."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import abort, send_file
from flask_login import current_user, login_required

from lms.db import utcnow
from lms.extensions import db
from lms.quizzes import bp
from lms.quizzes.attempt_models import AttemptState
from lms.quizzes.attempts import has_left
from lms.quizzes.bank_views import _editable, _question
from lms.quizzes.models import QuestionFileBlob, QuestionVersion
from lms.quizzes.queries import own_attempt
from lms.quizzes.question_files import blob
from lms.quizzes.render import review_items, slot_payload
from lms.security import bare_mimetype

#: Shown in the page (an image, a sound, a PDF); anything else is downloaded.
_INLINE = ("image/", "audio/", "application/pdf")


def _send(item: QuestionFileBlob | None, name: str) -> Any:
    if item is None:
        abort(404)
    response = send_file(BytesIO(item.data), mimetype=bare_mimetype(item.content_type),
                         as_attachment=not item.content_type.startswith(_INLINE),
                         download_name=name.rsplit("/", 1)[-1])
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/attempts/<int:attempt_id>/files/<int:slot>/<path:name>")
@login_required
def attempt_file(attempt_id: int, slot: int, name: str) -> Any:
    """A file of a question of the learner's own attempt, if the page shows it now."""
    attempt = own_attempt(attempt_id, current_user)
    if attempt.state in (AttemptState.IN_PROGRESS.value, AttemptState.OVERDUE.value) and \
            has_left(attempt):
        abort(404)
    item = next((s for s in attempt.slots if s.slot == slot), None)
    if item is None:
        abort(404)
    shown: set[str] = set()
    slot_payload(item, review_items(attempt, utcnow()), include_answer=False, linked=shown)
    if name not in shown:
        abort(404)
    return _send(blob(item.question_id, item.version.data, name), name)


@bp.route("/courses/<slug>/questions/<int:question_id>/files/<int:number>/<path:name>")
@login_required
def question_file(slug: str, question_id: int, number: int, name: str) -> Any:
    """A file of a version of a question, for the course's editors."""
    course = _editable(slug)
    question = _question(course, question_id)
    version = db.session.scalar(db.select(QuestionVersion).where(
        QuestionVersion.question_id == question.id, QuestionVersion.number == number))
    if version is None:
        abort(404)
    return _send(blob(question.id, version.data, name), name)
