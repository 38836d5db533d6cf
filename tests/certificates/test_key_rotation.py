"""Key rotation: a history of signing keys (when used, which serials), ``lms certificates
keys list|rotate``, and certificates of every earlier key still verify."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from lms.audit.models import AuditEntry
from lms.audit.sentences import describe
from lms.certificates.keys import history, rotate
from lms.certificates.models import Certificate, SigningKey
from lms.certificates.services import issue_for_class, verify_upload
from lms.certificates.signer import generate_demo_keys
from lms.errors import InvalidInput
from lms.extensions import db
from tests.certificates.conftest import completed_class
from tests.certificates.softhsm import KEY_LABELS, SoftToken
from tests.conftest import csrf_from

VALID_VI = ("Giấy chứng nhận này còn hiệu lực.", "Được ký bằng khóa của hệ thống: có")


def _issue(code: str) -> list[Certificate]:
    klass, _learners = completed_class(2, code)
    assert issue_for_class(klass, None) == 2
    return list(
        db.session.scalars(
            select(Certificate).where(Certificate.class_id == klass.id).order_by(Certificate.serial)
        )
    )


def _verifies_everywhere(item: Certificate, client, runner, tmp_path: Path) -> None:
    check = verify_upload(item.pdf)
    assert check.signature_valid and check.signed_by_us and check.certificate.id == item.id
    path = tmp_path / f"{item.serial}.pdf"
    path.write_bytes(item.pdf)
    result = runner.invoke(args=["certificates", "verify", str(path)])  # offline
    assert result.exit_code == 0, result.output
    token = csrf_from(client, "/verify")  # online: the upload page
    page = client.post(
        "/verify", data={"file": (io.BytesIO(item.pdf), "c.pdf"), "csrf_token": token}
    ).get_data(as_text=True)
    assert all(words in page for words in VALID_VI), page[page.find("<main") :][:3000]
    assert item.serial in page


def _new_keys(tmp_path: Path, name: str) -> tuple[Path, Path]:
    return generate_demo_keys(tmp_path / name, common_name=f"coyeu-lms {name}")


def test_rotate_key_files_twice_and_all_three_periods_verify(
    app: Flask, client, runner, tmp_path: Path
) -> None:
    periods = [_issue("ROT-1")]
    second, third = _new_keys(tmp_path, "second"), _new_keys(tmp_path, "third")
    result = runner.invoke(
        args=[
            "certificates",
            "keys",
            "rotate",
            "--key-file",
            str(second[0]),
            "--cert-file",
            str(second[1]),
        ]
    )
    assert result.exit_code == 0, result.output
    periods.append(_issue("ROT-2"))
    rotate(key_file=third[0], cert_file=third[1])
    db.session.commit()
    periods.append(_issue("ROT-3"))

    keys = [{item.signing_key_id for item in period} for period in periods]
    assert all(len(ids) == 1 for ids in keys) and len(set.union(*keys)) == 3
    for period in periods:
        for item in period:
            _verifies_everywhere(item, client, runner, tmp_path)

    used = history()
    assert [use.count for use in used] == [2, 2, 2]
    assert [use.key.active for use in used] == [False, False, True]
    assert used[1].key.label == str(second[0].resolve())
    assert all(use.key.first_used_at and use.key.last_used_at for use in used)
    assert used[0].key.retired_at and used[1].key.retired_at and not used[2].key.retired_at
    assert [(use.first_serial, use.last_serial) for use in used] == [
        (period[0].serial, period[1].serial) for period in periods
    ]

    listed = json.loads(
        runner.invoke(args=["certificates", "keys", "list", "--format", "json"]).output
    )
    assert [row["certificates"] for row in listed] == [2, 2, 2]
    assert listed[2]["active"] and listed[0]["serials"] == [
        periods[0][0].serial,
        periods[0][1].serial,
    ]
    text = runner.invoke(args=["certificates", "keys", "list"]).output
    assert text.count("\n") == 3 and text.splitlines()[2].startswith("* #")
    assert f"({periods[1][0].serial}–{periods[1][1].serial})" in text

    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "signing_key_rotate").order_by(AuditEntry.id)
    ).all()
    assert [entry.details["source"] for entry in entries] == ["rotate", "rotate"]
    with force_locale("vi"):
        line = describe([(entries[0], None)])[0]
    assert "chuyển việc ký giấy chứng nhận sang khóa" in line.sentence
    assert str(second[0].resolve()) in line.sentence


def test_a_rotation_that_cannot_sign_changes_nothing(app: Flask, runner, tmp_path: Path) -> None:
    _issue("ROT-4")
    first, other = _new_keys(tmp_path, "a"), _new_keys(tmp_path, "b")
    before = [(key.id, key.active) for key in db.session.scalars(select(SigningKey))]
    result = runner.invoke(
        args=[
            "certificates",
            "keys",
            "rotate",
            "--key-file",
            str(first[0]),
            "--cert-file",
            str(other[1]),
        ]
    )  # a key and a foreign cert
    assert result.exit_code == 1 and "does not match" in result.output
    assert [(key.id, key.active) for key in db.session.scalars(select(SigningKey))] == before
    with pytest.raises(InvalidInput, match="LMS_SIGNING_PKCS11_MODULE"):
        rotate(key_label="signer-2")
    with pytest.raises(InvalidInput, match="một tệp khóa mới"):
        rotate()
    with pytest.raises(InvalidInput, match="chứng thư số của khóa mới"):
        rotate(key_file=first[0])
    with pytest.raises(InvalidInput, match="không tồn tại"):
        rotate(key_file=tmp_path / "none.pem", cert_file=first[1])
    current = db.session.scalars(select(SigningKey).where(SigningKey.active.is_(True))).one()
    with pytest.raises(InvalidInput, match="đang được sử dụng"):
        rotate(key_file=Path(current.label), cert_file=Path(current.cert_ref))


def test_rotate_token_labels_twice_and_all_three_periods_verify(
    token_app: Flask, soft_token: SoftToken, client, runner, tmp_path: Path
) -> None:
    periods = [_issue("ROT-T1")]
    result = runner.invoke(args=["certificates", "keys", "rotate", "--key-label", KEY_LABELS[1]])
    assert result.exit_code == 0, result.output
    periods.append(_issue("ROT-T2"))
    with pytest.raises(InvalidInput, match="không thể thay cho khóa"):
        rotate(key_file=tmp_path / "x.pem", cert_file=tmp_path / "x.crt")
    rotate(key_label=KEY_LABELS[2])
    db.session.commit()
    periods.append(_issue("ROT-T3"))
    for label, period in zip(KEY_LABELS, periods, strict=True):
        key = db.session.get(SigningKey, period[0].signing_key_id)
        assert key.kind == "pkcs11" and key.label == label
        assert key.cert_pem.encode() == soft_token.certs[label]
        for item in period:
            _verifies_everywhere(item, client, runner, tmp_path)
    assert [use.count for use in history()] == [2, 2, 2]
