"""Problems found in a roster file: where (row, column) and why, collected up to a cap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

__all__ = ["MAX_PROBLEMS", "Problems", "RosterError", "RosterProblem"]

MAX_PROBLEMS = 200  # problems kept; the rest are only counted


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """One problem: where it is (``row``/``column`` None when about the file) and why."""

    row: int | None
    column: str | None
    reason: str
    code: str = ""  # stable machine-readable kind, e.g. "invalid_email"

    def __str__(self) -> str:
        if self.row is not None and self.column:
            return _("row %(row)d, column %(column)s: %(reason)s",
                     row=self.row, column=self.column, reason=self.reason)
        if self.row is not None:
            return _("row %(row)d: %(reason)s", row=self.row, reason=self.reason)
        return _("file: %(reason)s", reason=self.reason)


class RosterError(Exception):
    """The roster cannot be imported; ``problems`` says why, ``omitted`` how many more."""

    def __init__(self, problems: Sequence[RosterProblem], omitted: int = 0) -> None:
        super().__init__(problems, omitted)
        self.problems = list(problems)
        self.omitted = omitted

    def messages(self) -> list[str]:
        """One line per problem, plus "… and N more problems" when some were left out."""
        lines = [str(p) for p in self.problems]
        if self.omitted:
            lines.append(ngettext("… and %(num)d more problem", "… and %(num)d more problems",
                                  self.omitted))
        return lines

    def __str__(self) -> str:
        return "\n".join(self.messages())


class Problems:
    """Collects problems, keeping the first MAX_PROBLEMS and counting the rest."""

    def __init__(self) -> None:
        self.items: list[RosterProblem] = []
        self.count = 0

    def add(self, row: int | None, column: str | None, reason: str, code: str) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(RosterProblem(row, column, reason, code))

    def error(self) -> RosterError:
        return RosterError(self.items, self.count - len(self.items))

    def fail(self, reason: str, code: str, row: int | None = None) -> RosterError:
        """Add a problem that stops the reading; return the error to raise."""
        self.add(row, None, reason, code)
        return self.error()
