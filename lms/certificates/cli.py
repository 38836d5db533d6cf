"""``lms certificates``: keys, issue, list, download, revoke, verify, refresh-ltv."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from flask import current_app
from sqlalchemy import select

from lms.certificates.models import Certificate, IssueRun
from lms.classes.models import Class


@click.group("certificates")
def certificates_cli() -> None:
    """Certificates (giấy chứng nhận)."""


@certificates_cli.command("init-keys")
def init_keys() -> None:
    """Create a demo signing key and self-signed certificate in instance/ (kept if present)."""
    from lms.certificates.signer import generate_demo_keys

    if current_app.config["LMS_ENV"] == "production" and not click.confirm(
            "Demo keys in production? Real deployments set LMS_SIGNING_KEY/LMS_SIGNING_CERT"):
        return
    directory = Path(current_app.instance_path)
    key, cert = generate_demo_keys(directory)
    target_key, target_cert = directory / "signing-key.pem", directory / "signing-cert.pem"
    if key != target_key and not target_key.exists():
        key.rename(target_key)
    if cert != target_cert and not target_cert.exists():
        cert.rename(target_cert)
    click.echo(f"signing key: {target_key}\nsigning certificate: {target_cert}")


@certificates_cli.group("keys")
def keys_cli() -> None:
    """Signing keys: their history, and rotation to new key material."""


@keys_cli.command("list")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
def keys_list(fmt: str) -> None:
    """Every signing key, when it was used and which serials it signed."""
    from lms.certificates.keys import history, used_at

    rows = [{"id": use.key.id, "kind": use.key.kind, "label": use.key.label,
             "certificate": use.key.cert_ref, "subject": use.key.subject,
             "fingerprint": use.key.fingerprint, "active": use.key.active,
             "first_used": used_at(use.key.first_used_at),
             "last_used": used_at(use.key.last_used_at),
             "retired": used_at(use.key.retired_at), "certificates": use.count,
             "serials": [use.first_serial, use.last_serial] if use.count else []}
            for use in history()]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("no signing key used yet")
    for row in rows:
        mark = "*" if row["active"] else " "
        serials = "–".join(row["serials"]) if row["serials"] else "–"
        click.echo(f"{mark} #{row['id']} {row['kind']:<6} {row['label']}  "
                   f"{row['fingerprint'][:16]}  used {row['first_used']} – {row['last_used']}"
                   f"  {row['certificates']} certificates ({serials})")


@keys_cli.command("rotate")
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False),
              help="A new key file (PEM, or PKCS#12 with LMS_SIGNING_PASSPHRASE).")
@click.option("--cert-file", type=click.Path(path_type=Path, dir_okay=False),
              help="The certificate of the new PEM key.")
@click.option("--key-label", help="Another key in the configured PKCS#11 token.")
@click.option("--cert-label", help="Its certificate's label (default: the key label).")
def keys_rotate(key_file: Path | None, cert_file: Path | None, key_label: str | None,
                cert_label: str | None) -> None:
    """Sign from now on with new key material (earlier certificates keep verifying)."""
    from lms.certificates.keys import rotate
    from lms.errors import InvalidInput
    from lms.extensions import db

    try:
        row = rotate(key_file=key_file, cert_file=cert_file, key_label=key_label,
                     cert_label=cert_label)
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"signing key #{row.id} ({row.kind} {row.label}, {row.fingerprint[:16]}) "
               "is now in use")


def _class(code: str) -> Class:
    from lms.extensions import db

    klass = db.session.scalar(select(Class).where(Class.code == code))
    if klass is None:
        raise click.ClickException(f"no class {code!r}")
    return klass


@certificates_cli.command("issue")
@click.option("--class", "code", required=True)
@click.option("--inline", is_flag=True, help="Work in this process instead of the worker.")
def issue(code: str, inline: bool) -> None:
    """Issue certificates to every learner of class CODE who completed it (queued job)."""
    from lms.certificates.material import SigningConfigError
    from lms.certificates.services import SigningNotConfigured, issue_for_class, signing_material
    from lms.certificates.tasks import start_run
    from lms.extensions import db
    from lms.jobs import huey

    klass = _class(code)
    from lms.certificates.services import refuse_without_public_address
    from lms.errors import InvalidInput

    try:
        refuse_without_public_address()
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from None
    if inline or huey.immediate:
        try:
            signing_material()  # said in one line, before any work (as the worker says it)
            with click.progressbar(length=1, label="issuing") as bar:
                def progress(done: int, total: int, issued: int) -> None:
                    bar.length = max(total, 1)
                    bar.update(done - bar.pos)

                issued = issue_for_class(klass, None, None, progress)
        except (SigningNotConfigured, SigningConfigError) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{issued} certificates issued")
        return
    run_id = start_run(klass, None, "issue").id
    db.session.commit()
    db.session.remove()
    click.echo(f"queued run {run_id}; progress:")
    current = _wait_for_run(run_id)
    if current.status == "failed":
        raise click.ClickException(current.error or "failed")
    click.echo(f"{current.issued} certificates issued")


POLL_SECONDS = 0.5
NO_PROGRESS_SECONDS = 120


def _read_run(run_id: int) -> Any:
    """The run's progress in one short read transaction, ended before returning.

    The command waits between reads; a transaction left open across the wait would, on
    SQLite, hold the write lock (CLI work defaults to ``BEGIN IMMEDIATE``) or at least a
    read snapshot, and the worker's own ``BEGIN IMMEDIATE`` would fail with "database is
    locked" behind it.
    """
    from lms.db import write_intent
    from lms.extensions import db

    token = write_intent.set(False)  # a read: plain BEGIN on SQLite
    try:
        return db.session.execute(select(
            IssueRun.status, IssueRun.done, IssueRun.total, IssueRun.issued,
            IssueRun.error).where(IssueRun.id == run_id)).one()
    finally:
        db.session.remove()  # ends the transaction and returns the connection
        write_intent.reset(token)


def _wait_for_run(run_id: int) -> Any:
    """Poll the run until it is done or failed, drawing its progress."""
    idle, last = 0.0, (None, -1)
    with click.progressbar(length=1, label="issuing") as bar:
        while True:
            current = _read_run(run_id)
            bar.length = max(current.total, 1)
            bar.update(current.done - bar.pos)
            if current.status in ("done", "failed"):
                return current
            time.sleep(POLL_SECONDS)  # polling the worker's progress (not a test)
            state = (current.status, current.done)
            idle = idle + POLL_SECONDS if state == last else 0.0
            last = state
            if idle >= NO_PROGRESS_SECONDS:
                raise click.ClickException(
                    f"run {run_id} made no progress for 2 minutes: is `lms worker` running? "
                    "(stalled runs are queued again every 5 minutes; or use --inline)")


@certificates_cli.command("list")
@click.option("--class", "code", required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
def list_command(code: str, fmt: str) -> None:
    """The certificates of a class."""
    from lms.extensions import db

    klass = _class(code)
    rows = [{"serial": c.serial, "code": c.code, "holder": c.snapshot["holder_name"],
             "status": c.status}
            for c in db.session.scalars(select(Certificate).where(
                Certificate.class_id == klass.id).order_by(Certificate.serial))]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(f"{row['serial']}  {row['code']}  {row['status']:<10} {row['holder']}")


@certificates_cli.command("download")
@click.argument("serial")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), required=True)
def download(serial: str, output: Path) -> None:
    """Write certificate SERIAL's signed PDF to FILE."""
    from lms.extensions import db

    item = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    if item is None:
        raise click.ClickException(f"no certificate {serial!r}")
    output.write_bytes(item.pdf)
    click.echo(f"wrote {output}")


@certificates_cli.command("revoke")
@click.argument("serial")
@click.option("--reason", required=True)
def revoke_command(serial: str, reason: str) -> None:
    """Revoke certificate SERIAL with a reason."""
    from lms.certificates.services import revoke
    from lms.errors import InvalidInput
    from lms.extensions import db

    item = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
    if item is None:
        raise click.ClickException(f"no certificate {serial!r}")
    try:
        revoke(item, None, reason)
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{serial} revoked")


@certificates_cli.command("verify")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def verify(file: Path) -> None:
    """Check a certificate PDF offline and explain it: exit 0 when valid in our records,
    trusted and not revoked; 1 otherwise, the reason first; 2 when the file is unreadable."""
    from flask_babel import gettext as _

    from lms.certificates.verify_report import build_report

    try:
        data = file.read_bytes()
    except OSError:
        click.echo(_("Cannot read the file %(name)s.", name=str(file)))
        raise SystemExit(2) from None
    report = build_report(data)
    if not report.readable:
        click.echo(report.outcome_line())
        raise SystemExit(2)
    for line in report.lines():
        click.echo(line)
    raise SystemExit(0 if report.ok else 1)


def _dmy(_ctx: Any, _param: Any, value: str | None) -> Any:
    from datetime import datetime as dt

    if value is None:
        return None
    try:
        return dt.strptime(value.strip(), "%d/%m/%Y").date()  # noqa: DTZ007 - a date
    except ValueError:
        from flask_babel import gettext as _

        raise click.BadParameter(_("%(value)s: use dd/mm/yyyy", value=value)) from None


@certificates_cli.command("refresh-ltv")
@click.option("--before", callback=_dmy, metavar="DD/MM/YYYY",
              help="Refresh when the latest timestamp's TSA certificate expires before this "
                   "date (default: today + LMS_LTV_REFRESH_MARGIN_DAYS).")
def refresh_ltv_command(before: Any) -> None:
    """Add a new document timestamp to stored certificates before their TSA certificate
    expires (PAdES B-LTA kept verifiable); exit 1 when any failed."""
    from flask_babel import gettext as _

    from lms.certificates.material import SigningConfigError
    from lms.certificates.refresh import LtvNotConfigured, refresh_ltv
    from lms.i18n import format_date

    try:
        outcome = refresh_ltv(before)
    except LtvNotConfigured:
        raise click.ClickException(_("The LTV refresh needs LMS_SIGNING_LTV=1 and "
                                     "LMS_TSA_URL (with LMS_TRUST_ROOTS).")) from None
    except SigningConfigError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(_("LTV refresh: timestamps whose authority's certificate expires before "
                 "%(date)s.", date=format_date(outcome.before)))
    for serial, reason in outcome.skipped:
        click.echo(_("%(serial)s: skipped: %(reason)s", serial=serial, reason=_(reason)))
    for serial, reason in outcome.failed:
        click.echo(_("%(serial)s: failed: %(reason)s", serial=serial, reason=_(reason)))
    if outcome.not_attempted:
        click.echo(_("%(count)s more certificates not attempted: the time-stamping server "
                     "cannot be reached.", count=outcome.not_attempted))
    counts = outcome.counts()
    click.echo(_("New document timestamps: %(refreshed)s; still current: %(current)s; "
                 "skipped: %(skipped)s; failed: %(failed)s.", **counts))
    if counts["failed"]:
        raise SystemExit(1)
