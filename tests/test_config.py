"""Configuration from the environment, and one-line startup errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lms.config import ConfigError, load_config


@pytest.mark.parametrize("url", ["not a url", "mysql://root@localhost/x",
                                 "postgresql+psycopg2://postgres@localhost/x"])
def test_invalid_database_url_is_a_config_error(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(str(tmp_path), {"LMS_DATABASE_URL": url, "LMS_ENV": "testing"})
    assert "LMS_DATABASE_URL" in str(err.value)


def test_invalid_database_url_prints_one_line(tmp_path: Path) -> None:
    lms = Path(sys.executable).parent / "lms"
    result = subprocess.run(
        [str(lms), "db", "current"], capture_output=True, text=True, timeout=60,
        env={"LMS_DATABASE_URL": "nonsense://", "LMS_ENV": "testing", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "LMS_DATABASE_URL" in lines[0]
    assert "Traceback" not in result.stderr


def test_production_requires_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"LMS_ENV": "production"})
    config = load_config(str(tmp_path), {"LMS_ENV": "production", "LMS_SECRET_KEY": "s3cret",
                                         "LMS_AUDIT_KEY": "an-audit-key-0123456789"})
    assert config["SECRET_KEY"] == "s3cret"
    assert config["SESSION_COOKIE_SECURE"] is True


def test_development_secret_is_generated_once_into_instance(tmp_path: Path) -> None:
    first = load_config(str(tmp_path), {"LMS_ENV": "development"})["SECRET_KEY"]
    second = load_config(str(tmp_path), {"LMS_ENV": "development"})["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_default_database_is_sqlite_in_instance(tmp_path: Path) -> None:
    config = load_config(str(tmp_path), {"LMS_ENV": "testing"})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    redis = load_config(str(tmp_path), {"LMS_ENV": "testing",
                                        "LMS_REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert redis["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_sqlite_connections_are_tuned(app) -> None:
    from lms.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    conn = db.session.connection()
    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_classification_is_configurable(app, tmp_path: Path) -> None:
    from lms.grading_scale import classify

    with app.app_context():
        assert [classify(s) for s in (10, 9, 8.5, 7, 5, 4.9)] == [
            "Xuất sắc", "Xuất sắc", "Giỏi", "Khá", "Trung bình", "Không đạt"]
        assert classify(None) == ""
    custom = load_config(str(tmp_path), {"LMS_ENV": "testing",
                                         "LMS_CLASSIFICATION": "5:Đạt,0:Không đạt"})
    assert custom["LMS_CLASSIFICATION"] == [(5.0, "Đạt"), (0.0, "Không đạt")]
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"LMS_ENV": "testing", "LMS_CLASSIFICATION": "9:A,5:B"})


def test_signing_material_comes_from_the_environment(tmp_path: Path) -> None:
    config = load_config(str(tmp_path), {"LMS_ENV": "testing", "LMS_SIGNING_KEY": "/k.p12",
                                         "LMS_SIGNING_PASSPHRASE": "bí mật"})
    assert config["LMS_SIGNING_KEY"] == "/k.p12"
    assert config["LMS_SIGNING_PASSPHRASE"] == "bí mật"
    assert config["LMS_SIGNING_CERT"] is None


def test_production_requires_an_audit_key(tmp_path: Path) -> None:
    """Issue 15: the audit chain's key lives outside the database; production never makes
    one up (a new key would silently restart the chain)."""
    env = {"LMS_ENV": "production", "LMS_SECRET_KEY": "s3cret"}
    with pytest.raises(ConfigError, match="LMS_AUDIT_KEY"):
        load_config(str(tmp_path), env)
    assert not (tmp_path / "audit.key").exists()
    (tmp_path / "audit.key").write_text("a-key-from-the-instance-folder\n")
    assert load_config(str(tmp_path), env)["LMS_AUDIT_KEY"] == "a-key-from-the-instance-folder"
    given = load_config(str(tmp_path), env | {"LMS_AUDIT_KEY": "from-the-environment-1234"})
    assert given["LMS_AUDIT_KEY"] == "from-the-environment-1234"
    with pytest.raises(ConfigError, match="too short"):
        load_config(str(tmp_path), env | {"LMS_AUDIT_KEY": "short"})
    (tmp_path / "audit.key").write_text("\n")
    for environment in ("production", "development"):
        with pytest.raises(ConfigError, match="is empty"):
            load_config(str(tmp_path), env | {"LMS_ENV": environment})


@pytest.mark.parametrize("env", ["development", "testing"])
def test_outside_production_the_audit_key_is_made_once_0600(tmp_path: Path, env: str) -> None:
    first = load_config(str(tmp_path), {"LMS_ENV": env})
    second = load_config(str(tmp_path), {"LMS_ENV": env})
    assert first["LMS_AUDIT_KEY"] == second["LMS_AUDIT_KEY"] and len(first["LMS_AUDIT_KEY"]) >= 64
    assert (tmp_path / "audit.key").stat().st_mode & 0o777 == 0o600
    assert first["LMS_AUDIT_CHECKPOINT_FILE"] == str(tmp_path / "audit-checkpoints.jsonl")
    assert first["LMS_AUDIT_CHECKPOINT_EVERY"] == 1000 and first["LMS_AUDIT_SYSLOG"] == "off"


def test_audit_checkpoint_settings(tmp_path: Path) -> None:
    config = load_config(str(tmp_path), {
        "LMS_ENV": "testing", "LMS_AUDIT_CHECKPOINT_FILE": "/srv/audit/cp.jsonl",
        "LMS_AUDIT_CHECKPOINT_EVERY": "50", "LMS_AUDIT_SYSLOG": "logs.internal:514"})
    assert config["LMS_AUDIT_CHECKPOINT_FILE"] == "/srv/audit/cp.jsonl"
    assert config["LMS_AUDIT_CHECKPOINT_EVERY"] == 50
    assert config["LMS_AUDIT_SYSLOG"] == "logs.internal:514"
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"LMS_ENV": "testing", "LMS_AUDIT_CHECKPOINT_EVERY": "x"})


@pytest.mark.parametrize("entry", ["cli", "wsgi"])
def test_a_missing_audit_key_in_production_is_one_line(tmp_path: Path, entry: str) -> None:
    from lms import ROOT

    code = ("from lms.cli import main; main()" if entry == "cli" else "import wsgi")
    env = {"LMS_ENV": "production", "LMS_SECRET_KEY": "s3cret", "PATH": "/usr/bin:/bin",
           "LMS_INSTANCE_PATH": str(tmp_path), "LMS_DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run([sys.executable, "-c", code, "db", "current"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "LMS_AUDIT_KEY" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
def test_body_limits_are_configurable(tmp_path: Path) -> None:
    config = load_config(str(tmp_path), {"LMS_ENV": "testing", "LMS_MAX_JSON_BYTES": "1000",
                                         "LMS_MAX_FORM_BYTES": "5000"})
    assert (config["LMS_MAX_JSON_BYTES"], config["LMS_MAX_FORM_BYTES"]) == (1000, 5000)
    defaults = load_config(str(tmp_path), {"LMS_ENV": "testing"})
    assert 0 < defaults["LMS_MAX_JSON_BYTES"] < defaults["LMS_MAX_FORM_BYTES"]
    for bad in ("0", "-1", "lots"):
        with pytest.raises(ConfigError):
            load_config(str(tmp_path), {"LMS_ENV": "testing", "LMS_MAX_FORM_BYTES": bad})


def test_ltv_refresh_margin(tmp_path: Path) -> None:
    assert load_config(str(tmp_path), {"LMS_ENV": "testing"})["LMS_LTV_REFRESH_MARGIN_DAYS"] == 180
    config = load_config(str(tmp_path), {"LMS_ENV": "testing",
                                         "LMS_LTV_REFRESH_MARGIN_DAYS": "365"})
    assert config["LMS_LTV_REFRESH_MARGIN_DAYS"] == 365
    for bad in ("x", "-1"):
        with pytest.raises(ConfigError, match="LMS_"):
            load_config(str(tmp_path), {"LMS_ENV": "testing", "LMS_LTV_REFRESH_MARGIN_DAYS": bad})


def test_audit_recheck_seconds(tmp_path: Path) -> None:
    assert load_config(str(tmp_path), {"LMS_ENV": "testing"})["LMS_AUDIT_RECHECK_SECONDS"] == 600
    config = load_config(str(tmp_path), {"LMS_ENV": "testing", "LMS_AUDIT_RECHECK_SECONDS": "0"})
    assert config["LMS_AUDIT_RECHECK_SECONDS"] == 0
    for bad in ("x", "-1"):
        with pytest.raises(ConfigError):
            load_config(str(tmp_path), {"LMS_ENV": "testing", "LMS_AUDIT_RECHECK_SECONDS": bad})
