"""Issue 14: revoking and bulk issuing ask for confirmation (without JavaScript); the public
verification page discloses the minimum (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15);
pyHanko's reasons on /verify are ours, translated."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from lms.certificates.models import Certificate
from lms.certificates.services import issue_for_class, revoke
from lms.classes.models import EnrolmentRole
from lms.classes.services import enrol
from lms.extensions import db
from tests.certificates.conftest import completed_class
from tests.conftest import Auth, csrf_from, make_user

REASON = "Cấp nhầm đợt"


def _count() -> int:
    return db.session.scalar(select(func.count(Certificate.id)))


def test_revoking_asks_for_confirmation(auth: Auth, client, done_class) -> None:
    klass, _learners = done_class
    issue_for_class(klass, None)
    certificate = db.session.scalars(select(Certificate)).first()
    db.session.commit()
    auth.login_as(make_user("admin"))
    url = f"/admin/certificates/{certificate.serial}"
    token = csrf_from(client, url)
    asked = client.post(url, data={"csrf_token": token, "action": "revoke", "reason": REASON})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Xác nhận thu hồi" in page and REASON in page
    db.session.refresh(certificate)
    assert certificate.status == "valid"  # not yet
    done = client.post(url, data={"csrf_token": token, "action": "revoke", "reason": REASON,
                                  "confirm": "1"})
    assert done.status_code == 302
    db.session.refresh(certificate)
    assert certificate.status == "revoked" and certificate.revoked_reason == REASON


def test_bulk_issue_confirms_selected_or_everyone_with_the_count(auth: Auth, client) -> None:
    klass, learners = completed_class(3, "K5")
    db.session.commit()
    auth.login_as(make_user("admin"))
    url = f"/admin/classes/{klass.code}/certificates"
    page = client.get(url).get_data(as_text=True)
    assert "Cấp cho tất cả (3)" in page
    token = csrf_from(client, url)
    # The default button issues to the selected learners only, after a confirmation.
    nothing = client.post(url, data={"csrf_token": token, "action": "issue"})
    assert nothing.status_code == 302 and _count() == 0  # none selected: nothing issued
    asked = client.post(url, data={"csrf_token": token, "action": "issue",
                                   "user_id": [learners[0].id]})
    assert asked.status_code == 200 and _count() == 0
    assert learners[0].full_name in asked.get_data(as_text=True)
    done = client.post(url, data={"csrf_token": token, "action": "issue",
                                  "user_id": [learners[0].id], "confirm": "1"})
    assert done.status_code == 302 and _count() == 1
    # Everyone: a second, explicit button, confirmed too.
    asked = client.post(url, data={"csrf_token": token, "action": "issue_all"})
    assert asked.status_code == 200 and _count() == 1
    assert "2" in asked.get_data(as_text=True)
    client.post(url, data={"csrf_token": token, "action": "issue_all", "confirm": "1"})
    assert _count() == 3


def test_a_revocation_never_undoes_itself_through_bulk_issue(auth: Auth, client) -> None:
    klass, learners = completed_class(2, "K6")
    issue_for_class(klass, None)
    first = db.session.scalar(select(Certificate).where(Certificate.user_id == learners[0].id))
    revoke(first, None, REASON)
    db.session.commit()
    auth.login_as(make_user("admin"))
    url = f"/admin/classes/{klass.code}/certificates"
    assert "Cấp cho tất cả (0)" in client.get(url).get_data(as_text=True)
    token = csrf_from(client, url)
    client.post(url, data={"csrf_token": token, "action": "issue_all", "confirm": "1"})
    client.post(url, data={"csrf_token": token, "action": "issue", "confirm": "1",
                           "user_id": [learners[0].id]})
    assert _count() == 2


def _issued_revoked():
    klass, learners = completed_class(1, "K7")
    issue_for_class(klass, None)
    certificate = db.session.scalars(select(Certificate)).first()
    revoke(certificate, None, REASON)
    db.session.commit()
    return klass, learners[0], certificate


PRIVATE = ("02/09/1975", "Sở Nội vụ tỉnh Hà Tĩnh", REASON)


def test_the_public_sees_the_minimum(client) -> None:
    klass, learner, certificate = _issued_revoked()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    for shown in (learner.full_name, klass.name, klass.course.title, "thu hồi"):
        assert shown in page, shown
    for hidden in (*PRIVATE, "Điểm"):
        assert hidden not in page, hidden
    api = client.get(f"/api/v1/certificates/{certificate.code}").json
    assert api["status"] == "revoked" and api["holder"] == learner.full_name
    assert api["score10"] is None and api["classification"] is None


def test_staff_of_the_class_see_the_details(auth: Auth, client) -> None:
    klass, _learner, certificate = _issued_revoked()
    lecturer, stranger = make_user("lecturer"), make_user("lecturer")
    enrol(klass, lecturer, EnrolmentRole.LECTURER)
    db.session.commit()
    auth.login_as(stranger)  # a lecturer of no class of this certificate
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert not any(item in page for item in PRIVATE)
    auth.logout()
    for staff in (lecturer, make_user("admin")):
        db.session.commit()
        auth.login_as(staff)
        page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
        assert all(item in page for item in PRIVATE), staff
        auth.logout()


def test_a_setting_shows_the_details_to_everyone(app, client) -> None:
    _klass, _learner, certificate = _issued_revoked()
    app.config["LMS_VERIFY_SHOW_DETAILS"] = True
    try:
        page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
        api = client.get(f"/api/v1/certificates/{certificate.code}").json
    finally:
        app.config["LMS_VERIFY_SHOW_DETAILS"] = False
    assert all(item in page for item in PRIVATE)
    assert api["classification"] is not None


def test_the_setting_is_read_from_the_environment(tmp_path) -> None:
    from lms.config import load_config

    assert load_config(str(tmp_path), {"LMS_ENV": "testing"})["LMS_VERIFY_SHOW_DETAILS"] is False
    on = load_config(str(tmp_path), {"LMS_ENV": "testing", "LMS_VERIFY_SHOW_DETAILS": "1"})
    assert on["LMS_VERIFY_SHOW_DETAILS"] is True


def test_upload_reasons_are_translated(client, done_class) -> None:
    klass, _ = done_class
    issue_for_class(klass, None)
    certificate = db.session.scalars(select(Certificate)).first()
    db.session.commit()
    data = bytearray(certificate.pdf)
    index = data.index(b"/Type /Page") if b"/Type /Page" in data else len(data) // 3
    data[index + 1] = ord("X") if data[index + 1] != ord("X") else ord("Y")
    token = csrf_from(client, "/verify")
    page = client.post("/verify", data={"file": (io.BytesIO(bytes(data)), "c.pdf"),
                                        "csrf_token": token}).get_data(as_text=True)
    assert "The document" not in page and "altered" not in page
    assert "bị sửa đổi sau khi ký" in page
    token = csrf_from(client, "/verify")
    page = client.post("/verify", data={"file": (io.BytesIO(b"not a pdf"), "c.pdf"),
                                        "csrf_token": token}).get_data(as_text=True)
    assert "readable" not in page and "Chữ ký" in page
