"""Class completion reports as JSON, CSV, XLSX and PDF, from plain data.

Pure functions over frozen dataclasses: no Flask app, no database. The caller builds a
:class:`ClassReport` (learners already in Vietnamese class-list order) and picks a format:

* :func:`to_json` — the object the JSON API returns;
* :func:`to_csv` — UTF-8 with BOM, ``,``-separated, CRLF, Vietnamese headers and labels;
* :func:`to_xlsx` — one sheet "Kết quả", frozen bold header, numeric scores, real dates;
* :func:`to_pdf` — A4 portrait report with summary, charts and the learner table
  (in :mod:`lms.reports.exports_pdf`, imported on first use: WeasyPrint is heavy).

Spreadsheet exports pass every text cell through :func:`neutralise` (formula injection).
Dates are shown as dd/mm/yyyy in the report's time zone and scores with one decimal and a
decimal comma, rounded half up like Vietnamese score sheets (``8,25`` → ``8,3``).
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from statistics import fmean
from typing import Any, Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "CSV_HEADERS",
    "STATUS_LABELS",
    "ClassReport",
    "LearnerRow",
    "Status",
    "format_date",
    "format_percent",
    "format_score10",
    "local_date",
    "neutralise",
    "report_title",
    "to_csv",
    "to_json",
    "to_pdf",
    "to_xlsx",
]

Status = Literal["not_started", "in_progress", "completed", "failed"]

STATUS_LABELS: dict[str, str] = {
    "not_started": "Chưa bắt đầu",
    "in_progress": "Đang học",
    "completed": "Hoàn thành",
    "failed": "Không đạt",
}

CSV_HEADERS = (
    "STT",
    "Họ và tên",
    "Tên đăng nhập",
    "Đơn vị công tác",
    "Chức vụ",
    "Trạng thái",
    "Số bài đã học",
    "Tổng số bài",
    "Điểm cao nhất",
    "Xếp loại",
    "Ngày hoàn thành",
    "Hoạt động gần nhất",
)
SCORE_COLUMN = CSV_HEADERS.index("Điểm cao nhất")
DATE_COLUMNS = frozenset(
    {CSV_HEADERS.index("Ngày hoàn thành"), CSV_HEADERS.index("Hoạt động gần nhất")}
)

# OWASP "CSV Injection" / ASVS 5 (1.2.10): a cell must not begin with one of these.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")

SHEET_TITLE = "Kết quả"
XLSX_SCORE_FORMAT = "0.0"
XLSX_DATE_FORMAT = "dd/mm/yyyy"
XLSX_MAX_WIDTH = 45
XLSX_DATE_WIDTH = 12


# ------------------------------------------------------------------------------ data


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def _as_utc(value: datetime | None) -> datetime | None:
    """Aware UTC. A naive value is taken as UTC (what SQLite hands back for UTC columns)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class LearnerRow:
    """One learner's result in a class: text stored NFC, score as float, datetimes aware UTC."""

    username: str
    full_name: str
    unit: str
    position: str
    status: Status
    lessons_done: int
    lessons_total: int
    best_score10: float | None
    classification: str
    completed_at: datetime | None
    last_activity_at: datetime | None

    def __post_init__(self) -> None:
        if self.status not in STATUS_LABELS:
            raise ValueError(f"unknown learner status {self.status!r}")
        if self.best_score10 is not None:
            score = float(self.best_score10)  # a Decimal from a NUMERIC column, say
            if not math.isfinite(score):
                raise ValueError(f"best_score10 must be finite, not {self.best_score10!r}")
            object.__setattr__(self, "best_score10", score)
        for name in ("username", "full_name", "unit", "position", "classification"):
            object.__setattr__(self, name, _nfc(getattr(self, name)))
        for name in ("completed_at", "last_activity_at"):
            object.__setattr__(self, name, _as_utc(getattr(self, name)))


@dataclass(frozen=True, slots=True)
class ClassReport:
    """Everything a class completion report shows, as plain data (never ORM objects).

    ``learners`` are already sorted in Vietnamese class-list order by the caller.
    ``lesson_funnel`` holds (lesson title, learners who finished it) in course order,
    ``score_bins`` (score range label, learners), ``completions_over_time`` (period label,
    value): the line chart plots these values as given, so the caller decides whether
    they are per period or running totals.
    """

    class_code: str
    class_name: str
    course_title: str
    start_date: date | None
    end_date: date | None
    generated_at: datetime
    timezone: str = "Asia/Ho_Chi_Minh"
    learners: tuple[LearnerRow, ...] = ()
    lesson_funnel: tuple[tuple[str, int], ...] = ()
    score_bins: tuple[tuple[str, int], ...] = ()
    completions_over_time: tuple[tuple[str, float], ...] = ()
    # The official header and signature block of the PDF: the issuing body (and the body
    # above it), the place of the date line and the head of unit who signs.
    issuer: str = ""
    issuer_parent: str = ""
    place: str = "Hà Nội"
    signer_name: str = ""

    def __post_init__(self) -> None:
        for name in ("class_code", "class_name", "course_title", "issuer", "issuer_parent",
                     "place", "signer_name"):
            object.__setattr__(self, name, _nfc(getattr(self, name)))
        object.__setattr__(self, "generated_at", _as_utc(self.generated_at))
        _zone(self.timezone)  # an unknown zone fails here, not halfway through an export
        for name in ("learners", "lesson_funnel", "score_bins", "completions_over_time"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def total(self) -> int:
        return len(self.learners)

    @property
    def completed(self) -> int:
        return sum(1 for row in self.learners if row.status == "completed")

    @property
    def completion_percent(self) -> float:
        """Share of learners who completed, 0–100 (0.0 for an empty class)."""
        return 100.0 * self.completed / self.total if self.total else 0.0

    @property
    def average_score10(self) -> float | None:
        """Mean of the learners' best scores, ignoring learners without one."""
        scores = [r.best_score10 for r in self.learners if r.best_score10 is not None]
        return fmean(scores) if scores else None


# ------------------------------------------------------------------------ formatting


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(value: datetime | None, timezone: str) -> date | None:
    """The calendar date of an instant in ``timezone`` (naive values are UTC)."""
    if value is None:
        return None
    return _as_utc(value).astimezone(_zone(timezone)).date()  # type: ignore[union-attr]


def format_date(value: date | None) -> str:
    """``dd/mm/yyyy``, or "" for ``None``."""
    return value.strftime("%d/%m/%Y") if value else ""


def _decimal_comma(value: float, digits: int = 1) -> str:
    quantum = Decimal(1).scaleb(-digits)
    rounded = Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:.{digits}f}".replace(".", ",")


def format_score10(value: float | None) -> str:
    """One decimal with a decimal comma, half up: ``8.5`` → "8,5", ``9`` → "9,0"."""
    return "" if value is None else _decimal_comma(value)


def format_percent(value: float) -> str:
    """``66.666`` → "66,7%"."""
    return f"{_decimal_comma(value)}%"


def report_title(report: ClassReport) -> str:
    """Document title used in the XLSX properties and the PDF metadata."""
    return f"Báo cáo kết quả học tập – {report.class_name} ({report.class_code})"


def neutralise(value: Any) -> Any:
    """Defuse a spreadsheet formula (OWASP CSV injection): prefix ``'`` to risky text.

    A string whose FIRST character is ``=``, ``+``, ``-``, ``@``, tab, carriage return
    (or NUL) gets a leading apostrophe, so Excel, LibreOffice and Google Sheets show it as
    text instead of evaluating it. Anything else, including non-strings, is returned as is.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# ----------------------------------------------------------------------------- JSON


def _iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, as pydantic writes it in the JSON API."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def to_json(report: ClassReport) -> dict[str, Any]:
    """The JSON API object: the class code and one entry per learner, in report order."""
    return {
        "class": report.class_code,
        "learners": [
            {
                "username": row.username,
                "full_name": row.full_name,
                "status": row.status,
                "lessons_done": row.lessons_done,
                "lessons_total": row.lessons_total,
                "best_score10": row.best_score10,
                "completed_at": _iso_utc(row.completed_at),
            }
            for row in report.learners
        ],
    }


# ---------------------------------------------------------------------- spreadsheets


def _table_rows(report: ClassReport) -> Iterator[list[Any]]:
    """Typed cells in :data:`CSV_HEADERS` order; text not yet neutralised."""
    zone = report.timezone
    for number, row in enumerate(report.learners, start=1):
        yield [
            number,
            row.full_name,
            row.username,
            row.unit,
            row.position,
            STATUS_LABELS[row.status],
            row.lessons_done,
            row.lessons_total,
            row.best_score10,
            row.classification,
            local_date(row.completed_at, zone),
            local_date(row.last_activity_at, zone),
        ]


def _csv_cell(value: Any, column: int) -> Any:
    if value is None:
        return ""
    if column == SCORE_COLUMN:
        return format_score10(value)
    if column in DATE_COLUMNS:
        return format_date(value)
    return neutralise(value)


def to_csv(report: ClassReport) -> bytes:
    """UTF-8 CSV with a BOM (Excel then reads Vietnamese correctly), ``,`` and CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=",", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for cells in _table_rows(report):
        writer.writerow([_csv_cell(value, column) for column, value in enumerate(cells)])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_text(value: str) -> str:
    # XML 1.0 forbids most control characters (openpyxl would raise); strip, then defuse.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def _shown_width(value: Any, column: int) -> int:
    if value is None:
        return 0
    if column in DATE_COLUMNS:
        return XLSX_DATE_WIDTH
    if column == SCORE_COLUMN:
        return len(format_score10(value))
    return len(str(value))


def to_xlsx(report: ClassReport) -> bytes:
    """One sheet "Kết quả": the table with a frozen bold header and an autofilter.

    Scores are numbers shown as ``0.0``, dates real date cells shown as dd/mm/yyyy,
    and every text cell neutralised. Written in openpyxl's write-only (streaming) mode.
    """
    rows = [
        [_xlsx_text(v) if isinstance(v, str) else v for v in cells]
        for cells in _table_rows(report)
    ]
    widths = [len(header) for header in CSV_HEADERS]
    for cells in rows:
        for column, value in enumerate(cells):
            widths[column] = max(widths[column], _shown_width(value, column))

    workbook = Workbook(write_only=True)
    workbook.properties.title = ILLEGAL_CHARACTERS_RE.sub("", report_title(report))
    workbook.properties.creator = "coyeu-lms"
    workbook.properties.language = "vi-VN"
    workbook.properties.created = report.generated_at.replace(tzinfo=None)
    sheet = workbook.create_sheet(SHEET_TITLE)
    # Write-only sheets take layout (widths, panes, filter) before the first row.
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, XLSX_MAX_WIDTH)
    last = f"{get_column_letter(len(CSV_HEADERS))}{len(rows) + 1}"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{last}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E5E7EB")
    wrap = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header = []
    for title in CSV_HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        header.append(cell)
    sheet.append(header)

    for cells in rows:
        out: list[Any] = list(cells)
        if cells[SCORE_COLUMN] is not None:
            out[SCORE_COLUMN] = WriteOnlyCell(sheet, value=float(cells[SCORE_COLUMN]))
            out[SCORE_COLUMN].number_format = XLSX_SCORE_FORMAT
        for column in DATE_COLUMNS:
            if cells[column] is not None:
                out[column] = WriteOnlyCell(sheet, value=cells[column])
                out[column].number_format = XLSX_DATE_FORMAT
        sheet.append(out)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ PDF


def to_pdf(report: ClassReport) -> bytes:
    """A4 portrait PDF report; see :func:`lms.reports.exports_pdf.render_report_pdf`."""
    # Imported here: WeasyPrint is slow to import and only the PDF export needs it.
    from lms.reports.exports_pdf import render_report_pdf

    return render_report_pdf(report)
