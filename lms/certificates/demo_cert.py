"""The demo signer's self-signed certificate (``lms certificates init-keys``)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_NO_OTHER_USAGE = dict.fromkeys(
    ("key_encipherment", "data_encipherment", "key_agreement", "key_cert_sign", "crl_sign"),
    False,
) | {"encipher_only": False, "decipher_only": False}


def self_signed_cert(key: ec.EllipticCurvePrivateKey, common_name: str) -> bytes:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "coyeu-lms"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3652))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(  # digitalSignature + nonRepudiation (a.k.a. content_commitment)
            x509.KeyUsage(digital_signature=True, content_commitment=True, **_NO_OTHER_USAGE),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)
