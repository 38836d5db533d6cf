"""Verification that explains itself (issue 16): ``lms certificates verify`` and the
``/verify`` upload say our records' status first, the signer and issuer, trust, the
signing time and its source, and the PAdES level, in Vietnamese."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.certificates.models import Certificate
from lms.certificates.services import issue_for_class, revoke
from lms.certificates.signer import generate_demo_keys, load_signer
from lms.certificates.signing import sign_pdf
from lms.certificates.verify_report import build_report
from lms.extensions import db
from tests.certificates.mini_pki import MiniPki, make_pki
from tests.conftest import csrf_from
from tests.no_english import problems


@pytest.fixture(scope="module")
def pki() -> MiniPki:
    return make_pki()


@pytest.fixture
def issued(done_class) -> Certificate:
    klass, _ = done_class
    issue_for_class(klass, None)
    db.session.commit()
    return db.session.scalars(select(Certificate).order_by(Certificate.serial)).first()


@pytest.fixture
def roots(app, pki: MiniPki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``LMS_TRUST_ROOTS`` names the mini PKI's root (a PEM file)."""
    path = pki.root_pem(tmp_path)
    monkeypatch.setitem(app.config, "LMS_TRUST_ROOTS", [str(path)])
    return path


def _cli(runner, tmp_path: Path, pdf: bytes) -> tuple[int, list[str]]:
    path = tmp_path / "giay.pdf"
    path.write_bytes(pdf)
    result = runner.invoke(args=["certificates", "verify", str(path)])
    return result.exit_code, result.output.splitlines()


def _page(client, pdf: bytes) -> str:
    token = csrf_from(client, "/verify")
    response = client.post(
        "/verify", data={"file": (io.BytesIO(pdf), "c.pdf"), "csrf_token": token}
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_b_b_certificate_of_the_demo_key(issued, runner, client, tmp_path) -> None:
    report = build_report(issued.pdf)
    assert report.ok and report.status == "valid" and report.level == "B-B"
    assert report.trusted and report.signed_by_us and report.time_source == "signer_clock"
    assert report.signing_time is not None and report.signer_name
    code, lines = _cli(runner, tmp_path, issued.pdf)
    assert code == 0, lines
    assert lines[0].startswith("HỢP LỆ: Giấy chứng nhận") and issued.serial in lines[0]
    text = "\n".join(lines)
    assert "Mức PAdES: B-B" in text and "chỉ theo đồng hồ của máy người ký" in text
    assert "Tin cậy: có, được ký bằng khóa của hệ thống." in text
    assert "Người ký: " in text and "Đơn vị cấp chứng thư số của người ký: " in text
    page = _page(client, issued.pdf)
    assert "Giấy chứng nhận này còn hiệu lực." in page and "Mức PAdES: B-B" in page
    assert problems(page) == []


def test_a_revoked_certificate_says_so_first(issued, runner, client, tmp_path) -> None:
    revoke(issued, None, "Sai thông tin")
    db.session.commit()
    code, lines = _cli(runner, tmp_path, issued.pdf)
    assert code == 1
    assert lines[0].startswith("KHÔNG HỢP LỆ: Đã bị thu hồi ngày"), lines
    assert issued.serial in lines[0]
    page = _page(client, issued.pdf)
    verdict = page.index('id="verdict"')
    assert "Đã bị thu hồi" in page[verdict : verdict + 400]
    assert problems(page) == []


def test_a_self_signed_stranger_is_not_trusted(app, runner, client, tmp_path) -> None:
    key, cert = generate_demo_keys(tmp_path / "la", common_name="Người lạ")
    from lms.certificates.pdf import render_certificate_pdf, sample_context

    unsigned = render_certificate_pdf(sample_context())
    pdf = sign_pdf(unsigned, load_signer(key, cert))
    report = build_report(pdf)
    assert report.signature_valid and not report.trusted and not report.ok
    assert report.signer_name == "Người lạ"
    code, lines = _cli(runner, tmp_path, pdf)
    assert code == 1
    text = "\n".join(lines)
    assert "Tin cậy: KHÔNG, chứng thư số của người ký không được tin cậy." in text
    assert lines[0].startswith("KHÔNG HỢP LỆ: Không khớp với giấy chứng nhận nào"), lines
    page = _page(client, pdf)
    assert "Tin cậy: KHÔNG" in page and problems(page) == []


def test_a_tampered_pdf(issued, runner, tmp_path) -> None:
    data = bytearray(issued.pdf)
    index = data.index(b"/Type /Page") if b"/Type /Page" in data else len(data) // 3
    data[index + 1] = ord("X") if data[index + 1] != ord("X") else ord("Y")
    report = build_report(bytes(data))
    assert report.outcome == "altered" and not report.ok and not report.trusted
    code, lines = _cli(runner, tmp_path, bytes(data))
    assert code == 1
    assert "Tài liệu đã bị sửa đổi sau khi ký." in "\n".join(lines)


def test_an_unreadable_file_is_exit_2_in_one_line(app, runner, tmp_path) -> None:
    code, lines = _cli(runner, tmp_path, b"not a pdf at all")
    assert code == 2 and len(lines) == 1 and "Traceback" not in lines[0]
    result = runner.invoke(args=["certificates", "verify", str(tmp_path / "khong-co.pdf")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_trust_roots_make_a_chain_under_them_trusted(
    issued, pki, app, runner, tmp_path, monkeypatch
) -> None:
    # The government scenario: the certificate's last signature is by a key whose
    # certificate a configured root issued.
    pdf = pki.sign(issued.pdf, "B-B")
    issued.pdf, issued.pdf_sha256 = pdf, __import__("hashlib").sha256(pdf).hexdigest()
    db.session.commit()
    monkeypatch.setitem(app.config, "LMS_TRUST_ROOTS", [])
    untrusted = build_report(pdf)
    assert untrusted.signature_valid and not untrusted.trusted and not untrusted.ok
    assert _cli(runner, tmp_path, pdf)[0] == 1
    monkeypatch.setitem(app.config, "LMS_TRUST_ROOTS", [str(pki.root_pem(tmp_path))])
    report = build_report(pdf)
    assert report.ok and report.trusted and not report.signed_by_us
    assert report.signer_name == "Nguyễn Văn Hòa" and report.issuer_name == "Root CA thử nghiệm"
    code, lines = _cli(runner, tmp_path, pdf)
    assert code == 0, lines
    assert "Tin cậy: có, chuỗi chứng thư dẫn tới một chứng thư gốc tin cậy đã cấu hình." in lines


def test_an_unreadable_trust_root_file_is_skipped(app, monkeypatch, tmp_path, issued) -> None:
    bad = tmp_path / "hong.pem"
    bad.write_text("không phải chứng thư")
    monkeypatch.setitem(app.config, "LMS_TRUST_ROOTS", [str(bad)])
    assert build_report(issued.pdf).ok  # our own key still counts


@pytest.mark.parametrize("level", ["B-T", "B-LT", "B-LTA"])
def test_timestamped_levels(app, pki, roots, level, runner, client, tmp_path) -> None:
    from lms.certificates.pdf import render_certificate_pdf, sample_context

    pdf = pki.sign(render_certificate_pdf(sample_context()), level)
    report = build_report(pdf)
    assert report.level == level
    assert report.signature_valid and report.trusted, report
    assert report.time_source == "timestamp" and report.signing_time is not None
    code, lines = _cli(runner, tmp_path, pdf)
    assert code == 1  # in no record of ours
    text = "\n".join(lines)
    assert f"Mức PAdES: {level}" in text and "theo dấu thời gian tin cậy" in text
    page = _page(client, pdf)
    assert f"Mức PAdES: {level}" in page and "theo dấu thời gian tin cậy" in page
    assert problems(page) == []


def test_a_timestamp_from_an_untrusted_tsa(app, pki, monkeypatch) -> None:
    from lms.certificates.pdf import render_certificate_pdf, sample_context

    monkeypatch.setitem(app.config, "LMS_TRUST_ROOTS", [])
    pdf = pki.sign(render_certificate_pdf(sample_context()), "B-T")
    report = build_report(pdf)
    assert report.level == "B-T" and report.time_source == "timestamp_untrusted"
    assert not report.trusted


def test_a_superseded_certificate_says_so_first(issued, runner, tmp_path) -> None:
    from lms.certificates.services import reissue

    reissue(issued, None, "Sửa ngày sinh")
    db.session.commit()
    code, lines = _cli(runner, tmp_path, issued.pdf)
    assert code == 1
    assert lines[0] == (
        f"KHÔNG HỢP LỆ: Giấy chứng nhận {issued.serial} đã được thay thế bằng giấy chứng nhận "
        "mới hơn."
    )
    assert sum(issued.serial in line for line in lines) == 1  # said once, first


def test_broken_files_never_raise(issued, runner, tmp_path) -> None:
    for data in (issued.pdf[: len(issued.pdf) // 2], issued.pdf[:-200], b"%PDF-1.7\n%%EOF"):
        report = build_report(data)
        assert not report.ok
        code, lines = _cli(runner, tmp_path, data)
        assert code in (1, 2) and lines and "Traceback" not in "\n".join(lines)
