"""PAdES signing of certificate PDFs with pyHanko: one PDF or a batch.

Pure functions over bytes: no Flask app, no database.

A plain pyHanko signature builds the CMS twice (once as a dry run to size /Contents).
:class:`BatchSigner` sizes /Contents once and reuses one ``PdfSigner`` and event loop
(~11 ms with a plain signer; ~2.5 ms with a :class:`~.signer.CachingSigner`).
Rendering costs more than signing; both run in the render processes of
:mod:`lms.certificates.bulk`.  Keys are loaded by :mod:`lms.certificates.signer`,
signatures checked by :mod:`lms.certificates.verification`.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from lms.certificates.signer import CachingSigner
from lms.certificates.stamping import (
    RevocationUnavailable,
    SigningPolicy,
    TimestampUnavailable,
    fetcher_backend,
    timestamper,
    validation_context,
)

__all__ = ["BatchSigner", "sign_pdf"]

DEFAULT_REASON = "Chứng thực giấy chứng nhận hoàn thành chuyên đề"
DEFAULT_LOCATION = "Hà Nội"
DEFAULT_FIELD = "Signature1"
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _reserved_size(signed_pdf: bytes) -> int:
    """Hex digits pyHanko reserved for /Contents in ``signed_pdf`` (its own estimate)."""
    *_, last = _BYTE_RANGE.finditer(signed_pdf)
    _, start_gap, end_gap, _ = (int(g) for g in last.groups())
    return end_gap - start_gap - 2  # minus the '<' and '>' delimiters


def sign_pdf(
    pdf: bytes,
    signer: signers.Signer,
    *,
    field_name: str = DEFAULT_FIELD,
    reason: str = DEFAULT_REASON,
    location: str = DEFAULT_LOCATION,
    policy: SigningPolicy | None = None,
) -> bytes:
    """Sign ``pdf`` with an invisible PAdES signature (B-B, or as ``policy`` says) as an
    incremental update."""
    batch = BatchSigner(
        signer, field_name=field_name, reason=reason, location=location, policy=policy
    )
    return batch.sign([pdf])[0]


@dataclass
class BatchSigner:
    """Signs many PDFs with one signer, sizing the signature container only once."""

    signer: signers.Signer
    field_name: str = DEFAULT_FIELD
    reason: str = DEFAULT_REASON
    location: str = DEFAULT_LOCATION
    bytes_reserved: int | None = None
    #: Timestamp (B-T) and validation material (B-LT, B-LTA); None: B-B.
    policy: SigningPolicy | None = None
    _pdf_signer: signers.PdfSigner = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._timestamper = timestamper(self.policy)
        self._pdf_signer = self._signer_with(None)

    def _signer_with(self, context: ValidationContext | None) -> signers.PdfSigner:
        meta = signers.PdfSignatureMetadata(
            field_name=self.field_name,
            subfilter=SigSeedSubFilter.PADES,  # PAdES baseline B-B, or more with a policy
            md_algorithm="sha256",
            reason=self.reason,
            location=self.location,
            embed_validation_info=context is not None,  # B-LT; with a TSA also B-LTA
            use_pades_lta=context is not None and self._timestamper is not None,
            validation_context=context,
        )
        return signers.PdfSigner(meta, self.signer, timestamper=self._timestamper)

    async def _sign_one(self, pdf: bytes, pdf_signer: signers.PdfSigner) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        out = await pdf_signer.async_sign_pdf(writer, bytes_reserved=self.bytes_reserved)
        signed = out.getvalue()
        if self.bytes_reserved is None:  # a timestamp token's size varies a little
            self.bytes_reserved = _reserved_size(signed) + (4096 if self.policy else 0)
        return signed

    async def _sign_all(self, pdfs: Sequence[bytes]) -> list[bytes]:
        """One batch; with LTV, fresh OCSP responses and CRLs for it (its own fetchers).

        :raises TimestampUnavailable: the TSA could not be reached.
        :raises RevocationUnavailable: with LTV, an OCSP responder or CRL distribution
            point could not be: pyHanko soft-fails (it signs with what it got and
            records the failed fetch), so nothing of the batch is returned then.
        """
        backend = fetcher_backend(self.policy)
        context = None
        try:
            pdf_signer = self._pdf_signer
            if backend is not None:
                certs = list(self.signer.cert_registry or [])
                context = validation_context(self.policy, certs, backend)
                pdf_signer = self._signer_with(context)
            signed = await self._sign_batch(pdfs, pdf_signer)
        except TimestampRequestError as exc:  # never an untimestamped certificate
            raise TimestampUnavailable(f"time-stamping server unreachable: {exc}") from None
        finally:
            if backend is not None:
                await backend.close()
        failed = context.soft_fail_exceptions if context is not None else ()
        if failed:  # never a B-LT certificate without its OCSP responses and CRLs
            raise RevocationUnavailable(f"OCSP/CRL unreachable: {failed[0]}")
        return signed

    async def _sign_batch(
        self, pdfs: Sequence[bytes], pdf_signer: signers.PdfSigner
    ) -> list[bytes]:
        overlap = self._timestamper is not None and isinstance(self.signer, CachingSigner)
        if not overlap or len(pdfs) < 2:  # a token session signs one thing at a time
            return [await self._sign_one(pdf, pdf_signer) for pdf in pdfs]
        # The TSA round trips overlap; the first signature alone sizes /Contents.
        first = await self._sign_one(pdfs[0], pdf_signer)
        rest = await asyncio.gather(*(self._sign_one(p, pdf_signer) for p in pdfs[1:]))
        return [first, *rest]

    def sign(self, pdfs: Sequence[bytes]) -> list[bytes]:
        """Sign every PDF in one event loop.

        pyHanko's signing API is async. When this thread already runs a loop (an
        async server, Playwright's sync API in tests), ``asyncio.run`` would refuse,
        so the loop then runs in a helper thread.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self._sign_all(pdfs))
        with ThreadPoolExecutor(max_workers=1) as helper:
            return helper.submit(asyncio.run, self._sign_all(pdfs)).result()
