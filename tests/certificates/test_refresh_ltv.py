"""``lms certificates refresh-ltv`` (issue 16): a new document timestamp on archived
certificate PDFs before the certificate of their latest timestamp's TSA expires.

The certificates are issued (B-LTA) by the certomancer TSA ``tsa-old``, whose certificate
ends on 01/01/2031; time-machine then moves to 01/09/2030 (122 days left, inside the
default 180-day margin) and the refresh timestamps at ``tsa`` (valid until 2090), as a
TSA does after renewing its certificate.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.certificates.models import Certificate, CertificatePdfVersion
from lms.certificates.services import issue_for_class, revoke
from lms.extensions import db
from tests.certificates.conftest import completed_class
from tests.certificates.test_ltv import lta_validate
from tests.certificates.test_timestamps import _certificates
from tests.conftest import csrf_from

ISSUED = datetime(2030, 1, 15, 9, tzinfo=UTC)  # tsa-old: 351 days left
NEAR_END = datetime(2030, 9, 1, 9, tzinfo=UTC)  # tsa-old: 122 days left (< 180)
TSA_DOWN = "không kết nối được máy chủ cấp dấu thời gian"


@pytest.fixture
def old_tsa_app(pki_app: Flask, test_pki) -> Flask:
    """B-LTA certificates timestamped by the TSA whose certificate ends on 01/01/2031."""
    pki_app.config.update(LMS_SIGNING_LTV=True, LMS_TSA_URL=test_pki.old_tsa_url)
    return pki_app


def _issue(app: Flask, code: str, n: int = 1) -> list[Certificate]:
    klass, _learners = completed_class(n, code)
    assert issue_for_class(klass, None) == n
    db.session.commit()
    return _certificates(klass)


def _renewed(app: Flask, test_pki) -> None:
    """The TSA renewed its certificate (here: another TSA of the test PKI)."""
    app.config["LMS_TSA_URL"] = test_pki.tsa_url


def _refresh(app: Flask, *args: str) -> tuple[int, list[str]]:
    result = app.test_cli_runner().invoke(args=["certificates", "refresh-ltv", *args])
    print(
        f"$ lms certificates refresh-ltv {' '.join(args)}\n{result.output}exit {result.exit_code}"
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output.splitlines()


def _summary(refreshed: int, current: int, skipped: int, failed: int) -> str:
    return (
        f"Đã đóng dấu thời gian mới: {refreshed}; còn hạn: {current}; "
        f"bỏ qua: {skipped}; lỗi: {failed}."
    )


def _versions(item: Certificate) -> list[CertificatePdfVersion]:
    return list(
        db.session.scalars(
            select(CertificatePdfVersion)
            .where(CertificatePdfVersion.certificate_id == item.id)
            .order_by(CertificatePdfVersion.id)
        )
    )


def _refresh_audits() -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "certificate_ltv_refresh")
            .order_by(AuditEntry.id)
        )
    )


def test_refresh_adds_a_document_timestamp_and_keeps_the_signature(
    old_tsa_app: Flask, test_pki
) -> None:
    with time_machine.travel(ISSUED):
        items = _issue(old_tsa_app, "LTV-R1", 2)
        originals = {item.id: (item.pdf, item.pdf_sha256) for item in items}
        for item in items:  # issuing records the first version
            assert [(v.sha256, v.reason) for v in _versions(item)] == [(item.pdf_sha256, "issue")]
        _renewed(old_tsa_app, test_pki)
        code, lines = _refresh(old_tsa_app)
        assert code == 0, lines
        assert _summary(0, 2, 0, 0) in lines, lines  # 351 days left: not due yet

    with time_machine.travel(NEAR_END):
        revoke(items[1], None, "Sai ngày sinh")  # still refreshed: the status is in the DB
        db.session.commit()
        code, lines = _refresh(old_tsa_app)
        assert code == 0, lines
        assert _summary(2, 0, 0, 0) in lines, lines
        assert "28/02/2031" in lines[0], lines  # the default date: today + 180 days
        db.session.expire_all()
        for item in _certificates(_klass(items)):
            old_pdf, old_hash = originals[item.id]
            assert item.pdf != old_pdf and item.pdf.startswith(old_pdf)  # incremental
            reader = PdfFileReader(io.BytesIO(item.pdf))
            assert len(reader.embedded_regular_signatures) == 1
            stamps = reader.embedded_timestamp_signatures
            assert len(stamps) == 2
            assert "2020-2030" in stamps[0].signer_cert.subject.human_friendly
            assert "2020-2030" not in stamps[1].signer_cert.subject.human_friendly
            result = lta_validate(item.pdf, test_pki.pem("root"))
            status = result.api_status
            assert result.ades_subindic == AdESPassed.OK, result
            assert status.intact and status.valid and status.trusted, status.pretty_print_details()
            versions = _versions(item)
            assert [(v.sha256, v.reason) for v in versions] == [
                (old_hash, "issue"),
                (item.pdf_sha256, "ltv_refresh"),
            ]
            assert versions[0].pdf == old_pdf and versions[1].pdf is None  # earlier file kept
        audits = _refresh_audits()
        assert sorted(a.target for a in audits) == sorted(i.serial for i in items)
        assert (
            audits[0].details["old_sha256"]
            == originals[next(i.id for i in items if i.serial == audits[0].target)][1]
        )

        # Idempotent: the new timestamp's TSA certificate is valid until 2090.
        hashes = {i.id: i.pdf_sha256 for i in _certificates(_klass(items))}
        code, lines = _refresh(old_tsa_app)
        assert code == 0 and _summary(0, 2, 0, 0) in lines, lines
        db.session.expire_all()
        assert {i.id: i.pdf_sha256 for i in _certificates(_klass(items))} == hashes
        assert len(_refresh_audits()) == 2


def _klass(items: list[Certificate]):
    from lms.classes.models import Class

    return db.session.get(Class, items[0].class_id)


def test_an_earlier_copy_still_verifies(
    old_tsa_app: Flask, test_pki, client, tmp_path: Path
) -> None:
    with time_machine.travel(ISSUED):
        item = _issue(old_tsa_app, "LTV-R2")[0]
        earlier = item.pdf
    _renewed(old_tsa_app, test_pki)
    with time_machine.travel(NEAR_END):
        code, lines = _refresh(old_tsa_app)
        assert code == 0 and _summary(1, 0, 0, 0) in lines, lines
        db.session.expire_all()
        current = db.session.get(Certificate, item.id).pdf
        assert current != earlier
        runner = old_tsa_app.test_cli_runner()
        for name, pdf in (("earlier.pdf", earlier), ("current.pdf", current)):
            (tmp_path / name).write_bytes(pdf)
            result = runner.invoke(args=["certificates", "verify", str(tmp_path / name)])
            assert result.exit_code == 0, result.output
            assert (
                result.output.startswith("HỢP LỆ: Giấy chứng nhận")
                and item.serial in (result.output.splitlines()[0])
            ), result.output
            token = csrf_from(client, "/verify")
            page = client.post(
                "/verify", data={"file": (io.BytesIO(pdf), name), "csrf_token": token}
            ).get_data(as_text=True)
            assert "Giấy chứng nhận này còn hiệu lực." in page, name
            assert item.serial in page, name


def test_tsa_down_fails_cleanly_and_changes_nothing(old_tsa_app: Flask, test_pki) -> None:
    with time_machine.travel(ISSUED):
        items = _issue(old_tsa_app, "LTV-R3", 2)
    _renewed(old_tsa_app, test_pki)
    before = {i.id: (i.pdf, i.pdf_sha256) for i in items}
    with time_machine.travel(NEAR_END):
        test_pki.tsa_up = False
        code, lines = _refresh(old_tsa_app)
        assert code == 1, lines
        assert _summary(0, 0, 0, 2) in lines, lines
        first = sorted(i.serial for i in items)[0]
        assert f"{first}: lỗi: {TSA_DOWN}" in lines, lines
        assert any(line.startswith("1 giấy chứng nhận khác chưa được xử lý") for line in lines)
        db.session.expire_all()
        for item in _certificates(_klass(items)):
            assert (item.pdf, item.pdf_sha256) == before[item.id]
            assert len(_versions(item)) == 1
        assert _refresh_audits() == []

        test_pki.tsa_up = True  # back: the next run refreshes them
        code, lines = _refresh(old_tsa_app)
        assert code == 0 and _summary(2, 0, 0, 0) in lines, lines


def test_a_certificate_without_ltv_is_skipped(pki_app: Flask, test_pki) -> None:
    pki_app.config.update(LMS_TSA_URL=None, LMS_SIGNING_LTV=False)
    item = _issue(pki_app, "LTV-R4")[0]  # PAdES B-B
    pki_app.config.update(LMS_TSA_URL=test_pki.tsa_url, LMS_SIGNING_LTV=True)
    code, lines = _refresh(pki_app, "--before", "01/01/2100")
    assert code == 0, lines
    assert _summary(0, 0, 1, 0) in lines, lines
    assert f"{item.serial}: bỏ qua: không có dấu thời gian (PAdES B-B)" in lines, lines
    db.session.expire_all()
    assert db.session.get(Certificate, item.id).pdf_sha256 == item.pdf_sha256


def test_before_date_option(old_tsa_app: Flask, test_pki) -> None:
    with time_machine.travel(ISSUED):
        _issue(old_tsa_app, "LTV-R5")
        _renewed(old_tsa_app, test_pki)
        code, lines = _refresh(old_tsa_app, "--before", "01/12/2030")
        assert code == 0 and _summary(0, 1, 0, 0) in lines, lines
        code, lines = _refresh(old_tsa_app, "--before", "02/01/2031")
        assert code == 0 and _summary(1, 0, 0, 0) in lines, lines
        code, lines = _refresh(old_tsa_app, "--before", "2031-01-02")
        assert code == 2 and "dd/mm/yyyy" in "\n".join(lines), lines


def test_without_ltv_and_a_tsa_the_command_says_so(pki_app: Flask) -> None:
    pki_app.config.update(LMS_SIGNING_LTV=False)
    code, lines = _refresh(pki_app)
    assert code == 1 and len(lines) == 1, lines
    assert "LMS_SIGNING_LTV" in lines[0] and "LMS_TSA_URL" in lines[0], lines


def test_the_daily_task_calls_the_service_only_when_configured(
    pki_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lms.certificates import refresh, tasks

    calls: list[object] = []

    def fake(before=None):
        calls.append(before)
        return refresh.RefreshOutcome(before=datetime(2031, 1, 1).date())

    monkeypatch.setattr(refresh, "refresh_ltv", fake)
    pki_app.config["LMS_SIGNING_LTV"] = False
    assert tasks.refresh_ltv_daily.call_local() is None
    assert calls == []
    pki_app.config["LMS_SIGNING_LTV"] = True
    result = tasks.refresh_ltv_daily.call_local()
    assert calls == [None]
    assert result == {"refreshed": 0, "current": 0, "skipped": 0, "failed": 0}
