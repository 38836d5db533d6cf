"""Dashboards, exports and the completion API: scoping, constant statements, order."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.auth.services import create_token
from lms.courses.progress import record_activity
from lms.courses.services import LessonDraft, create_lesson, publish
from lms.extensions import db
from tests.conftest import Auth, csrf_from, make_class, make_course, make_user

NAMES = ["Đặng Văn Đức", "Nguyễn Thị Ánh", "Lê Văn Anh", "Phạm Thị Ân", "Vũ Tiến Dũng",
         "Hoàng Văn Bình"]


def _class(n_learners: int, code: str = "K1", names=None):
    course = make_course(f"c-{code.lower()}", "Quản lý nhà nước về Cơ yếu")
    author = make_user("lecturer")
    lessons = []
    for i in (1, 2, 3):
        lesson = create_lesson(course, author, LessonDraft(f"Bài {i}", 10, [], "x"))
        publish(lesson, author)
        lessons.append(lesson)
    names = names or [f"Học Viên {i}" for i in range(n_learners)]
    learners = [make_user("learner", full_name=name) for name in names[:n_learners]]
    lecturer = make_user("lecturer")
    klass = make_class(course, code, lecturer=lecturer, learners=tuple(learners))
    for i, learner in enumerate(learners):
        for lesson in lessons[: i % 4]:
            record_activity(learner.id, lesson.id, complete=True, enforce_reading=False)
    return klass, lecturer, learners


def test_dashboard_is_scoped_and_in_vietnamese_order(auth: Auth, client) -> None:
    klass, lecturer, _learners = _class(6, names=NAMES)
    other, _other_lecturer, _ = _class(2, "K2")
    auth.login_as(lecturer)
    page = client.get(f"/classes/{klass.code}/dashboard").get_data(as_text=True)
    order = [page.index(name) for name in
             ("Lê Văn Anh", "Nguyễn Thị Ánh", "Phạm Thị Ân", "Hoàng Văn Bình", "Vũ Tiến Dũng",
              "Đặng Văn Đức")]
    assert order == sorted(order)
    assert client.get(f"/classes/{other.code}/dashboard").status_code == 404
    assert _export(client, klass.code, "xlsx").status_code == 302
    auth.logout()
    auth.login_as(_learners[0])
    assert client.get(f"/classes/{klass.code}/dashboard").status_code == 404
    own = client.get(f"/classes/{klass.code}").get_data(as_text=True)
    assert "mine-title" in own and _learners[1].full_name not in own



def _export(client: Any, code: str, fmt: str) -> Any:
    """Queue an export as the dashboard's button does (a POST with CSRF)."""
    token = csrf_from(client, f"/classes/{code}/dashboard")
    return client.post(f"/classes/{code}/export.{fmt}", data={"csrf_token": token})


def test_export_is_a_post_with_csrf(auth: Auth, client) -> None:
    from lms.reports.models import ExportJob

    klass, lecturer, _ = _class(2, "XUAT")
    auth.login_as(lecturer)
    jobs = db.session.scalar(select(func.count(ExportJob.id)))
    assert client.get(f"/classes/{klass.code}/export.xlsx").status_code == 405
    assert client.post(f"/classes/{klass.code}/export.xlsx").status_code == 400  # no token
    db.session.expire_all()
    assert db.session.scalar(select(func.count(ExportJob.id))) == jobs
    assert _export(client, klass.code, "xlsx").status_code == 302


def test_dashboard_statements_do_not_grow(auth: Auth, client, count_statements) -> None:
    _small, lecturer, _ = _class(3, "NHO")
    big, _l2, _learners = _class(30, "LON")
    from lms.classes.models import EnrolmentRole
    from lms.classes.services import enrol

    enrol(big, lecturer, EnrolmentRole.LECTURER)
    auth.login_as(lecturer)
    counts = []
    for code in ("NHO", "LON"):
        with count_statements() as counter:
            assert client.get(f"/classes/{code}/dashboard").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_completion_api_and_exports(auth: Auth, client) -> None:
    klass, lecturer, learners = _class(4)
    headers = {"Authorization": f"Bearer {create_token(lecturer)[1]}"}
    body = client.get(f"/api/v1/classes/{klass.code}/completion", headers=headers).json
    assert body["class"] == klass.code and len(body["learners"]) == 4
    assert {"username", "full_name", "status", "lessons_done", "lessons_total",
            "best_score10", "completed_at"} == set(body["learners"][0])
    learner_headers = {"Authorization": f"Bearer {create_token(learners[0])[1]}"}
    assert client.get(f"/api/v1/classes/{klass.code}/completion",
                      headers=learner_headers).status_code == 404
    assert [c["code"] for c in client.get("/api/v1/classes", headers=learner_headers).json] == [
        klass.code]
    auth.login_as(lecturer)
    status_url = _export(client, klass.code, "xlsx").headers["Location"]
    status = client.get(status_url).get_data(as_text=True)
    assert "download" in status
    data = client.get(status_url + "/download").data
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["B1"].value == "Họ và tên" and sheet.freeze_panes == "A2"


def test_formula_injection_is_neutralised_end_to_end(auth: Auth, client) -> None:
    klass, lecturer, _ = _class(2, names=['=HYPERLINK("http://evil","x")', "+1+1"])
    auth.login_as(lecturer)
    status_url = _export(client, klass.code, "csv").headers["Location"]
    csv_text = client.get(status_url + "/download").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'+1+1" in csv_text
    status_url = _export(client, klass.code, "xlsx").headers["Location"]
    sheet = load_workbook(io.BytesIO(client.get(status_url + "/download").data)).active
    values = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert all(str(v).startswith("'") for v in values), values
    db.session.rollback()
