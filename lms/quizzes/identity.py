"""Which question of the bank a question read from a file is (issue 12).

A question is known in its course by a key, stored as ``Question.idnumber``:

- its Moodle ID number when the file gives one (GIFT ``// [id:…]``, XML ``<idnumber>``);
- otherwise its place in its file together with its name: ``questions/bai-01.gift#Câu 1``,
  then ``…#Câu 1#2`` for the second question of that name in that file. An unnamed question
  is named as Moodle names it, after the start of its text.

Two questions with the same name are two questions. The exporters write every key back as
an ID number, so an exported bank re-imports exactly. A key the bank does not know yet is
matched to a question of the same file and name that no key of the import claims (the same
question, just given an ID number, or imported before keys existed), so adding ids to a
file, or upgrading, keeps every question's history.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from lms.quizzes.parsed import ParsedQuestion

MAX_KEY = 200
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_UNSAFE = re.compile(r"[\[\]\\\x00-\x1f\x7f]")


def default_name(text: str) -> str:
    """Moodle's name for an unnamed question: its text without markup, shortened to 80
    characters at a word boundary."""
    plain = _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", text))).strip()
    if len(plain) <= 80:
        return plain or "?"
    cut = plain[:80].rsplit(" ", 1)[0] or plain[:80]
    return cut + "..."


def place_key(path: str, name: str, occurrence: int = 1) -> str:
    """The key of the ``occurrence``-th id-less question named ``name`` in ``path``."""
    key = f"{path}#{_UNSAFE.sub('_', name)}" + (f"#{occurrence}" if occurrence > 1 else "")
    if len(key) > MAX_KEY:
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        key = f"{path[:MAX_KEY - 18]}#{digest}"
    return key


def keyed(path: str, questions: Iterable[ParsedQuestion]) -> list[tuple[str, str,
                                                                          ParsedQuestion]]:
    """``(key, name, question)`` for each question of the file ``path``, in order."""
    seen: Counter[str] = Counter()
    out = []
    for q in questions:
        name = q.name or default_name(q.text)
        if q.idnumber:
            out.append((q.idnumber, name, q))
            continue
        seen[name] += 1
        out.append((place_key(path, name, seen[name]), name, q))
    return out


def adopt(incoming: Mapping[str, tuple[str, str]],
          existing: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """``{incoming key: existing key}`` for keys the bank does not know that are the same
    question: same ``(path, name)`` (the path's format aside: a bank written as ``.xml``
    once GIFT could not hold it is the same bank), and the existing key unclaimed by the
    import."""
    def place_of(place: tuple[str, str]) -> tuple[str, str]:
        path, name = place
        return path.removesuffix(".gift").removesuffix(".xml"), name

    free: dict[tuple[str, str], list[str]] = {}
    for key, place in existing.items():
        if key not in incoming:
            free.setdefault(place_of(place), []).append(key)
    out = {}
    for key, place in incoming.items():
        if key not in existing and free.get(place_of(place)):
            out[key] = free[place_of(place)].pop(0)
    return out


def repeated(keys: Sequence[str]) -> list[int]:
    """Indexes of the keys already given earlier in ``keys``."""
    seen: set[str] = set()
    out = []
    for index, key in enumerate(keys):
        if key in seen:
            out.append(index)
        seen.add(key)
    return out
