"""The PDF class report's layout (issue 14), read back with pdftotext: the official header
(issuing body left, national name and motto right, place and date), the learner table
first, a signature block, and no chart page without data."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace

import pytest

from lms.reports.exports import to_pdf
from tests.reports.exports_helpers import HUYEN, LAN, UNG, make_report, three_rows

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="needs pdftotext (poppler-utils)")

ISSUER_PARENT = "BAN CƠ YẾU CHÍNH PHỦ"
ISSUER = "HỌC VIỆN KỸ THUẬT MẬT MÃ"


def pages_of(pdf: bytes) -> list[str]:
    """The text of each page, in reading order (pdftotext -layout keeps the two columns of
    the header on their lines)."""
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=pdf,
                         capture_output=True, check=True).stdout.decode("utf-8")
    return out.split("\f")[:-1]  # a form feed ends every page


def lines_of(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def pages() -> list[str]:
    report = make_report(issuer=ISSUER, issuer_parent=ISSUER_PARENT, place="Hà Nội",
                         signer_name="Nguyễn Văn Mạnh")
    return pages_of(to_pdf(report))


def test_official_header_left_issuer_right_nation_then_place_and_date(pages: list[str]) -> None:
    head = lines_of(pages[0])[:5]
    # Two columns on the same lines: the issuing body left, the nation right.
    assert head[0].startswith(ISSUER_PARENT) and head[0].endswith(
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert head[1].startswith(ISSUER) and head[1].endswith("Độc lập - Tự do - Hạnh phúc")
    # Generated 01/04/2025 in Hà Nội (Nghị định 30/2020: a zero before months 1 and 2 only).
    assert "Hà Nội, ngày 01 tháng 4 năm 2025" in " ".join(head)
    assert pages[0].index("Hà Nội, ngày") < pages[0].index("BÁO CÁO KẾT QUẢ HỌC TẬP")


def test_learner_table_comes_first_with_diacritics(pages: list[str]) -> None:
    first = pages[0]
    for name in (HUYEN, LAN, UNG):  # pdftotext gives back every mark of the names
        assert name in first
    assert first.index("Danh sách học viên") < first.index(HUYEN)
    text = "\f".join(pages)
    assert text.index(UNG) < text.index("Biểu đồ") < text.index("Phân bố điểm")


def test_signature_block_after_the_table(pages: list[str]) -> None:
    text = "\f".join(pages)
    signature = lines_of(text[text.index(UNG):])
    row = next(line for line in signature if "Người lập biểu" in line)
    assert row.startswith("Người lập biểu") and row.endswith("Thủ trưởng đơn vị")
    assert "Nguyễn Văn Mạnh" in text
    assert text.index("Thủ trưởng đơn vị") < text.index("Biểu đồ")


def test_charts_come_with_their_data_tables(pages: list[str]) -> None:
    charts = "\f".join(pages)[("\f".join(pages)).index("Biểu đồ"):]
    assert "Bài 2: Quản lý mật mã" in charts and "33,3%" in charts  # 1 of 3 learners
    assert "Khoảng điểm" in charts and "5–6,5" in charts


def test_a_class_without_attempts_has_no_empty_chart_page() -> None:
    quiet = tuple(replace(row, status="not_started", lessons_done=0, best_score10=None,
                          classification="", completed_at=None) for row in three_rows())
    report = make_report(quiet, lesson_funnel=(("Bài 1", 0), ("Bài 2", 0)),
                         score_bins=tuple((f"{i}–{i + 1}", 0) for i in range(10)),
                         completions_over_time=())
    pages = pages_of(to_pdf(report))
    assert len(pages) == 1
    text = pages[0]
    assert UNG in text and "Thủ trưởng đơn vị" in text
    for absent in ("Biểu đồ", "Chưa có dữ liệu", "Phân bố điểm"):
        assert absent not in text


def test_only_the_charts_with_data_are_kept() -> None:
    report = make_report(score_bins=tuple((f"{i}–{i + 1}", 0) for i in range(10)),
                         completions_over_time=())
    text = "\f".join(pages_of(to_pdf(report)))
    assert "Tiến độ theo bài học" in text
    assert "Phân bố điểm" not in text and "Hoàn thành theo thời gian" not in text
    assert "Chưa có dữ liệu" not in text


def test_the_header_comes_from_the_class_certificate_settings(app) -> None:
    from lms.reports.services import build_report
    from tests.conftest import make_class, make_course

    klass = make_class(make_course("bao-cao"), code="BC1")
    klass.certificate_issuer_parent = ISSUER_PARENT
    klass.certificate_issuer = ISSUER
    klass.certificate_place = "Đà Nẵng"
    klass.certificate_signer_name = "Nguyễn Văn Mạnh"
    report = build_report(klass)
    assert (report.issuer_parent, report.issuer, report.place, report.signer_name) == (
        ISSUER_PARENT, ISSUER, "Đà Nẵng", "Nguyễn Văn Mạnh")
    text = pages_of(to_pdf(report))[0]
    assert "Đà Nẵng, ngày" in text and ISSUER in text
