"""Keeping archived B-LTA signatures verifiable: a new document timestamp before the TSA
certificate of the latest timestamp expires (PAdES-LTA's "archive timestamp chain").

Pure: PDF bytes and a :class:`~.stamping.SigningPolicy` in, PDF bytes out; no Flask app,
no database (the service is :mod:`lms.certificates.refresh`).

:class:`ArchivalRefresher` uses pyHanko's ``PdfTimeStamper.
async_update_archival_timestamp_chain``: it validates the last document timestamp (its
TSA's chain, with revocation data fetched now: hard-fail), adds that data to the
document security store, then appends a new document timestamp; all as one incremental
update, so the original bytes, and the signature over them, stay as they were.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.timestamps import TimestampRequestError

from lms.certificates.stamping import (
    SigningPolicy,
    TimestampUnavailable,
    fetcher_backend,
    timestamper,
    trust_root_certs,
)

__all__ = ["ArchivalRefresher", "Stamp", "latest_stamp"]


@dataclass(frozen=True)
class Stamp:
    """What a certificate PDF carries for the long term."""

    #: B-B (no timestamp), B-T (a signature timestamp), B-LT (+ validation data in the
    #: DSS), B-LTA (+ a document timestamp after the signature).
    level: str
    #: End of validity of the certificate of the TSA of the latest timestamp (document
    #: timestamp, else signature timestamp); None without a timestamp.
    tsa_expires: datetime | None = None
    #: How many document timestamps the file has.
    document_timestamps: int = 0


def _signature_timestamp(signer_info: Any) -> Any:
    """The signature timestamp token (a CMS ContentInfo) among the unsigned attributes."""
    attrs = signer_info["unsigned_attrs"]
    if attrs.native is None:
        return None
    for attr in attrs:
        if attr["type"].native == "signature_time_stamp_token":
            return attr["values"][0]
    return None


def _has_validation_data(reader: PdfFileReader) -> bool:
    if "/DSS" not in reader.root:
        return False
    dss = reader.root["/DSS"]
    return any(key in dss for key in ("/Certs", "/OCSPs", "/CRLs"))


def latest_stamp(pdf: bytes) -> Stamp:
    """Read the level and the latest timestamp's TSA certificate expiry from ``pdf``.

    :raises ValueError: not a readable signed PDF.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception as exc:
        raise ValueError(f"unreadable PDF: {exc}") from None
    if not signatures:
        raise ValueError("the PDF has no signature")
    sig = signatures[-1]
    token = _signature_timestamp(sig.signer_info)
    stamps = [
        s for s in reader.embedded_timestamp_signatures if s.signed_revision > sig.signed_revision
    ]
    if token is None and not stamps:
        return Stamp("B-B")
    if stamps:
        tsa_cert = stamps[-1].signer_cert
    else:
        tsa_cert = extract_certificate_info(token["content"]).signer_cert
    level = "B-LTA" if stamps else "B-LT"
    if not _has_validation_data(reader):
        level = "B-T"
    return Stamp(level, tsa_cert.not_valid_after, len(stamps))


class ArchivalRefresher:
    """Adds validation data and a new document timestamp to PDFs, one at a time.

    One event loop (in a helper thread, so callers may have their own loop), one TSA
    client and one validation context (revocation data fetched once per run) for all the
    PDFs of a run. Use as a context manager.
    """

    def __init__(self, policy: SigningPolicy) -> None:
        if not (policy.ltv and policy.tsa_url):
            raise ValueError("an LTV refresh needs LMS_SIGNING_LTV and LMS_TSA_URL")
        from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

        self.policy = policy
        self._stamper = PdfTimeStamper(timestamper(policy))
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ltv-refresh")
        self._loop = asyncio.new_event_loop()
        self._backend: Any = None
        self._context: Any = None

    def __enter__(self) -> ArchivalRefresher:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _run(self, coro: Any) -> Any:
        return self._pool.submit(self._loop.run_until_complete, coro).result()

    def _validation_context(self) -> Any:
        if self._context is None:
            from pyhanko_certvalidator import ValidationContext

            self._backend = fetcher_backend(self.policy)
            self._context = ValidationContext(
                trust_roots=trust_root_certs(self.policy),
                allow_fetching=True,
                revocation_mode="hard-fail",  # no new timestamp without the revocation data
                fetcher_backend=self._backend,
            )
        return self._context

    async def _refresh(self, pdf: bytes) -> bytes:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        out = await self._stamper.async_update_archival_timestamp_chain(
            reader, self._validation_context(), in_place=False, output=io.BytesIO()
        )
        return out.getvalue()

    def refresh(self, pdf: bytes) -> bytes:
        """``pdf`` with revocation data for its last timestamp and a new document
        timestamp, appended as an incremental update.

        :raises TimestampUnavailable: the TSA cannot be reached.
        :raises Exception: pyHanko's, when the last timestamp does not validate or its
            revocation data cannot be fetched; nothing was produced.
        """
        try:
            new = self._run(self._refresh(pdf))
        except TimestampRequestError as exc:
            raise TimestampUnavailable(f"time-stamping server unreachable: {exc}") from None
        if not new.startswith(pdf) or len(new) <= len(pdf):  # incremental, or nothing
            raise RuntimeError("the refreshed PDF is not an incremental update of the stored one")
        return new

    def close(self) -> None:
        try:
            if self._backend is not None:
                self._run(self._backend.close())
        finally:
            self._pool.submit(self._loop.close).result()
            self._pool.shutdown()
