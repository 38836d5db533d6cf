"""A wrong signing configuration is ONE clear line at start-up (web and worker), never a
traceback at the first issue, and never shows the PIN."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from lms.certificates.keys import check_signing
from lms.certificates.material import SigningConfigError, TokenKey, material_from_config
from tests.certificates.softhsm import KEY_LABELS, PIN, SoftToken

ROOT = Path(__file__).resolve().parents[2]
WRONG_PIN = "7531-sai-roi"


@pytest.fixture
def configured(app: Flask):
    """Set signing settings on the app for one test, restored afterwards."""
    saved = dict(app.config)

    def apply(settings: dict[str, object]) -> None:
        app.config.update(settings)

    yield apply
    app.config.clear()
    app.config.update(saved)


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and text.startswith("signing: "), text
    return text


def test_a_token_key_checks_and_says_what_signs(
    app: Flask, soft_token: SoftToken, configured
) -> None:
    configured(soft_token.config())
    assert check_signing() == f"pkcs11 {KEY_LABELS[0]}"


def test_both_kinds_configured_is_refused(
    app: Flask, soft_token: SoftToken, configured, signing_keys
) -> None:
    configured(soft_token.config(LMS_SIGNING_KEY=signing_keys[0]))
    with pytest.raises(SigningConfigError) as err:
        check_signing()
    text = _one_line(err.value)
    assert "LMS_SIGNING_KEY" in text and "LMS_SIGNING_PKCS11_MODULE" in text and "not both" in text


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"LMS_SIGNING_PKCS11_PIN": WRONG_PIN}, "wrong PIN"),
        ({"LMS_SIGNING_PKCS11_TOKEN": "khong-co"}, "no token labelled"),
        ({"LMS_SIGNING_PKCS11_KEY_LABEL": "signer-9"}, "no key 'signer-9'"),
        ({"LMS_SIGNING_PKCS11_MODULE": "/nonexistent/libp11.so"}, "is not a file"),
        ({"LMS_SIGNING_PKCS11_PIN": None}, "needs a PIN"),
        ({"LMS_SIGNING_PKCS11_TOKEN": None}, "needs LMS_SIGNING_PKCS11_TOKEN"),
    ],
)
def test_a_wrong_token_setting_is_one_line_without_the_pin(
    app: Flask, soft_token: SoftToken, configured, change, words
) -> None:
    configured({**soft_token.config(), **change})
    with pytest.raises(SigningConfigError) as err:
        check_signing()
    text = _one_line(err.value)
    assert words in text
    assert PIN not in text and WRONG_PIN not in text
    assert err.value.__cause__ is None  # no chained exception quoting the PIN either


def test_the_pin_can_come_from_a_file(
    app: Flask, soft_token: SoftToken, configured, tmp_path: Path
) -> None:
    pin_file = tmp_path / "pin"
    pin_file.write_text(PIN + "\n")
    configured(
        soft_token.config(LMS_SIGNING_PKCS11_PIN=None, LMS_SIGNING_PKCS11_PIN_FILE=str(pin_file))
    )
    assert check_signing() == f"pkcs11 {KEY_LABELS[0]}"
    configured({"LMS_SIGNING_PKCS11_PIN": PIN})
    with pytest.raises(SigningConfigError, match="not both"):
        check_signing()
    configured(
        {"LMS_SIGNING_PKCS11_PIN": None, "LMS_SIGNING_PKCS11_PIN_FILE": str(tmp_path / "missing")}
    )
    with pytest.raises(SigningConfigError, match="cannot read LMS_SIGNING_PKCS11_PIN_FILE"):
        check_signing()


def test_the_pin_is_not_in_the_material_repr(soft_token: SoftToken) -> None:
    material = material_from_config(soft_token.config(), "/nonexistent")
    assert isinstance(material, TokenKey)
    assert PIN not in repr(material) and PIN not in str(material)


def test_a_missing_key_file_is_a_configuration_error(
    app: Flask, configured, tmp_path: Path
) -> None:
    configured({"LMS_SIGNING_KEY": str(tmp_path / "nope.pem")})
    with pytest.raises(SigningConfigError, match="does not exist"):
        check_signing()


def test_no_key_at_all_is_not_an_error_at_start_up(app: Flask, configured, tmp_path: Path) -> None:
    configured({"LMS_SIGNING_KEY": None, "LMS_SIGNING_CERT": None})
    app.instance_path, saved = str(tmp_path), app.instance_path
    try:
        assert check_signing() is None  # `lms certificates init-keys` comes later
    finally:
        app.instance_path = saved


def _production_env(tmp_path: Path, soft_token: SoftToken, **extra: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": "s" * 40,
        "LMS_INSTANCE_PATH": str(tmp_path),
        "LMS_BASE_URL": "https://lms.example.vn",
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite3'}",
        "SOFTHSM2_CONF": os.environ["SOFTHSM2_CONF"],
        # production requires the audit log's key (issue 15); its checkpoints stay here
        "LMS_AUDIT_KEY": "k" * 64,
        "LMS_AUDIT_CHECKPOINT_FILE": str(tmp_path / "audit-checkpoints.jsonl"),
    }
    env.update({k: str(v) for k, v in soft_token.config().items() if v is not None})
    env.update(extra)
    return env


def _run(code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_wsgi_start_in_production_says_one_line(tmp_path: Path, soft_token: SoftToken) -> None:
    result = _run(
        "import wsgi", env=_production_env(tmp_path, soft_token, LMS_SIGNING_PKCS11_PIN=WRONG_PIN)
    )
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith("lms: configuration error: signing:")
    assert "wrong PIN" in lines[0]
    assert "Traceback" not in result.stderr
    assert WRONG_PIN not in result.stderr + result.stdout


def test_wsgi_starts_with_a_good_token(tmp_path: Path, soft_token: SoftToken) -> None:
    result = _run("import wsgi; print('started')", env=_production_env(tmp_path, soft_token))
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_worker_start_says_one_line(tmp_path: Path, soft_token: SoftToken) -> None:
    result = _run(
        "from lms.cli import main; main()",
        "worker",
        env=_production_env(tmp_path, soft_token, LMS_SIGNING_PKCS11_KEY_LABEL="khong-co-khoa"),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stderr.strip().splitlines() if line]
    assert len(errors) == 1 and "configuration error: signing:" in errors[0], result.stderr
    assert "khong-co-khoa" in errors[0]
    assert "Traceback" not in result.stderr
    assert PIN not in result.stderr + result.stdout


@pytest.mark.parametrize(("content", "words"), [
    (None, "cannot read LMS_SIGNING_PKCS11_CHAIN"),
    (b"not a certificate\n", "holds no PEM certificate"),
])
def test_a_wrong_chain_file_is_one_line(app: Flask, soft_token: SoftToken, configured,
                                        tmp_path: Path, content, words) -> None:
    chain = tmp_path / "chain.pem"
    if content is not None:
        chain.write_bytes(content)
    configured(soft_token.config(LMS_SIGNING_PKCS11_CHAIN=str(chain)))
    with pytest.raises(SigningConfigError) as err:
        check_signing()
    assert words in _one_line(err.value)


def test_the_chain_file_is_read_as_certificates(app: Flask, soft_token: SoftToken,
                                                configured, signing_keys) -> None:
    # The demo certificate stands in for a CA certificate: the file's certificates are
    # carried by the key material (and embedded beside the signer's by the token signer).
    configured(soft_token.config(LMS_SIGNING_PKCS11_CHAIN=signing_keys[1]))
    material = material_from_config(app.config, app.instance_path)
    assert len(material.chain) == 1 and material.chain[0][:1] == b"\x30"  # DER
    assert check_signing() == f"pkcs11 {KEY_LABELS[0]}"
