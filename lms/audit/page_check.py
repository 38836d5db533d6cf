"""The audit page's verdict on the chain, without a full walk on every view.

A full walk (lms/audit/verify.py) reads every entry: about a second at 10 000 entries,
more every day. The page shows the verdict of the latest full walk instead, and walks
again when:

* the chain's head moved (an entry was added or the head row was changed or deleted),
* the checkpoint file changed (size or modification time),
* the language differs (the verdict's reason is a translated sentence),
* that walk is ``LMS_AUDIT_RECHECK_SECONDS`` old (a row edited in place leaves the head
  as it was: it is found within that time),
* or the last verdict was not "intact": tampering is walked on every view, so it keeps
  showing until the chain holds again.

The cache is per process and per application; ``lms audit verify`` and the daily job
always walk in full.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import get_locale

from lms.audit.models import AuditHead
from lms.audit.verify import ChainCheck, verify_chain
from lms.db import utcnow
from lms.extensions import db

_EXTENSION = "lms_audit_page_check"
_lock = threading.Lock()


@dataclass(frozen=True)
class ChainStatus:
    """A verdict on the chain and when the full walk that gave it started."""

    check: ChainCheck
    checked_at: datetime


def _file_state(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _key() -> tuple[Any, ...]:
    """What a verdict holds for: the head row, the checkpoint file, the language."""
    head = db.session.get(AuditHead, 1, populate_existing=True)
    path = str(current_app.config["LMS_AUDIT_CHECKPOINT_FILE"])  # as checkpoints._path()
    return (
        (head.last_id, head.last_hash, head.entries) if head is not None else None,
        path,
        _file_state(path),
        str(get_locale() or ""),
    )


def chain_status() -> ChainStatus:
    """The latest full walk's verdict, walking again when it may no longer hold."""
    app = current_app._get_current_object()
    ttl = timedelta(seconds=app.config.get("LMS_AUDIT_RECHECK_SECONDS", 600))
    with _lock:
        key = _key()
        cached: tuple[tuple[Any, ...], ChainStatus] | None = app.extensions.get(_EXTENSION)
        now = utcnow()
        if cached is not None:
            cached_key, status = cached
            age = now - status.checked_at
            if cached_key == key and status.check.ok and timedelta(0) <= age < ttl:
                return status
        status = ChainStatus(verify_chain(), now)
        app.extensions[_EXTENSION] = (key, status)
        return status
