"""Issuing certificates: eligibility from class completion, concurrency-safe serials,
snapshots, signed PDFs in bulk, revocation and reissue, verification."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import to_user_timezone
from sqlalchemy import select

from lms.audit.services import record
from lms.auth.models import User
from lms.certificates.keys import key_row, mark_used, signing_material, trusted_certs
from lms.certificates.material import (
    FileKey,
    Material,
    SigningConfigError,
    SigningNotConfigured,
)
from lms.certificates.models import Certificate, CertificateEvent, SerialCounter, SigningKey
from lms.certificates.pdf import CertificateContext
from lms.certificates.versions import by_pdf_sha256, record_version
from lms.classes.models import Class, ClassCompletion, CompletionStatus
from lms.db import aware, utcnow
from lms.db_upsert import insert_for
from lms.errors import InvalidInput
from lms.extensions import db
from lms.grading_scale import classify

log = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read and typed by people
CODE_LENGTH = 12
CHUNK = 50


SigningMaterial = FileKey  # the older name of a key file's material


def new_code() -> str:
    """A random verification code (≈60 bits), not derived from the serial."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def allocate_serials(year: int, count: int) -> list[str]:
    """Reserve ``count`` serials of ``year`` atomically: ``CY-2025-000123``.

    One ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` — concurrent runs never get the
    same number (a crashed run leaves a gap, never a duplicate).
    """
    table = SerialCounter.__table__
    stmt = insert_for(table).values(year=year, last=count)
    stmt = stmt.on_conflict_do_update(index_elements=["year"],
                                      set_={"last": table.c.last + count}
                                      ).returning(table.c.last)
    last = db.session.execute(stmt).scalar_one()
    return [f"CY-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def eligible(klass: Class, user_ids: Sequence[int] | None = None) -> list[tuple[User,
                                                                                ClassCompletion]]:
    """Learners who completed the class and hold no valid certificate of it.

    A learner whose certificate of the class was revoked is never eligible again: a
    revocation only ends through an explicit :func:`reissue` by an admin, never through
    a completion recompute, an automatic run or a bulk run.
    """
    mine = (Certificate.class_id == klass.id, Certificate.user_id == ClassCompletion.user_id)
    has_valid = select(Certificate.id).where(*mine, Certificate.status == "valid").exists()
    revoked = select(Certificate.id).where(
        *mine, Certificate.status == "revoked", Certificate.superseded_by_id.is_(None)).exists()
    query = (select(User, ClassCompletion).join(ClassCompletion, ClassCompletion.user_id == User.id)
             .where(ClassCompletion.class_id == klass.id,
                    ClassCompletion.status == CompletionStatus.COMPLETED.value, ~has_valid,
                    ~revoked)
             .order_by(User.id))
    if user_ids is not None:
        query = query.where(User.id.in_(list(user_ids)))
    return [(row[0], row[1]) for row in db.session.execute(query)]


def _local_date(value: Any) -> date:
    moment = aware(value) or utcnow()
    return to_user_timezone(moment).date()


def snapshot_for(klass: Class, user: User, completion: ClassCompletion, serial: str,
                 code: str) -> dict[str, Any]:
    """Everything printed on the certificate, frozen at issue (later edits change nothing)."""
    base = current_app.config.get("LMS_BASE_URL", "").rstrip("/")
    return {
        "serial": serial, "verify_code": code, "verify_url": f"{base}/verify/{code}",
        "holder_name": user.full_name,
        "holder_dob": user.date_of_birth.isoformat() if user.date_of_birth else None,
        "holder_unit": user.unit or "", "class_name": klass.name, "class_code": klass.code,
        "course_title": klass.course.title, "score10": completion.best_score10,
        "classification": classify(completion.best_score10),
        "completed_on": _local_date(completion.completed_at).isoformat(),
        "issued_on": _local_date(utcnow()).isoformat(), "place": klass.certificate_place,
        "issuer_name": klass.certificate_issuer,
        "issuer_parent": klass.certificate_issuer_parent or None,
        "signer_name": klass.certificate_signer_name,
        "signer_title": klass.certificate_signer_title,
    }


def context_of(snapshot: dict[str, Any]) -> CertificateContext:
    """The PDF's plain-data context from a snapshot."""
    data = dict(snapshot)
    for key in ("holder_dob", "completed_on", "issued_on"):
        data[key] = date.fromisoformat(data[key]) if data.get(key) else None
    return CertificateContext(**data)


def _render(contexts: list[CertificateContext], material: Material) -> list[bytes]:
    """Render and sign (no database access: tests run it in a thread of its own)."""
    from lms.certificates.bulk import render_and_sign_bulk

    # The render processes lay a chunk out in documents of bulk's DEFAULT_CHUNK_SIZE.
    return render_and_sign_bulk(contexts, material,
                                workers=current_app.config["LMS_CERT_WORKERS"])


def _signing_key() -> tuple[Material, SigningKey]:
    """The material that signs now and its row in the key history (added on first use)."""
    material = signing_material()
    return material, key_row(material)


def _signed(contexts: list[CertificateContext]) -> tuple[list[bytes], SigningKey]:
    """Signed PDFs, and the key (of the history) that signs them."""
    material, key = _signing_key()
    pdfs = _render(contexts, material)
    mark_used(key)
    return pdfs, key


def warm_render_pool() -> int:
    """Start the certificate render processes now; returns how many (0: none needed).

    ``lms worker`` calls this at start-up so that the first bulk run of its life does
    not pay ~1 s for starting processes. Without signing keys there is nothing to warm.
    """
    from lms.certificates.bulk import default_workers, warm_pool

    workers = current_app.config["LMS_CERT_WORKERS"] or default_workers()
    if workers <= 1:
        return 0
    try:
        material = signing_material()
    except (SigningNotConfigured, SigningConfigError):  # `lms worker` said why already
        return 0
    warm_pool(material, workers=workers)
    return workers


def _insert(klass: Class, user: User, snapshot: dict[str, Any], pdf: bytes,
            actor: User | None, replaces: Certificate | None = None,
            reason: str = "", key: SigningKey | None = None) -> Certificate | None:
    """Insert a valid certificate unless one exists (the partial unique index decides), or,
    for a run rather than a reissue, unless a certificate of the class was revoked since
    the run listed the learner: a revocation never undoes itself."""
    if replaces is None and db.session.scalar(select(Certificate.id).where(
            Certificate.class_id == klass.id, Certificate.user_id == user.id,
            Certificate.status == "revoked", Certificate.superseded_by_id.is_(None))
            .limit(1)):
        return None
    table = Certificate.__table__
    now = utcnow()
    stmt = insert_for(table).values(
        class_id=klass.id, user_id=user.id, serial=snapshot["serial"],
        code=snapshot["verify_code"], status="valid", snapshot=snapshot, pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(), issued_at=now,
        issued_by_id=actor.id if actor else None, revoked_reason="",
        replaces_id=replaces.id if replaces else None, signing_key_id=key.id if key else None,
    ).on_conflict_do_nothing().returning(table.c.id)
    new_id = db.session.execute(stmt).scalar()
    if new_id is None:
        return None
    record_version(new_id, hashlib.sha256(pdf).hexdigest())
    db.session.add(CertificateEvent(certificate_id=new_id,
                                    action="reissue" if replaces else "issue",
                                    actor_id=actor.id if actor else None))
    record("certificate_reissue" if replaces else "certificate_issue",
           actor.id if actor else None, snapshot["serial"], user_id=user.id,
           class_code=klass.code, replaces=replaces.serial if replaces else None,
           **({"reason": reason} if reason else {}))
    return db.session.get(Certificate, new_id)


def refuse_without_public_address() -> None:
    """Certificates carry the verification address: never issue them pointing at localhost.

    :raises InvalidInput: in production, when ``LMS_BASE_URL`` is unset or local.
    """
    from flask import current_app

    from lms.config import base_url_is_local

    if base_url_is_local(current_app.config):
        raise InvalidInput("LMS_BASE_URL", _(
            "LMS_BASE_URL is %(url)s: set it to the public address (https://…) before "
            "issuing certificates, whose QR codes point there.",
            url=current_app.config.get("LMS_BASE_URL") or _("unset")))


def issue_for_class(klass: Class, actor: User | None, user_ids: Sequence[int] | None = None,
                    progress: Callable[[int, int, int], None] | None = None) -> int:
    """Issue certificates to every eligible learner, chunk by chunk; returns how many.

    Each chunk: serials reserved and committed; PDFs rendered and signed outside any
    transaction; rows inserted and committed together. A crash leaves no half-issued
    certificate; running again (or concurrently) issues nothing twice.
    """
    refuse_without_public_address()
    todo = eligible(klass, user_ids)
    total, issued = len(todo), 0
    if progress:
        progress(0, total, 0)
    year = to_user_timezone(utcnow()).year
    for start in range(0, total, CHUNK):
        chunk = todo[start:start + CHUNK]
        serials = allocate_serials(year, len(chunk))
        snapshots = [snapshot_for(klass, user, completion, serial, new_code())
                     for (user, completion), serial in zip(chunk, serials, strict=True)]
        contexts = [context_of(s) for s in snapshots]
        material, key = _signing_key()
        # Serials are taken even if rendering fails (gaps, never duplicates), and nothing
        # stays open while the chunk renders: on SQLite a transaction held here would keep
        # the write lock from every request for the whole render.
        db.session.commit()
        pdfs = _render(contexts, material)
        mark_used(key)
        for (user, _completion), snapshot, pdf in zip(chunk, snapshots, pdfs, strict=True):
            issued += _insert(klass, user, snapshot, pdf, actor, key=key) is not None
        db.session.commit()
        if progress:
            progress(min(start + CHUNK, total), total, issued)
    log.info("Issued %d certificates in %s", issued, klass.code)
    return issued


def revoke(certificate: Certificate, actor: User | None, reason: str) -> None:
    """Revoke a valid certificate, with a reason (recorded)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", _("Give the reason for the revocation."))
    if certificate.status != "valid":
        raise InvalidInput("serial", _("Only a valid certificate can be revoked."))
    certificate.status, certificate.revoked_at = "revoked", utcnow()
    certificate.revoked_reason = reason
    db.session.add(CertificateEvent(certificate_id=certificate.id, action="revoke",
                                    actor_id=actor.id if actor else None, reason=reason))
    record("certificate_revoke", actor.id if actor else None, certificate.serial, reason=reason)
    db.session.flush()


def reissue(certificate: Certificate, actor: User | None, reason: str) -> Certificate:
    """Replace a certificate, with a reason: a new serial and code, fresh data.

    A valid certificate (e.g. a name correction) becomes superseded and points to the
    new one. A revoked one stays revoked, pointing to the new one: this explicit step is
    the only way a learner gets a certificate of the class again after a revocation.
    """
    reason = reason.strip()
    if not reason:
        raise InvalidInput("reason", _("Give the reason for the reissue."))
    if certificate.status not in ("valid", "revoked") or certificate.superseded_by_id:
        raise InvalidInput("serial", _("Only a valid or revoked certificate can be reissued."))
    klass = db.session.get(Class, certificate.class_id)
    user = db.session.get(User, certificate.user_id)
    completion = db.session.scalar(select(ClassCompletion).where(
        ClassCompletion.class_id == klass.id, ClassCompletion.user_id == user.id))
    if completion is None:
        raise InvalidInput("serial", _("The learner has no completion record in this class."))
    serial = allocate_serials(to_user_timezone(utcnow()).year, 1)[0]
    snapshot = snapshot_for(klass, user, completion, serial, new_code())
    snapshot["completed_on"] = certificate.snapshot["completed_on"]
    pdfs, key = _signed([context_of(snapshot)])
    if certificate.status == "valid":
        certificate.status = "superseded"
        db.session.flush()  # frees the one-valid slot for the replacement
    new = _insert(klass, user, snapshot, pdfs[0], actor, replaces=certificate, reason=reason,
                  key=key)
    if new is None:
        raise InvalidInput("serial", _("A valid certificate already exists."))
    certificate.superseded_by_id = new.id
    db.session.add(CertificateEvent(certificate_id=certificate.id, action="reissue",
                                    actor_id=actor.id if actor else None, reason=reason))
    db.session.flush()
    return new


def details_visible(certificate: Certificate, viewer: Any) -> bool:
    """Whether ``viewer`` (None: the public) may see the holder's date of birth and unit,
    the score and the revocation reason: only the staff of the certificate's class
    (its lecturers, admins), unless ``LMS_VERIFY_SHOW_DETAILS`` shows them to everyone.
    Personal data is disclosed at the minimum (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15)."""
    if current_app.config.get("LMS_VERIFY_SHOW_DETAILS"):
        return True
    if viewer is None or not getattr(viewer, "is_authenticated", True):
        return False
    if viewer.is_admin:
        return True
    from lms.permissions import can_manage_class

    klass = db.session.get(Class, certificate.class_id)
    return viewer.is_lecturer and klass is not None and can_manage_class(viewer, klass)


def by_code(code: str) -> Certificate | None:
    """The certificate with this verification code (case-insensitive), or None."""
    cleaned = code.strip().upper().replace("-", "").replace(" ", "")
    if not cleaned.isalnum() or len(cleaned) > 20:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == cleaned))


@dataclass
class UploadCheck:
    """What the verification of an uploaded PDF found."""

    signature_valid: bool
    signed_by_us: bool
    reason: str  # the library check's English, for logs and the CLI
    certificate: Certificate | None
    outcome: str = "unvalidated"  # a code the page words itself (see SignatureCheck)


def verify_upload(pdf: bytes) -> UploadCheck:
    """Check a PDF's signature against our key and match it to a certificate by content."""
    from lms.certificates.verification import verify_pdf

    check = verify_pdf(pdf, trusted_certs())
    certificate = by_pdf_sha256(hashlib.sha256(pdf).hexdigest())
    return UploadCheck(check.valid, check.signed_by_us, check.reason, certificate,
                       check.outcome)
