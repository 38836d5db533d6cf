"""Nightly reconcile: completion is computed at each event; this only checks for drift."""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import select

from lms.classes.completion import drift
from lms.classes.models import Class, ClassStatus
from lms.extensions import db
from lms.jobs import huey, in_app_context

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(hour="2", minute="30"))
@in_app_context
def reconcile_completion() -> dict[str, list[int]]:
    """Report learners whose stored completion differs from a fresh computation.

    Nothing is changed: a drift means an event handler was missed, which is a bug to find,
    not to paper over.
    """
    report = {}
    for klass in db.session.scalars(select(Class).where(Class.status != ClassStatus.CLOSED.value)):
        users = drift(klass)
        if users:
            report[klass.code] = users
            log.warning("Completion drift in %s for %d learners: %s", klass.code, len(users),
                        users[:20])
    return report
