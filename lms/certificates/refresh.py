"""LTV refresh of the archived certificate PDFs (``lms certificates refresh-ltv`` and the
daily job): a new document timestamp before the TSA certificate of a PDF's latest
timestamp expires, so the signature keeps verifying for the long term.

Which certificates: every stored one, whatever its status. A revoked or superseded
certificate is refreshed too: its file must keep proving what was issued, and its
status lives in our records, which ``/verify`` shows first. Certificates without
validation data (B-B, B-T) are skipped with the reason. A refresh is all or nothing per
certificate: the new file, its version row and the audit entry are committed together;
a failure changes nothing. Like :func:`~.services.issue_for_class`, this batch service
commits after each certificate, and holds no transaction while the TSA answers.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import to_user_timezone
from sqlalchemy import select

from lms.audit.services import record
from lms.certificates.ltv_refresh import ArchivalRefresher, latest_stamp
from lms.certificates.material import signing_policy
from lms.certificates.models import Certificate
from lms.certificates.stamping import SigningPolicy, TimestampUnavailable
from lms.certificates.versions import replace_pdf
from lms.db import utcnow
from lms.extensions import db
from lms.gettext_noop import N_

log = logging.getLogger(__name__)

__all__ = ["LtvNotConfigured", "RefreshOutcome", "default_before", "refresh_ltv", "refresh_policy"]

#: Reasons, in the catalog (shown translated).
NO_TIMESTAMP = N_("no timestamp (PAdES B-B)")
NO_VALIDATION_DATA = N_("no validation data embedded (PAdES B-T)")
UNREADABLE = N_("the stored PDF cannot be read")
TSA_UNREACHABLE = N_("the time-stamping server cannot be reached")
NOT_VALIDATED = N_("the last timestamp or its revocation data could not be validated")
STORE_FAILED = N_("the refreshed PDF could not be stored")


class LtvNotConfigured(RuntimeError):  # noqa: N818 (a state, read as a sentence)
    """The refresh needs ``LMS_SIGNING_LTV=1`` and ``LMS_TSA_URL`` (and trust roots)."""


@dataclass
class RefreshOutcome:
    """What a run did: serials refreshed, counts, and (serial, reason) per skip/failure."""

    before: date
    refreshed: list[str] = field(default_factory=list)
    current: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: Due certificates not tried once the TSA could not be reached (counted as failed).
    not_attempted: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "refreshed": len(self.refreshed),
            "current": self.current,
            "skipped": len(self.skipped),
            "failed": len(self.failed) + self.not_attempted,
        }


def refresh_policy() -> SigningPolicy | None:
    """The configured policy when it has both LTV and a TSA, else None.

    :raises SigningConfigError: a wrong signing configuration.
    """
    policy = signing_policy(current_app.config)
    if policy is None or not (policy.ltv and policy.tsa_url):
        return None
    return policy


def default_before() -> date:
    """Today (in the installation's time zone) plus ``LMS_LTV_REFRESH_MARGIN_DAYS``."""
    margin = int(current_app.config.get("LMS_LTV_REFRESH_MARGIN_DAYS", 180))
    return to_user_timezone(utcnow()).date() + timedelta(days=margin)


def _due(expires: datetime, before: date) -> bool:
    return expires < datetime.combine(before, time.min, tzinfo=UTC)


def _commit_refresh(
    certificate_id: int, old_digest: str, new_pdf: bytes, old_expiry: datetime | None
) -> bool:
    """Store the refreshed file, its version and the audit entry; False when the stored
    PDF is no longer the one refreshed (another run was quicker)."""
    certificate = db.session.get(Certificate, certificate_id, with_for_update=True)
    if certificate is None or certificate.pdf_sha256 != old_digest:
        db.session.rollback()
        return False
    digest = hashlib.sha256(new_pdf).hexdigest()
    new_expiry = latest_stamp(new_pdf).tsa_expires
    replace_pdf(certificate, new_pdf, digest, "ltv_refresh")
    record(
        "certificate_ltv_refresh",
        None,
        certificate.serial,
        old_sha256=old_digest,
        new_sha256=digest,
        tsa_expired=old_expiry.date().isoformat() if old_expiry else None,
        tsa_expires=new_expiry.date().isoformat() if new_expiry else None,
    )
    db.session.commit()
    return True


def refresh_ltv(before: date | None = None) -> RefreshOutcome:
    """Refresh every stored certificate whose latest timestamp's TSA certificate expires
    before ``before`` (default: :func:`default_before`).

    :raises LtvNotConfigured: without ``LMS_SIGNING_LTV=1`` and ``LMS_TSA_URL``.
    :raises SigningConfigError: a wrong signing configuration.
    """
    policy = refresh_policy()
    if policy is None:
        raise LtvNotConfigured(
            "LTV refresh needs LMS_SIGNING_LTV=1 and LMS_TSA_URL (with LMS_TRUST_ROOTS)"
        )
    outcome = RefreshOutcome(before or default_before())
    rows = db.session.execute(
        select(Certificate.id, Certificate.serial).order_by(Certificate.serial, Certificate.id)
    ).all()
    db.session.commit()
    with ArchivalRefresher(policy) as refresher:
        for index, (certificate_id, serial) in enumerate(rows):
            pdf = db.session.scalar(select(Certificate.pdf).where(Certificate.id == certificate_id))
            db.session.commit()  # no transaction open while the TSA answers
            if pdf is None:
                continue
            try:
                stamp = latest_stamp(pdf)
            except ValueError:
                outcome.failed.append((serial, UNREADABLE))
                continue
            if stamp.level in ("B-B", "B-T"):
                reason = NO_TIMESTAMP if stamp.level == "B-B" else NO_VALIDATION_DATA
                outcome.skipped.append((serial, reason))
                continue
            if stamp.tsa_expires is None or not _due(stamp.tsa_expires, outcome.before):
                outcome.current += 1
                continue
            try:
                new_pdf = refresher.refresh(pdf)
            except TimestampUnavailable as exc:  # every later one would wait for it too
                log.warning("LTV refresh of %s: %s", serial, exc)
                outcome.failed.append((serial, TSA_UNREACHABLE))
                outcome.not_attempted = _still_due(rows[index + 1 :], outcome.before)
                break
            except Exception:
                log.warning("LTV refresh of %s failed", serial, exc_info=True)
                outcome.failed.append((serial, NOT_VALIDATED))
                continue
            done: bool | None
            try:
                done = _commit_refresh(
                    certificate_id, hashlib.sha256(pdf).hexdigest(), new_pdf, stamp.tsa_expires
                )
            except Exception:
                db.session.rollback()
                log.exception("LTV refresh of %s: storing the new PDF failed", serial)
                done = None
            if done:
                outcome.refreshed.append(serial)
            elif done is None:
                outcome.failed.append((serial, STORE_FAILED))
            else:  # another run refreshed it meanwhile
                log.info("LTV refresh of %s: already refreshed by another run", serial)
                outcome.current += 1
    log.info("LTV refresh before %s: %s", outcome.before.isoformat(), outcome.counts())
    return outcome


def _still_due(rows: list, before: date) -> int:
    """How many of ``rows`` (id, serial) would have been refreshed."""
    count = 0
    for certificate_id, _serial in rows:
        pdf = db.session.scalar(select(Certificate.pdf).where(Certificate.id == certificate_id))
        try:
            stamp = latest_stamp(pdf) if pdf else None
        except ValueError:
            continue
        if (
            stamp is not None
            and stamp.level in ("B-LT", "B-LTA")
            and stamp.tsa_expires is not None
            and _due(stamp.tsa_expires, before)
        ):
            count += 1
    db.session.commit()
    return count
