"""Signing with a key that never leaves its token: PKCS#11 through pyHanko's signer.

A process opens ONE logged-in session (:func:`open_session`, the only place the token is
opened) and signs every certificate of its chunks through it.  Errors are one line
without the PIN: :class:`TokenError` (a :class:`SigningConfigError` at start-up, a failed
chunk during a run).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyhanko.sign.pkcs11 import PKCS11Signer

from lms.certificates.material import SigningConfigError, TokenKey
from lms.certificates.signer import TemplateCache

__all__ = ["TokenError", "TokenSigner", "open_session", "token_signer"]

_REASONS = {
    "PinIncorrect": "wrong PIN",
    "PinLocked": "the PIN is locked",
    "PinExpired": "the PIN has expired",
    "TokenNotPresent": "the token is not present",
    "DeviceRemoved": "the token was removed",
    "SessionClosed": "the token session was closed",
    "SessionHandleInvalid": "the token session is no longer valid",
    "DeviceError": "the token reported a device error",
    "NoSuchToken": "no such token",
}


class TokenError(SigningConfigError):
    """The token cannot be used (one line, never the PIN)."""


def _describe(exc: BaseException, key: TokenKey) -> str:
    name = type(exc).__name__
    reason = _REASONS.get(name) or (str(exc).splitlines()[0] if str(exc) else name)
    if key.pin:
        reason = reason.replace(key.pin, "***")
    return reason


@contextlib.contextmanager
def _one_process_at_a_time(key: TokenKey) -> Iterator[None]:
    """Serialise opening and closing the token across this machine's processes.

    Render processes start together; SoftHSM2 (a file store) may miss a token that
    another process is logging into at that moment.  Opens are rare (one per process),
    so an advisory lock costs nothing.
    """
    name = hashlib.sha256(f"{key.module}\0{key.token}".encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"lms-pkcs11-{name}.lock"
    with open(path, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def open_session(key: TokenKey) -> Any:
    """Open a logged-in session on the configured token.

    :raises TokenError: module, token or PIN wrong (the PIN never appears).
    """
    with _one_process_at_a_time(key):
        return _open_session(key)


def _open_session(key: TokenKey) -> Any:
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    criteria = TokenCriteria(label=key.token)
    try:
        try:
            return open_pkcs11_session(key.module, token_criteria=criteria, user_pin=key.pin)
        except Exception as exc:
            if type(exc).__name__ != "UserAlreadyLoggedIn":
                raise
        # Another session of this process logged in already (login is per process):
        # this one shares the login.
        return open_pkcs11_session(key.module, token_criteria=criteria, user_pin=None)
    except Exception as exc:  # python-pkcs11 and pyHanko errors, a module that won't load
        reason = _describe(exc, key)
        if "No token matching" in reason:
            reason = "no token labelled this way in the module"
        raise TokenError(f"signing: PKCS#11 token {key.token!r} ({key.module}): {reason}") from None


class TokenSigner(TemplateCache, PKCS11Signer):
    """pyHanko's PKCS#11 signer, with the constant CMS parts built once; a token that goes
    away during signing raises :class:`TokenError`."""

    token_key: TokenKey

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        try:
            return await super().async_sign_raw(data, digest_algorithm, dry_run=dry_run)
        except TokenError:
            raise
        except Exception as exc:
            raise TokenError(
                f"signing: PKCS#11 token {self.token_key.token!r} failed while "
                f"signing: {_describe(exc, self.token_key)}"
            ) from None

    def close(self) -> None:
        """End the session (quietly: the token may be gone already)."""
        with _one_process_at_a_time(self.token_key), contextlib.suppress(Exception):
            self.pkcs11_session.close()  # nothing to do about a session that is gone


def token_signer(key: TokenKey) -> TokenSigner:
    """Open a session and find the key and its certificate in it.

    :raises TokenError: the token cannot be opened, or the key or certificate is missing.
    """
    session = open_session(key)
    from asn1crypto import x509

    signer = TokenSigner(session, cert_label=key.cert_label, key_label=key.key_label,
                         ca_chain=[x509.Certificate.load(der) for der in key.chain])
    signer.token_key = key
    try:
        signer._load_objects()
    except Exception as exc:
        signer.close()
        raise TokenError(
            f"signing: PKCS#11 token {key.token!r}: no key {key.key_label!r} "
            f"with certificate {key.cert_label!r} ({_describe(exc, key)})"
        ) from None
    # Hash here, sign the digest in the token (CKM_ECDSA, CKM_RSA_PKCS): the mechanisms
    # every token has (SoftHSM 2.6 lacks CKM_ECDSA_SHA256).
    signer.use_raw_mechanism = signer.signing_cert.public_key.algorithm in ("ec", "rsa")
    return signer
