"""A SoftHSM2 token for the tests: keys made with cryptography, imported with
``softhsm2-util --import``, their certificates stored through python-pkcs11.

SoftHSM reads ``SOFTHSM2_CONF`` once per process, when the module is loaded; importing
this module points it at a fresh folder of this test run (before anything loads the
module, and before the forkserver of the render pools starts, so they inherit it).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

MODULE_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
TOKEN_LABEL = "coyeu-test"
PIN = "8642-so-bi-mat"  # distinctive: tests look for it in logs and messages
SO_PIN = "13579-so"
KEY_LABELS = ("signer-1", "signer-2", "signer-3")

if os.environ.get("LMS_TEST_SOFTHSM_DIR"):  # imported again in a child process: the same
    _ROOT = Path(os.environ["LMS_TEST_SOFTHSM_DIR"])
else:
    _ROOT = Path(tempfile.mkdtemp(prefix="lms-softhsm-"))
    (_ROOT / "tokens").mkdir()
    (_ROOT / "softhsm2.conf").write_text(
        f"directories.tokendir = {_ROOT / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    os.environ["LMS_TEST_SOFTHSM_DIR"] = str(_ROOT)
    atexit.register(shutil.rmtree, _ROOT, ignore_errors=True)
os.environ["SOFTHSM2_CONF"] = str(_ROOT / "softhsm2.conf")


def module_path() -> str | None:
    """The SoftHSM2 PKCS#11 module, or None when softhsm2 is not installed."""
    if shutil.which("softhsm2-util") is None:
        return None
    return next((path for path in MODULE_CANDIDATES if Path(path).is_file()), None)


@dataclass
class SoftToken:
    module: str
    token: str = TOKEN_LABEL
    pin: str = PIN
    certs: dict[str, bytes] = field(default_factory=dict)  # key label -> certificate PEM

    def config(self, key_label: str = KEY_LABELS[0], **extra: object) -> dict[str, object]:
        """``LMS_SIGNING_PKCS11_*`` settings for one of the token's keys."""
        return {
            "LMS_SIGNING_PKCS11_MODULE": self.module,
            "LMS_SIGNING_PKCS11_TOKEN": self.token,
            "LMS_SIGNING_PKCS11_KEY_LABEL": key_label,
            "LMS_SIGNING_PKCS11_PIN": self.pin,
            "LMS_SIGNING_KEY": None,
            "LMS_SIGNING_CERT": None,
            **extra,
        }

    def material(self, key_label: str = KEY_LABELS[0]):
        from lms.certificates.material import TokenKey

        return TokenKey(self.module, self.token, key_label, key_label, self.pin)


def _run(*args: str) -> None:
    subprocess.run(["softhsm2-util", *args], check=True, capture_output=True, timeout=60)


def create_token(module: str) -> SoftToken:
    """A token with three ECDSA P-256 keys, each with a self-signed certificate."""
    from lms.certificates.demo_cert import self_signed_cert as _self_signed_cert

    token = SoftToken(module)
    _run("--init-token", "--free", "--label", TOKEN_LABEL, "--so-pin", SO_PIN, "--pin", PIN)
    keys = {}
    for number, label in enumerate(KEY_LABELS, start=1):
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path = _ROOT / f"{label}.pem"
        path.write_bytes(pem)
        _run(
            "--import",
            str(path),
            "--token",
            TOKEN_LABEL,
            "--label",
            label,
            "--id",
            f"{number:02x}",
            "--pin",
            PIN,
        )
        path.unlink()
        keys[label] = key
        token.certs[label] = _self_signed_cert(key, f"coyeu-lms token signer {number}")
    import pkcs11
    from cryptography import x509
    from pkcs11 import Attribute, CertificateType, ObjectClass

    lib = pkcs11.lib(module)
    with lib.get_token(token_label=TOKEN_LABEL).open(user_pin=PIN, rw=True) as session:
        for number, label in enumerate(KEY_LABELS, start=1):
            cert = x509.load_pem_x509_certificate(token.certs[label])
            session.create_object(
                {
                    Attribute.CLASS: ObjectClass.CERTIFICATE,
                    Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True,
                    Attribute.LABEL: label,
                    Attribute.ID: bytes([number]),
                    Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                    Attribute.SUBJECT: cert.subject.public_bytes(),
                }
            )
    return token
