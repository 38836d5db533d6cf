"""Periodic account jobs."""

from __future__ import annotations

import logging

from huey import crontab

from lms.auth.sessions import purge_sessions
from lms.extensions import db
from lms.jobs import huey, in_app_context

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="17", hour="3"))
@in_app_context
def purge_old_sessions() -> int:
    """Nightly: forget login sessions ended (or opened) more than 30 days ago."""
    purged = purge_sessions()
    db.session.commit()
    if purged:
        log.info("Purged %d old login sessions", purged)
    return purged
