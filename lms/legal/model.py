"""A course's legal basis as data (see :mod:`lms.legal.registry` for the file): pure
dataclasses, imported by the course-file model."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

STATUSES: Final = ("in_force", "amended", "replaced", "expired")
#: A question cites a document by a tag ``legal:<number>`` (GIFT ``// [tag:legal:…]``,
#: a Moodle XML ``<tag>``), so citations travel through Moodle unchanged.
CITATION_TAG: Final = "legal:"


def cited(tags: list[str] | tuple[str, ...]) -> list[str]:
    """The document numbers a question's tags cite."""
    return [t[len(CITATION_TAG):].strip() for t in tags if t.startswith(CITATION_TAG)]


@dataclass(frozen=True)
class LegalDocument:
    """One document of the registry."""

    number: str
    kind: str
    title: str
    issuer: str
    signed: date | None
    effective: date | None
    status: str
    source: str
    replaced_by: str = ""
    status_date: date | None = None
    note: str = ""
    line: int = field(default=0, compare=False)  # of its [[document]], for problems

    def in_force(self, on: date) -> bool:
        """Whether the document is law in force on ``on``."""
        if self.effective is not None and on < self.effective:
            return False
        if self.status in ("replaced", "expired"):
            return self.status_date is not None and on < self.status_date
        return True

    def state(self, on: date) -> str:
        """``not_yet`` (not in force yet), ``in_force``, ``amended``, ``replaced`` or
        ``expired``, as of ``on``."""
        if self.effective is not None and on < self.effective:
            return "not_yet"
        if self.status in ("replaced", "expired") and self.in_force(on):
            return "in_force"
        return self.status


@dataclass(frozen=True)
class Registry:
    """A course's legal basis: when it was last checked, and its documents by number."""

    reviewed_on: date | None
    documents: tuple[LegalDocument, ...]

    def get(self, number: str) -> LegalDocument | None:
        return next((d for d in self.documents if d.number == number), None)

    @property
    def numbers(self) -> frozenset[str]:
        return frozenset(d.number for d in self.documents)


