"""A tiny offline PKI for the verification tests: a root, a signer under it, a TSA
(pyHanko's ``DummyTimeStamper``, no network), and helpers that sign at each PAdES level."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator import ValidationContext


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ban Cơ yếu Chính phủ"),
        ]
    )


KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def key_usage(**allowed: bool) -> x509.KeyUsage:
    """A KeyUsage extension allowing only what is named (every other use False)."""
    return x509.KeyUsage(**(dict.fromkeys(KEY_USAGES, False) | allowed))


def _cert(
    subject: str, key, issuer: str, issuer_key, *, ca: bool = False, tsa: bool = False
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    usage = (
        key_usage(key_cert_sign=True, crl_sign=True)
        if ca
        else key_usage(digital_signature=True, content_commitment=True)
    )
    builder = builder.add_extension(usage, critical=True)
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(key) -> asn1_keys.PrivateKeyInfo:
    return asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@dataclass
class MiniPki:
    root: x509.Certificate
    signer: signers.SimpleSigner
    stamper: DummyTimeStamper

    def root_pem(self, directory: Path) -> Path:
        path = directory / "goc-tin-cay.pem"
        path.write_bytes(self.root.public_bytes(serialization.Encoding.PEM))
        return path

    def sign(self, pdf: bytes, level: str = "B-B") -> bytes:
        """``pdf`` signed at ``level`` (B-B, B-T, B-LT or B-LTA), offline."""
        lt = level in ("B-LT", "B-LTA")
        context = ValidationContext(trust_roots=[_asn1(self.root)], allow_fetching=False)
        meta = signers.PdfSignatureMetadata(
            field_name=f"Sig{level}",
            subfilter=SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            embed_validation_info=lt,
            validation_context=context if lt else None,
            use_pades_lta=level == "B-LTA",
        )
        stamper = self.stamper if level != "B-B" else None
        pdf_signer = signers.PdfSigner(meta, self.signer, timestamper=stamper)
        out = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False))
        return out.getvalue()


def make_pki() -> MiniPki:
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _cert("Root CA thử nghiệm", root_key, "Root CA thử nghiệm", root_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _cert("Nguyễn Văn Hòa", leaf_key, "Root CA thử nghiệm", root_key)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa = _cert("TSA thử nghiệm", tsa_key, "Root CA thử nghiệm", root_key, tsa=True)
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(
        signing_cert=_asn1(leaf),
        signing_key=_asn1_key(leaf_key),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(root)]),
    )
    stamper = DummyTimeStamper(
        tsa_cert=_asn1(tsa),
        tsa_key=_asn1_key(tsa_key),
        certs_to_embed=SimpleCertificateStore.from_certs([_asn1(root)]),
    )
    return MiniPki(root, signer, stamper)
