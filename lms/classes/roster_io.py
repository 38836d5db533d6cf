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

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import openpyxl
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import ngettext
from openpyxl.utils import get_column_letter

from lms.vietnamese import clean_text, fold

__all__ = ["MAX_ROWS", "RosterError", "RosterProblem", "RosterRow", "read_roster"]

MAX_ROWS = 20_000  # default limit of data rows
MAX_PROBLEMS = 200  # problems kept; the rest are only counted
MAX_FILE_BYTES = 50 * 1024 * 1024
HEADER_SCAN_ROWS = 10  # non-blank rows searched for the header
# XLSX limits, checked with zipfile before openpyxl sees the file. zipfile stops
# each member at its declared size (and fails on a CRC mismatch), so the declared
# sizes checked here bound what openpyxl can unpack.
MAX_UNCOMPRESSED = 50 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_RATIO = 100  # uncompressed/compressed, for members larger than RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1024 * 1024  # tiny parts compress well and are harmless
EXCEL_MAX_ROW = 1_048_576
MAX_COLUMNS = 200
_SHEET_WIDTH_ROWS = 50  # rows read to find how many columns matter

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, or an encrypted .xlsx
# A DTD can declare entities (billion laughs, external entities). Worksheets never
# need one, so any member containing a DOCTYPE or ENTITY declaration is refused.
# Second line of defence: openpyxl parses worksheets with defusedxml's iterparse
# when defusedxml is installed (openpyxl.DEFUSEDXML, asserted in the tests), and
# other parts with lxml and resolve_entities=False.
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)
_DTD_OVERLAP = max(len(m) for m in _DTD_MARKERS) - 1

_USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
_DMY_RE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_SEP_LINE_RE = re.compile(r"sep=([,;])\r?\n", re.IGNORECASE)
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


class _Problems:
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


def _text(value: object) -> str:
    """The cell as clean text; integral numbers without ".0", dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):  # datetime too
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return clean_text(str(value))


def _header_field(label: str) -> str | None:
    key = " ".join(_HEADER_NOISE_RE.sub(" ", fold(label)).strip(" *:.").split())
    return _HEADERS.get(key)


# --- sources: each yields (spreadsheet row number, cell values) ---------------------------

def _damaged() -> str:
    return _("the Excel file is damaged or not a valid .xlsx workbook")


def _decode(data: bytes, named_excel: bool, problems: _Problems) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise problems.fail(_("the file is saved as UTF-16 “Unicode Text”; in Excel, save it "
                              "as “CSV UTF-8 (Comma delimited)” instead"), "not_utf8")
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if named_excel or b"\x00" in data:
            text = "\x00"  # reported below as an unknown format
        else:
            line = data.count(b"\n", 0, exc.start) + 1
            raise problems.fail(_("the file is not UTF-8 text (first bad byte on line %(line)d); "
                                  "in Excel, use Save As › “CSV UTF-8 (Comma delimited) (*.csv)”",
                                  line=line), "not_utf8") from None
    if "\x00" in text:
        raise problems.fail(_("the file is neither an Excel workbook (.xlsx) nor a CSV file"),
                            "unknown_format")
    return text


def _delimiter(text: str) -> str:
    """``,`` or ``;``: csv.Sniffer on a sample, else whichever the header line has more of."""
    sample = text[:8192]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    # The header is the first line with a delimiter (title rows above it may have none).
    header = next((line for line in sample.splitlines() if "," in line or ";" in line), "")
    try:
        found = csv.Sniffer().sniff(sample, delimiters=",;").delimiter
    except csv.Error:
        found = ""
    other = ";" if found == "," else ","
    if found not in (",", ";") or (found not in header and other in header):
        found = ";" if header.count(";") > header.count(",") else ","
    return found


def _csv_rows(text: str, problems: _Problems) -> Iterator[tuple[int, Sequence[object]]]:
    if match := _SEP_LINE_RE.match(text):  # Excel's "sep=;" hint line, which Excel hides
        delimiter, text = match.group(1), text[match.end():]
    else:
        delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            yield number, record
    except csv.Error as exc:
        raise problems.fail(_("the CSV file is malformed here (%(detail)s)", detail=str(exc)),
                            "malformed_csv", row=number + 1) from None


def _inspect_zip(data: bytes) -> tuple[str, str] | None:
    """Return ``(code, reason)`` if the zip must not reach openpyxl, else None."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
            return "zip_bomb", _("the workbook unpacks to more than %(mb)d MB or %(count)d parts",
                                 mb=MAX_UNCOMPRESSED >> 20, count=MAX_MEMBERS)
        if any(i.file_size > max(RATIO_MIN_SIZE, MAX_RATIO * i.compress_size) for i in infos):
            return "zip_bomb", _("the workbook is compressed suspiciously (a zip bomb?)")
        if "[Content_Types].xml" not in archive.namelist():
            return "not_xlsx", _("the file is a zip archive, not an Excel workbook (.xlsx)")
        for info in infos:  # at most MAX_UNCOMPRESSED bytes in all
            with archive.open(info) as member:
                tail = b""
                while chunk := member.read(1024 * 1024):
                    window = tail + chunk
                    if any(marker in window for marker in _DTD_MARKERS):
                        return "xml_dtd", _("the workbook contains XML with a DOCTYPE or "
                                            "entity declaration, which is not allowed")
                    tail = window[-_DTD_OVERLAP:]
    return None


def _guarded(make_rows: Callable[[], Iterator[tuple]], problems: _Problems) -> Iterator[tuple]:
    """Iterate ``make_rows()``, turning any exception of openpyxl into a problem.

    openpyxl raises many kinds of exception on a damaged or hostile file (KeyError,
    ValueError, zipfile.BadZipFile, defusedxml's EntitiesForbidden, ...): hence the
    broad except, kept around third-party calls only.
    """
    try:
        yield from make_rows()
    except Exception:
        raise problems.fail(_damaged(), "bad_xlsx") from None


def _xlsx_rows(data: bytes, problems: _Problems) -> Iterator[tuple[int, Sequence[object]]]:
    try:
        verdict = _inspect_zip(data)
    except Exception:  # BadZipFile, encrypted or unsupported members, bad offsets, ...
        verdict = ("bad_xlsx", _damaged())
    if verdict:
        raise problems.fail(verdict[1], verdict[0])
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise problems.fail(_damaged(), "bad_xlsx") from None
    try:
        if not book.worksheets:
            raise problems.fail(_("the workbook has no worksheet"), "bad_xlsx")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # stored dimensions may be wrong: read to the last row
        # Columns right of the table would pad every row: find the used width first.
        width = 0
        head = _guarded(lambda: sheet.iter_rows(max_row=_SHEET_WIDTH_ROWS, values_only=True),
                        problems)
        for values in head:
            used = [i for i, v in enumerate(values[:MAX_COLUMNS]) if _text(v)]
            width = max(width, used[-1] + 1 if used else 0)
        rows = _guarded(lambda: sheet.iter_rows(max_col=width or MAX_COLUMNS, values_only=True),
                        problems)
        for number, values in enumerate(rows, start=1):
            if number > EXCEL_MAX_ROW:
                raise problems.fail(_("the worksheet has more rows than Excel allows"),
                                    "bad_xlsx")
            yield number, values
    finally:
        book.close()


# --- parsing ------------------------------------------------------------------------------

def _find_header(rows: Iterator[tuple[int, Sequence[object]]], problems: _Problems
                 ) -> tuple[int, list[str]]:
    """Return the header row's number and labels; rows above it are skipped."""
    scanned: list[tuple[int, list[str]]] = []
    for number, values in rows:
        labels = [_text(v) for v in values]
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


def _map_columns(number: int, labels: Sequence[str], problems: _Problems) -> dict[str, int]:
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

    def __init__(self, columns: dict[str, int], labels: Sequence[str], problems: _Problems):
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
        text = {f: _text(v) for f, v in raw.items()}
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
    problems = _Problems()
    if len(data) > MAX_FILE_BYTES:
        raise problems.fail(_("the file is larger than %(mb)d MB", mb=MAX_FILE_BYTES >> 20),
                            "file_too_large")
    if not data.strip():
        raise problems.fail(_("the file is empty"), "empty_file")
    rows: Iterator[tuple[int, Sequence[object]]]
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        rows = _xlsx_rows(data, problems)
    elif data.startswith(_OLE_MAGIC):
        raise problems.fail(_("this is an old Excel 97-2003 (.xls) or a password-protected "
                              "workbook; save it as “Excel Workbook (.xlsx)” without a "
                              "password, or as “CSV UTF-8”"), "unsupported_format")
    else:
        named_excel = filename.lower().rsplit(".", 1)[-1] in ("xlsx", "xlsm", "xls")
        rows = _csv_rows(_decode(data, named_excel, problems), problems)
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
