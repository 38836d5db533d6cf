"""A learner's status in a class, in words: the one label map used by the class page, the
dashboard and the learner's own progress (``status_label`` in templates)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.classes import bp
from lms.classes.models import CompletionStatus, EnrolmentState

WITHDRAWN = EnrolmentState.WITHDRAWN.value

STATUS_LABELS = {
    CompletionStatus.NOT_STARTED.value: _l("Not started"),
    CompletionStatus.IN_PROGRESS.value: _l("In progress"),
    CompletionStatus.COMPLETED.value: _l("Completed"),
    CompletionStatus.FAILED.value: _l("Failed"),
    WITHDRAWN: _l("Withdrawn"),
}


def learner_status(enrolment_state: str, completion_status: str | None) -> str:
    """The key of a learner's status: withdrawn, else the completion's (not started when
    nothing is recorded yet)."""
    if enrolment_state == WITHDRAWN:
        return WITHDRAWN
    return completion_status or CompletionStatus.NOT_STARTED.value


@bp.app_template_global("learner_status_label")
def status_label(status: str) -> str:
    """The words for a status key."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status
