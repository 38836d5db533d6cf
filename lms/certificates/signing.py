"""PAdES signing and verification of certificate PDFs with pyHanko.

Pure functions over bytes and key files: no Flask app, no database.

Speed (ECDSA P-256 on the project's 2-vCPU machine, see benchmarks/certificates.py):
a plain pyHanko signature with a freshly loaded key costs ~21 ms: it builds the CMS
twice (once as a dry run to size /Contents) and ~80% of that is asn1crypto.
:class:`BatchSigner` sizes /Contents once and reuses one ``PdfSigner`` and event
loop (~11 ms); :class:`CachingSigner` also reuses the DER of the constant CMS parts
(~2.5 ms).  Rendering costs more than signing; both run in the render processes
of :mod:`lms.certificates.bulk`.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import cms
from asn1crypto import parser as asn1_parser
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.keys import load_certs_from_pemder_data
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.validation import (
    KeyUsageConstraints,
    SignatureCoverageLevel,
    validate_pdf_signature,
)
from pyhanko_certvalidator import ValidationContext

from lms.certificates.demo_cert import self_signed_cert as _self_signed_cert
from lms.certificates.stamping import (
    SigningPolicy,
    TimestampUnavailable,
    fetcher_backend,
    timestamper,
    validation_context,
)
from lms.i18n import N_

__all__ = [
    "BatchSigner",
    "CachingSigner",
    "SignatureCheck",
    "TemplateCache",
    "generate_demo_keys",
    "load_signer",
    "sign_pdf",
    "verify_pdf",
]

KEY_FILENAME = "signer-key.pem"
CERT_FILENAME = "signer-cert.pem"
DEFAULT_REASON = "Chứng thực giấy chứng nhận hoàn thành chuyên đề"
DEFAULT_LOCATION = "Hà Nội"
DEFAULT_FIELD = "Signature1"
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def generate_demo_keys(
    directory: Path, common_name: str = "coyeu-lms demo signer"
) -> tuple[Path, Path]:
    """Create an ECDSA P-256 key and a 10-year self-signed certificate (demo only).

    Returns ``(key_path, cert_path)``.  Existing files are never overwritten: an
    existing key is reused (and gets a certificate if it lacks one).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / KEY_FILENAME, directory / CERT_FILENAME
    if key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TypeError(f"{key_path} is not an EC private key")
    elif cert_path.exists():
        raise FileExistsError(f"{cert_path} exists without its private key {key_path}")
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
    if not cert_path.exists():
        cert_path.write_bytes(_self_signed_cert(key, common_name))
    return key_path, cert_path


# Signed attributes of a PAdES signature that do not depend on time or document.
_CACHEABLE_ATTRS = frozenset(
    {"content_type", "message_digest", "signing_certificate", "signing_certificate_v2"}
)
_HASHES = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}


def _tlv(tag: int, content: bytes) -> bytes:
    """DER tag-length-value with a one-byte tag."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


class TemplateCache:
    """Mixin for a pyHanko ``Signer`` that builds the constant parts of its CMS only once.

    pyHanko spends ~8 of its ~10 ms per signature building the same ASN.1 objects
    again: the signed attributes (content type, signing-certificate-v2, and the
    message digest, the only part that changes) and the SignerInfo around them.
    The first signature is made by pyHanko itself and kept as a DER template; later
    ones splice the new digest and signature into it.  Anything unusual (dry runs,
    timestamps, time-dependent attributes) falls through to pyHanko unchanged.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self._attr_templates: dict[tuple[object, ...], tuple[bytes, bytes] | None] = {}
        self._info_templates: dict[str, tuple[bytes, bytes]] = {}

    async def signed_attrs(  # type: ignore[override]
        self, data_digest: bytes, digest_algorithm: str, attr_settings=None, **kwargs: object
    ) -> cms.CMSAttributes:
        plain = (
            not kwargs.get("dry_run")
            and kwargs.get("timestamper") is None
            and getattr(attr_settings, "cades_signed_attrs", None) is None
            and getattr(attr_settings, "adobe_revinfo_attr", None) is None
        )
        key = (digest_algorithm, len(data_digest), tuple(sorted(kwargs.items())))
        template = self._attr_templates.get(key) if plain else None
        if template is not None:
            return cms.CMSAttributes.load(template[0] + data_digest + template[1])
        attrs = await super().signed_attrs(data_digest, digest_algorithm, attr_settings, **kwargs)
        if plain and key not in self._attr_templates:
            der = attrs.dump()
            types = {attr["type"].native for attr in attrs}
            if types <= _CACHEABLE_ATTRS and der.count(data_digest) == 1:
                start = der.index(data_digest)
                self._attr_templates[key] = (der[:start], der[start + len(data_digest) :])
            else:
                self._attr_templates[key] = None
        return attrs

    def signer_info(self, digest_algorithm: str, signed_attrs, signature):  # type: ignore[override]
        template = self._info_templates.get(digest_algorithm)
        if template is None:
            info = super().signer_info(digest_algorithm, signed_attrs, signature)
            fields = [info[name].dump() for name in ("version", "sid", "digest_algorithm")]
            self._info_templates[digest_algorithm] = (
                b"".join(fields),
                info["signature_algorithm"].dump(),
            )
            return info
        head, algorithm = template
        attrs = asn1_parser.parse(signed_attrs.dump())[4]  # SET OF contents
        body = head + _tlv(0xA0, attrs) + algorithm + _tlv(0x04, signature)
        return cms.SignerInfo.load(_tlv(0x30, body))

class CachingSigner(TemplateCache, signers.SimpleSigner):
    """``SimpleSigner`` with :class:`TemplateCache`, parsing its private key only once."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._private_key: object = None

    @classmethod
    def wrap(cls, signer: signers.SimpleSigner) -> CachingSigner:
        return cls(
            signing_cert=signer.signing_cert,
            signing_key=signer.signing_key,
            cert_registry=signer.cert_registry,
            signature_mechanism=signer.signature_mechanism,
            prefer_pss=signer.prefer_pss,
            embed_roots=signer.embed_roots,
        )

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        """Like pyHanko's, but parse the private key once instead of per signature."""
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = _HASHES.get(digest_algorithm)
        if hash_algo is None or mechanism not in ("ecdsa", "rsassa_pkcs1v15"):
            return super().sign_raw(data, digest_algorithm)
        if self._private_key is None:
            self._private_key = serialization.load_der_private_key(
                self.signing_key.dump(), password=None
            )
        key = self._private_key
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algo))
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hash_algo)
        return super().sign_raw(data, digest_algorithm)


def load_signer(
    key_path: Path | str,
    cert_path: Path | str | None,
    passphrase: bytes | None = None,
) -> signers.SimpleSigner:
    """Load a PEM key + certificate pair, or a PKCS#12 file when ``cert_path`` is None.

    Returns a :class:`CachingSigner` (a ``SimpleSigner``) for fast repeated signing.
    """
    key_path = Path(key_path)
    if cert_path is None:
        if key_path.suffix.lower() not in (".p12", ".pfx"):
            raise ValueError("without cert_path, key_path must be a .p12/.pfx file")
        return CachingSigner.wrap(
            signers.SimpleSigner.load_pkcs12_data(
                key_path.read_bytes(), other_certs=[], passphrase=passphrase
            )
        )
    chain = list(load_certs_from_pemder_data(Path(cert_path).read_bytes()))
    if len(chain) > 1:  # the signer's certificate, then its CA chain (embedded in the CMS)
        from pyhanko.keys import load_private_key_from_pemder
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        return CachingSigner(signing_cert=chain[0], cert_registry=SimpleCertificateStore
                             .from_certs(chain), signing_key=load_private_key_from_pemder(
                                 str(key_path), passphrase))
    signer = signers.SimpleSigner.load(str(key_path), str(cert_path), key_passphrase=passphrase)
    if signer is None:  # pyHanko logs the cause and returns None
        raise ValueError(f"could not load signing key {key_path} / certificate {cert_path}")
    return CachingSigner.wrap(signer)


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
    batch = BatchSigner(signer, field_name=field_name, reason=reason, location=location,
                        policy=policy)
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
        """One batch; with LTV, fresh OCSP responses and CRLs for it (its own fetchers)."""
        backend = fetcher_backend(self.policy)
        try:
            pdf_signer = self._pdf_signer
            if backend is not None:
                certs = list(self.signer.cert_registry or [])
                pdf_signer = self._signer_with(validation_context(self.policy, certs, backend))
            overlap = self._timestamper is not None and isinstance(self.signer, CachingSigner)
            if not overlap or len(pdfs) < 2:  # a token session signs one thing at a time
                return [await self._sign_one(pdf, pdf_signer) for pdf in pdfs]
            # The TSA round trips overlap; the first signature alone sizes /Contents.
            first = await self._sign_one(pdfs[0], pdf_signer)
            rest = await asyncio.gather(*(self._sign_one(p, pdf_signer) for p in pdfs[1:]))
            return [first, *rest]
        except TimestampRequestError as exc:  # never an untimestamped certificate
            raise TimestampUnavailable(f"time-stamping server unreachable: {exc}") from None
        finally:
            if backend is not None:
                await backend.close()

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
_KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})


def _invalid(reason: str, field_names: tuple[str, ...] = (),
             outcome: str = "unvalidated") -> SignatureCheck:
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
        status = validate_pdf_signature(sig, context, key_usage_settings=_KEY_USAGE)
    except Exception:
        return _invalid(N_("The signature could not be validated."), names)
    intact = bool(status.intact and status.valid)
    whole = intact and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    ours = (intact and any(sig.signer_cert.dump() == cert.dump() for cert in trusted_certs)
            and status.trusted)
    if not intact:
        outcome, reason = "altered", N_("The document was altered after it was signed.")
    elif not ours:
        outcome, reason = "not_ours", N_("The document was not signed by this issuer.")
    elif not whole:
        outcome, reason = "partial", N_("The document was changed after signing (the "
                                         "signature does not cover it all).")
    else:
        outcome, reason = "valid", N_("The signature is valid and covers the whole document.")
    return SignatureCheck(intact and whole and ours, intact, whole, ours, reason, names,
                          outcome)
