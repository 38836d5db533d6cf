"""PAdES B-T: certificates timestamped by the certomancer TSA (issue 16), validated with
pyHanko against the test PKI's root; a TSA that cannot be reached issues nothing."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from lms.certificates import services
from lms.certificates.models import Certificate, IssueRun, SerialCounter
from lms.certificates.services import issue_for_class
from lms.certificates.stamping import TimestampUnavailable
from lms.db import utcnow
from lms.extensions import db
from tests.certificates.conftest import completed_class


def _certificates(klass) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.class_id == klass.id).order_by(Certificate.serial)
        )
    )


def validate(pdf: bytes, root: Path, fetching: bool = True):
    """pyHanko's validation of the first signature, trusting only the test root."""
    reader = PdfFileReader(io.BytesIO(pdf))
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(root))], allow_fetching=fetching
    )
    return validate_pdf_signature(reader.embedded_signatures[0], context)


def pdfsig(pdf: bytes, tmp_path: Path, trust_root: Path | None = None) -> str:
    """``pdfsig``'s report on ``pdf``; given a root (PEM), with an NSS database that
    trusts it, so that poppler validates the signer's chain too."""
    if shutil.which("pdfsig") is None:
        pytest.skip("needs pdfsig (poppler-utils)")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    command = ["pdfsig"]
    if trust_root is not None:
        command += ["-nssdir", _nss_trusting(trust_root, tmp_path / "nss")]
    return subprocess.run(
        [*command, str(path)], capture_output=True, text=True, timeout=60, check=False
    ).stdout


def _nss_trusting(root_pem: Path, directory: Path) -> str:
    if shutil.which("certutil") is None:
        pytest.skip("needs certutil (libnss3-tools)")
    directory.mkdir()
    database = f"sql:{directory}"
    for args in (["-N", "--empty-password"],
                 ["-A", "-n", "test-root", "-t", "CT,C,C", "-i", str(root_pem)]):
        subprocess.run(["certutil", "-d", database, *args], check=True, timeout=60,
                       capture_output=True)
    return database


def test_issued_certificates_are_b_t_and_validate_against_the_test_root(
    pki_app: Flask, test_pki, tmp_path: Path
) -> None:
    klass, _learners = completed_class(2, "TSA-A")
    assert issue_for_class(klass, None) == 2
    items = _certificates(klass)
    assert len(items) == 2
    for item in items:
        status = validate(item.pdf, test_pki.pem("root"))
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        stamp = status.timestamp_validity
        assert stamp is not None, "no signature timestamp: not B-T"
        assert stamp.intact and stamp.valid and stamp.trusted
        assert abs((stamp.timestamp - utcnow()).total_seconds()) < 600
    assert any(path.endswith("/tsa/tsa") for path in test_pki.requests)
    out = pdfsig(items[0].pdf, tmp_path)
    assert "Signature Validation: Signature is Valid" in out, out
    assert "Truong Dao tao thu nghiem" in out


def test_without_a_tsa_signatures_stay_b_b(pki_app: Flask, test_pki) -> None:
    pki_app.config["LMS_TSA_URL"] = None
    klass, _learners = completed_class(1, "TSA-B")
    assert issue_for_class(klass, None) == 1
    status = validate(_certificates(klass)[0].pdf, test_pki.pem("root"))
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is None


def queued_run(monkeypatch: pytest.MonkeyPatch, code: str) -> tuple[Any, IssueRun, list]:
    """A class of 3 done learners and a queued issue run in chunks of 2; retries the run
    schedules are recorded, not run."""
    from lms.certificates import tasks

    monkeypatch.setattr(services, "CHUNK", 2)
    scheduled: list[tuple] = []
    monkeypatch.setattr(
        tasks.run_issue, "schedule", lambda args, delay: scheduled.append((args, delay))
    )
    klass, _learners = completed_class(3, code)
    db.session.commit()
    run = IssueRun(class_id=klass.id, kind="issue")
    db.session.add(run)
    db.session.commit()
    return klass, run, scheduled


def retried(run: IssueRun, scheduled: list, klass: Any) -> list:
    """Run the retry the run scheduled; it completes, with a certificate for each of the
    class's 3 learners (returned)."""
    from lms.certificates import tasks

    tasks.run_issue(*scheduled[0][0])
    db.session.expire_all()
    run = db.session.get(IssueRun, run.id)
    assert run.status == "done" and run.error == ""
    items = _certificates(klass)
    assert len(items) == 3
    return items


def test_tsa_down_issues_nothing_the_run_waits_then_completes(
    pki_app: Flask, test_pki, client, auth, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lms.certificates import tasks

    klass, run, scheduled = queued_run(monkeypatch, "TSA-C")
    before = db.session.get(SerialCounter, utcnow().year)
    first = before.last if before else 0

    test_pki.up = False  # the TSA cannot be reached
    tasks.run_issue(run.id)
    db.session.expire_all()
    run = db.session.get(IssueRun, run.id)
    assert run.status == "queued" and run.error == tasks.WAITING_FOR_TSA
    assert scheduled == [((run.id,), tasks.TSA_RETRY.total_seconds())]
    assert _certificates(klass) == []  # never an untimestamped certificate
    assert db.session.get(SerialCounter, utcnow().year).last == first + 2  # reserved

    from tests.conftest import make_user

    auth.login_as(make_user("admin"))
    db.session.commit()
    page = client.get(f"/admin/classes/{klass.code}/certificates").get_data(as_text=True)
    assert "Đang chờ máy chủ cấp dấu thời gian…" in page
    page = client.get(f"/admin/certificate-runs/{run.id}").get_data(as_text=True)
    assert "Đang chờ máy chủ cấp dấu thời gian…" in page

    test_pki.up = True  # the TSA is back: the scheduled retry completes the run
    for item in retried(run, scheduled, klass):
        assert validate(item.pdf, test_pki.pem("root")).timestamp_validity.valid


def test_batch_signer_refuses_to_sign_without_the_tsa(test_pki) -> None:
    from lms.certificates.pdf import render_certificate_pdf, sample_context
    from lms.certificates.signer import load_signer
    from lms.certificates.signing import BatchSigner
    from lms.certificates.stamping import SigningPolicy

    signer = load_signer(test_pki.key("signer"), test_pki.signer_chain_pem())
    batch = BatchSigner(signer, policy=SigningPolicy(tsa_url=test_pki.tsa_url))
    test_pki.up = False
    try:
        with pytest.raises(TimestampUnavailable):
            batch.sign([render_certificate_pdf(sample_context())])
    finally:
        test_pki.up = True


def test_a_wrong_timestamp_configuration_is_one_line(tmp_path: Path) -> None:
    from lms.certificates.material import SigningConfigError, material_from_config
    from lms.certificates.signer import generate_demo_keys

    key, cert = generate_demo_keys(tmp_path)
    base = {"LMS_SIGNING_KEY": str(key), "LMS_SIGNING_CERT": str(cert)}
    assert material_from_config(base, tmp_path).policy is None  # the demo: B-B
    for extra, words in (
        ({"LMS_TSA_URL": "ftp://tsa"}, "LMS_TSA_URL"),
        ({"LMS_TSA_PASSWORD": "bí mật"}, "without LMS_TSA_URL"),
        ({"LMS_SIGNING_LTV": True}, "needs LMS_TRUST_ROOTS"),
        ({"LMS_TRUST_ROOTS": str(tmp_path / "missing.pem")}, "is not a file"),
    ):
        with pytest.raises(SigningConfigError, match=words) as caught:
            material_from_config(base | extra, tmp_path)
        assert "\n" not in str(caught.value) and "bí mật" not in str(caught.value)
    policy = material_from_config(
        base
        | {
            "LMS_TSA_URL": "https://tsa.example",
            "LMS_TSA_PASSWORD": "bí mật",
            "LMS_TSA_USERNAME": "lms",
        },
        tmp_path,
    ).policy
    assert policy.level == "B-T" and "bí mật" not in repr(policy)
    root = tmp_path / "root.pem"
    root.write_bytes(cert.read_bytes())
    for roots in ([str(root)], f" {root} ,"):  # as load_config gives it, or as typed
        ltv = material_from_config(
            base | {"LMS_SIGNING_LTV": True, "LMS_TRUST_ROOTS": roots}, tmp_path
        ).policy
        assert ltv.level == "B-B" and ltv.trust_roots == (str(root),)  # no TSA: B-LT needs one
