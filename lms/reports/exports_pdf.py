"""The class completion report as an A4 portrait PDF (WeasyPrint).

The template ``templates/reports/pdf/completion.html`` is rendered in a Jinja2
:class:`~jinja2.sandbox.SandboxedEnvironment` with plain data only (strings, numbers and
the chart SVGs of :mod:`lms.charts`), then laid out by WeasyPrint through the project's
static-only URL fetcher (:func:`lms.certificates.pdf.make_static_fetcher`), which serves
the Liberation Serif fonts from ``static/fonts`` and refuses every other resource.

The layout of an official report: the header of Nghị định 30/2020/NĐ-CP (the issuing body
on the left, the national name and motto on the right, the place and date under them),
the summary, the learner table, the signature block ("Người lập biểu", "Thủ trưởng đơn
vị"), then, on pages of their own, only the charts that have data, each with its table.
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

from lms.certificates.pdf import (
    DEFAULT_TEMPLATES_ROOT,
    PDF_LANG,
    format_date_line,
    make_static_fetcher,
)
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


def _has_data(values: object) -> bool:
    """A chart is worth a place in the report when one of its values is not zero."""
    return any(value for _label, value in values)


def _charts(report: ClassReport) -> list[dict[str, Any]]:
    """The charts that have data, each with its data table; an empty one is left out (no
    page of empty axes saying "no data")."""
    total = report.total
    charts: list[dict[str, Any]] = []
    if _has_data(report.lesson_funnel):
        charts.append({
            "title": "Tiến độ theo bài học",
            "caption": "Số học viên đã học xong từng bài / sĩ số",
            "svg": _with_font(bar_chart(
                report.lesson_funnel, "Tiến độ theo bài học",
                "Số học viên đã học xong từng bài, trên tổng số học viên của lớp.",
                max_value=total or None, value_format=lambda v: f"{round(v)}/{total}",
                hidden=True)),
            "headers": ("Bài học", "Số học viên đã học xong", "Tỉ lệ"),
            "rows": [(_text(label), f"{done}/{total}",
                      format_percent(100 * done / total if total else 0.0))
                     for label, done in report.lesson_funnel],
        })
    if _has_data(report.score_bins):
        charts.append({
            "title": "Phân bố điểm",
            "caption": "Số học viên theo khoảng điểm cao nhất (thang điểm 10)",
            "svg": _with_font(histogram(
                report.score_bins, "Phân bố điểm",
                "Số học viên theo khoảng điểm cao nhất (thang điểm 10).",
                "Điểm (thang điểm 10)", "Số học viên", hidden=True)),
            "headers": ("Khoảng điểm", "Số học viên"),
            "rows": [(_text(label), str(count)) for label, count in report.score_bins],
        })
    if _has_data(report.completions_over_time):
        charts.append({
            "title": "Hoàn thành theo thời gian",
            "caption": "Số học viên hoàn thành khóa học, cộng dồn theo ngày",
            "svg": _with_font(line_chart(
                report.completions_over_time, "Hoàn thành theo thời gian",
                "Số học viên hoàn thành khóa học theo thời gian.", "Số học viên",
                value_format=lambda v: str(round(v)), hidden=True)),
            "headers": ("Ngày", "Số học viên hoàn thành"),
            "rows": [(_text(label), str(round(value)))
                     for label, value in report.completions_over_time],
        })
    return charts


def template_data(report: ClassReport) -> dict[str, Any]:
    """Plain data for the template: strings, numbers and chart markup only."""
    zone = report.timezone
    average = report.average_score10
    return {
        "lang": PDF_LANG,
        "title": _text(report_title(report)),
        "heading": REPORT_HEADING,
        "issuer_parent": _text(report.issuer_parent),
        "issuer": _text(report.issuer),
        "date_line": format_date_line(_text(report.place) or "Hà Nội",
                                      local_date(report.generated_at, zone)),
        "signer_name": _text(report.signer_name),
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
