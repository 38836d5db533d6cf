"""Vietnamese text handling: normalisation, folding, class-list order and usernames.

Vietnamese text reaches the app in two Unicode forms: precomposed (NFC, what most
Windows software sends) and decomposed (NFD, common from macOS and some IMEs), so
"Nguyễn" may arrive as 6 or 9 code points. Everything stored or compared goes
through :func:`clean_text` (NFC) or :func:`fold` (no marks, case-folded) first.

Class-list order (:func:`sort_key`) follows Vietnamese practice: by given name
(the last word of "Họ và tên"), then by family name and middle names, word by
word. Each word is compared on its letters in the Vietnamese alphabet first::

    a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y

then, only when all letters are equal, on the tone in dictionary order: ngang,
huyền, hỏi, ngã, sắc, nặng. ă â ê ô ơ ư đ are letters of their own; the five tone
marks are not letters. Characters outside the alphabet sort after ``y``, in this
order: the foreign letters f j w z, then the digits 0-9, then anything else by
code point (other combining marks, e.g. the diaeresis of "ü", are ignored).
Comparison is case-insensitive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

__all__ = ["clean_text", "fold", "sort_key", "username_from_name", "vn_sorted"]

T = TypeVar("T")

ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
"""The 29 letters of the Vietnamese alphabet, in order."""
_AFTER_ALPHABET = "fjwz0123456789"
_VOWELS = "aăâeêioôơuưy"

# Combining tone marks, in dictionary order (ngang = 0 has no mark).
_TONE_MARKS = {
    "\u0300": 1,  # huyền (grave)
    "\u0309": 2,  # hỏi (hook above)
    "\u0303": 3,  # ngã (tilde)
    "\u0301": 4,  # sắc (acute)
    "\u0323": 5,  # nặng (dot below)
}
_OTHER_RANK_BASE = 100  # ranks of characters outside ALPHABET + _AFTER_ALPHABET
_END = 0  # word terminator: lower than every rank and every tone
_ZERO_WIDTH = str.maketrans("", "", "\u200b\ufeff")


def _build_table() -> dict[str, tuple[int, int]]:
    """Map every letter (both cases, every tone) to ``(letter rank, tone)``.

    The vowel modifiers (breve, circumflex, horn) and the stroke of đ are part of
    the letter rank, since ă â ê ô ơ ư đ are letters in their own right; only the
    tone is kept apart, so that it is compared after all the letters.
    """
    table: dict[str, tuple[int, int]] = {}
    for rank, letter in enumerate(ALPHABET + _AFTER_ALPHABET, start=1):
        for case in {letter, letter.upper()}:
            table[case] = (rank, 0)
            if letter in _VOWELS:
                for mark, tone in _TONE_MARKS.items():
                    table[unicodedata.normalize("NFC", case + mark)] = (rank, tone)
    return table


_TABLE = _build_table()


def clean_text(s: str) -> str:
    """Return ``s`` in NFC, stripped, with whitespace runs collapsed to one space.

    Zero-width spaces and stray byte-order marks (invisible, from copy and paste)
    are removed too.
    """
    return " ".join(unicodedata.normalize("NFC", s).translate(_ZERO_WIDTH).split())


def fold(s: str) -> str:
    """Return ``s`` without case or diacritics, for loose matching.

    ``fold("Họ và tên") == "ho va ten"``; đ and Đ become d.
    """
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", s).casefold())
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return " ".join(stripped.replace("đ", "d").translate(_ZERO_WIDTH).split())


@lru_cache(maxsize=4096)
def _other_char(ch: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Ranks and tones of a character missing from the table (slow path, cached)."""
    ranks: list[int] = []
    tones: list[int] = []
    for c in unicodedata.normalize("NFD", ch.casefold()):
        if c in _TONE_MARKS:
            tones.append(_TONE_MARKS[c])
        elif unicodedata.combining(c):
            continue  # a mark Vietnamese does not use: ignore it
        elif c in _TABLE:
            ranks.append(_TABLE[c][0])
        else:
            ranks.append(_OTHER_RANK_BASE + ord(c))
    return tuple(ranks), tuple(tones)


def _word_key(word: str, out: list[int]) -> None:
    """Append the key of one word: letter ranks, END, non-ngang tones, END."""
    tones: list[int] = []
    for ch in word:
        entry = _TABLE.get(ch)
        if entry is None:
            ranks, extra = _other_char(ch)
            out.extend(ranks)
            tones.extend(extra)
        else:
            out.append(entry[0])
            if entry[1]:
                tones.append(entry[1])
    out.append(_END)
    # A syllable carries one tone; keeping only the non-ngang tones (not their
    # positions) makes the old and new tone placements ("hoà", "hòa") equal.
    out.extend(tones)
    out.append(_END)


def sort_key(full_name: str) -> tuple[int, ...]:
    """Return a key ordering "Họ và tên" the way Vietnamese class lists are ordered.

    The key is a flat tuple of integers: the given name's word key, then the key of
    every other word in order (family name first). Each word key is its letter
    ranks, a terminator, its tones and a terminator, so letters decide before tones
    and a word sorts before its extensions ("An" < "Anh").
    """
    words = unicodedata.normalize("NFC", full_name).translate(_ZERO_WIDTH).split()
    if not words:
        return ()
    out: list[int] = []
    _word_key(words[-1], out)
    for word in words[:-1]:
        _word_key(word, out)
    return tuple(out)


def _identity(x: T) -> T:
    return x


def vn_sorted(items: Iterable[T], key: Callable[[T], str] = _identity) -> list[T]:
    """Return ``items`` sorted in Vietnamese class-list order of ``key(item)``."""
    return sorted(items, key=lambda item: sort_key(key(item)))


_NOT_USERNAME = re.compile(r"[^a-z0-9]+")
_MAX_USERNAME = 64
_MIN_USERNAME = 3
_MAX_ATTEMPTS = 100_000


def username_from_name(full_name: str, is_taken: Callable[[str], bool]) -> str:
    """Return a free ASCII username: given name + initials of the other words.

    "Nguyễn Văn An" -> "annv", "Trần Thị Ánh Tuyết" -> "tuyettta", "Đỗ Đức" -> "ducd".
    If ``is_taken`` says the name is used, "2", "3", ... is appended ("annv2").
    A base shorter than 3 characters is always numbered from 1, zero-padded to 3
    characters ("Lý" -> "ly1", "Ý" -> "y01"), so that every result is a valid
    username (3-64 of [a-z0-9]). If no letter or digit remains, the base is "user".
    """
    parts = [_NOT_USERNAME.sub("", word) for word in fold(full_name).split()]
    parts = [part for part in parts if part]
    base = parts[-1] + "".join(part[0] for part in parts[:-1]) if parts else "user"
    width = max(_MIN_USERNAME - len(base), 1)  # digits of the suffix, zero-padded
    first = 1 if len(base) < _MIN_USERNAME else 2
    base = base[:_MAX_USERNAME]
    if first == 2 and not is_taken(base):
        return base
    for number in range(first, first + _MAX_ATTEMPTS):
        suffix = str(number).zfill(width)
        candidate = base[: _MAX_USERNAME - len(suffix)] + suffix
        if not is_taken(candidate):
            return candidate
    raise RuntimeError(f"no free username for base {base!r}")
