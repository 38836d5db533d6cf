"""Signing keys over time: which key signs now, the history of keys, rotation, and the
start-up check of the signing configuration.

The configuration (``LMS_SIGNING_KEY`` … or ``LMS_SIGNING_PKCS11_*``) names the first
key.  ``lms certificates keys rotate`` makes another key the active one; the history
(:class:`~lms.certificates.models.SigningKey`) keeps every key's certificate, so the
certificates signed before a rotation keep verifying, online and offline.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.audit.services import record
from lms.certificates.material import (
    FileKey,
    Material,
    SigningConfigError,
    SigningNotConfigured,
    TokenKey,
    configured_kind,
    file_key,
    material_from_config,
    open_signer,
    signing_policy,
    token_from_config,
)
from lms.certificates.models import Certificate, SigningKey
from lms.db import utcnow
from lms.db_upsert import insert_for
from lms.errors import InvalidInput
from lms.extensions import db

__all__ = ["check_signing", "history", "key_row", "rotate", "signing_material", "trusted_certs"]


def _config() -> dict[str, Any]:
    return current_app.config  # type: ignore[return-value]


def _active() -> SigningKey | None:
    return db.session.scalar(select(SigningKey).where(SigningKey.active.is_(True)))


def material_of(row: SigningKey) -> Material:
    """The material a history row names (module, token and PIN from the configuration)."""
    if row.kind == "pkcs11":
        return token_from_config(_config()).with_labels(row.label, row.cert_ref)
    passphrase = _config().get("LMS_SIGNING_PASSPHRASE")
    material = file_key(
        Path(row.label),
        Path(row.cert_ref) if row.cert_ref else None,
        passphrase.encode() if passphrase else None,
    )
    return replace(material, policy=signing_policy(_config()))


def signing_material() -> Material:
    """The key that signs now: the active key of the history when it is of the configured
    kind (a rotation), else the configured one.

    :raises SigningConfigError: a wrong configuration.
    :raises SigningNotConfigured: no key at all.
    """
    kind = configured_kind(_config()) or "file"
    row = _active()
    if row is not None and row.kind == kind:
        return material_of(row)
    return material_from_config(_config(), current_app.instance_path)


def _identity(pem: bytes) -> tuple[str, str, str]:
    """(PEM text, SHA-256 fingerprint of the DER, subject) of a certificate."""
    cert = x509.load_pem_x509_certificate(pem)
    der = cert.public_bytes(Encoding.DER)
    return (
        cert.public_bytes(Encoding.PEM).decode(),
        hashlib.sha256(der).hexdigest(),
        cert.subject.rfc4514_string(),
    )


def _activate(row: SigningKey) -> SigningKey | None:
    """Make ``row`` the key in use; returns the key it replaces."""
    previous = _active()
    if previous is not None and previous.id == row.id:
        return None
    now = utcnow()
    if previous is not None:
        previous.active, previous.retired_at = False, now
        db.session.flush()
    row.active, row.retired_at = True, None
    db.session.flush()
    return previous


def _row_for(material: Material) -> SigningKey:
    pem, fingerprint, subject = _identity(material.trusted_cert_pem())
    table = SigningKey.__table__
    db.session.execute(
        insert_for(table)
        .values(
            kind=material.kind,
            label=material.label,
            cert_ref=material.cert_ref,
            cert_pem=pem,
            fingerprint=fingerprint,
            subject=subject,
            active=False,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing()
    )
    return db.session.scalars(select(SigningKey).where(SigningKey.fingerprint == fingerprint)).one()


def key_row(material: Material) -> SigningKey:
    """The history row of the key about to sign (added when first seen), made the key in
    use: a key changed in the configuration is recorded as a rotation."""
    row = _row_for(material)
    if not row.active:
        previous = _activate(row)
        if previous is not None:
            _record_rotation(None, row, previous, "configuration")
    return row


def mark_used(row: SigningKey) -> None:
    now = utcnow()
    row.first_used_at = row.first_used_at or now
    row.last_used_at = now


def _record_rotation(
    actor_id: int | None, row: SigningKey, previous: SigningKey | None, source: str
) -> None:
    record(
        "signing_key_rotate",
        actor_id,
        f"key:{row.id}",
        kind=row.kind,
        label=row.label,
        fingerprint=row.fingerprint[:16],
        previous=previous.id if previous else None,
        source=source,
    )


def rotate(
    *,
    key_file: Path | None = None,
    cert_file: Path | None = None,
    key_label: str | None = None,
    cert_label: str | None = None,
    actor_id: int | None = None,
) -> SigningKey:
    """Switch to new key material: a key file, or another key label in the token.

    The new key signs a sample first (a key that does not match its certificate, or a
    label the token lacks, changes nothing).

    :raises InvalidInput: the material is wrong, of another kind than the configured one,
        or already in use.
    """
    kind = configured_kind(_config()) or "file"
    if (key_file is None) == (key_label is None):
        raise InvalidInput("key", _("Give either a new key file or a new key label."))
    material: Material
    if key_label is not None:
        if kind != "pkcs11":
            raise InvalidInput(
                "key", _("A key label needs a PKCS#11 token (LMS_SIGNING_PKCS11_MODULE).")
            )
        material = token_from_config(_config()).with_labels(key_label, cert_label)
    else:
        if kind != "file":
            raise InvalidInput(
                "key", _("A key file cannot replace a key in a token: give a key label.")
            )
        assert key_file is not None
        is_p12 = key_file.suffix.lower() in (".p12", ".pfx")
        if cert_file is None and not is_p12:
            raise InvalidInput("cert", _("Give the certificate of the new key."))
        passphrase = _config().get("LMS_SIGNING_PASSPHRASE")
        try:
            material = file_key(
                key_file.resolve(),
                cert_file.resolve() if cert_file else None,
                passphrase.encode() if passphrase else None,
            )
        except SigningNotConfigured:
            raise InvalidInput("key", _("The key or certificate file does not exist.")) from None
    try:
        _sample_signature(material)
        row = _row_for(material)
    except SigningConfigError as exc:
        raise InvalidInput("key", str(exc)) from None
    if row.active:
        raise InvalidInput("key", _("This key is already the one in use."))
    previous = _activate(row)
    _record_rotation(actor_id, row, previous, "rotate")
    return row


def _sample_signature(material: Material) -> None:
    """Sign and verify a sample with ``material`` (in this process, then let go)."""
    from lms.certificates.pdf import render_certificate_pdf, sample_context
    from lms.certificates.signing import sign_pdf
    from lms.certificates.verification import verify_pdf

    signer = open_signer(material)
    try:
        signed = sign_pdf(render_certificate_pdf(sample_context()), signer)
    finally:
        if isinstance(material, TokenKey):
            signer.close()
    if not verify_pdf(signed, material.trusted_cert_pem()).valid:
        raise SigningConfigError("signing: the key does not match its certificate")


@dataclass(frozen=True)
class KeyUse:
    """A key of the history and what it signed."""

    key: SigningKey
    count: int
    first_serial: str | None
    last_serial: str | None


def history() -> list[KeyUse]:
    """Every signing key, oldest first, with how many certificates it signed (serials)."""
    usage = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(
                Certificate.signing_key_id,
                func.count(),
                func.min(Certificate.serial),
                func.max(Certificate.serial),
            ).group_by(Certificate.signing_key_id)
        )
    }
    return [
        KeyUse(key, *usage.get(key.id, (0, None, None)))
        for key in db.session.scalars(select(SigningKey).order_by(SigningKey.id))
    ]


def trusted_certs() -> list[bytes]:
    """The certificates of every key this installation signed with (PEM), else the
    configured key's: what an uploaded certificate's signature is checked against."""
    pems = [
        row.encode()
        for row in db.session.scalars(select(SigningKey.cert_pem).order_by(SigningKey.id))
    ]
    return pems or [signing_material().trusted_cert_pem()]


def check_signing() -> str | None:
    """Open the signing key now (start-up of a web or worker process): returns what
    will sign, None when no key is configured yet (``lms certificates init-keys``).

    :raises SigningConfigError: one line saying what is wrong (never the PIN).
    """
    from sqlalchemy.exc import SQLAlchemyError

    from lms.certificates.bulk import probe_signer

    try:
        try:
            material = signing_material()
        except SQLAlchemyError:  # a database not migrated yet: no history to follow
            db.session.rollback()
            material = material_from_config(_config(), current_app.instance_path)
    except SigningNotConfigured:
        return None
    probe_signer(material)
    return f"{material.kind} {material.label}"


def used_at(value: datetime | None) -> str:
    from lms.i18n import format_date

    return format_date(value) if value else "–"


__all__ += ["FileKey", "KeyUse", "mark_used", "material_of", "used_at"]
