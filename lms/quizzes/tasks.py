"""Periodic quiz jobs."""

from __future__ import annotations

import logging

from huey import crontab

from lms.extensions import db
from lms.jobs import huey, in_app_context
from lms.quizzes.attempts import finalize_overdue

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*"))
@in_app_context
def finalize_overdue_attempts() -> int:
    """Close attempts whose time is up, by their policy (answers graded, never blanked)."""
    closed = finalize_overdue()
    db.session.commit()
    if closed:
        log.info("Finalised %d overdue attempts", closed)
    return closed
