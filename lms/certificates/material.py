"""Where the signing key is: a key file, or a key in a PKCS#11 token (USB token, HSM).

Pure: plain configuration mappings in, picklable descriptions out (the render processes
of :mod:`lms.certificates.bulk` receive them), no Flask app, no database.  Exactly one
kind is configured at a time; a wrong configuration is one :class:`SigningConfigError`
line, never a traceback, and never shows the PIN.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lms.certificates.stamping import SigningPolicy, policy_from_config
from lms.config import ConfigError

__all__ = [
    "FileKey",
    "SigningConfigError",
    "SigningNotConfigured",
    "TokenKey",
    "material_from_config",
    "open_signer",
]

PKCS11_SETTINGS = (
    "LMS_SIGNING_PKCS11_MODULE",
    "LMS_SIGNING_PKCS11_TOKEN",
    "LMS_SIGNING_PKCS11_KEY_LABEL",
    "LMS_SIGNING_PKCS11_CERT_LABEL",
    "LMS_SIGNING_PKCS11_PIN",
    "LMS_SIGNING_PKCS11_PIN_FILE",
    "LMS_SIGNING_PKCS11_CHAIN",
)
FILE_SETTINGS = ("LMS_SIGNING_KEY", "LMS_SIGNING_CERT", "LMS_SIGNING_PASSPHRASE")


class SigningConfigError(ConfigError):
    """The signing configuration is wrong (one line for the operator)."""


class SigningNotConfigured(RuntimeError):  # noqa: N818 (a state, read as a sentence)
    """No signing key: run ``lms certificates init-keys`` or set LMS_SIGNING_KEY."""


@dataclass(frozen=True)
class FileKey:
    """A PEM key and certificate, or a PKCS#12 file (``cert`` None)."""

    key: Path
    cert: Path | None
    passphrase: bytes | None = field(default=None, repr=False)
    #: Timestamp and validation material (``LMS_TSA_URL``, ``LMS_SIGNING_LTV``).
    policy: SigningPolicy | None = None

    kind = "file"

    @property
    def label(self) -> str:
        return str(self.key)

    @property
    def cert_ref(self) -> str | None:
        return None if self.cert is None else str(self.cert)

    def trusted_cert_pem(self) -> bytes:
        """The signer certificate (PEM) that verification trusts."""
        if self.cert is not None:
            return self.cert.read_bytes()
        from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

        _key, cert, _more = pkcs12.load_key_and_certificates(self.key.read_bytes(), self.passphrase)
        if cert is None:
            raise SigningConfigError(f"signing: {self.key} holds no certificate")
        return cert.public_bytes(Encoding.PEM)


@dataclass(frozen=True)
class TokenKey:
    """A key and its certificate in a PKCS#11 token; the PIN is never shown."""

    module: str
    token: str
    key_label: str
    cert_label: str
    pin: str = field(repr=False)
    policy: SigningPolicy | None = None
    #: The issuing CA certificates (DER) to embed beside the signer's, so that readers
    #: offline (pdfsig, Acrobat) can build the chain (``LMS_SIGNING_PKCS11_CHAIN``).
    chain: tuple[bytes, ...] = field(default=(), repr=False)

    kind = "pkcs11"

    @property
    def label(self) -> str:
        return self.key_label

    @property
    def cert_ref(self) -> str | None:
        return self.cert_label

    def with_labels(self, key_label: str, cert_label: str | None = None) -> TokenKey:
        return TokenKey(self.module, self.token, key_label, cert_label or key_label, self.pin,
                        self.policy, self.chain)

    def trusted_cert_pem(self) -> bytes:
        """The certificate stored in the token (through this process's one session)."""
        from lms.certificates.bulk import token_cert_pem

        return token_cert_pem(self)


Material = FileKey | TokenKey


def _set(config: Mapping[str, Any], name: str) -> str:
    value = config.get(name)
    return str(value).strip() if value else ""


def configured_kind(config: Mapping[str, Any]) -> str | None:
    """``"pkcs11"``, ``"file"`` or None (nothing set: the demo key in instance/).

    :raises SigningConfigError: when both kinds are configured.
    """
    token = [name for name in PKCS11_SETTINGS if _set(config, name)]
    files = [name for name in FILE_SETTINGS if _set(config, name)]
    if token and files:
        raise SigningConfigError(
            f"signing: configure a key file ({', '.join(files)}) or a PKCS#11 token "
            f"({', '.join(token)}), not both"
        )
    return "pkcs11" if token else "file" if files else None


def _pin(config: Mapping[str, Any]) -> str:
    pin, pin_file = (
        _set(config, "LMS_SIGNING_PKCS11_PIN"),
        _set(config, "LMS_SIGNING_PKCS11_PIN_FILE"),
    )
    if pin and pin_file:
        raise SigningConfigError(
            "signing: set LMS_SIGNING_PKCS11_PIN or LMS_SIGNING_PKCS11_PIN_FILE, not both"
        )
    if pin_file:
        try:
            pin = Path(pin_file).read_text().strip()
        except OSError as exc:
            raise SigningConfigError(
                f"signing: cannot read LMS_SIGNING_PKCS11_PIN_FILE {pin_file} ({exc.strerror})"
            ) from None
    if not pin:
        raise SigningConfigError(
            "signing: the token needs a PIN: set LMS_SIGNING_PKCS11_PIN "
            "or LMS_SIGNING_PKCS11_PIN_FILE"
        )
    return pin


def token_from_config(config: Mapping[str, Any]) -> TokenKey:
    """The configured token key (module, token and PIN are also used by rotation)."""
    missing = [
        name
        for name in (
            "LMS_SIGNING_PKCS11_MODULE",
            "LMS_SIGNING_PKCS11_TOKEN",
            "LMS_SIGNING_PKCS11_KEY_LABEL",
        )
        if not _set(config, name)
    ]
    if missing:
        raise SigningConfigError(f"signing: PKCS#11 needs {', '.join(missing)}")
    module = _set(config, "LMS_SIGNING_PKCS11_MODULE")
    if not Path(module).is_file():
        raise SigningConfigError(f"signing: LMS_SIGNING_PKCS11_MODULE {module} is not a file")
    key_label = _set(config, "LMS_SIGNING_PKCS11_KEY_LABEL")
    return TokenKey(
        module,
        _set(config, "LMS_SIGNING_PKCS11_TOKEN"),
        key_label,
        _set(config, "LMS_SIGNING_PKCS11_CERT_LABEL") or key_label,
        _pin(config),
        signing_policy(config),
        _chain(_set(config, "LMS_SIGNING_PKCS11_CHAIN")),
    )


def _chain(path: str) -> tuple[bytes, ...]:
    """The CA certificates of a PEM file, as DER; one line when the file is wrong."""
    if not path:
        return ()
    from asn1crypto import pem

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningConfigError(
            f"signing: cannot read LMS_SIGNING_PKCS11_CHAIN {path} ({exc.strerror})") from None
    certs = tuple(der for kind, _headers, der in pem.unarmor(data, multiple=True)
                  if kind == "CERTIFICATE") if pem.detect(data) else ()
    if not certs:
        raise SigningConfigError(
            f"signing: LMS_SIGNING_PKCS11_CHAIN {path} holds no PEM certificate")
    return certs


def file_key(key: Path, cert: Path | None, passphrase: bytes | None) -> FileKey:
    if not key.exists() or (cert is not None and not cert.exists()):
        raise SigningNotConfigured(
            "no signing key: run `lms certificates init-keys` or set LMS_SIGNING_KEY"
        )
    return FileKey(key, cert, passphrase)


def material_from_config(config: Mapping[str, Any], instance_path: str | Path) -> Material:
    """The configured key material (``LMS_SIGNING_*``, else the demo key in ``instance/``).

    :raises SigningConfigError: a wrong configuration.
    :raises SigningNotConfigured: no key at all.
    """
    if configured_kind(config) == "pkcs11":
        return token_from_config(config)
    instance = Path(instance_path)
    key = Path(_set(config, "LMS_SIGNING_KEY") or instance / "signing-key.pem")
    cert_setting = _set(config, "LMS_SIGNING_CERT")
    cert = (
        Path(cert_setting)
        if cert_setting
        else (None if key.suffix.lower() in (".p12", ".pfx") else instance / "signing-cert.pem")
    )
    if _set(config, "LMS_SIGNING_KEY") and not key.exists():
        raise SigningConfigError(f"signing: LMS_SIGNING_KEY {key} does not exist")
    if cert_setting and cert is not None and not cert.exists():
        raise SigningConfigError(f"signing: LMS_SIGNING_CERT {cert} does not exist")
    passphrase = _set(config, "LMS_SIGNING_PASSPHRASE")
    return replace(file_key(key, cert, passphrase.encode() if passphrase else None),
                   policy=signing_policy(config))


def signing_policy(config: Mapping[str, Any]) -> SigningPolicy | None:
    """The configured timestamp/LTV policy; None for plain B-B (the demo)."""
    try:
        policy = policy_from_config(config)
    except ConfigError as exc:
        raise SigningConfigError(str(exc)) from None
    return None if policy == SigningPolicy() else policy


def open_signer(material: Material) -> Any:
    """A ready signer: a key file is loaded, a token opened (one session) and its key found.

    :raises SigningConfigError: the key cannot be loaded or found (one line, no PIN).
    """
    if isinstance(material, TokenKey):
        from lms.certificates.token import token_signer

        return token_signer(material)
    from lms.certificates.signer import load_signer

    try:
        return load_signer(material.key, material.cert, material.passphrase)
    except (ValueError, TypeError, OSError) as exc:
        raise SigningConfigError(
            f"signing: cannot load the key {material.key}: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
