"""Charts on the class dashboard and the item analysis (issue 14): a visible title, labels
of 12 px or more, rates as percentages and counts as whole numbers in the locale's format
(the decimal comma in Vietnamese), and beside each chart a data table with the same
values, which screen readers read (the SVG itself is hidden from them)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from lms import ROOT
from lms.i18n import format_percent
from tests.classes.test_dashboard import _class
from tests.conftest import Auth

SVG = "{http://www.w3.org/2000/svg}"
FIGURE = re.compile(r'<figure class="chart-figure">.*?</figure>', re.S)


@dataclass
class Figure:
    title: str
    box: ET.Element  # the scrolling box around the SVG
    svg: ET.Element
    table_box: ET.Element
    headers: list[str]
    rows: list[list[str]]

    def texts(self, cls: str) -> list[str]:
        return [el.text or "" for el in self.svg.iter(f"{SVG}text") if el.get("class") == cls]

    def tooltips(self) -> list[str]:
        return [g.find(f"{SVG}title").text for g in self.svg.iter(f"{SVG}g")
                if g.get("class") == "chart-item"]


def _text(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())


def figures(page: str) -> list[Figure]:
    """Every chart figure of a page (the macro writes well-formed markup: XML parses it)."""
    found = []
    for block in FIGURE.findall(page):
        root = ET.fromstring(block)  # noqa: S314 - our own page
        caption = root.find("figcaption")
        box, table_box = root.findall("div")
        table = table_box.find("table")
        found.append(Figure(
            title=_text(caption), box=box, svg=box.find(f"{SVG}svg"), table_box=table_box,
            headers=[_text(th) for th in table.find("thead").iter("th")],
            rows=[[_text(cell) for cell in tr] for tr in table.find("tbody").iter("tr")
                  if tr.find("td[@class='empty']") is None]))
    return found


def _dashboard(auth: Auth, client, locale: str, learners: int = 3) -> list[Figure]:
    klass, lecturer, _ = _class(learners, f"BD{locale.upper()}")
    lecturer.locale = locale
    auth.login_as(lecturer)
    page = client.get(f"/classes/{klass.code}/dashboard").get_data(as_text=True)
    return figures(page)


def test_every_chart_has_a_visible_title_and_points_to_its_table(auth: Auth, client) -> None:
    figs = _dashboard(auth, client, "vi")
    assert [f.title for f in figs] == ["Tỷ lệ hoàn thành theo bài học", "Phân bố điểm",
                                       "Số học viên hoàn thành theo thời gian"]
    for fig in figs:
        # The picture is hidden from screen readers; its box says where the data are.
        assert fig.svg.get("aria-hidden") == "true" and fig.svg.get("role") is None
        assert fig.box.get("role") == "img" and fig.title in fig.box.get("aria-label")
        assert "bảng" in fig.box.get("aria-label")
        # Both scrolling boxes take the focus and have a name (axe scrollable-region-focusable).
        for box in (fig.box, fig.table_box):
            assert box.get("tabindex") == "0" and box.get("aria-label")
        assert fig.table_box.get("role") == "region"


def test_labels_are_at_least_12_px(auth: Auth, client) -> None:
    for fig in _dashboard(auth, client, "vi"):
        assert float(fig.svg.get("font-size")) >= 12
        for el in fig.svg.iter():
            size = el.get("font-size")
            assert size is None or float(size) >= 12, (fig.title, el.tag, size)
        assert fig.svg.get("viewBox").split()[2] == "640"
    # A 640-unit chart is never drawn narrower than 640 px (it scrolls on a phone), and
    # no stylesheet rule makes chart text smaller than 12 px.
    css = (Path(ROOT) / "static" / "css" / "app.css").read_text()
    assert re.search(r"\.chart-scroll svg \{[^}]*min-width: 640px", css)
    for size in re.findall(r"\.chart[^{]*\{[^}]*font-size: ([\d.]+)px", css):
        assert float(size) >= 12


@pytest.mark.parametrize(("locale", "shares"), [("vi", ["66,7%", "33,3%", "0%"]),
                                                 ("en", ["66.7%", "33.3%", "0%"])])
def test_rates_are_percentages_and_counts_integers(auth: Auth, client, locale: str,
                                                   shares: list[str]) -> None:
    # 3 learners: the second completed lesson 1, the third lessons 1 and 2.
    funnel, scores, timeline = _dashboard(auth, client, locale)
    assert funnel.texts("chart-value") == shares
    assert [row[1:] for row in funnel.rows] == [["2", shares[0]], ["1", shares[1]],
                                                 ["0", shares[2]]]
    assert [row[1] for row in scores.rows] == ["0"] * 10
    for fig in (scores, timeline):
        for text in fig.texts("chart-value") + fig.texts("chart-tick"):
            assert re.fullmatch(r"\d+", text), (fig.title, text)
    assert timeline.rows == [] and timeline.texts("chart-empty")


def test_the_table_holds_the_values_the_chart_draws(auth: Auth, client) -> None:
    for fig in _dashboard(auth, client, "vi"):
        # Each drawn item's tooltip is "label: value"; the table's row is label … value.
        assert fig.tooltips() == [f"{row[0]}: {row[-1]}" for row in fig.rows], fig.title
        shown = fig.texts("chart-value")
        if shown:
            assert shown == [row[-1] for row in fig.rows]


def test_cumulative_completions_are_whole_numbers(auth: Auth, client) -> None:
    from datetime import UTC, datetime

    from lms.classes.models import ClassCompletion
    from lms.extensions import db

    klass, lecturer, learners = _class(3, "BDTIME")  # none has completed every lesson
    for day, learner in zip((3, 3, 4), learners, strict=False):
        row = db.session.query(ClassCompletion).filter_by(
            class_id=klass.id, user_id=learner.id).one_or_none()
        if row is None:
            row = ClassCompletion(class_id=klass.id, user_id=learner.id)
            db.session.add(row)
        row.completed_at = datetime(2026, 3, day, 3, tzinfo=UTC)
        row.status = "completed"
    db.session.flush()
    auth.login_as(lecturer)
    page = client.get(f"/classes/{klass.code}/dashboard").get_data(as_text=True)
    timeline = figures(page)[2]
    assert timeline.rows == [["03/03", "2"], ["04/03", "3"]]
    assert timeline.texts("chart-tick") == ["0", "2", "3"]  # no "1.5"
    assert timeline.tooltips() == ["03/03: 2", "04/03: 3"]


def test_percent_format() -> None:
    from flask_babel import force_locale

    from tests.conftest import make_app

    app = make_app("sqlite://")
    with app.test_request_context(), force_locale("vi"):
        assert [format_percent(v) for v in (0, 75, 100, 200 / 3, 99.96, 12.25)] == [
            "0%", "75%", "100%", "66,7%", "100%", "12,3%"]
    with app.test_request_context(), force_locale("en"):
        assert format_percent(200 / 3) == "66.7%"
