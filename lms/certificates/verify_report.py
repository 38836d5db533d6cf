"""Verification that explains itself: one report for ``lms certificates verify`` and the
``/verify`` upload page.

The report says, in this order: the certificate's status in our records (valid,
revoked, superseded, or no match), the signer and the issuer of the signer's
certificate, whether the chain reaches a trust root (every signing certificate this
installation used, plus the PEM files of ``LMS_TRUST_ROOTS``), the signing time and
whether a trusted timestamp vouches for it or only the signer's clock, and the PAdES
level read from the embedded objects (B-B, B-T, B-LT, B-LTA). Every sentence is ours,
translated where it is shown: pyHanko's English never reaches a page.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import x509
from flask import current_app
from flask_babel import gettext as _
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from lms.certificates.models import Certificate
from lms.certificates.versions import by_pdf_sha256
from lms.i18n import format_date, format_datetime

log = logging.getLogger(__name__)

#: Outcome codes of the signature (the same as :class:`~.verification.SignatureCheck`'s).
OUTCOMES = ("valid", "altered", "partial", "unsigned", "unreadable", "unvalidated")
#: Where the signing time comes from.
TIME_SOURCES = ("timestamp", "timestamp_untrusted", "signer_clock")


@dataclass
class VerifyReport:
    """What a certificate PDF is worth, most important first (see :func:`build_report`)."""

    #: ``valid``, ``revoked``, ``superseded`` (our records) or ``unknown`` (no match).
    status: str = "unknown"
    certificate: Certificate | None = None
    outcome: str = "unvalidated"
    intact: bool = False
    whole_document: bool = False
    signed_by_us: bool = False
    trusted: bool = False
    signer_name: str = ""
    issuer_name: str = ""
    signing_time: datetime | None = None
    time_source: str = ""
    level: str = ""
    field_names: tuple[str, ...] = field(default_factory=tuple)

    @property
    def readable(self) -> bool:
        return self.outcome != "unreadable"

    @property
    def signature_valid(self) -> bool:
        return self.intact and self.whole_document

    @property
    def ok(self) -> bool:
        """Exit 0 / the green verdict: in our records as valid, intact and trusted."""
        return self.status == "valid" and self.signature_valid and self.trusted

    # ------------------------------------------------------------- our own words
    def status_line(self) -> str:
        c = self.certificate
        if c is not None and self.status == "revoked":
            return _(
                "Revoked on %(when)s: certificate %(serial)s (%(reason)s).",
                when=format_date(c.revoked_at),
                serial=c.serial,
                reason=c.revoked_reason or "",
            )
        if c is not None and self.status == "superseded":
            return _("Certificate %(serial)s was replaced by a newer one.", serial=c.serial)
        if c is not None and self.status == "valid":
            return _(
                "Certificate %(serial)s of %(holder)s is valid in our records.",
                serial=c.serial,
                holder=c.snapshot.get("holder_name", ""),
            )
        return _("Matches no certificate in our records.")

    def outcome_line(self) -> str:
        return {
            "valid": _("The signature is valid and covers the whole document."),
            "altered": _("The document was altered after it was signed."),
            "partial": _(
                "The document was changed after signing (the signature does not cover it all)."
            ),
            "unsigned": _("The document has no digital signature."),
            "unreadable": _("This is not a readable PDF file."),
        }.get(self.outcome, _("The signature could not be validated."))

    def trust_line(self) -> str:
        if self.trusted and self.signed_by_us:
            return _("Trust: yes, signed with this installation's key.")
        if self.trusted:
            return _("Trust: yes, the chain reaches a configured trust root.")
        return _("Trust: NO, the signer's certificate is not trusted.")

    def time_line(self) -> str:
        when = format_datetime(self.signing_time) if self.signing_time else _("unknown")
        if self.time_source == "timestamp":
            return _("Signing time: %(when)s, from a trusted timestamp.", when=when)
        if self.time_source == "timestamp_untrusted":
            return _("Signing time: %(when)s, from a timestamp that is NOT trusted.", when=when)
        return _("Signing time: %(when)s, only from the signer's clock.", when=when)

    def level_line(self) -> str:
        words = {
            "B-B": _("no validation material embedded"),
            "B-T": _("signature timestamp, no validation material"),
            "B-LT": _("signature timestamp and validation material embedded"),
            "B-LTA": _("validation material and a document timestamp embedded"),
        }
        return _(
            "PAdES level: %(level)s (%(words)s).", level=self.level, words=words.get(self.level, "")
        )

    def problems(self) -> list[str]:
        """Why the certificate is not accepted, the most important reason first."""
        out = []
        if self.status != "valid":
            out.append(self.status_line())
        if not self.signature_valid:
            out.append(self.outcome_line())
        elif not self.trusted:
            out.append(self.trust_line())
        return out

    def lines(self) -> list[str]:
        """The whole report, verdict first (the CLI prints these)."""
        said = self.problems() if not self.ok else [self.status_line()]
        if self.ok:
            head = [_("VALID: %(status)s", status=said[0])]
        else:
            head = [_("NOT VALID: %(reason)s", reason=said[0]), *said[1:]]
        body = [self.status_line(), self.outcome_line()]
        if self.outcome not in ("unreadable", "unsigned"):
            body += [
                _("Signer: %(name)s", name=self.signer_name or _("unknown")),
                _(
                    "Issuer of the signer's certificate: %(name)s",
                    name=self.issuer_name or _("unknown"),
                ),
                self.trust_line(),
                self.time_line(),
                self.level_line(),
            ]
        return head + [line for line in body if line not in said]


# ---------------------------------------------------------------------- building it
def _name(name: x509.Name) -> str:
    """A readable name without the library's English labels: CN, else O, else all."""
    native = name.native
    for key in ("common_name", "organization_name"):
        if native.get(key):
            value = native[key]
            return ", ".join(value) if isinstance(value, list) else str(value)
    return "; ".join(str(v) for v in native.values())


def configured_roots() -> list[x509.Certificate]:
    """The certificates of ``LMS_TRUST_ROOTS`` (an unreadable file is logged, skipped)."""
    roots = []
    for path in current_app.config.get("LMS_TRUST_ROOTS") or []:
        try:
            roots += list(load_certs_from_pemder_data(Path(path).read_bytes()))
        except Exception:  # a bad file must not break verification
            log.warning("LMS_TRUST_ROOTS: cannot read certificates from %s", path)
    return roots


def _our_certs() -> list[x509.Certificate]:
    from lms.certificates.keys import trusted_certs

    try:
        return [c for pem in trusted_certs() for c in load_certs_from_pemder_data(pem)]
    except Exception:  # no key configured yet: only the configured roots
        log.warning("no signing certificate to verify against")
        return []


def _level(reader: PdfFileReader, sig: Any, has_token: bool) -> str:
    """B-B, B-T (signature timestamp), B-LT (+ DSS with validation data), B-LTA (+ a
    document timestamp), read from the objects embedded in the file."""
    if not has_token:
        return "B-B"
    if "/DSS" not in reader.root:
        return "B-T"
    dss = reader.root["/DSS"]
    if not any(key in dss for key in ("/Certs", "/OCSPs", "/CRLs")):
        return "B-T"
    stamps = reader.embedded_timestamp_signatures
    if stamps and stamps[-1].signed_revision > sig.signed_revision:
        return "B-LTA"
    return "B-LT"


def _has_signature_timestamp(signer_info: Any) -> bool:
    """A signature timestamp token among the unsigned attributes (PAdES B-T and up)."""
    attrs = signer_info["unsigned_attrs"]
    if attrs.native is None:
        return False
    return any(attr["type"].native == "signature_time_stamp_token" for attr in attrs)


def _doc_timestamp_ok(reader: PdfFileReader, context: ValidationContext) -> bool:
    stamps = reader.embedded_timestamp_signatures
    if not stamps:
        return True
    try:
        status = validate_pdf_timestamp(stamps[-1], context)
    except Exception:
        return False
    return bool(status.intact and status.valid)


def _signature(report: VerifyReport, pdf: bytes) -> None:
    """Fill in what the signature says (everything but our records)."""
    from lms.certificates.verification import KEY_USAGE

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception:  # any garbage is "not a readable PDF"
        report.outcome = "unreadable"
        return
    report.field_names = tuple(str(s.field_name) for s in signatures)
    if not signatures:
        report.outcome = "unsigned"
        return
    sig = signatures[-1]
    has_token = False
    try:  # what the file carries, whether or not it validates
        has_token = _has_signature_timestamp(sig.signer_info)
        report.level = _level(reader, sig, has_token)
    except Exception:  # malformed attributes or DSS: say no more than is sure
        report.level = "B-T" if has_token else "B-B"
    ours = _our_certs()
    try:
        report.signer_name = _name(sig.signer_cert.subject)
        report.issuer_name = _name(sig.signer_cert.issuer)
        report.signed_by_us = any(sig.signer_cert.dump() == c.dump() for c in ours)
        context = ValidationContext(trust_roots=ours + configured_roots(), allow_fetching=False)
        status = validate_pdf_signature(sig, context, key_usage_settings=KEY_USAGE)
    except Exception:  # reported as "could not be validated"
        log.info("signature validation failed", exc_info=True)
        return
    report.intact = bool(status.intact and status.valid)
    only_archival = (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level == ModificationLevel.LTA_UPDATES
        and _doc_timestamp_ok(reader, context)
    )
    report.whole_document = report.intact and (
        status.coverage == SignatureCoverageLevel.ENTIRE_FILE or only_archival
    )
    report.trusted = report.intact and bool(status.trusted) and not status.revoked
    report.signed_by_us = report.signed_by_us and report.trusted
    report.outcome = (
        "altered" if not report.intact else "valid" if report.whole_document else "partial"
    )
    ts = status.timestamp_validity
    if ts is not None:
        report.signing_time = ts.timestamp
        good = bool(ts.intact and ts.valid and ts.trusted)
        report.time_source = "timestamp" if good else "timestamp_untrusted"
    else:
        report.signing_time = status.signer_reported_dt or sig.self_reported_timestamp
        report.time_source = "timestamp_untrusted" if has_token else "signer_clock"


def build_report(pdf: bytes) -> VerifyReport:
    """Check ``pdf`` (never raises): our records first, then its signature."""
    report = VerifyReport()
    _signature(report, pdf)
    certificate = by_pdf_sha256(hashlib.sha256(pdf).hexdigest())  # any of its versions
    if certificate is not None:
        report.certificate, report.status = certificate, certificate.status
    return report
