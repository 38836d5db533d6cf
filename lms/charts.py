"""Small server-rendered SVG charts: no JavaScript, no inline styles, no external references.

Each function returns a self-contained, accessible ``<svg>`` as :class:`~markupsafe.Markup`.
The chart has ``role="img"``, and its ``<title>`` and ``<desc>``, taken from the arguments,
are referenced by ``aria-labelledby``. It has a fixed ``viewBox`` and ``width="100%"``, so it
scales with its container. The site's CSP forbids inline styles, so there is no ``style``
attribute and no ``<style>`` element. Colours and sizes are presentation attributes, which
any stylesheet rule on the ``chart-*`` classes overrides. Text is NFC-normalised, stripped of
control characters and escaped. Coordinates have at most one decimal.

Each bar or point sits in a ``<g class="chart-item">`` whose ``<title>`` child holds the full
label and value, so a label shortened with an ellipsis stays readable as a tooltip. A chart
drawn as a picture is still poor for screen readers, so pages show a data table next to
the chart (:mod:`lms.chart_figures`) and pass ``hidden=True``: the SVG is then
``aria-hidden`` and the table is what assistive technology reads.

Every text is drawn at :data:`FONT_SIZE` user units and nothing smaller; pages keep a
chart at least :data:`WIDTH` pixels wide (scrolling sideways on a phone), so a label is
never under 12 px. Numbers are written by the caller's ``value_format`` (the locale's
decimal comma, integers for counts); a chart of counts gets integer ticks only.
"""

from __future__ import annotations

import hashlib
import math
import textwrap
import unicodedata
from collections.abc import Callable, Sequence
from itertools import accumulate

from markupsafe import Markup, escape

WIDTH = 640
FONT_SIZE = 12
CHAR_WIDTH = 0.6 * FONT_SIZE  # a generous average advance, so estimates rarely overflow
LINE_HEIGHT = 14
BAR_COLOUR = "#2f6fb0"
AXIS_COLOUR = "#6b7280"
GRID_COLOUR = "#d1d5db"
TEXT_COLOUR = "currentColor"
ELLIPSIS = "…"
DEFAULT_EMPTY_TEXT = "No data"
SVG_NS = "http://www.w3.org/2000/svg"


def _num(value: float) -> str:
    """A number with at most one decimal: ``12``, ``12.5``, never ``-0``."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _clean(text: object) -> str:
    """NFC text on one line without control characters (XML 1.0 forbids most of them)."""
    text = unicodedata.normalize("NFC", str(text))
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).strip()


def _esc(text: object) -> str:
    return str(escape(_clean(text)))


def _finite(value: float, what: str) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, not {value!r}")
    return value


def fit_text(text: str, width: float, max_lines: int = 1) -> tuple[list[str], bool]:
    """Wrap ``text`` into at most ``max_lines`` lines that fit ``width`` user units.

    Returns the lines and whether the text was shortened. A shortened text ends in an
    ellipsis. The width is estimated from the number of characters after NFC
    normalisation, so Vietnamese combining marks add no width.
    """
    text = _clean(text)
    max_chars = max(1, int(width // CHAR_WIDTH))
    lines = textwrap.wrap(text, width=max_chars, break_long_words=True) or [""]
    if len(lines) <= max_lines:
        return lines, False
    kept = lines[:max_lines]
    last = kept[-1]
    if len(last) >= max_chars:
        last = last[: max_chars - 1].rstrip()
    kept[-1] = last + ELLIPSIS
    return kept, True


def _open_svg(kind: str, title: str, desc: str, height: float, key: object,
              hidden: bool = False) -> list[str]:
    # Ids only need to be unique on a page; derived from the content, output is stable.
    digest = hashlib.blake2s(repr((kind, title, desc, key)).encode(), digest_size=5)
    uid = f"chart-{digest.hexdigest()}"
    role = ('aria-hidden="true" focusable="false"' if hidden
            else f'role="img" aria-labelledby="{uid}-title {uid}-desc"')
    return [
        f'<svg xmlns="{SVG_NS}" class="chart chart-{kind}" viewBox="0 0 {WIDTH} {_num(height)}"'
        f' width="100%" {role} font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">',
        f'<title id="{uid}-title">{_esc(title)}</title>',
        f'<desc id="{uid}-desc">{_esc(desc)}</desc>',
    ]


def _close(parts: list[str]) -> Markup:
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text and attribute escaped above


def _empty(kind: str, title: str, desc: str, empty_text: str, hidden: bool) -> Markup:
    height = 120
    parts = _open_svg(kind, title, desc, height, (), hidden)
    parts.append(
        f'<text class="chart-empty" x="{_num(WIDTH / 2)}" y="{_num(height / 2)}"'
        f' text-anchor="middle" dominant-baseline="middle">{_esc(empty_text)}</text>')
    return _close(parts)


def _text(x: float, y: float, content: str, cls: str, anchor: str = "middle") -> str:
    return (f'<text class="{cls}" x="{_num(x)}" y="{_num(y)}"'
            f' text-anchor="{anchor}">{content}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, cls: str = "chart-axis",
          colour: str = AXIS_COLOUR) -> str:
    return (f'<line class="{cls}" x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}"'
            f' y2="{_num(y2)}" stroke="{colour}" stroke-width="1"/>')


def _y_axis_label(label: str, top: float, plot_h: float) -> str:
    return (f'<text class="chart-axis-label" transform="rotate(-90)"'
            f' x="{_num(-(top + plot_h / 2))}" y="14" text-anchor="middle">{_esc(label)}</text>')


def _integer(value: float) -> str:
    return str(round(value))


def histogram(bins: Sequence[tuple[str, int]], title: str, desc: str, x_label: str,
              y_label: str, *, empty_text: str = DEFAULT_EMPTY_TEXT,
              value_format: Callable[[float], str] = _integer, hidden: bool = False) -> Markup:
    """Vertical bars, one per ``(label, count)``: the count above, the label below.

    Labels too wide for their bar are shortened with an ellipsis. The full label stays in
    the bar's ``<title>``. Counts and the top tick are written by ``value_format``.
    """
    if not bins:
        return _empty("histogram", title, desc, empty_text, hidden)
    counts = [int(_finite(c, "count")) for _, c in bins]
    if any(c < 0 for c in counts):
        raise ValueError("counts must not be negative")
    height, left, right, top, bottom = 320, 56, 16, 28, 60
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    band = plot_w / len(bins)
    bar_w = band * 0.8
    top_count = max(max(counts), 1)
    base = top + plot_h

    parts = _open_svg("histogram", title, desc, height, tuple(bins), hidden)
    parts += [
        _line(left, base, left + plot_w, base),
        _line(left, top, left, base),
        _text(left - 6, base + 4, _esc(value_format(0)), "chart-tick", "end"),
        _text(left - 6, top + 4, _esc(value_format(top_count)), "chart-tick", "end"),
        _y_axis_label(y_label, top, plot_h),
        _text(left + plot_w / 2, height - 8, _esc(x_label), "chart-axis-label"),
    ]
    for i, ((label, _), count) in enumerate(zip(bins, counts, strict=True)):
        centre = left + i * band + band / 2
        bar_h = count / top_count * plot_h
        (short,), _ = fit_text(label, band - 2)
        shown = _esc(value_format(count))
        parts += [
            f'<g class="chart-item"><title>{_esc(label)}: {shown}</title>',
            f'<rect class="chart-bar" x="{_num(centre - bar_w / 2)}" y="{_num(base - bar_h)}"'
            f' width="{_num(bar_w)}" height="{_num(bar_h)}" fill="{BAR_COLOUR}"/>',
            _text(centre, base - bar_h - 4, shown, "chart-value"),
            _text(centre, base + 16, _esc(short), "chart-label"),
            "</g>",
        ]
    return _close(parts)


def bar_chart(items: Sequence[tuple[str, float]], title: str, desc: str,
              max_value: float | None = None, value_format: Callable[[float], str] = str,
              *, empty_text: str = DEFAULT_EMPTY_TEXT, hidden: bool = False) -> Markup:
    """Horizontal bars, one per ``(label, value)``, with the formatted value after each bar.

    The bars are scaled to ``max_value``, or to the largest value when it is ``None``. A
    negative value draws no bar, and a value above ``max_value`` fills the row. A long label
    wraps onto a second line and then ends in an ellipsis. The full label and value stay
    in the row's ``<title>``.
    """
    if not items:
        return _empty("bars", title, desc, empty_text, hidden)
    values = [_finite(v, "value") for _, v in items]
    scale = _finite(max_value, "max_value") if max_value is not None else max(values)
    if scale <= 0:
        scale = 1.0
    label_w, gap, value_w, row_h, pad = 220, 8, 80, 36, 8
    bar_x = label_w + gap
    bar_area = WIDTH - bar_x - value_w
    height = pad * 2 + row_h * len(items)

    parts = _open_svg("bars", title, desc, height, (tuple(items), max_value), hidden)
    for i, ((label, _), value) in enumerate(zip(items, values, strict=True)):
        middle = pad + i * row_h + row_h / 2
        shown = _esc(value_format(value))
        bar_len = max(0.0, min(1.0, value / scale)) * bar_area
        lines, _ = fit_text(label, label_w, max_lines=2)
        first_y = middle + 4 - (len(lines) - 1) * LINE_HEIGHT / 2
        spans = "".join(
            f'<tspan x="{_num(label_w)}" y="{_num(first_y + k * LINE_HEIGHT)}">{_esc(line)}</tspan>'
            for k, line in enumerate(lines))
        parts += [
            f'<g class="chart-item"><title>{_esc(label)}: {shown}</title>',
            f'<text class="chart-label" text-anchor="end">{spans}</text>',
            f'<rect class="chart-bar" x="{_num(bar_x)}" y="{_num(middle - 10)}"'
            f' width="{_num(bar_len)}" height="20" fill="{BAR_COLOUR}"/>',
            _text(bar_x + bar_len + 4, middle + 4, shown, "chart-value", "start"),
            "</g>",
        ]
    parts.append(_line(bar_x, pad, bar_x, height - pad))
    return _close(parts)


def _x_label_indices(n: int, max_labels: int = 8) -> list[int]:
    """Which points get an x label: evenly spaced, always the first and the last."""
    step = max(1, math.ceil(n / max_labels))
    shown = list(range(0, n, step))
    if shown[-1] != n - 1:
        if len(shown) > 1 and n - 1 - shown[-1] < step / 2:
            shown[-1] = n - 1  # too close to the last point: drop it for the last one
        else:
            shown.append(n - 1)
    return shown


def _ticks(low: float, high: float, values: Sequence[float]) -> list[float]:
    """The y ticks: bottom, middle and top; whole numbers only when the values are."""
    ticks = [low, (low + high) / 2, high]
    if all(float(v).is_integer() for v in values):
        ticks = sorted({float(math.floor(t + 0.5)) for t in ticks})
    return ticks


def line_chart(points: Sequence[tuple[str, float]], title: str, desc: str, y_label: str,
               *, empty_text: str = DEFAULT_EMPTY_TEXT, cumulative: bool = False,
               value_format: Callable[[float], str] = _num, hidden: bool = False) -> Markup:
    """A line through ``(label, value)`` points in order, such as completions per date.

    The values are plotted as given. Pass ``cumulative=True`` to plot running totals of
    per-period counts instead. The y axis starts at 0, or lower for negative values. At
    most eight x labels are shown, always including the first and the last. Ticks and
    tooltips are written by ``value_format``.
    """
    if not points:
        return _empty("line", title, desc, empty_text, hidden)
    values = [_finite(v, "value") for _, v in points]
    if cumulative:
        values = list(accumulate(values))
    height, left, right, top, bottom = 320, 64, 24, 24, 48
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    low = min(0.0, min(values))
    high = max(values)
    if high <= low:
        high = low + 1.0
    n = len(points)

    def x_at(i: int) -> float:
        return left + (i / (n - 1) * plot_w if n > 1 else plot_w / 2)

    def y_at(value: float) -> float:
        return top + plot_h - (value - low) / (high - low) * plot_h

    parts = _open_svg("line", title, desc, height, (tuple(points), cumulative), hidden)
    base = top + plot_h
    parts += [_line(left, base, left + plot_w, base), _line(left, top, left, base)]
    for tick in _ticks(low, high, values):
        y = y_at(tick)
        parts += [_line(left, y, left + plot_w, y, "chart-grid", GRID_COLOUR),
                  _text(left - 6, y + 4, _esc(value_format(tick)), "chart-tick", "end")]
    parts.append(_y_axis_label(y_label, top, plot_h))
    shown = _x_label_indices(n)
    label_width = plot_w / max(1, len(shown))
    for i in shown:
        (short,), _ = fit_text(points[i][0], label_width - 4)
        # The end labels hang inwards so that the viewBox does not clip them.
        anchor = "middle" if n == 1 or 0 < i < n - 1 else ("start" if i == 0 else "end")
        parts.append(_text(x_at(i), base + 18, _esc(short), "chart-label", anchor))
    coordinates = " ".join(f"{_num(x_at(i))},{_num(y_at(v))}" for i, v in enumerate(values))
    parts.append(f'<polyline class="chart-line" points="{coordinates}" fill="none"'
                 f' stroke="{BAR_COLOUR}" stroke-width="2"/>')
    for i, ((label, _), value) in enumerate(zip(points, values, strict=True)):
        parts += [
            f'<g class="chart-item"><title>{_esc(label)}: {_esc(value_format(value))}</title>',
            f'<circle class="chart-point" cx="{_num(x_at(i))}" cy="{_num(y_at(value))}" r="3.5"'
            f' fill="{BAR_COLOUR}"/></g>',
        ]
    return _close(parts)
