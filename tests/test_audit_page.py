"""The audit page reads as Vietnamese sentences (issue 14): actor, action, object; readable
details; in the admin navigation; light as entries grow."""

from __future__ import annotations

import re

from flask_babel import force_locale

from lms.audit.sentences import ACTION_LABELS, SENTENCES, Names, sentence_for
from lms.audit.services import ACTIONS, record
from lms.classes.services import withdraw
from tests.conftest import Auth, make_class, make_course, make_user


def _page(client, query: str = "") -> str:
    return client.get(f"/admin/audit/{query}").get_data(as_text=True)


def _cells(html: str) -> str:
    return html.split("<tbody>")[1].split("</tbody>")[0]


def test_every_action_has_a_sentence_and_a_label() -> None:
    assert set(ACTIONS) == set(SENTENCES) == set(ACTION_LABELS)


def test_entries_read_as_vietnamese_sentences(auth: Auth, client) -> None:
    admin = make_user("admin", username="quantri")
    admin.full_name = "Nguyễn Văn An"
    learner = make_user("learner", username="hv.binh")
    learner.full_name = "Lê Thị Bình"
    klass = make_class(make_course(), code="K74-HN", learners=(learner,))
    record("role_change", admin.id, "hv.binh", old="learner", new="lecturer")
    record("certificate_revoke", admin.id, "CY-2025-000007", reason="Cấp nhầm người")
    record("accommodation", admin.id, "hv.binh", extra_minutes=15)
    record("roster_import", admin.id, "class:K74-HN", file="danh-sach.xlsx", rows=3,
           created=2, linked=1)
    withdraw(klass, learner, admin)
    auth.login_as(admin)
    html = _page(client)
    cells = _cells(html)
    assert "Nguyễn Văn An đã đổi vai trò của Lê Thị Bình từ Học viên sang Giảng viên." in cells
    assert "Nguyễn Văn An đã thu hồi giấy chứng nhận CY-2025-000007." in cells
    assert "Lý do: Cấp nhầm người" in cells
    assert "Nguyễn Văn An đã đặt điều chỉnh cho Lê Thị Bình trong lớp –." in cells
    assert "Nguyễn Văn An đã nhập danh sách học viên vào lớp K74-HN." in cells
    assert "Tệp: danh-sach.xlsx" in cells and "Tài khoản mới: 2" in cells
    assert "đã rút Lê Thị Bình khỏi lớp K74-HN" in cells
    assert "\\u" not in html and "{&#34;" not in cells and '{"' not in cells
    for action in ACTIONS:
        assert not re.search(rf"\b{action}\b", cells), action
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", cells)


def test_unknown_action_reads_as_a_generic_sentence(app) -> None:
    from lms.audit.models import AuditEntry

    with app.test_request_context(), force_locale("vi"):
        entry = AuditEntry(action="class_archive", target="K75", details={})
        text = sentence_for(entry, "Nguyễn Văn An", Names())
    assert text == "Nguyễn Văn An đã thực hiện thao tác “class archive” đối với K75."


def test_the_filter_names_actions_in_words(auth: Auth, client) -> None:
    auth.login_as(make_user("admin"))
    html = _page(client, "?action=login")
    assert '<option value="login_failed" >Đăng nhập không thành công</option>' in html
    assert "đã đăng nhập." in _cells(html)


def test_in_the_admin_navigation_only(auth: Auth, client) -> None:
    auth.login_as(make_user("admin"))
    assert 'href="/admin/audit/"' in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login_as(make_user("lecturer"))
    assert 'href="/admin/audit/"' not in client.get("/").get_data(as_text=True)


def test_table_is_focusable_for_keyboard_scrolling(auth: Auth, client) -> None:
    auth.login_as(make_user("admin"))
    assert '<div class="table-wrap" tabindex="0" role="region"' in _page(client)


def test_pages_of_fifty(auth: Auth, client) -> None:
    for i in range(55):
        record("accommodation", None, f"hv{i}", extra_minutes=i)
    auth.login_as(make_user("admin"))
    first = _page(client, "?action=accommodation")
    assert "cho hv54 " in first and "cho hv5 " in first and "cho hv4 " not in first
    assert "Các mục cũ hơn" in first
    older = re.search(r'href="(/admin/audit/\?[^"]*before=\d+[^"]*)"', first).group(1)
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert "cho hv4 " in second and "cho hv0 " in second and "cho hv5 " not in second
    assert "Các mục mới nhất" in second


def _mixed(n: int, admin_id: int, learner: str) -> None:
    for i in range(n):
        record("role_change", admin_id, learner, old="learner", new="lecturer")
        record("grade", None, f"attempt:{900000 + i}", user_id=admin_id, quiz_id=1,
               state="finished", score10=8.5, needs_grading=False)
        record("regrade", admin_id, "quiz:kiem-tra", changed=i)
        record("lesson_marked_done", admin_id, learner, lesson="bai-1", reason="r")
        record("legal_review", admin_id, f"khoa:lesson:{i}", documents=["05/2011/QH13"])


def test_statement_count_constant_as_entries_grow(auth: Auth, client, count_statements) -> None:
    admin = auth.login_as(make_user("admin"))
    make_user("learner", username="hv.an")
    _mixed(2, admin.id, "hv.an")
    client.get("/admin/audit/")
    # New entries before each counted view: both walk the chain (lms/audit/page_check.py).
    _mixed(1, admin.id, "hv.an")
    with count_statements() as few:
        client.get("/admin/audit/")
    _mixed(8, admin.id, "hv.an")
    with count_statements() as many:
        client.get("/admin/audit/")
    assert many.count == few.count
