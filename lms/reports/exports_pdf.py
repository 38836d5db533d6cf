"""The class completion report as an A4 portrait PDF (WeasyPrint).

The template ``templates/reports/pdf/completion.html`` is rendered in a Jinja2
:class:`~jinja2.sandbox.SandboxedEnvironment` with plain data only (strings, numbers and
the chart SVGs of :mod:`lms.charts`), then laid out by WeasyPrint through the project's
static-only URL fetcher (:func:`lms.certificates.pdf.make_static_fetcher`), which serves
the Liberation Serif fonts from ``static/fonts`` and refuses every other resource.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from lms.certificates.pdf import DEFAULT_TEMPLATES_ROOT, PDF_LANG, make_static_fetcher
from lms.charts import bar_chart, histogram, line_chart
from lms.reports.exports import (
    STATUS_LABELS,
    ClassReport,
    format_date,
    format_percent,
    format_score10,
    local_date,
    report_title,
)

__all__ = ["FONT_FAMILY", "REPORT_HEADING", "render_report_pdf"]

TEMPLATE_SUBDIR = Path("reports") / "pdf"
TEMPLATE_NAME = "completion.html"
STYLESHEET_NAME = "completion.css"
REPORT_HEADING = "BÁO CÁO KẾT QUẢ HỌC TẬP"
FONT_FAMILY = "Report Serif"  # the @font-face family of completion.css
EMPTY_CHART = "Chưa có dữ liệu"


def _text(value: object) -> str:
    """NFC text on one line: control characters (invalid in XML/HTML) become spaces."""
    text = unicodedata.normalize("NFC", str(value))
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).strip()


def _with_font(svg: Markup) -> Markup:
    """Give a chart our font: WeasyPrint draws inline SVG apart from the page's CSS.

    Without a ``font-family`` on the ``<svg>`` its text falls back to a system font,
    which may lack Vietnamese letters and would be embedded next to ours.
    """
    svg_text = str(svg).replace("<svg ", f'<svg font-family="{FONT_FAMILY}" ', 1)
    return Markup(svg_text)  # noqa: S704 - lms.charts output plus a constant attribute


def _period(report: ClassReport) -> str:
    start, end = format_date(report.start_date), format_date(report.end_date)
    if start and end:
        return f"{start} – {end}"
    if start:
        return f"từ {start}"
    return f"đến {end}" if end else ""


def _charts(report: ClassReport) -> dict[str, Markup]:
    total = report.total
    return {
        "funnel": _with_font(bar_chart(
            report.lesson_funnel,
            "Tiến độ theo bài học",
            "Số học viên đã học xong từng bài, trên tổng số học viên của lớp.",
            max_value=total or None,
            value_format=lambda v: f"{round(v)}/{total}",
            empty_text=EMPTY_CHART,
        )),
        "scores": _with_font(histogram(
            report.score_bins,
            "Phổ điểm",
            "Số học viên theo khoảng điểm cao nhất (thang điểm 10).",
            "Điểm (thang điểm 10)",
            "Số học viên",
            empty_text=EMPTY_CHART,
        )),
        "timeline": _with_font(line_chart(
            report.completions_over_time,
            "Hoàn thành theo thời gian",
            "Số học viên hoàn thành khóa học theo thời gian.",
            "Số học viên",
            empty_text=EMPTY_CHART,
        )),
    }


def template_data(report: ClassReport) -> dict[str, Any]:
    """Plain data for the template: strings, numbers and chart markup only."""
    zone = report.timezone
    average = report.average_score10
    return {
        "lang": PDF_LANG,
        "title": _text(report_title(report)),
        "heading": REPORT_HEADING,
        "created": report.generated_at.isoformat(),
        "generated": format_date(local_date(report.generated_at, zone)),
        "klass": {
            "code": _text(report.class_code),
            "name": _text(report.class_name),
            "course": _text(report.course_title),
            "period": _period(report),
        },
        "summary": {
            "total": report.total,
            "completed": report.completed,
            "percent": format_percent(report.completion_percent),
            "average": format_score10(average) if average is not None else "—",
        },
        "rows": [
            {
                "number": number,
                "full_name": _text(row.full_name),
                "unit": _text(row.unit),
                "status": STATUS_LABELS[row.status],
                "status_class": row.status.replace("_", "-"),
                "lessons": f"{row.lessons_done}/{row.lessons_total}",
                "score": format_score10(row.best_score10),
                "classification": _text(row.classification),
                "completed": format_date(local_date(row.completed_at, zone)),
            }
            for number, row in enumerate(report.learners, start=1)
        ],
        "charts": _charts(report),
    }


@lru_cache(maxsize=4)
def _template(templates_root: Path) -> tuple[Template, str]:
    """The compiled template and the stylesheet text (Jinja templates are thread-safe)."""
    folder = templates_root / TEMPLATE_SUBDIR
    env = SandboxedEnvironment(
        loader=FileSystemLoader(folder),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(TEMPLATE_NAME), (folder / STYLESHEET_NAME).read_text("utf-8")


def render_report_pdf(
    report: ClassReport,
    *,
    static_root: Path | None = None,
    templates_root: Path | None = None,
) -> bytes:
    """Render ``report`` to PDF: A4 portrait, embedded font subsets, /Title and /Lang vi."""
    template, css_text = _template(Path(templates_root or DEFAULT_TEMPLATES_ROOT).resolve())
    html = template.render(**template_data(report))
    fetcher = make_static_fetcher(static_root)
    base_url = fetcher.static_root.as_uri() + "/"
    # A fresh FontConfiguration per report: nothing cached grows in long-lived workers.
    fonts = FontConfiguration()
    css = CSS(string=css_text, base_url=base_url, url_fetcher=fetcher, font_config=fonts)
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css], font_config=fonts)
