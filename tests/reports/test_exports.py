"""Class report exports: JSON shape, CSV and XLSX cells (with formula defusing), PDF text."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader

from lms.reports.exports import (
    CSV_HEADERS,
    STATUS_LABELS,
    XLSX_MAX_WIDTH,
    ClassReport,
    LearnerRow,
    format_percent,
    format_score10,
    neutralise,
    report_title,
    to_csv,
    to_json,
    to_pdf,
    to_xlsx,
)
from lms.reports.exports_pdf import REPORT_HEADING

HUYEN = "Nguyễn Thị Ngọc Huyền"
LAN = "Đặng Thị Ỷ Lan"
UNG = "Trần Hữu Ưng"
UNIT = "Phòng Cơ yếu, Văn phòng Tỉnh ủy Quảng Ngãi"
CLASS_NAME = "Bồi dưỡng Quản lý nhà nước về Cơ yếu khóa 3"
ATTACKS = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://x","y")']
A4_PORTRAIT = (595.28, 841.89)  # points

# 2025-03-04 18:30 UTC is 01:30 on 05/03 in Hà Nội (UTC+7).
COMPLETED = datetime(2025, 3, 4, 18, 30, tzinfo=UTC)
ACTIVE = datetime(2025, 3, 6, 2, 0, tzinfo=UTC)
GENERATED = datetime(2025, 3, 31, 20, 0, tzinfo=UTC)  # 01/04/2025 in Hà Nội


def make_row(full_name: str = HUYEN, **changes: Any) -> LearnerRow:
    row = LearnerRow(
        username="huyen.nt",
        full_name=full_name,
        unit=UNIT,
        position="Chuyên viên",
        status="completed",
        lessons_done=10,
        lessons_total=10,
        best_score10=8.5,
        classification="Giỏi",
        completed_at=COMPLETED,
        last_activity_at=ACTIVE,
    )
    return replace(row, **changes)


def three_rows() -> tuple[LearnerRow, ...]:
    return (
        make_row(),
        make_row(LAN, username="lan.dt", status="in_progress", lessons_done=4,
                 best_score10=6.25, classification="Trung bình", completed_at=None),
        make_row(UNG, username="ung.th", status="not_started", lessons_done=0,
                 best_score10=None, classification="", completed_at=None,
                 last_activity_at=None),
    )


def make_report(learners: tuple[LearnerRow, ...] | None = None, **changes: Any) -> ClassReport:
    report = ClassReport(
        class_code="QLNN-CY-K3",
        class_name=CLASS_NAME,
        course_title="Quản lý nhà nước về Cơ yếu",
        start_date=date(2025, 3, 1),
        end_date=date(2025, 3, 31),
        generated_at=GENERATED,
        learners=three_rows() if learners is None else learners,
        lesson_funnel=(("Bài 1: Tổng quan về cơ yếu", 3), ("Bài 2: Quản lý mật mã", 1)),
        score_bins=(("0–5", 0), ("5–6,5", 1), ("6,5–8", 0), ("8–9", 1), ("9–10", 0)),
        completions_over_time=(("01/03", 0.0), ("04/03", 1.0), ("05/03", 1.0)),
    )
    return replace(report, **changes)


def many_rows(n: int) -> tuple[LearnerRow, ...]:
    statuses = list(STATUS_LABELS)
    return tuple(
        make_row(f"{HUYEN} {i:04d}", username=f"hv{i:04d}", status=statuses[i % 4],
                 best_score10=None if i % 4 == 0 else (i % 101) / 10,
                 completed_at=COMPLETED if i % 4 == 2 else None)
        for i in range(n)
    )


# ------------------------------------------------------------------------------- data


def test_derived_figures() -> None:
    report = make_report()
    assert (report.total, report.completed) == (3, 1)
    assert report.completion_percent == pytest.approx(100 / 3)
    assert report.average_score10 == pytest.approx((8.5 + 6.25) / 2)  # None is skipped


def test_derived_figures_of_an_empty_class() -> None:
    report = make_report(())
    assert (report.total, report.completed, report.completion_percent) == (0, 0, 0.0)
    assert report.average_score10 is None


def test_text_is_stored_nfc_and_datetimes_as_aware_utc() -> None:
    row = make_row(unicodedata.normalize("NFD", HUYEN),
                   completed_at=datetime(2025, 3, 5, 1, 30, tzinfo=timezone(timedelta(hours=7))),
                   last_activity_at=datetime(2025, 3, 6, 2, 0))  # naive: taken as UTC
    assert row.full_name == HUYEN
    assert row.completed_at == COMPLETED
    assert row.completed_at.tzinfo is UTC
    assert row.last_activity_at == ACTIVE
    score = make_row(best_score10=Decimal("8.50")).best_score10
    assert type(score) is float and score == 8.5


def test_invalid_data_is_refused() -> None:
    with pytest.raises(ValueError, match="status"):
        make_row(status="done")
    with pytest.raises(ValueError, match="finite"):
        make_row(best_score10=math.nan)
    with pytest.raises(ZoneInfoNotFoundError):
        make_report(timezone="Asia/Hanoi_Nowhere")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(8.5, "8,5"), (9, "9,0"), (8.25, "8,3"), (6.349, "6,3"), (10.0, "10,0"), (0, "0,0"),
     (None, "")],
)
def test_score_has_one_decimal_rounded_half_up_with_a_comma(
        value: float | None, expected: str) -> None:
    assert format_score10(value) == expected


def test_percent_format() -> None:
    assert format_percent(200 / 3) == "66,7%"
    assert format_percent(100.0) == "100,0%"


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


# ----------------------------------------------------------------------------- JSON


def test_json_shape_is_exact() -> None:
    assert to_json(make_report()) == {
        "class": "QLNN-CY-K3",
        "learners": [
            {"username": "huyen.nt", "full_name": HUYEN, "status": "completed",
             "lessons_done": 10, "lessons_total": 10, "best_score10": 8.5,
             "completed_at": "2025-03-04T18:30:00Z"},
            {"username": "lan.dt", "full_name": LAN, "status": "in_progress",
             "lessons_done": 4, "lessons_total": 10, "best_score10": 6.25,
             "completed_at": None},
            {"username": "ung.th", "full_name": UNG, "status": "not_started",
             "lessons_done": 0, "lessons_total": 10, "best_score10": None,
             "completed_at": None},
        ],
    }


def test_json_is_serialisable_nfc_and_in_utc() -> None:
    local = datetime(2025, 3, 5, 1, 30, tzinfo=timezone(timedelta(hours=7)))
    row = make_row(unicodedata.normalize("NFD", LAN), completed_at=local)
    data = json.loads(json.dumps(to_json(make_report((row,)))))
    assert data["learners"][0]["full_name"] == LAN
    assert data["learners"][0]["completed_at"] == "2025-03-04T18:30:00Z"


def test_json_keeps_the_callers_order() -> None:
    rows = three_rows()[::-1]
    assert [x["username"] for x in to_json(make_report(rows))["learners"]] == [
        "ung.th", "lan.dt", "huyen.nt"]


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


# ------------------------------------------------------------------------------ PDF


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Text with table-cell line wraps undone."""
    return " ".join(text.split())


def fonts_of(pdf: bytes) -> list[Any]:
    """Every font dictionary used on the pages and in their form XObjects."""
    found: dict[int, Any] = {}

    def walk(resources: Any) -> None:
        resources = resources.get_object() if resources is not None else {}
        for ref in (resources.get("/Font") or {}).values():
            found[id(ref.get_object())] = ref.get_object()
        for ref in (resources.get("/XObject") or {}).values():
            xobject = ref.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        walk(page.get("/Resources"))
    return list(found.values())


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return to_pdf(make_report())


def test_pdf_text_has_title_class_summary_and_learners(sample_pdf: bytes) -> None:
    text = "\n".join(pdf_text(sample_pdf))
    for expected in (
        REPORT_HEADING,
        CLASS_NAME,
        "QLNN-CY-K3",
        "Quản lý nhà nước về Cơ yếu",
        "01/03/2025 – 31/03/2025",
        HUYEN,
        LAN,
        UNG,
        UNIT.split(",")[0],
        "33,3%",  # 1 of 3 completed
        "7,4",  # mean of 8.5 and 6.25
        "8,5",
        "05/03/2025",
        "Ngày xuất báo cáo: 01/04/2025",
        "Trang 1/",
        "Chưa bắt đầu",
        "Họ và tên",
        "Ngày hoàn thành",
    ):
        assert expected in text, expected


def test_pdf_draws_the_three_charts_in_our_font(sample_pdf: bytes) -> None:
    text = "\n".join(pdf_text(sample_pdf))
    assert "Bài 2: Quản lý mật mã" in text  # funnel label
    assert "1/3" in text  # funnel value: done / learners
    assert "Điểm (thang điểm 10)" in text  # histogram axis
    assert "04/03" in text  # line chart label


def test_pdf_is_a4_portrait_with_title_and_language(sample_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(sample_pdf))
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_PORTRAIT, abs=0.5)
    assert reader.metadata.title == report_title(make_report())
    assert reader.trailer["/Root"]["/Lang"] == "vi"
    pages = len(reader.pages)
    assert [f"Trang {i}/{pages}" in t for i, t in enumerate(pdf_text(sample_pdf), 1)] == [
        True] * pages


def test_every_font_is_an_embedded_subset_of_ours(sample_pdf: bytes) -> None:
    fonts = fonts_of(sample_pdf)
    assert fonts
    for font in fonts:
        name = str(font["/BaseFont"])
        assert re.fullmatch(r"/[A-Z]{6}\+Report-Serif(-Bold|-Italic)?", name), name
        assert font["/Subtype"] == "/Type0"
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, name
        assert "/ToUnicode" in font, name


def test_pdf_escapes_markup_and_survives_control_characters() -> None:
    row = make_row('<b>Lê</b> & "Văn"\x01 {{ 7*7 }}', unit="=1+1")
    text = flat("\n".join(pdf_text(to_pdf(make_report((row,))))))
    assert '<b>Lê</b> & "Văn" {{ 7*7 }}' in text
    assert "=1+1" in text  # a PDF is not a spreadsheet: shown as written


def test_pdf_of_an_empty_class() -> None:
    report = make_report((), lesson_funnel=(), score_bins=(), completions_over_time=(),
                         start_date=None, end_date=None)
    text = "\n".join(pdf_text(to_pdf(report)))
    assert "Lớp chưa có học viên." in text
    assert "Chưa có dữ liệu" in text
    assert "0,0%" in text
    assert "Thời gian" not in text


def test_pdf_with_a_thousand_learners_repeats_the_table_header() -> None:
    pdf = to_pdf(make_report(many_rows(1000)))
    pages = pdf_text(pdf)
    first_table_page = next(i for i, t in enumerate(pages) if "Danh sách học viên" in t)
    table_pages = pages[first_table_page:]
    assert len(table_pages) > 10
    for number, text in enumerate(table_pages, start=first_table_page + 1):
        assert "Họ và tên" in text and "Bài đã học" in text, number
        assert f"Trang {number}/{len(pages)}" in text, number
    assert f"1000 {HUYEN} 0999" in flat(pages[-1])
    assert len(fonts_of(pdf)) <= 3  # one subset per face, not per page
