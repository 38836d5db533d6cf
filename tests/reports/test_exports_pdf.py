"""Class report export to PDF: text, charts, A4 pages, embedded fonts and long tables."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from lms.reports.exports import report_title, to_pdf
from lms.reports.exports_pdf import REPORT_HEADING
from tests.reports.exports_helpers import (
    CLASS_NAME,
    HUYEN,
    LAN,
    UNG,
    UNIT,
    make_report,
    make_row,
    many_rows,
)

A4_PORTRAIT = (595.28, 841.89)  # points


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
    assert "Biểu đồ" not in text and "Chưa có dữ liệu" not in text  # no empty chart page
    assert "0,0%" in text
    assert "Thời gian" not in text


def test_pdf_with_a_thousand_learners_repeats_the_table_header() -> None:
    pdf = to_pdf(make_report(many_rows(1000)))
    pages = pdf_text(pdf)
    first_table_page = next(i for i, t in enumerate(pages) if "Danh sách học viên" in t)
    assert first_table_page == 0  # the learner table comes first
    last_table_page = next(i for i, t in enumerate(pages) if f"1000 {HUYEN} 0999" in flat(t))
    table_pages = pages[first_table_page:last_table_page + 1]
    assert len(table_pages) > 10
    for number, text in enumerate(table_pages, start=first_table_page + 1):
        assert "Họ và tên" in text and "Bài đã học" in text, number
        assert f"Trang {number}/{len(pages)}" in text, number
    assert "Biểu đồ" in pages[last_table_page + 1]  # then the charts
    assert len(fonts_of(pdf)) <= 3  # one subset per face, not per page
