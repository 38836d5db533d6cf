"""Server-rendered SVG charts (lms.charts): well-formed, accessible, escaped, CSP-clean."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from markupsafe import Markup

from lms.charts import ELLIPSIS, bar_chart, fit_text, histogram, line_chart

NS = "{http://www.w3.org/2000/svg}"
EVIL = '<script>alert(1)</script> & "Đức"'
LONG_VI = ("Bài 3: Quản lý nhà nước về cơ yếu trong thời kỳ đẩy mạnh công nghiệp hoá, "
           "hiện đại hoá và hội nhập quốc tế")
NUMERIC_ATTRS = {"x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height"}
ONE_DECIMAL = re.compile(r"-?\d+(\.\d)?")


def _hist(bins: list[tuple[str, int]], **kwargs: str) -> Markup:
    return histogram(bins, "Phổ điểm", "Số bài theo khoảng điểm", "Điểm", "Số bài", **kwargs)


def _bars(items: list[tuple[str, float]], **kwargs) -> Markup:
    return bar_chart(items, "Hoàn thành theo bài", "Tỉ lệ học viên hoàn thành", **kwargs)


def _line(points: list[tuple[str, float]], **kwargs) -> Markup:
    return line_chart(points, "Hoàn thành theo ngày", "Tích luỹ", "Học viên", **kwargs)


def _parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, parsed to check it


def _items(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(f"{NS}{tag}"))


def _bars_of(root: ET.Element) -> list[ET.Element]:
    return [el for el in _items(root, "rect") if el.get("class") == "chart-bar"]


CHARTS: dict[str, Callable[[list], Markup]] = {
    "histogram": lambda data: _hist([(label, int(v)) for label, v in data]),
    "bar_chart": _bars,
    "line_chart": _line,
}
SAMPLE = [("0–2", 3.0), ("2–4", 0.0), (EVIL, 5.0), (LONG_VI, 2.0)]


@pytest.mark.parametrize("kind", CHARTS)
def test_accessible_self_contained_svg(kind: str) -> None:
    markup = CHARTS[kind](SAMPLE)
    root = _parse(markup)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "100%"
    assert re.fullmatch(r"0 0 640 \d+(\.\d)?", root.get("viewBox", ""))
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text and desc.text


@pytest.mark.parametrize("kind", CHARTS)
def test_no_script_style_handlers_or_external_references(kind: str) -> None:
    markup = CHARTS[kind](SAMPLE)
    root = _parse(markup)
    for el in root.iter():
        assert el.tag not in {f"{NS}script", f"{NS}style", f"{NS}foreignObject",
                              f"{NS}image", f"{NS}use", f"{NS}a"}
        for name in el.attrib:
            local = name.rsplit("}", 1)[-1].lower()
            assert local != "style"
            assert not local.startswith("on"), f"event handler {name} on {el.tag}"
            assert local != "href"
    assert not re.search(r"\sstyle\s*=", markup)
    assert not re.search(r"\son\w+\s*=", markup)
    assert "<script" not in markup
    assert "url(" not in markup


@pytest.mark.parametrize("kind", CHARTS)
def test_labels_are_escaped(kind: str) -> None:
    markup = CHARTS[kind](SAMPLE)
    assert "&lt;script&gt;" in markup
    assert "&amp; &#34;Đức&#34;" in markup
    root = _parse(markup)
    titles = [el.text for el in _items(root, "title")]
    assert any(t and t.startswith(EVIL) for t in titles)  # the full label, unescaped on parse


def test_title_and_desc_are_escaped() -> None:
    root = _parse(histogram([("a", 1)], EVIL, EVIL + "!", EVIL, EVIL))
    assert root.find(f"{NS}title").text == EVIL
    assert root.find(f"{NS}desc").text == EVIL + "!"


@pytest.mark.parametrize("kind", CHARTS)
def test_coordinates_have_at_most_one_decimal(kind: str) -> None:
    root = _parse(CHARTS[kind]([("a", 1.0), ("b", 2.0), ("c", 7.0)]))
    for el in root.iter():
        for name, value in el.attrib.items():
            if name in NUMERIC_ATTRS and el is not root:  # the root's width is "100%"
                assert ONE_DECIMAL.fullmatch(value), f"{name}={value!r}"
        if el.tag == f"{NS}polyline":
            for number in re.split(r"[ ,]", el.get("points", "")):
                assert ONE_DECIMAL.fullmatch(number)


def test_histogram_bars_counts_and_labels() -> None:
    root = _parse(_hist([("0–2", 3), ("2–4", 0), ("4–6", 6), ("6–8", 1), ("8–10", 2)]))
    bars = _bars_of(root)
    assert len(bars) == 5
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] == 0.0  # an empty bin still has its (flat) bar
    assert heights[2] == max(heights)
    assert heights[0] == pytest.approx(heights[2] / 2, abs=0.1)
    values = [el.text for el in _items(root, "text") if el.get("class") == "chart-value"]
    labels = [el.text for el in _items(root, "text") if el.get("class") == "chart-label"]
    assert values == ["3", "0", "6", "1", "2"]
    assert labels == ["0–2", "2–4", "4–6", "6–8", "8–10"]
    axis_labels = [el.text for el in _items(root, "text") if el.get("class") == "chart-axis-label"]
    assert set(axis_labels) == {"Điểm", "Số bài"}


def test_histogram_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        _hist([("a", -1)])


def test_bar_chart_bars_scale_and_format() -> None:
    root = _parse(_bars([("Bài 1", 0.5), ("Bài 2", 1.0), ("Bài 3", 1.5), ("Bài 4", -0.2)],
                        max_value=1.0, value_format=lambda v: f"{v:.0%}"))
    bars = _bars_of(root)
    assert len(bars) == 4
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] == pytest.approx(widths[1] / 2, abs=0.1)
    assert widths[2] == widths[1]  # above max_value: the bar fills the row, no more
    assert widths[3] == 0.0
    values = [el.text for el in _items(root, "text") if el.get("class") == "chart-value"]
    assert values == ["50%", "100%", "150%", "-20%"]


def test_bar_chart_scales_to_largest_value_by_default() -> None:
    widths = [float(b.get("width")) for b in _bars_of(_parse(_bars([("a", 2.0), ("b", 8.0)])))]
    assert widths[0] == pytest.approx(widths[1] / 4, abs=0.1)


def test_bar_chart_long_vietnamese_label_wraps_then_ellipsis() -> None:
    root = _parse(_bars([(LONG_VI, 3.0)]))
    label = next(el for el in _items(root, "text") if el.get("class") == "chart-label")
    lines = [span.text for span in label.iter(f"{NS}tspan")]
    assert len(lines) == 2
    assert lines[0].startswith("Bài 3: Quản lý")
    assert lines[1].endswith(ELLIPSIS)
    group = next(el for el in _items(root, "g") if el.get("class") == "chart-item")
    assert group.find(f"{NS}title").text == f"{LONG_VI}: 3.0"  # full text kept


def test_line_chart_points_and_cumulative() -> None:
    days = [("01/05", 2.0), ("02/05", 0.0), ("03/05", 3.0)]
    plain, running = _parse(_line(days)), _parse(_line(days, cumulative=True))
    for root in (plain, running):
        assert len(_items(root, "circle")) == 3
        (polyline,) = _items(root, "polyline")
        assert len(polyline.get("points").split()) == 3
    tips = [el.find(f"{NS}title").text for el in _items(running, "g")]
    assert tips == ["01/05: 2", "02/05: 2", "03/05: 5"]
    ys = [float(c.get("cy")) for c in _items(running, "circle")]
    assert ys[0] == ys[1] > ys[2]  # flat, then rising (SVG y grows downwards)


def test_line_chart_thins_x_labels() -> None:
    root = _parse(_line([(f"{d:02d}/05", float(d)) for d in range(1, 31)]))
    labels = [el.text for el in _items(root, "text") if el.get("class") == "chart-label"]
    assert len(labels) <= 8
    assert labels[0] == "01/05" and labels[-1] == "30/05"
    assert len(_items(root, "circle")) == 30


def test_line_chart_single_point() -> None:
    root = _parse(_line([("01/05", 4.0)]))
    (circle,) = _items(root, "circle")
    assert circle.get("cx") == "340"  # centred in the plot


@pytest.mark.parametrize("kind", CHARTS)
def test_empty_input(kind: str) -> None:
    render = {"histogram": _hist, "bar_chart": _bars, "line_chart": _line}[kind]
    markup = render([], empty_text="Chưa có dữ liệu")
    root = _parse(markup)
    assert root.get("role") == "img"
    assert root.find(f"{NS}title").text
    empty = [el.text for el in _items(root, "text") if el.get("class") == "chart-empty"]
    assert empty == ["Chưa có dữ liệu"]
    assert not _bars_of(root) and not _items(root, "circle")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_values_rejected(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        _bars([("a", bad)])
    with pytest.raises(ValueError, match="finite"):
        _line([("a", bad)])


def test_control_characters_do_not_break_xml() -> None:
    root = _parse(_bars([("Bài\x00 1\x1b", 1.0)]))
    assert root.find(f"{NS}g/{NS}title").text == "Bài  1: 1.0"


def test_fit_text() -> None:
    assert fit_text("Ngắn", 200) == (["Ngắn"], False)
    lines, cut = fit_text("một hai ba bốn năm sáu bảy tám", 60, max_lines=2)  # 8 characters
    assert cut and len(lines) == 2 and lines[-1].endswith(ELLIPSIS)
    assert all(len(line) <= 8 for line in lines)
    # NFD input is composed first: "Đức" is three characters, not five
    assert fit_text("Đu\u031b\u0301c", 3 * 7.2) == (["Đức"], False)


def test_output_is_deterministic() -> None:
    assert _hist([("a", 1)]) == _hist([("a", 1)])
    assert _hist([("a", 1)]) != _hist([("a", 2)])
