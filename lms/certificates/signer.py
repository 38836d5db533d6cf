"""Signing keys for certificate PDFs: demo key files, loading, and fast cached signers.

Pure functions over key files: no Flask app, no database.

Speed (ECDSA P-256 on the project's 2-vCPU machine, see benchmarks/certificates.py):
a plain pyHanko signature with a freshly loaded key costs ~21 ms, ~80% of it asn1crypto.
:class:`CachingSigner` parses its key once and (through :class:`TemplateCache`) reuses
the DER of the constant CMS parts (~2.5 ms with :class:`~.signing.BatchSigner`).
"""

from __future__ import annotations

import os
from pathlib import Path

from asn1crypto import cms
from asn1crypto import parser as asn1_parser
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from lms.certificates.demo_cert import self_signed_cert as _self_signed_cert

__all__ = [
    "CERT_FILENAME",
    "KEY_FILENAME",
    "CachingSigner",
    "TemplateCache",
    "generate_demo_keys",
    "load_signer",
]

KEY_FILENAME = "signer-key.pem"
CERT_FILENAME = "signer-cert.pem"


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
        return CachingSigner(
            signing_cert=chain[0],
            cert_registry=SimpleCertificateStore.from_certs(chain),
            signing_key=load_private_key_from_pemder(str(key_path), passphrase),
        )
    signer = signers.SimpleSigner.load(str(key_path), str(cert_path), key_passphrase=passphrase)
    if signer is None:  # pyHanko logs the cause and returns None
        raise ValueError(f"could not load signing key {key_path} / certificate {cert_path}")
    return CachingSigner.wrap(signer)
