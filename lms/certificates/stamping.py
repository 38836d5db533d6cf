"""Trusted time and long-term validation for certificate signatures (issue 16).

``LMS_TSA_URL`` adds an RFC 3161 signature timestamp (PAdES B-T).  ``LMS_SIGNING_LTV=1``
also embeds the chain's OCSP responses and CRLs in the document security store (B-LT)
and, with a TSA, a document timestamp (B-LTA).  Pure: a :class:`SigningPolicy` in,
pyHanko objects out; no Flask app, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lms.config import ConfigError
from lms.gettext_noop import N_

__all__ = [
    "WAITING_FOR_REVOCATION",
    "WAITING_FOR_TSA",
    "RevocationUnavailable",
    "SigningPolicy",
    "SigningServiceUnavailable",
    "TimestampUnavailable",
    "fetcher_backend",
    "pades_level",
    "policy_from_config",
    "timestamper",
    "validation_context",
]

#: The run's visible state while the TSA cannot be reached (shown translated).
WAITING_FOR_TSA = N_("Waiting for the time-stamping server…")
#: ... and while an OCSP responder or a CRL distribution point cannot (LTV).
WAITING_FOR_REVOCATION = N_("Waiting for the certificate status server (OCSP/CRL)…")


class SigningServiceUnavailable(RuntimeError):  # noqa: N818 (a state, read as a sentence)
    """A service the configured signatures need could not be reached: nothing was signed.

    ``waiting`` is the run's visible state meanwhile (an N_ message, shown translated).
    """

    waiting = WAITING_FOR_TSA


class TimestampUnavailable(SigningServiceUnavailable):
    """The TSA could not be reached: no untimestamped certificate is issued."""

    waiting = WAITING_FOR_TSA


class RevocationUnavailable(SigningServiceUnavailable):
    """With LTV, an OCSP responder or CRL distribution point of the chain could not be
    reached: no certificate is issued without the OCSP responses and CRLs it would embed
    (pyHanko alone would soft-fail and sign with a DSS of certificates only)."""

    waiting = WAITING_FOR_REVOCATION


@dataclass(frozen=True)
class SigningPolicy:
    """What goes into a signature besides the signer's: timestamp, validation material."""

    tsa_url: str | None = None
    tsa_username: str | None = None
    tsa_password: str | None = field(default=None, repr=False)
    ltv: bool = False
    trust_roots: tuple[str, ...] = ()
    tsa_timeout: float = 10.0

    @property
    def level(self) -> str:
        return pades_level(self)


def pades_level(policy: SigningPolicy | None) -> str:
    """The PAdES baseline level signatures made under ``policy`` reach.

    B-LT builds on B-T (ETSI EN 319 142-1): validation data without a trusted timestamp
    proves nothing about when the signature was made, so ``ltv`` without a TSA stays B-B,
    as the verification report reads such a file.
    """
    if policy is None or not policy.tsa_url:
        return "B-B"
    return "B-LTA" if policy.ltv else "B-T"


def _set(config: Mapping[str, Any], name: str) -> str:
    value = config.get(name)
    return str(value).strip() if value else ""


def policy_from_config(config: Mapping[str, Any]) -> SigningPolicy:
    """``LMS_TSA_URL`` (+ ``LMS_TSA_USERNAME``/``LMS_TSA_PASSWORD``), ``LMS_SIGNING_LTV``,
    ``LMS_TRUST_ROOTS``.

    :raises ConfigError: one line: a TSA URL that is not http(s), a missing trust root,
        or LTV without trust roots.
    """
    url = _set(config, "LMS_TSA_URL")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"signing: LMS_TSA_URL {url} is not an http(s) URL")
    username, password = _set(config, "LMS_TSA_USERNAME"), _set(config, "LMS_TSA_PASSWORD")
    if (username or password) and not url:
        raise ConfigError("signing: LMS_TSA_USERNAME/LMS_TSA_PASSWORD without LMS_TSA_URL")
    given = config.get("LMS_TRUST_ROOTS") or ()
    paths = given.split(",") if isinstance(given, str) else given  # load_config: a list
    roots = tuple(str(p).strip() for p in paths if str(p).strip())
    for root in roots:
        if not Path(root).is_file():
            raise ConfigError(f"signing: LMS_TRUST_ROOTS {root} is not a file")
    ltv = config.get("LMS_SIGNING_LTV") in (True, 1, "1", "true", "yes", "on")
    if ltv and not roots:
        raise ConfigError("signing: LMS_SIGNING_LTV=1 needs LMS_TRUST_ROOTS (PEM files)")
    return SigningPolicy(url or None, username or None, password or None, ltv, roots)


def timestamper(policy: SigningPolicy | None) -> Any:
    """pyHanko's HTTP timestamper for the configured TSA, or None."""
    if policy is None or not policy.tsa_url:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    auth = (policy.tsa_username, policy.tsa_password or "") if policy.tsa_username else None
    return HTTPTimeStamper(policy.tsa_url, auth=auth, timeout=policy.tsa_timeout)


def trust_root_certs(policy: SigningPolicy) -> list[Any]:
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder(list(policy.trust_roots)))


def fetcher_backend(policy: SigningPolicy | None) -> Any:
    """An HTTP fetcher backend for OCSP/CRLs (LTV only; the caller closes it), or None."""
    if policy is None or not policy.ltv:
        return None
    from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

    return AIOHttpFetcherBackend(per_request_timeout=int(policy.tsa_timeout))


def validation_context(
    policy: SigningPolicy | None, other_certs: list[Any] | None = None, backend: Any = None
) -> Any:
    """A validation context that fetches OCSP responses and CRLs (for LTV), or None."""
    if policy is None or not policy.ltv:
        return None
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(
        trust_roots=trust_root_certs(policy),
        allow_fetching=True,
        other_certs=other_certs or [],
        fetcher_backend=backend,
    )
