"""Which lessons and questions of a course cite a document that is not law in force at a
date (replaced, expired, not yet in force, or not in the registry at all): ``lms legal
check``, run by CI on the shipped course as of the run date (issue 13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from lms.courses.files import CourseFiles
from lms.courses.files_dump import render_lesson
from lms.legal.model import LegalDocument, Registry, cited


@dataclass(frozen=True)
class Finding:
    """One citation of a document not in force: where, and why."""

    path: str
    line: int
    number: str
    document: LegalDocument | None
    on: date

    @property
    def reason(self) -> str:
        d = self.document
        if d is None:
            return _("cites %(number)s, which legal.toml does not list", number=self.number)
        state = d.state(self.on)
        if state == "not_yet" and d.effective is not None:
            return _("cites %(number)s (%(title)s), not in force until %(date)s",
                     number=d.number, title=d.title, date=_dmy(d.effective))
        if state == "replaced":
            return _("cites %(number)s (%(title)s), replaced by %(by)s on %(date)s",
                     number=d.number, title=d.title, by=d.replaced_by,
                     date=_dmy(d.status_date))
        return _("cites %(number)s (%(title)s), no longer in force since %(date)s",
                 number=d.number, title=d.title, date=_dmy(d.status_date))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


def _dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "?"


def check(files: CourseFiles, on: date) -> tuple[int, list[Finding]]:
    """``(citations checked, findings)`` for the course in ``files`` as of ``on``.

    :raises QuestionFormatError: a question bank cannot be read.
    """
    from lms.quizzes.bankfile import parse_bank

    registry = files.legal or Registry(None, ())
    findings, count = [], 0
    for lesson in files.lessons:
        line = lesson.legal_line or _line_of(render_lesson(lesson), "legal = ")
        for number in lesson.legal:
            count += 1
            findings += _finding(registry, f"{files.slug}/{lesson.path}", line, number, on)
    for bank in files.questions:
        where = f"{files.slug}/{bank.path}"
        for question in parse_bank(bank.text, where):
            for number in cited(question.tags):
                count += 1
                findings += _finding(registry, where, question.line, number, on)
    return count, findings


def _finding(registry: Registry, path: str, line: int, number: str,
             on: date) -> list[Finding]:
    document = registry.get(number)
    if document is not None and document.in_force(on):
        return []
    return [Finding(path, line, number, document, on)]


def _line_of(text: str, start: str) -> int:
    return next((n for n, line in enumerate(text.split("\n"), 1) if line.startswith(start)), 1)
