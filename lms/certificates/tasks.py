"""Certificate jobs: bulk issue with progress, per-class zip, automatic issue at completion."""

from __future__ import annotations

import io
import logging
import zipfile
from datetime import timedelta
from typing import Any

from huey import crontab
from sqlalchemy import select

from lms.certificates.models import Certificate, IssueRun
from lms.certificates.services import issue_for_class
from lms.certificates.stamping import (
    WAITING_FOR_REVOCATION,
    WAITING_FOR_TSA,
    RevocationUnavailable,
    SigningServiceUnavailable,
)
from lms.classes.models import Class, CompletionStatus
from lms.db import utcnow
from lms.events import completion_changed
from lms.extensions import db
from lms.jobs import enqueue_after_commit, huey, in_app_context

log = logging.getLogger(__name__)

#: A run whose TSA cannot be reached tries again after this long (state: waiting).
TSA_RETRY = timedelta(minutes=1)
#: ... and one whose OCSP responder or CRL distribution point cannot (LTV).
REVOCATION_RETRY = timedelta(minutes=1)

__all__ = ["REVOCATION_RETRY", "TSA_RETRY", "WAITING_FOR_REVOCATION", "WAITING_FOR_TSA",
           "connect_events", "requeue_stalled_runs", "run_issue", "run_zip", "start_run"]


def start_run(klass: Class, actor_id: int | None, kind: str = "issue",
              user_ids: list[int] | None = None) -> IssueRun:
    """Record a run and queue its job (after the request commits).

    :raises InvalidInput: an issue run in production without a public ``LMS_BASE_URL``.
    """
    if kind == "issue":
        from lms.certificates.services import refuse_without_public_address

        refuse_without_public_address()
    run = IssueRun(class_id=klass.id, kind=kind, requested_by_id=actor_id, user_ids=user_ids)
    db.session.add(run)
    db.session.flush()
    from lms.audit.services import record

    record("certificate_run", actor_id, f"class:{klass.code}", class_code=klass.code,
           kind=kind, learners=len(user_ids) if user_ids is not None else "all",
           run_id=run.id)
    enqueue_after_commit(run_issue if kind == "issue" else run_zip, run.id)
    return run


@huey.task()
@in_app_context
def run_issue(run_id: int) -> None:
    """Issue a class's certificates, updating the run's progress as chunks finish."""
    run = db.session.get(IssueRun, run_id)
    if run is None or run.status == "done":
        return
    run.status = "running"
    db.session.commit()

    def progress(done: int, total: int, issued: int) -> None:
        current = db.session.get(IssueRun, run_id)
        current.done, current.total, current.issued = done, total, issued
        db.session.commit()

    try:
        klass = db.session.get(Class, run.class_id)
        actor = run.requested_by_id
        from lms.auth.models import User

        issue_for_class(klass, db.session.get(User, actor) if actor else None, run.user_ids,
                        progress)
        run = db.session.get(IssueRun, run_id)
        run.status, run.error, run.finished_at = "done", "", utcnow()
    except SigningServiceUnavailable as exc:  # nothing issued for the chunk; serials reserved
        # The TSA, or with LTV an OCSP responder / CRL distribution point, is down.
        log.warning("Certificate run %s waits: %s", run_id, exc)
        db.session.rollback()
        run = db.session.get(IssueRun, run_id)
        run.status, run.error = "queued", exc.waiting
        db.session.commit()
        retry = REVOCATION_RETRY if isinstance(exc, RevocationUnavailable) else TSA_RETRY
        run_issue.schedule((run_id,), delay=retry.total_seconds())
        return
    except Exception as exc:
        log.exception("Certificate run %s failed", run_id)
        db.session.rollback()
        run = db.session.get(IssueRun, run_id)
        run.status, run.error, run.finished_at = "failed", str(exc)[:500], utcnow()
    db.session.commit()


@huey.task()
@in_app_context
def run_zip(run_id: int) -> None:
    """Zip all valid certificates of a class."""
    run = db.session.get(IssueRun, run_id)
    if run is None or run.status == "done":
        return
    certificates = db.session.scalars(select(Certificate).where(
        Certificate.class_id == run.class_id, Certificate.status == "valid")
        .order_by(Certificate.serial)).all()
    run.status, run.total = "running", len(certificates)
    db.session.commit()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed
        for index, certificate in enumerate(certificates, start=1):
            archive.writestr(f"{certificate.serial}.pdf", certificate.pdf)
            if index % 50 == 0:
                run.done = index
                db.session.commit()
    run.data, run.done, run.status, run.finished_at = buffer.getvalue(), len(certificates), \
        "done", utcnow()
    db.session.commit()


def _auto_issue(klass: Class, outcomes: dict[int, Any], **_: Any) -> None:
    """Classes in automatic mode issue at completion: queued at once, not by a cron job."""
    if klass.certificate_mode != "auto":
        return
    completed = [uid for uid, outcome in outcomes.items()
                 if outcome.status == CompletionStatus.COMPLETED.value]
    if completed:
        start_run(klass, None, "issue", completed)


def connect_events() -> None:
    """Subscribe automatic issue to completion changes."""
    completion_changed.connect(_auto_issue)


STALLED_AFTER = timedelta(minutes=10)


@huey.periodic_task(crontab(minute="*/5"))
@in_app_context
def requeue_stalled_runs() -> int:
    """Queue again the runs a dead worker left behind (a killed worker loses its job).

    Issuing is idempotent, so a run queued twice issues nothing twice.
    """
    cutoff = utcnow() - STALLED_AFTER
    stalled = db.session.scalars(select(IssueRun).where(
        IssueRun.status.in_(("queued", "running")), IssueRun.created_at < cutoff)).all()
    for run in stalled:
        log.warning("Certificate run %s stalled (%s); queued again", run.id, run.status)
        run.status = "queued"
        db.session.commit()
        (run_issue if run.kind == "issue" else run_zip)(run.id)
    return len(stalled)


@huey.periodic_task(crontab(hour="18", minute="20"))  # 01:20 in Vietnam (UTC+7)
@in_app_context
def refresh_ltv_daily() -> dict[str, int] | None:
    """The daily LTV refresh; nothing unless ``LMS_SIGNING_LTV`` and ``LMS_TSA_URL`` are set."""
    from lms.certificates import refresh
    from lms.certificates.material import SigningConfigError

    try:
        if refresh.refresh_policy() is None:
            return None
    except SigningConfigError as exc:  # said once a day, in one line
        log.error("LTV refresh not run: %s", exc)
        return None
    outcome = refresh.refresh_ltv()
    for serial, reason in outcome.failed:
        log.warning("LTV refresh of %s failed: %s", serial, reason)
    return outcome.counts()
