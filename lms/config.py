"""Configuration from ``LMS_*`` environment variables.

Reading the environment happens in :func:`load_config`, called by the app factory, never
at import time. Secrets come from the environment or from ``instance/``, never from git.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """A configuration problem, reported to the operator as one readable line."""


@dataclass(frozen=True)
class _Var:
    name: str
    default: str | None
    help: str


#: Every variable the application reads, with its default; the README lists the same.
VARIABLES: tuple[_Var, ...] = (
    _Var("LMS_ENV", "development", "development, production or testing"),
    _Var("LMS_DATABASE_URL", None, "SQLAlchemy URL; default sqlite file instance/lms.sqlite3"),
    _Var("LMS_SECRET_KEY", None, "session signing key; required in production"),
    _Var("LMS_REDIS_URL", None, "Redis for rate limits and the Huey queue (optional)"),
    _Var("LMS_BASE_URL", "http://127.0.0.1:5000", "public URL used in verification links"),
    _Var("LMS_PROXY_COUNT", "0", "number of trusted reverse proxies (X-Forwarded-*)"),
    _Var("LMS_SESSION_HOURS", "12", "how long a login session lasts"),
    _Var("LMS_LOGIN_LIMIT_ACCOUNT", "5 per 15 minutes",
         "failed logins allowed per account and client address"),
    _Var("LMS_LOGIN_LIMIT_IP", "30 per 15 minutes", "failed logins allowed per client address"),
    _Var("LMS_QUIZ_GRACE_SECONDS", "30", "late saves/submits accepted after a deadline"),
    _Var("LMS_QUIZ_OVERDUE_SECONDS", "3600", "submit-only window of the 'grace' policy"),
    _Var("LMS_CLASSIFICATION", "9:Xuất sắc,8:Giỏi,6.5:Khá,5:Trung bình,0:Không đạt",
         "score classification, threshold:label pairs"),
    _Var("LMS_SIGNING_KEY", None, "certificate signing key (PEM, or PKCS#12 .p12/.pfx)"),
    _Var("LMS_SIGNING_CERT", None, "signer certificate (PEM; not with PKCS#12)"),
    _Var("LMS_SIGNING_PASSPHRASE", None, "passphrase of the PKCS#12 file"),
    _Var("LMS_SIGNING_PKCS11_MODULE", None, "PKCS#11 module (library path) of the signing "
         "token or HSM; instead of LMS_SIGNING_KEY"),
    _Var("LMS_SIGNING_PKCS11_TOKEN", None, "label of the token that holds the signing key"),
    _Var("LMS_SIGNING_PKCS11_KEY_LABEL", None, "label of the signing key in the token"),
    _Var("LMS_SIGNING_PKCS11_CERT_LABEL", None, "label of its certificate (default: the key's)"),
    _Var("LMS_SIGNING_PKCS11_PIN", None, "the token's user PIN (never logged)"),
    _Var("LMS_SIGNING_PKCS11_PIN_FILE", None, "a file holding the PIN (instead of the PIN)"),
    _Var("LMS_SIGNING_PKCS11_CHAIN", None, "PEM file of the issuing CA certificates to embed "
         "beside the signer's (so that readers offline can build the chain)"),
    _Var("LMS_TSA_URL", None, "RFC 3161 time-stamping authority: signatures become PAdES B-T"),
    _Var("LMS_TSA_USERNAME", None, "user name for the TSA (HTTP basic auth)"),
    _Var("LMS_TSA_PASSWORD", None, "password for the TSA (never logged)"),
    _Var("LMS_SIGNING_LTV", "0", "1: embed OCSP/CRLs and a document timestamp (B-LT, B-LTA)"),
    _Var("LMS_TRUST_ROOTS", None, "extra trust roots for verification: comma-separated PEM "
         "files (e.g. the government signing CA's root)"),
    _Var("LMS_LTV_REFRESH_MARGIN_DAYS", "180", "refresh-ltv: a new document timestamp when "
         "the latest timestamp's TSA certificate expires within this many days"),
    _Var("LMS_CERT_WORKERS", None, "certificate render processes (default: cores, max 4)"),
    _Var("LMS_INSTANCE_PATH", None, "folder of local state (keys, job queue); default instance/"),
    _Var("LMS_DEFAULT_LOCALE", "vi", "interface language for visitors"),
    _Var("LMS_TIMEZONE", "Asia/Ho_Chi_Minh", "time zone for displayed dates"),
    _Var("LMS_VERIFY_SHOW_DETAILS", "0", "1: the public verification page also shows date of "
         "birth, unit, score and revocation reason (default: to the class's staff only)"),
    _Var("LMS_AUDIT_KEY", None, "HMAC key of the audit chain; default instance/audit.key "
         "(generated outside production); required in production"),
    _Var("LMS_AUDIT_CHECKPOINT_FILE", None, "append-only file of signed audit checkpoints "
         "(default instance/audit-checkpoints.jsonl)"),
    _Var("LMS_AUDIT_CHECKPOINT_EVERY", "1000", "a checkpoint every N audit entries"),
    _Var("LMS_AUDIT_RECHECK_SECONDS", "600", "the audit page walks the whole chain again "
         "when it changed, or when its last full walk is this old (seconds)"),
    _Var("LMS_AUDIT_SYSLOG", "off", "also send checkpoints to syslog: off, on (/dev/log), "
         "host:port (UDP) or a socket path"),
    _Var("LMS_MAX_JSON_BYTES", "262144", "largest JSON body a JSON route accepts (bytes)"),
    _Var("LMS_MAX_FORM_BYTES", "2097152", "largest form post without files (bytes); "
         "uploads keep their own limit of 20 MB"),
    _Var("LMS_COURSES_DIR", None, "course files compared with the database on the course "
         "page (default: courses/ of the checkout; 'off' compares nothing)"),
)


def _env(name: str, environ: dict[str, str]) -> str | None:
    value = environ.get(name)
    if value is None or value.strip() == "":
        return next(v.default for v in VARIABLES if v.name == name)
    return value.strip()


def _flag(name: str, environ: dict[str, str]) -> bool:
    value = (_env(name, environ) or "0").lower()
    if value not in ("0", "1", "true", "false", "yes", "no", "on", "off"):
        raise ConfigError(f"{name} must be 1 or 0, not {value!r}")
    return value in ("1", "true", "yes", "on")


def _check_database_url(url: str) -> str:
    # Imported here: render processes read ConfigError from this module, not databases.
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"LMS_DATABASE_URL is not a valid database URL: {url!r}") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"LMS_DATABASE_URL must be sqlite:/// or postgresql+psycopg://, not {url!r}"
        )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise ConfigError("LMS_DATABASE_URL must use the psycopg 3 driver: postgresql+psycopg://")
    return url


def _secret_key(env: str, instance: Path, environ: dict[str, str]) -> str:
    key = _env("LMS_SECRET_KEY", environ)
    if key:
        return key
    if env == "production":
        raise ConfigError("LMS_SECRET_KEY must be set in production")
    if env == "testing":
        return secrets.token_urlsafe(32)
    # Development: generate once and keep it in instance/ so sessions survive restarts.
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _audit_key(env: str, instance: Path, environ: dict[str, str]) -> str:
    """The audit chain's HMAC key: ``LMS_AUDIT_KEY``, else ``instance/audit.key`` (made,
    mode 0600, outside production). It never lives in the database it protects."""
    key = _env("LMS_AUDIT_KEY", environ)
    path = instance / "audit.key"
    if not key and path.exists():
        try:
            key = path.read_text().strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the audit key {path}: {exc.strerror}") from exc
        if not key:
            raise ConfigError(f"the audit key file {path} is empty")
    if not key:
        if env == "production":
            raise ConfigError("LMS_AUDIT_KEY (or the file instance/audit.key) must be set in "
                              "production: it keys the tamper-evident audit log")
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key + "\n")
    if len(key) < 16:
        raise ConfigError("LMS_AUDIT_KEY is too short: at least 16 characters")
    return key


def load_config(instance_path: str, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment.

    :raises ConfigError: when a variable is invalid or a required one is missing.
    """
    environ = dict(os.environ if environ is None else environ)
    env = _env("LMS_ENV", environ) or "development"
    if env not in ENVIRONMENTS:
        raise ConfigError(f"LMS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    instance = Path(instance_path)
    db_url = _env("LMS_DATABASE_URL", environ) or f"sqlite:///{instance / 'lms.sqlite3'}"
    redis_url = _env("LMS_REDIS_URL", environ)
    try:
        proxy_count = int(_env("LMS_PROXY_COUNT", environ) or 0)
        session_hours = int(_env("LMS_SESSION_HOURS", environ) or 12)
        grace = int(_env("LMS_QUIZ_GRACE_SECONDS", environ) or 30)
        overdue = int(_env("LMS_QUIZ_OVERDUE_SECONDS", environ) or 3600)
        cert_workers = int(_env("LMS_CERT_WORKERS", environ) or 0) or None
        checkpoint_every = int(_env("LMS_AUDIT_CHECKPOINT_EVERY", environ) or 1000)
        recheck = int(_env("LMS_AUDIT_RECHECK_SECONDS", environ) or 600)
        max_json = int(_env("LMS_MAX_JSON_BYTES", environ) or 0)
        max_form = int(_env("LMS_MAX_FORM_BYTES", environ) or 0)
        ltv_margin = int(_env("LMS_LTV_REFRESH_MARGIN_DAYS", environ) or 180)
    except ValueError as exc:
        raise ConfigError(f"a numeric LMS_* variable is not an integer: {exc}") from exc
    if recheck < 0:
        raise ConfigError("LMS_AUDIT_RECHECK_SECONDS must be 0 or more")
    if ltv_margin < 0:
        raise ConfigError("LMS_LTV_REFRESH_MARGIN_DAYS must be 0 or more")
    if max_json <= 0 or max_form <= 0:
        raise ConfigError("LMS_MAX_JSON_BYTES and LMS_MAX_FORM_BYTES must be positive")
    from lms.grading_scale import parse_classification

    try:
        classification = parse_classification(_env("LMS_CLASSIFICATION", environ) or "")
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return {
        "LMS_ENV": env,
        "SECRET_KEY": _secret_key(env, instance, environ),
        "SQLALCHEMY_DATABASE_URI": _check_database_url(db_url),
        "LMS_REDIS_URL": redis_url,
        "LMS_BASE_URL": (_env("LMS_BASE_URL", environ) or "").rstrip("/"),
        "LMS_PROXY_COUNT": proxy_count,
        "LMS_CLASSIFICATION": classification,
        "LMS_SIGNING_KEY": _env("LMS_SIGNING_KEY", environ),
        "LMS_SIGNING_CERT": _env("LMS_SIGNING_CERT", environ),
        "LMS_SIGNING_PASSPHRASE": _env("LMS_SIGNING_PASSPHRASE", environ),
        **{name: _env(name, environ) for name in (
            "LMS_SIGNING_PKCS11_MODULE", "LMS_SIGNING_PKCS11_TOKEN",
            "LMS_SIGNING_PKCS11_KEY_LABEL", "LMS_SIGNING_PKCS11_CERT_LABEL",
            "LMS_SIGNING_PKCS11_PIN", "LMS_SIGNING_PKCS11_PIN_FILE",
            "LMS_SIGNING_PKCS11_CHAIN", "LMS_TSA_URL", "LMS_TSA_USERNAME", "LMS_TSA_PASSWORD")},
        "LMS_SIGNING_LTV": (_env("LMS_SIGNING_LTV", environ) or "0").strip().lower()
        in ("1", "true", "yes", "on"),
        "LMS_TRUST_ROOTS": [path.strip() for path in (_env("LMS_TRUST_ROOTS", environ) or "")
                            .split(",") if path.strip()],
        "LMS_LTV_REFRESH_MARGIN_DAYS": ltv_margin,
        "LMS_CERT_WORKERS": cert_workers,
        "LMS_COURSES_DIR": _courses_dir(environ),
        "LMS_AUDIT_KEY": _audit_key(env, instance, environ),
        "LMS_AUDIT_CHECKPOINT_FILE": _env("LMS_AUDIT_CHECKPOINT_FILE", environ)
        or str(instance / "audit-checkpoints.jsonl"),
        "LMS_AUDIT_CHECKPOINT_EVERY": max(1, checkpoint_every),
        "LMS_AUDIT_SYSLOG": _env("LMS_AUDIT_SYSLOG", environ),
        "LMS_AUDIT_RECHECK_SECONDS": recheck,
        "LMS_VERIFY_SHOW_DETAILS": _flag("LMS_VERIFY_SHOW_DETAILS", environ),
        "LMS_QUIZ_GRACE_SECONDS": grace,
        "LMS_MAX_JSON_BYTES": max_json,
        "LMS_MAX_FORM_BYTES": max_form,
        "LMS_QUIZ_OVERDUE_SECONDS": overdue,
        "PERMANENT_SESSION_LIFETIME": session_hours * 3600,
        "LMS_LOGIN_LIMIT_ACCOUNT": _env("LMS_LOGIN_LIMIT_ACCOUNT", environ),
        "LMS_LOGIN_LIMIT_IP": _env("LMS_LOGIN_LIMIT_IP", environ),
        "BABEL_DEFAULT_LOCALE": _env("LMS_DEFAULT_LOCALE", environ),
        "BABEL_DEFAULT_TIMEZONE": _env("LMS_TIMEZONE", environ),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "lms_session",
        # Secure cookies are decided per request (see lms.security): Secure over HTTPS.
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": session_hours * 3600,
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "SQLALCHEMY_RECORD_QUERIES": False,
    }


_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "")  # noqa: S104 (names, not binds)


def base_url_is_local(config: Any) -> bool:
    """Whether, in production, ``LMS_BASE_URL`` is unset or points at this machine (then
    no certificate may be issued: their QR codes and verification links point there)."""
    from urllib.parse import urlsplit

    if config.get("LMS_ENV") != "production":
        return False
    return urlsplit(config.get("LMS_BASE_URL") or "").hostname in (*_LOCAL_HOSTS, None)


def _courses_dir(environ: dict[str, str]) -> str | None:
    """Where the course files live (``LMS_COURSES_DIR``; ``off``: nowhere)."""
    from lms import ROOT

    value = _env("LMS_COURSES_DIR", environ)
    if value is None:
        return str(ROOT / "courses")
    return None if value.lower() == "off" else value


def test_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """Return overrides for the test suite (fixed secret, fast hashing, given database)."""
    config: dict[str, Any] = {
        "TESTING": True,
        "LMS_ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LMS_BASE_URL": "http://lms.test",
        "SERVER_NAME": None,
        "LMS_PASSWORD_HASH_FAST": True,
        # Certificates render in the test process: no pool of render processes.
        "LMS_CERT_WORKERS": 1,
        # No course files to compare with, unless a test gives some.
        "LMS_COURSES_DIR": None,
        "LMS_AUDIT_KEY": "test-audit-key-not-for-production",
    }
    config.update(overrides)
    return config
