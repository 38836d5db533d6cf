"""Class report exports to CSV and XLSX: exact cells, dates, widths and formula defusing."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from lms.reports.exports import (
    CSV_HEADERS,
    STATUS_LABELS,
    XLSX_MAX_WIDTH,
    neutralise,
    report_title,
    to_csv,
    to_xlsx,
)
from tests.reports.exports_helpers import HUYEN, LAN, UNG, UNIT, make_report, make_row, many_rows

ATTACKS = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://x","y")']


# --------------------------------------------------------------------------- neutralise


@pytest.mark.parametrize("value", [*ATTACKS, "-", "=", "\0x"])
def test_neutralise_prefixes_an_apostrophe_to_formula_starts(value: str) -> None:
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    [HUYEN, "", "a=b", "1+1", "'=already", " =1+1", "Phòng 3-A", 8.5, -2, None, date(2025, 3, 5)],
)
def test_neutralise_leaves_other_values_alone(value: object) -> None:
    # Only the FIRST character counts (OWASP); non-strings are never touched.
    assert neutralise(value) is value


# ------------------------------------------------------------------------------ CSV


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_bom_crlf_and_vietnamese_header() -> None:
    data = to_csv(make_report())
    assert data.startswith(b"\xef\xbb\xbf")
    assert not data.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert text.count("\r\n") == 4 and text.count("\n") == 4  # no bare LF
    assert text.split("\r\n")[0] == (
        "STT,Họ và tên,Tên đăng nhập,Đơn vị công tác,Chức vụ,Trạng thái,Số bài đã học,"
        "Tổng số bài,Điểm cao nhất,Xếp loại,Ngày hoàn thành,Hoạt động gần nhất")


def test_csv_rows_are_exact() -> None:
    rows = csv_rows(to_csv(make_report()))
    assert rows[0] == list(CSV_HEADERS)
    assert rows[1:] == [
        ["1", HUYEN, "huyen.nt", UNIT, "Chuyên viên", "Hoàn thành", "10", "10", "8,5", "Giỏi",
         "05/03/2025", "06/03/2025"],
        ["2", LAN, "lan.dt", UNIT, "Chuyên viên", "Đang học", "4", "10", "6,3", "Trung bình",
         "", "06/03/2025"],
        ["3", UNG, "ung.th", UNIT, "Chuyên viên", "Chưa bắt đầu", "0", "10", "", "", "", ""],
    ]


def test_csv_text_is_nfc_bytes() -> None:
    row = make_row(unicodedata.normalize("NFD", HUYEN),
                   unit=unicodedata.normalize("NFD", UNIT))
    data = to_csv(make_report((row,)))
    assert HUYEN.encode() in data and UNIT.encode() in data
    assert unicodedata.normalize("NFD", HUYEN).encode() not in data


@pytest.mark.parametrize(("status", "label"), list(STATUS_LABELS.items()))
def test_csv_status_labels(status: str, label: str) -> None:
    assert csv_rows(to_csv(make_report((make_row(status=status),))))[1][5] == label
    assert label in {"Chưa bắt đầu", "Đang học", "Hoàn thành", "Không đạt"}


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        (datetime(2025, 3, 4, 16, 59, 59, tzinfo=UTC), "Asia/Ho_Chi_Minh", "04/03/2025"),
        (datetime(2025, 3, 4, 17, 0, 0, tzinfo=UTC), "Asia/Ho_Chi_Minh", "05/03/2025"),
        (datetime(2025, 3, 4, 18, 30, tzinfo=UTC), "UTC", "04/03/2025"),
        (datetime(2024, 12, 31, 17, 0, tzinfo=UTC), "Asia/Ho_Chi_Minh", "01/01/2025"),
    ],
)
def test_csv_dates_are_local_dd_mm_yyyy(instant: datetime, zone: str, expected: str) -> None:
    report = make_report((make_row(completed_at=instant),), timezone=zone)
    assert csv_rows(to_csv(report))[1][10] == expected


@pytest.mark.parametrize("attack", ATTACKS)
def test_csv_neutralises_every_text_cell(attack: str) -> None:
    row = make_row(attack, username=attack, unit=attack, position=attack, classification=attack)
    cells = csv_rows(to_csv(make_report((row,))))[1]
    for column in (1, 2, 3, 4, 9):
        assert cells[column] == "'" + attack, CSV_HEADERS[column]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_csv_quotes_separators_quotes_and_newlines() -> None:
    unit = 'Phòng "Cơ yếu", tầng 2\r\nHà Nội'
    cells = csv_rows(to_csv(make_report((make_row(unit=unit),))))[1]
    assert cells[3] == unit
    assert len(cells) == len(CSV_HEADERS)


# ----------------------------------------------------------------------------- XLSX


def load_sheet(data: bytes) -> Worksheet:
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Kết quả"]
    return workbook["Kết quả"]


def test_xlsx_header_is_frozen_bold_and_filtered() -> None:
    data = to_xlsx(make_report())
    sheet = load_sheet(data)
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(CSV_HEADERS)
    assert all(c.font.b for c in sheet[1])
    assert not any(c.font.b for c in sheet[2])
    assert sheet.auto_filter.ref == "A1:L4"
    assert sheet.max_row == 4
    assert load_workbook(io.BytesIO(data)).properties.title == report_title(make_report())


def test_xlsx_column_widths_follow_content_and_are_capped() -> None:
    long_unit = "Phòng Hành chính - Tổng hợp, Văn phòng Ban Cơ yếu Chính phủ, " * 3
    sheet = load_sheet(to_xlsx(make_report((make_row(unit=long_unit),))))
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDEFGHIJKL"}
    assert widths["D"] == XLSX_MAX_WIDTH  # capped
    assert len(HUYEN) < widths["B"] < XLSX_MAX_WIDTH  # by content
    assert widths["A"] >= len("STT")
    assert widths["K"] >= len("Ngày hoàn thành")
    for letter, header in zip("ABCDEFGHIJKL", CSV_HEADERS, strict=True):
        assert widths[letter] >= min(len(header), XLSX_MAX_WIDTH), header


def test_xlsx_scores_are_numbers_and_dates_are_dates() -> None:
    sheet = load_sheet(to_xlsx(make_report()))
    row = list(sheet[2])
    assert [c.value for c in row[:8]] == [1, HUYEN, "huyen.nt", UNIT, "Chuyên viên",
                                          "Hoàn thành", 10, 10]
    score = row[8]
    assert (score.data_type, score.value, score.number_format) == ("n", 8.5, "0.0")
    for cell, expected in ((row[10], datetime(2025, 3, 5)), (row[11], datetime(2025, 3, 6))):
        assert cell.is_date
        assert cell.value == expected
        assert cell.number_format == "dd/mm/yyyy"
    assert sheet["I3"].value == 6.25  # the number keeps its precision; Excel shows 6,3
    no_score = sheet[4]
    assert no_score[8].value is None and no_score[10].value is None and no_score[11].value is None


@pytest.mark.parametrize("attack", ATTACKS)
def test_xlsx_neutralises_every_text_cell(attack: str) -> None:
    row = make_row(attack, username=attack, unit=attack, position=attack, classification=attack)
    cells = load_sheet(to_xlsx(make_report((row,))))[2]
    for column in (1, 2, 3, 4, 9):
        assert cells[column].data_type == "s", CSV_HEADERS[column]  # never a formula
        assert cells[column].value == "'" + attack, CSV_HEADERS[column]


def test_xlsx_drops_characters_xml_cannot_hold() -> None:
    cells = load_sheet(to_xlsx(make_report((make_row("Nguyễn\x01 Văn\x0b A\x00"),))))[2]
    assert cells[1].value == "Nguyễn Văn A"


def test_xlsx_with_a_thousand_learners() -> None:
    report = make_report(many_rows(1000))
    sheet = load_sheet(to_xlsx(report))
    assert sheet.max_row == 1001
    assert sheet["B1001"].value == f"{HUYEN} 0999"
    assert sheet["A1001"].value == 1000
