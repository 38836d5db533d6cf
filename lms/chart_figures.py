"""The charts of the pages as figures: a visible title, the SVG and the data table beside it.

A :class:`ChartFigure` is what ``templates/_chart.html`` renders: the title as a visible
caption, the SVG of :mod:`lms.charts` (``aria-hidden``: a picture of the data) and a table
of the same data, which screen readers read and which prints. The numbers of the chart and
of the table come from the same formatted strings, in the user's locale: rates as
percentages (``33,3%``), counts as whole numbers, the decimal comma in Vietnamese. The
last column of the table is what the chart draws, row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup

from lms import charts
from lms.i18n import format_count, format_percent


@dataclass(frozen=True)
class ChartFigure:
    """One chart: its title, its SVG and its data as rows of formatted strings."""

    title: str
    svg: Markup
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def completion_funnel(funnel: Sequence[tuple[str, int]], learners: int) -> ChartFigure:
    """Per lesson, the share of the learners who completed it (a bar per lesson)."""
    title = _("Completion per lesson")
    shares = [(label, 100 * done / learners if learners else 0.0) for label, done in funnel]
    svg = charts.bar_chart(shares, title=title, desc=_("Learners who completed each lesson."),
                           max_value=100, value_format=format_percent,
                           empty_text=_("No data yet."), hidden=True)
    rows = tuple((label, format_count(done), format_percent(share))
                 for (label, done), (_label, share) in zip(funnel, shares, strict=True))
    return ChartFigure(title, svg, (_("Lesson"), _("Learners who completed it"),
                                    _("Share of the learners")), rows)


def score_histogram(bins: Sequence[tuple[str, int]], desc: str) -> ChartFigure:
    """Learners per score band (of 10)."""
    title = _("Score distribution")
    svg = charts.histogram(bins, title=title, desc=desc, x_label=_("Score"),
                           y_label=_("Learners"), value_format=format_count,
                           empty_text=_("No data yet."), hidden=True)
    rows = tuple((label, format_count(count)) for label, count in bins)
    return ChartFigure(title, svg, (_("Score band (of 10)"), _("Learners")), rows)


def completions_over_time(points: Sequence[tuple[str, float]]) -> ChartFigure:
    """Learners who completed the class, as a running total per day."""
    title = _("Completions over time")
    svg = charts.line_chart(points, title=title,
                            desc=_("Learners who completed the class, cumulative."),
                            y_label=_("Learners"), value_format=format_count,
                            empty_text=_("No data yet."), hidden=True)
    rows = tuple((label, format_count(total)) for label, total in points)
    return ChartFigure(title, svg, (_("Date"), _("Learners who completed (running total)")),
                       rows)
