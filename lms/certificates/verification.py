"""Verification of a certificate PDF's signature against our signing certificates.

Pure: bytes in, a :class:`SignatureCheck` out; never raises.  The detailed report
(trust roots, signing time, PAdES level) is :mod:`lms.certificates.verify_report`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import (
    KeyUsageConstraints,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko_certvalidator import ValidationContext

from lms.gettext_noop import N_

__all__ = ["KEY_USAGE", "SignatureCheck", "verify_pdf"]


@dataclass(frozen=True)
class SignatureCheck:
    """Outcome of :func:`verify_pdf`; ``reason`` is short English, in the catalog: pages
    show it translated (``_(reason)``), the CLI as it is."""

    valid: bool
    intact: bool
    whole_document: bool
    signed_by_us: bool
    reason: str
    field_names: tuple[str, ...] = ()
    #: The outcome as a code (valid, altered, not_ours, partial, unsigned, unreadable,
    #: unvalidated, bad_trust): pages map it to their own translated words.
    outcome: str = "unvalidated"


# Either usage will do: certificates from a real CA often carry only one of them.
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


def _invalid(
    reason: str, field_names: tuple[str, ...] = (), outcome: str = "unvalidated"
) -> SignatureCheck:
    return SignatureCheck(False, False, False, False, reason, field_names, outcome)


def verify_pdf(pdf: bytes, trusted_cert_pem: bytes | Sequence[bytes]) -> SignatureCheck:
    """Check the last signature of ``pdf`` against our certificate; never raises.

    ``trusted_cert_pem`` may list several certificates: every signing key this
    installation ever used (a rotated key's certificates keep verifying).
    """
    pems = [trusted_cert_pem] if isinstance(trusted_cert_pem, bytes) else list(trusted_cert_pem)
    try:
        trusted_certs = [cert for pem in pems for cert in load_certs_from_pemder_data(pem)]
        if not trusted_certs:
            raise ValueError("no certificate")
    except Exception:
        return _invalid(N_("The trusted certificate could not be read."), outcome="bad_trust")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except Exception:
        return _invalid(N_("This is not a readable PDF file."), outcome="unreadable")
    names = tuple(str(sig.field_name) for sig in embedded)
    if not embedded:
        return _invalid(N_("The document has no digital signature."), names, "unsigned")
    sig = embedded[-1]
    try:
        context = ValidationContext(trust_roots=trusted_certs, allow_fetching=False)
        status = validate_pdf_signature(sig, context, key_usage_settings=KEY_USAGE)
    except Exception:
        return _invalid(N_("The signature could not be validated."), names)
    intact = bool(status.intact and status.valid)
    whole = intact and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    ours = (
        intact
        and any(sig.signer_cert.dump() == cert.dump() for cert in trusted_certs)
        and status.trusted
    )
    if not intact:
        outcome, reason = "altered", N_("The document was altered after it was signed.")
    elif not ours:
        outcome, reason = "not_ours", N_("The document was not signed by this issuer.")
    elif not whole:
        outcome, reason = (
            "partial",
            N_("The document was changed after signing (the signature does not cover it all)."),
        )
    else:
        outcome, reason = "valid", N_("The signature is valid and covers the whole document.")
    return SignatureCheck(intact and whole and ours, intact, whole, ours, reason, names, outcome)
