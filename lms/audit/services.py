"""Recording audit events; the chain itself is in lms/audit/chain.py, its verification in
lms/audit/verify.py and the signed checkpoints outside the database in
lms/audit/checkpoints.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from lms.audit.chain import MARKER, append, chain_hash
from lms.audit.models import AuditEntry
from lms.audit.verify import ChainCheck, verify_chain

log = logging.getLogger(__name__)

ACTIONS = ("login", "login_failed", "role_change", "grade", "regrade", "manual_grade",
           "accommodation", "roster_import", "certificate_issue", "certificate_revoke",
           "certificate_reissue", "learner_withdraw", "lesson_marked_done", "legal_status",
           "legal_review", "quiz_window", "lecturer_assign", "lecturer_remove", "learner_enrol",
           "learner_move", "quiz_settings", MARKER,
           # accounts and sessions (issue 15)
           "password_reset", "account_deactivate", "account_reactivate", "account_create",
           "login_activation", "password_change", "sessions_end", "password_check_failed",
           # audit coverage (issue 15)
           "class_create", "class_settings", "account_edit", "content_edit", "export_request",
           "certificate_run", "attempt_start",
           # signing keys, LTV refresh (issue 16)
           "signing_key_rotate", "certificate_ltv_refresh")

__all__ = ["ACTIONS", "ChainCheck", "chain_hash", "changes", "connect_events", "record",
           "verify_chain"]

Change = dict[str, Any]  # {"old": …, "new": …}


def _plain(value: Any) -> Any:
    """A value as the audit log keeps it (JSON: dates as ISO text)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Change]:
    """The fields of ``after`` whose value differs from ``before``, each as
    ``{"old": …, "new": …}`` (the audit entry then tells what changed from what to what)."""
    return {name: {"old": _plain(before.get(name)), "new": _plain(value)}
            for name, value in after.items() if _plain(before.get(name)) != _plain(value)}


def record(
    action: str, actor_id: int | None = None, target: str = "", **details: Any
) -> AuditEntry:
    """Append an event to the chain (in the caller's transaction)."""
    if action not in ACTIONS or action == MARKER:
        raise ValueError(f"unknown audit action {action!r}")
    return append(action, actor_id, target, details)


def _on_attempt_graded(sender: Any, user_id: int, quiz_id: int, **_: Any) -> None:
    record(
        "grade",
        None,
        f"attempt:{sender.id}",
        user_id=user_id,
        quiz_id=quiz_id,
        state=sender.state,
        score10=sender.score10,
        needs_grading=sender.needs_grading,
    )


def connect_events() -> None:
    """Grades are recorded wherever they happen (submit, finalising, regrade, marks)."""
    from lms.events import attempt_graded

    attempt_graded.connect(_on_attempt_graded)
