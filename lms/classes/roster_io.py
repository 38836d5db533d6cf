"""Reading class rosters (danh sách học viên) from CSV or XLSX files, without a database.

:func:`read_roster` returns validated :class:`RosterRow` objects or raises
:class:`RosterError` listing every problem found (up to :data:`MAX_PROBLEMS`), each
with the row number as the spreadsheet shows it (the header is row 1 when it is
the first row) and the column header as written in the file.

The file type is detected from the content: a zip (``PK\\x03\\x04``) is read as XLSX,
anything else as CSV (UTF-8 with or without BOM, ``,`` or ``;`` delimited, with an
optional Excel ``sep=;`` first line). The header row is the first of the first
:data:`HEADER_SCAN_ROWS` non-blank rows that has a full-name column, so title rows
above the table ("DANH SÁCH HỌC VIÊN ...") are skipped. A row is blank, and skipped,
when every recognised column other than STT is empty (templates often pre-number STT).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from lms.classes.roster_problems import MAX_PROBLEMS, Problems, RosterError, RosterProblem
from lms.classes.roster_sources import cell_text, csv_rows, decode, xlsx_rows
from lms.vietnamese import fold

__all__ = ["MAX_PROBLEMS", "MAX_ROWS", "RosterError", "RosterProblem", "RosterRow", "read_roster"]

MAX_ROWS = 20_000  # default limit of data rows
MAX_FILE_BYTES = 50 * 1024 * 1024
HEADER_SCAN_ROWS = 10  # non-blank rows searched for the header

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx
_USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
_DMY_RE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_HEADER_NOISE_RE = re.compile(r"\(.*?\)|\[.*?\]")

# Folded header text -> field. "ignore" columns are recognised but not read.
_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "ignore": ("stt", "tt", "no", "#"),
    "full_name": ("ho va ten", "ho ten", "full name", "name"),
    "date_of_birth": ("ngay sinh", "ngay thang nam sinh", "date of birth", "dob"),
    "gender": ("gioi tinh", "gender"),
    "unit": ("don vi cong tac", "don vi", "unit"),
    "position": ("chuc vu", "position"),
    "email": ("email", "e-mail"),
    "phone": ("so dien thoai", "dien thoai", "sdt", "phone"),
    "username": ("ten dang nhap", "username"),
}
_HEADERS = {alias: field for field, aliases in _HEADER_ALIASES.items() for alias in aliases}
_GENDERS = {"nam": "male", "male": "male", "nu": "female", "female": "female",
            "khac": "other", "other": "other"}
# Longest accepted text per field (the user model's column sizes).
_MAX_LENGTH = {"full_name": 200, "unit": 300, "position": 200, "phone": 30}


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One validated person of a roster; ``row`` is the spreadsheet row number."""

    row: int
    full_name: str
    date_of_birth: date | None = None
    gender: str | None = None  # "male", "female" or "other"
    unit: str | None = None
    position: str | None = None
    email: str | None = None  # lowercased
    phone: str | None = None
    username: str | None = None  # lowercased


def _header_field(label: str) -> str | None:
    key = " ".join(_HEADER_NOISE_RE.sub(" ", fold(label)).strip(" *:.").split())
    return _HEADERS.get(key)


# --- parsing ------------------------------------------------------------------------------

def _find_header(rows: Iterator[tuple[int, Sequence[object]]], problems: Problems
                 ) -> tuple[int, list[str]]:
    """Return the header row's number and labels; rows above it are skipped."""
    scanned: list[tuple[int, list[str]]] = []
    for number, values in rows:
        labels = [cell_text(v) for v in values]
        if not any(labels):
            continue
        if any(_header_field(label) == "full_name" for label in labels):
            return number, labels
        scanned.append((number, labels))
        if len(scanned) >= HEADER_SCAN_ROWS:
            break
    if not scanned:
        raise problems.fail(_("the file is empty"), "empty_file")
    number, _labels = next(((n, v) for n, v in scanned if any(map(_header_field, v))),
                           scanned[0])
    raise problems.fail(_("the required column “Họ và tên” (or “Full name”) is missing"),
                        "missing_column", row=number)


def _map_columns(number: int, labels: Sequence[str], problems: Problems) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, label in enumerate(labels):
        field = _header_field(label)
        if field is None or field == "ignore":
            continue
        if field in columns:
            first = columns[field]
            problems.add(number, label, _("duplicate column: column %(letter)s (“%(other)s”) "
                                          "already holds this information",
                                          letter=get_column_letter(first + 1),
                                          other=labels[first]), "duplicate_column")
            continue
        columns[field] = index
    return columns


def _parse_date(value: object, text: str) -> tuple[date | None, str | None]:
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if not text:
        return None, None
    if match := _DMY_RE.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO_RE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        return None, _("“%(value)s” is not a date in the form dd/mm/yyyy", value=text)
    try:
        return date(year, month, day), None
    except ValueError:
        return None, _("“%(value)s” is not a real date", value=text)


class _RowParser:
    """Validates data rows against the header and remembers emails and usernames."""

    def __init__(self, columns: dict[str, int], labels: Sequence[str], problems: Problems):
        self.columns = columns
        self.labels = {field: labels[index] for field, index in columns.items()}
        self.problems = problems
        self.first_row: dict[tuple[str, str], int] = {}

    def _problem(self, number: int, field: str, reason: str, code: str) -> None:
        self.problems.add(number, self.labels[field], reason, code)

    def _unique(self, number: int, field: str, value: str) -> None:
        first = self.first_row.setdefault((field, value), number)
        if first != number:
            self._problem(number, field, _("duplicate of row %(row)d", row=first),
                          f"duplicate_{field}")

    def parse(self, number: int, values: Sequence[object]) -> RosterRow | None:
        """Return the row, or None when it is blank; problems go to the collector."""
        raw = {f: values[i] if i < len(values) else None for f, i in self.columns.items()}
        text = {f: cell_text(v) for f, v in raw.items()}
        if not any(text.values()):
            return None
        for field, limit in _MAX_LENGTH.items():
            if len(text.get(field, "")) > limit:
                self._problem(number, field, _("too long (at most %(limit)d characters)",
                                               limit=limit), "too_long")
        if not text["full_name"]:
            self._problem(number, "full_name", _("the full name is empty"), "empty_name")
        birth, reason = _parse_date(raw.get("date_of_birth"), text.get("date_of_birth", ""))
        if reason:
            self._problem(number, "date_of_birth", reason, "invalid_date")
        gender = None
        if text.get("gender"):
            gender = _GENDERS.get(fold(text["gender"]))
            if gender is None:
                self._problem(number, "gender", _("unknown gender “%(value)s”; use Nam, Nữ or "
                                                  "Khác", value=text["gender"]), "invalid_gender")
        email = text.get("email") or None
        if email:
            try:
                email = validate_email(email, check_deliverability=False).normalized.lower()
            except EmailNotValidError:
                email = None
                self._problem(number, "email", _("invalid email address"), "invalid_email")
            else:
                self._unique(number, "email", email)
        username = text.get("username", "").lower() or None
        if username:
            if _USERNAME_RE.fullmatch(username):
                self._unique(number, "username", username)
            else:
                username = None
                self._problem(number, "username", _("invalid username: use 3 to 64 characters "
                                                    "a–z, 0–9, “.”, “_” or “-”"),
                              "invalid_username")
        return RosterRow(
            row=number, full_name=text["full_name"], date_of_birth=birth, gender=gender,
            unit=text.get("unit") or None, position=text.get("position") or None,
            email=email, phone=text.get("phone") or None, username=username,
        )


def read_roster(data: bytes, filename: str, *, limit: int = MAX_ROWS) -> list[RosterRow]:
    """Read a roster from the bytes of an uploaded CSV or XLSX file.

    :param data: the file content; its type is detected from the content.
    :param filename: the uploaded name, only used to word messages about broken files.
    :param limit: the most data rows accepted.
    :raises RosterError: with every problem found (capped at MAX_PROBLEMS).
    """
    problems = Problems()
    if len(data) > MAX_FILE_BYTES:
        raise problems.fail(_("the file is larger than %(mb)d MB", mb=MAX_FILE_BYTES >> 20),
                            "file_too_large")
    if not data.strip():
        raise problems.fail(_("the file is empty"), "empty_file")
    rows: Iterator[tuple[int, Sequence[object]]]
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        rows = xlsx_rows(data, problems)
    elif data.startswith(_OLE_MAGIC):
        raise problems.fail(_("this is an old Excel 97-2003 (.xls) or a password-protected "
                              "workbook; save it as “Excel Workbook (.xlsx)” without a "
                              "password, or as “CSV UTF-8”"), "unsupported_format")
    else:
        named_excel = filename.lower().rsplit(".", 1)[-1] in ("xlsx", "xlsm", "xls")
        rows = csv_rows(decode(data, named_excel, problems), problems)
    header_row, labels = _find_header(rows, problems)
    columns = _map_columns(header_row, labels, problems)
    parser = _RowParser(columns, labels, problems)
    result: list[RosterRow] = []
    for number, values in rows:
        row = parser.parse(number, values)
        if row is None:
            continue
        if len(result) >= limit:
            raise problems.fail(_("the file has more than %(limit)d rows; split it into "
                                  "smaller files", limit=limit), "too_many_rows")
        result.append(row)
    if problems.count:
        raise problems.error()
    if not result:
        raise problems.fail(_("the file has no data rows below the header"), "no_data_rows")
    return result
