"""Issuing, the snapshot, serials, revoke/reissue, verification, downloads, resume."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from lms.certificates import services
from lms.certificates.models import Certificate, CertificateEvent
from lms.certificates.services import (
    allocate_serials,
    issue_for_class,
    reissue,
    revoke,
    verify_upload,
)
from lms.extensions import db, limiter
from tests.certificates.conftest import completed_class
from tests.conftest import Auth, make_user

SERIAL = re.compile(r"^CY-\d{4}-\d{6}$")


def _valid_count() -> int:
    return db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.status == "valid"))


def test_issue_once_per_learner_with_snapshot_and_pdf(app, done_class) -> None:
    klass, learners = done_class
    assert issue_for_class(klass, None) == 3
    assert issue_for_class(klass, None) == 0  # re-running issues nothing twice
    certificate = db.session.scalar(select(Certificate).where(
        Certificate.user_id == learners[0].id))
    assert SERIAL.match(certificate.serial) and len(certificate.code) >= 10
    assert certificate.code not in certificate.serial
    text = PdfReader(io.BytesIO(certificate.pdf)).pages[0].extract_text()
    assert "Nguyễn Thị Ngọc Huyền" in text and certificate.serial in text
    learners[0].full_name = "Tên Đã Đổi"
    klass.name = "Lớp khác"
    db.session.flush()
    db.session.refresh(certificate)
    assert certificate.snapshot["holder_name"] == "Nguyễn Thị Ngọc Huyền"
    assert certificate.snapshot["class_name"] != "Lớp khác"
    assert db.session.scalar(select(func.count(CertificateEvent.id))) == 3


def test_serials_are_sequential_without_duplicates(app) -> None:
    first = allocate_serials(2025, 3)
    second = allocate_serials(2025, 2)
    assert first + second == [f"CY-2025-{n:06d}" for n in range(1, 6)]
    assert allocate_serials(2026, 1) == ["CY-2026-000001"]


def test_not_completed_is_not_eligible(app) -> None:
    klass, _learners = completed_class(2, "K2")
    outsider = make_user("learner")
    from lms.classes.services import enrol

    enrol(klass, outsider)
    assert issue_for_class(klass, None) == 2
    assert db.session.scalar(select(Certificate).where(Certificate.user_id == outsider.id)) \
        is None


def test_revoke_and_reissue(client, done_class) -> None:
    klass, _learners = done_class
    issue_for_class(klass, None)
    items = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    with pytest.raises(Exception, match="reason"):
        revoke(items[0], None, "  ")
    revoke(items[0], None, "Cấp nhầm")
    new = reissue(items[1], None, "Sửa họ tên")
    assert items[1].status == "superseded" and items[1].superseded_by_id == new.id
    assert new.serial != items[1].serial and new.status == "valid"
    revoked = client.get(f"/verify/{items[0].code}").get_data(as_text=True)
    assert "thu hồi" in revoked
    assert "Cấp nhầm" not in revoked  # the reason is for the class's staff (issue 14)
    old = client.get(f"/verify/{items[1].code}").get_data(as_text=True)
    assert new.code in old  # links to the new one
    api = client.get(f"/api/v1/certificates/{items[0].code}").json
    assert api["status"] == "revoked" and api["holder"] == items[0].snapshot["holder_name"]
    assert set(api) == {"serial", "status", "holder", "course", "class", "issued_at", "score10",
                        "classification"}
    assert client.get("/api/v1/certificates/KHONGTONTAI99").status_code == 404


def test_upload_verification_detects_tampering(done_class) -> None:
    klass, _ = done_class
    issue_for_class(klass, None)
    certificate = db.session.scalars(select(Certificate)).first()
    good = verify_upload(certificate.pdf)
    assert good.signature_valid and good.signed_by_us and good.certificate.id == certificate.id
    data = bytearray(certificate.pdf)
    index = data.index(b"/Type /Page") if b"/Type /Page" in data else len(data) // 3
    data[index + 1] = ord("X") if data[index + 1] != ord("X") else ord("Y")
    bad = verify_upload(bytes(data))
    assert not bad.signature_valid and bad.certificate is None


def test_downloads_are_for_the_holder_only(auth: Auth, client, done_class) -> None:
    klass, learners = done_class
    issue_for_class(klass, None)
    mine = db.session.scalar(select(Certificate).where(Certificate.user_id == learners[0].id))
    auth.login_as(learners[1])
    assert client.get(f"/certificates/{mine.serial}.pdf").status_code == 404
    assert mine.serial not in client.get("/certificates").get_data(as_text=True)
    auth.logout()
    auth.login_as(learners[0])
    response = client.get(f"/certificates/{mine.serial}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_verify_is_rate_limited_and_says_only_not_found(client) -> None:
    limiter.reset()
    first = client.get("/verify/ABCDEFGHJK23")
    body = first.get_data(as_text=True)
    assert first.status_code == 404
    assert "Không tìm thấy" in body or "Not found" in body
    main = body.split("<main", 1)[1].split("</main>", 1)[0]
    assert "ABCDEFGHJK23" not in main  # tells nothing more than "not found"
    statuses = [client.get(f"/verify/ABCDEFGHJK{n:02d}").status_code for n in range(40)]
    assert 429 in statuses


def test_interrupted_bulk_run_resumes_without_duplicates(app, monkeypatch) -> None:
    klass, _learners = completed_class(5, "K9")
    monkeypatch.setattr(services, "CHUNK", 2)
    real = services._render
    calls = {"n": 0}

    def crashing(contexts, material):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(contexts, material)

    monkeypatch.setattr(services, "_render", crashing)
    with pytest.raises(RuntimeError):
        issue_for_class(klass, None)
    db.session.rollback()
    assert _valid_count() == 2  # the first chunk only: nothing half-issued
    monkeypatch.setattr(services, "_render", real)
    assert issue_for_class(klass, None) == 3
    assert _valid_count() == 5
    serials = db.session.scalars(select(Certificate.serial)).all()
    assert len(set(serials)) == 5


def test_auto_mode_issues_at_completion(app) -> None:
    klass, _learners = completed_class(2, "K5", mode="auto")
    # The mode is set after the fixture's first completion: the next event issues.
    from lms.classes.completion import recompute

    recompute(klass)
    assert db.session.scalar(select(func.count(Certificate.id)).where(
        Certificate.class_id == klass.id)) == 2


def test_cli_list_download_revoke_verify(runner, done_class, tmp_path) -> None:
    klass, _ = done_class
    issue_for_class(klass, None)
    db.session.commit()
    import json

    listed = json.loads(runner.invoke(args=["certificates", "list", "--class", klass.code,
                                            "--format", "json"]).output)
    assert len(listed) == 3 and set(listed[0]) == {"serial", "code", "holder", "status"}
    serial = listed[0]["serial"]
    out = tmp_path / "c.pdf"
    assert runner.invoke(args=["certificates", "download", serial, "--output",
                               str(out)]).exit_code == 0
    assert runner.invoke(args=["certificates", "verify", str(out)]).exit_code == 0
    tampered = tmp_path / "t.pdf"
    data = bytearray(out.read_bytes())
    data[len(data) // 3] ^= 0x01
    tampered.write_bytes(bytes(data))
    assert runner.invoke(args=["certificates", "verify", str(tampered)]).exit_code == 1
    assert runner.invoke(args=["certificates", "revoke", serial, "--reason",
                               "Sai thông tin"]).exit_code == 0
    result = runner.invoke(args=["certificates", "verify", str(out)])
    assert result.exit_code == 1 and "Đã bị thu hồi" in result.output.splitlines()[0]


def test_class_settings_change_rule_mode_and_signer(auth: Auth, client) -> None:
    from lms.classes.models import ClassCompletion

    klass, learners = completed_class(2, "K8", mode="auto")
    db.session.commit()
    auth.login_as(make_user("admin"))
    url = f"/classes/{klass.code}/settings"
    from tests.conftest import csrf_from

    token = csrf_from(client, url)
    response = client.post(url, data={
        "csrf_token": token, "lessons_mode": "all", "certificate_mode": "manual",
        "certificate_signer_name": "Trần Văn Bình", "certificate_signer_title": "PHÓ GIÁM ĐỐC",
        "certificate_issuer": "HỌC VIỆN", "certificate_place": "Hà Nội",
        "quiz-khong-co": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert klass.certificate_mode == "manual" and klass.certificate_signer_name == "Trần Văn Bình"
    statuses = db.session.scalars(select(ClassCompletion.status).where(
        ClassCompletion.class_id == klass.id)).all()
    assert statuses == ["completed", "completed"]
    preview = client.get(f"/admin/classes/{klass.code}/certificate-preview.pdf")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(preview.data)).pages[0].extract_text()
    assert "Trần Văn Bình" in text
    auth.logout()
    auth.login_as(learners[0])
    assert client.get(url).status_code == 403
    assert client.get(f"/admin/classes/{klass.code}/certificate-preview.pdf").status_code == 403


def test_stalled_runs_are_queued_again(app) -> None:
    from datetime import timedelta

    import time_machine

    from lms.certificates.models import IssueRun
    from lms.certificates.tasks import requeue_stalled_runs
    from lms.db import utcnow

    klass, _ = completed_class(2, "K7")
    run = IssueRun(class_id=klass.id, kind="issue", status="running", done=0, total=2)
    db.session.add(run)
    db.session.commit()
    assert requeue_stalled_runs.call_local() == 0  # too recent to be stalled
    with time_machine.travel(utcnow() + timedelta(minutes=11)):
        assert requeue_stalled_runs.call_local() == 1
    db.session.refresh(run)
    assert run.status == "done" and _valid_count() == 2


def test_a_dropped_database_is_a_503(tmp_path) -> None:
    from tests.conftest import make_app

    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    response = app.test_client().get("/api/v1/me", headers={"Authorization": "Bearer lms_x"})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "database_unavailable"
