"""The ``charts`` journey (:mod:`tests.e2e.journeys_charts`, issue 14): the charts of the
K74-HN dashboard and of the final test's item analysis on a desktop and on a 390 px phone,
then the PDF class report the worker builds. Screenshots:
``test-artifacts/e2e/charts-<step>-<desktop|phone>.png``; the report:
``test-artifacts/e2e/charts-report.pdf``.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

pytest.importorskip("playwright")
pytest.importorskip("axe_playwright_python")

from tests.e2e import data

pytestmark = pytest.mark.e2e


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")


def test_charts_and_pdf_report_on_desktop_and_phone(scenario: Any) -> None:
    """Titles, tables equal to the charts, 12 px labels, axe clean; the PDF's layout."""
    scenario.run("charts")
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (poppler-utils)")
    text = _pdf_text(scenario.state["charts_pdf"])
    for words in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "Hà Nội, ngày", "Người lập biểu", "Thủ trưởng đơn vị"):
        assert words in text, words
    assert (text.index("Danh sách học viên") < text.index("Thủ trưởng đơn vị")
            < text.index("Biểu đồ"))
    assert data.NEW_LEARNERS["vi"].full_name in text
