"""The activation codes of a roster import as an XLSX file for the administrator."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from lms.reports.exports import neutralise

HEADERS = ("STT", "Họ và tên", "Tên đăng nhập", "Mã kích hoạt", "Hạn dùng")


def codes_xlsx(rows: Sequence[tuple[str, str, str]], expires: date | None,
               class_code: str) -> bytes:
    """``rows`` are (full name, username, code); ``expires`` is written as a date cell
    shown dd/mm/yyyy (never text, which a spreadsheet might take for a formula)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Mã kích hoạt"
    sheet.append(list(HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (full_name, username, code) in enumerate(rows, start=1):
        sheet.append([index, neutralise(full_name), neutralise(username), neutralise(code),
                      expires])
        sheet.cell(row=index + 1, column=5).number_format = "DD/MM/YYYY"
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDE", (6, 32, 18, 16, 12), strict=True):
        sheet.column_dimensions[column].width = width
    book.properties.title = f"Mã kích hoạt lớp {class_code}"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
