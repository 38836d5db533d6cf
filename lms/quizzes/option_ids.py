"""Opaque option ids, per attempt: what a learner sees instead of the bank's keys.

The bank keys options by their place in the question file (``a0``, ``a1`` … and, for
matching, ``l*``/``r*``), and the files usually list the right answer first. Shown as they
are, those keys give the answer away. So a learner sees, in the page, the form values
and the API, ids derived with HMAC from the server's secret, the attempt, the slot and
the key: random-looking, carrying no order, and meaningless in any other attempt (two
learners cannot share "pick X7Q"). The server maps them back to the stable keys it
stores and grades; reviews, item analysis, exports and regrades keep the stable keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app

from lms.quizzes.types import get_type

LENGTH = 7  # 35 bits per id: a clash inside one question is ~1 in 10^9, and handled
UNKNOWN = "?"  # prefix of an id that maps to no option: the type's check() refuses it


@lru_cache(maxsize=4)
def derive_key(secret: str | bytes) -> bytes:
    """The option-id key derived from the app's secret (never the secret itself)."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, b"lms.quizzes.option-ids", hashlib.sha256).digest()


def _key() -> bytes:
    return derive_key(current_app.config["SECRET_KEY"])


@lru_cache(maxsize=8192)  # the autosave hot path asks for the same slots again and again
def _ids(key: bytes, attempt_id: int, slot: int, stable: tuple[str, ...], length: int
         ) -> dict[str, str]:
    out = {}
    for item in stable:
        digest = hmac.new(key, f"{attempt_id}:{slot}:{item}".encode(), hashlib.sha256).digest()
        out[item] = base64.b32encode(digest).decode()[:length]
    return out


@dataclass(frozen=True)
class SlotIds:
    """The two-way map of one attempt slot's option ids."""

    public: Mapping[str, str]  # stable key → public id
    stable: Mapping[str, str]  # public id → stable key

    def to_public(self, kind: str, response: Any) -> Any:
        """A stored response (stable keys) as the learner sees it."""
        return get_type(kind).map_ids(response, lambda k: self.public.get(k, k))

    def to_stable(self, kind: str, response: Any) -> Any:
        """A learner's response (public ids) in stable keys; unknown ids stay unknown."""
        return get_type(kind).map_ids(response,
                                      lambda p: self.stable.get(p, f"{UNKNOWN}{p}"))


def slot_ids(attempt_id: int, slot: int, kind: str, data: Mapping[str, Any],
             key: bytes | None = None) -> SlotIds:
    """The option ids of one question of an attempt (``key``: :func:`derive_key`, by
    default from the running app's secret)."""
    stable = tuple(get_type(kind).public_keys(data))
    key, length = key or _key(), LENGTH
    public = _ids(key, attempt_id, slot, stable, length)
    while len(set(public.values())) < len(public):  # a clash: longer ids for this slot
        length += 6
        public = _ids(key, attempt_id, slot, stable, length)
    return SlotIds(public, {p: k for k, p in public.items()})
