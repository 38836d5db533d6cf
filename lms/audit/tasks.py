"""The daily audit checkpoint (besides the one every ``LMS_AUDIT_CHECKPOINT_EVERY``
entries): even a quiet day leaves a signed record of the chain's length outside the
database."""

from __future__ import annotations

import logging

from huey import crontab

from lms.audit.checkpoints import make_checkpoint
from lms.jobs import huey, in_app_context

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(hour="17", minute="5"))  # 00:05 in Vietnam (UTC+7)
@in_app_context
def daily_audit_checkpoint() -> dict[str, int | str]:
    """Write a checkpoint of the committed chain head."""
    checkpoint = make_checkpoint()
    log.info("audit checkpoint: %d entries, head %s", checkpoint.entries, checkpoint.head)
    return {"entries": checkpoint.entries, "head": checkpoint.head, "at": checkpoint.at}
