"""The PDF versions of a certificate: the one issued, then one per LTV refresh.

``/verify`` and ``lms certificates verify`` find a certificate by the SHA-256 of any of
its versions (holders keep the copies they downloaded). Services here only flush.
"""

from __future__ import annotations

from sqlalchemy import select

from lms.certificates.models import Certificate, CertificatePdfVersion
from lms.db import utcnow
from lms.extensions import db

__all__ = ["by_pdf_sha256", "record_version", "replace_pdf"]


def by_pdf_sha256(digest: str) -> Certificate | None:
    """The certificate whose current or any earlier PDF has this SHA-256 (hex)."""
    found = db.session.scalar(select(Certificate).where(Certificate.pdf_sha256 == digest))
    if found is not None:
        return found
    return db.session.scalar(
        select(Certificate)
        .join(CertificatePdfVersion, CertificatePdfVersion.certificate_id == Certificate.id)
        .where(CertificatePdfVersion.sha256 == digest)
    )


def record_version(certificate_id: int, digest: str, reason: str = "issue") -> None:
    """The certificate's new current PDF (its bytes are ``Certificate.pdf``)."""
    db.session.add(
        CertificatePdfVersion(
            certificate_id=certificate_id, sha256=digest, reason=reason, created_at=utcnow()
        )
    )


def replace_pdf(certificate: Certificate, pdf: bytes, digest: str, reason: str) -> None:
    """Make ``pdf`` the certificate's current file; the earlier file is kept, with its
    hash, in its version row (so it still verifies and can be handed out again)."""
    earlier = db.session.scalar(
        select(CertificatePdfVersion).where(CertificatePdfVersion.sha256 == certificate.pdf_sha256)
    )
    if earlier is None:  # a row the backfill could not make (a duplicate hash)
        earlier = CertificatePdfVersion(
            certificate_id=certificate.id,
            sha256=certificate.pdf_sha256,
            reason="issue",
            created_at=certificate.issued_at,
        )
        db.session.add(earlier)
    earlier.pdf = certificate.pdf
    certificate.pdf, certificate.pdf_sha256 = pdf, digest
    record_version(certificate.id, digest, reason)
    db.session.flush()
