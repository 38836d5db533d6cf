"""A learner's status reads the same on the class page and on the dashboard (issue 14),
from one label map."""

from __future__ import annotations

import re

from flask_babel import force_locale

from lms.classes.services import withdraw
from lms.classes.status import STATUS_LABELS, status_label
from tests.classes.test_dashboard import _class
from tests.conftest import Auth, make_user


def _status_cells(html: str, header: str = "Trạng thái") -> dict[str, str]:
    """Full name -> status cell of the table whose header row has ``header``."""
    table = html.split("<tbody>")[1].split("</tbody>")[0]
    heads = re.findall(r"<th[^>]*>(.*?)</th>", html.split("<tbody>")[0].rsplit("<thead>", 1)[1])
    column = heads.index(header)
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = [re.sub(r"<[^>]+>", " ", c).split("  ")[0].strip()
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) > column:
            name = next(c for c in cells if c.startswith("Học Viên"))
            out[name] = re.sub(r"\s+", " ", cells[column]).strip()
    return out


def test_the_same_words_on_the_class_page_and_the_dashboard(auth: Auth, client) -> None:
    klass, _lecturer, _learners = _class(4)
    auth.login_as(make_user("admin"))
    page = _status_cells(client.get(f"/classes/{klass.code}").get_data(as_text=True))
    board = _status_cells(client.get(f"/classes/{klass.code}/dashboard")
                          .get_data(as_text=True))
    assert page == board, (page, board)
    assert set(page.values()) <= {"Chưa bắt đầu", "Đang học", "Hoàn thành", "Không đạt"}
    assert "Chưa bắt đầu" in page.values() and "Đang học" in page.values()


def test_a_withdrawn_learner_reads_withdrawn(auth: Auth, client) -> None:
    klass, _lecturer, learners = _class(2)
    withdraw(klass, learners[0], None)
    auth.login_as(make_user("admin"))
    page = _status_cells(client.get(f"/classes/{klass.code}").get_data(as_text=True))
    assert page[learners[0].full_name] == "Đã rút khỏi lớp"


def test_one_label_map(app) -> None:
    with app.test_request_context(), force_locale("vi"):
        assert set(STATUS_LABELS) == {"not_started", "in_progress", "completed", "failed",
                                      "withdrawn"}
        assert status_label("in_progress") == "Đang học"
        assert status_label("failed") == "Không đạt"
    with app.test_request_context(), force_locale("en"):
        assert status_label("not_started") == "Not started"


def test_the_reports_use_the_same_words(app) -> None:
    """The exported reports (always in Vietnamese) say what the pages say."""
    from lms.reports.exports import STATUS_LABELS as REPORT_WORDS

    with app.test_request_context(), force_locale("vi"):
        assert {k: status_label(k) for k in REPORT_WORDS} == REPORT_WORDS
