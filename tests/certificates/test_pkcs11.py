"""Certificates signed with a key in a PKCS#11 token (SoftHSM2): valid for pdfsig and
pyHanko, one session per render process, a token lost mid-run fails its chunk cleanly."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.certificates import bulk, services, token
from lms.certificates.models import Certificate, IssueRun, SerialCounter, SigningKey
from lms.certificates.services import issue_for_class, verify_upload
from lms.certificates.verification import verify_pdf
from lms.extensions import db
from tests.certificates.conftest import completed_class
from tests.certificates.softhsm import KEY_LABELS, PIN, SoftToken
from tests.certificates.test_pdf import make_ctx


@pytest.fixture
def opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every opening of the token (a wrapper around the real session open)."""
    calls: list[str] = []
    real = token.open_session

    def counting(key):
        calls.append(key.key_label)
        return real(key)

    monkeypatch.setattr(token, "open_session", counting)
    bulk._drop_signer()
    return calls


def _certificates(klass) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.class_id == klass.id).order_by(Certificate.serial)
        )
    )


def test_certificates_issued_through_the_token_are_valid(
    token_app: Flask, soft_token: SoftToken, tmp_path: Path
) -> None:
    klass, _learners = completed_class(2, "P11-A")
    assert issue_for_class(klass, None) == 2
    items = _certificates(klass)
    key = db.session.get(SigningKey, items[0].signing_key_id)
    assert key.kind == "pkcs11" and key.label == KEY_LABELS[0] and key.active
    assert key.cert_pem.encode() == soft_token.certs[KEY_LABELS[0]]
    for item in items:
        check = verify_pdf(item.pdf, soft_token.certs[KEY_LABELS[0]])  # pyHanko's validator
        assert check.intact and check.valid and check.signed_by_us, check.reason
        assert verify_upload(item.pdf).signature_valid  # the /verify upload's check
    if shutil.which("pdfsig") is None:
        pytest.skip("needs pdfsig (poppler-utils)")
    path = tmp_path / "token.pdf"
    path.write_bytes(items[0].pdf)
    out = subprocess.run(
        ["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    assert "Signature Validation: Signature is Valid" in out, out
    assert "coyeu-lms token signer 1" in out


def test_a_bulk_run_opens_the_token_once(
    token_app: Flask, opens: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "CHUNK", 3)
    klass, _learners = completed_class(7, "P11-B")
    assert issue_for_class(klass, None) == 7  # three chunks
    services.reissue(_certificates(klass)[0], None, "Sửa tên")  # and another signature
    other, _ = completed_class(2, "P11-C")
    assert issue_for_class(other, None) == 2  # and another run
    assert opens == [KEY_LABELS[0]]


def test_the_pool_keeps_one_session_per_render_process(soft_token: SoftToken) -> None:
    material = soft_token.material(KEY_LABELS[1])
    ctxs = [make_ctx(serial=f"CY-2026-{n:06d}") for n in range(1, 7)]
    try:
        pdfs = bulk.render_and_sign_bulk(
            ctxs, material, chunk_size=2, workers=2, max_chunks_per_worker=100
        )
        pids = bulk.warm_pool(material, workers=2, max_chunks_per_worker=100)
    finally:
        bulk.shutdown_pools()
    assert len(pids) <= 2
    for pdf in pdfs:
        assert verify_pdf(pdf, soft_token.certs[KEY_LABELS[1]]).valid


def test_a_token_lost_mid_run_fails_the_chunk_and_the_run_resumes(
    token_app: Flask,
    opens: list[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from lms.certificates.tasks import run_issue

    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(services, "CHUNK", 3)
    klass, _learners = completed_class(7, "P11-D")
    db.session.commit()
    render = bulk.render_certificates_bulk
    calls = []

    def pull_the_token_after_one_chunk(ctxs, **kwargs):
        calls.append(len(ctxs))
        if len(calls) == 2:  # the token goes away while the second chunk renders
            bulk._state["signer"].signer.pkcs11_session.close()
        return render(ctxs, **kwargs)

    monkeypatch.setattr(bulk, "render_certificates_bulk", pull_the_token_after_one_chunk)
    run = IssueRun(class_id=klass.id, kind="issue")
    db.session.add(run)
    db.session.commit()
    before = db.session.get(SerialCounter, _year())
    first_serial = before.last if before else 0
    run_issue(run.id)
    db.session.expire_all()
    run = db.session.get(IssueRun, run.id)
    assert run.status == "failed"
    assert "token" in run.error and "signing" in run.error
    assert len(_certificates(klass)) == 3  # the first chunk, complete
    counter = db.session.get(SerialCounter, _year())
    assert counter.last == first_serial + 6  # the failed chunk's serials stay reserved

    monkeypatch.setattr(bulk, "render_certificates_bulk", render)
    run_issue(run.id)  # resumed: the token is opened again
    db.session.expire_all()
    run = db.session.get(IssueRun, run.id)
    assert run.status == "done", run.error
    items = _certificates(klass)
    assert len(items) == 7
    numbers = sorted(int(item.serial.rsplit("-", 1)[1]) for item in items)
    assert numbers == [first_serial + n for n in (1, 2, 3, 7, 8, 9, 10)]  # a gap, no dups
    assert opens == [KEY_LABELS[0], KEY_LABELS[0]]
    # The PIN never shows: not in the logs, the run's error, nor the audit trail.
    details = [
        json.dumps(entry.details, ensure_ascii=False)
        for entry in db.session.scalars(select(AuditEntry))
    ]
    assert PIN not in caplog.text and PIN not in run.error
    assert not [text for text in details if PIN in text]


def _year() -> int:
    from flask_babel import to_user_timezone

    from lms.db import utcnow

    return to_user_timezone(utcnow()).year
