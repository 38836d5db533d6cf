"""Where roster rows come from: CSV text or the first worksheet of an XLSX workbook.

Each source yields ``(spreadsheet row number, cell values)``. The XLSX source checks
the zip with :mod:`zipfile` before openpyxl sees it (zip bombs, XML with a DTD).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import date

import openpyxl
from flask_babel import gettext as _

from lms.classes.roster_problems import Problems
from lms.vietnamese import clean_text

__all__ = ["cell_text", "csv_rows", "decode", "xlsx_rows"]

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

EXCEL_MAX_ROW = 1_048_576
MAX_COLUMNS = 200
_SHEET_WIDTH_ROWS = 50  # rows read to find how many columns matter
_SEP_LINE_RE = re.compile(r"sep=([,;])\r?\n", re.IGNORECASE)


def cell_text(value: object) -> str:
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


def _damaged() -> str:
    return _("the Excel file is damaged or not a valid .xlsx workbook")


def decode(data: bytes, named_excel: bool, problems: Problems) -> str:
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


def csv_rows(text: str, problems: Problems) -> Iterator[tuple[int, Sequence[object]]]:
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


def _guarded(make_rows: Callable[[], Iterator[tuple]], problems: Problems) -> Iterator[tuple]:
    """Iterate ``make_rows()``, turning any exception of openpyxl into a problem.

    openpyxl raises many kinds of exception on a damaged or hostile file (KeyError,
    ValueError, zipfile.BadZipFile, defusedxml's EntitiesForbidden, ...): hence the
    broad except, kept around third-party calls only.
    """
    try:
        yield from make_rows()
    except Exception:
        raise problems.fail(_damaged(), "bad_xlsx") from None


def xlsx_rows(data: bytes, problems: Problems) -> Iterator[tuple[int, Sequence[object]]]:
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
            used = [i for i, v in enumerate(values[:MAX_COLUMNS]) if cell_text(v)]
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
