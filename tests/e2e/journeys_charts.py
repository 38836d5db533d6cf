"""Journey ``charts`` (issue 14): the charts of the K74-HN dashboard and of the final test's
item analysis, and the PDF class report, on a desktop and on a 390 px phone.

After the Vietnamese learner journey (a learner who read every lesson, passed the final
test and completed the class), the admin opens the dashboard and the item analysis: every
chart has a visible title and a data table with the chart's values, its labels are drawn
at 12 px or more (on the phone the chart scrolls sideways instead of shrinking, and its
box takes the focus), and axe-core reports no violation. The PDF report, built by the
worker, starts with the official header and the learner table and ends with the
signature block and the charts that have data. Screenshots:
``test-artifacts/e2e/charts-<step>-<desktop|phone>.png``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e import data
from tests.e2e.a11y import IMPACTS, REGISTRY
from tests.e2e.scenario import JOB_SECONDS, Actor, Scenario, journey

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# The smallest rendered font size of the chart texts, in CSS pixels: the SVG's font size
# times the scale from its user units to the screen (rotation-proof: the length of the
# matrix's first column, as the y-axis label is turned by 90 degrees).
SMALLEST_LABEL = """() => {
  const sizes = [...document.querySelectorAll('.chart-scroll svg text')].map(t => {
    const m = t.getScreenCTM();
    return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
  });
  return sizes.length ? Math.min(...sizes) : null;
}"""
# Each figure: its title, the values the chart shows, the last column of its table.
FIGURES = """() => [...document.querySelectorAll('figure.chart-figure')].map(f => ({
  title: f.querySelector('figcaption').textContent.trim(),
  drawn: [...f.querySelectorAll('svg g.chart-item > title')].map(t => t.textContent),
  table: [...f.querySelectorAll('tbody tr')].filter(r => !r.querySelector('.empty')).map(
    r => r.cells[0].textContent.trim() + ': ' + r.cells[r.cells.length - 1].textContent.trim()),
  scrolls: (b => b.scrollWidth > b.clientWidth)(f.querySelector('.chart-scroll')),
  focusable: f.querySelector('.chart-scroll').tabIndex === 0
}))"""


def _no_axe_violations(a: Actor, page_id: str) -> None:
    """axe-core on the page (kept for test_a11y.py), and here no violation of any impact."""
    found = REGISTRY.check(a.page, page_id, a.user)
    assert not found.violations, f"{page_id}:\n{found.describe(IMPACTS)}"


def _check_charts(page: Page, viewport: str, titles: list[str]) -> None:
    figures = page.evaluate(FIGURES)
    assert [f["title"] for f in figures] == titles
    for figure in figures:
        assert figure["drawn"] == figure["table"], figure["title"]
        assert figure["focusable"]
        if viewport == "phone":  # 640 px of chart in a 390 px screen: it scrolls
            assert figure["scrolls"], figure["title"]
    assert page.evaluate(SMALLEST_LABEL) >= 11.99


@journey("charts", "learner-vi")
def charts_journey(sc: Scenario) -> None:
    """Dashboard and item analysis charts on desktop and phone; the PDF report."""
    for viewport, size in VIEWPORTS.items():
        a = sc.actor("charts", "admin")
        page = a.page
        page.set_viewport_size(size)
        a.login("admin", "quantri-demo")

        page.goto(f"/classes/{data.DEMO_CLASS}/dashboard")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        _check_charts(page, viewport, ["Tỷ lệ hoàn thành theo bài học", "Phân bố điểm",
                                       "Số học viên hoàn thành theo thời gian"])
        funnel = page.locator("figure.chart-figure").first
        expect(funnel.locator("tbody tr").first).to_contain_text("%")
        _no_axe_violations(a, f"charts/dashboard-{viewport}")
        a.shot(f"1-dashboard-{viewport}")

        page.goto(f"/courses/{data.COURSE}")
        page.get_by_role("link", name=data.FINAL_TEST).click()
        page.get_by_role("link", name="Phân tích câu hỏi").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Phân tích câu hỏi")
        _check_charts(page, viewport, ["Phân bố điểm"])
        _no_axe_violations(a, f"charts/analysis-{viewport}")
        a.shot(f"2-analysis-{viewport}")

    # The PDF report, built by the worker.
    a = sc.actor("charts", "admin")
    page = a.page
    a.login("admin", "quantri-demo")
    page.goto(f"/classes/{data.DEMO_CLASS}/dashboard")
    page.get_by_role("button", name="PDF", exact=True).click()
    download_link = page.get_by_role("link", name="Tải về")
    expect(download_link).to_be_visible(timeout=JOB_SECONDS * 1000)
    with page.expect_download() as download_info:
        download_link.click()
    pdf = Path(download_info.value.path()).read_bytes()
    download_info.value.save_as(sc.artifacts / "charts-report.pdf")
    sc.state["charts_pdf"] = pdf
    a.shot("3-export-desktop")
