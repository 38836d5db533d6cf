"""``lms roster import FILE --class C [--dry-run]``."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from sqlalchemy import select

from lms.classes.codes_xlsx import codes_xlsx
from lms.classes.models import Class
from lms.classes.roster import import_roster
from lms.classes.roster_io import RosterError, read_roster


@click.group("roster")
def roster_cli() -> None:
    """Class rosters."""


@roster_cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--class", "code", required=True, help="Class code")
@click.option("--dry-run", is_flag=True, help="Check and report; change nothing.")
@click.option("--codes-out", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Where to write the new accounts' activation codes (XLSX).")
def import_command(file: Path, code: str, dry_run: bool, codes_out: Path | None) -> None:
    """Import a CSV or XLSX roster into class CODE, all or nothing."""
    from lms.extensions import db

    klass = db.session.scalar(select(Class).where(Class.code == code))
    if klass is None:
        raise click.ClickException(f"no class {code!r}")
    try:
        rows = read_roster(file.read_bytes(), file.name)
        report = import_roster(klass, rows, file.name, None)
    except RosterError as exc:
        db.session.rollback()
        for line in exc.messages():
            click.echo(f"{file}: {line}", err=True)
        raise click.ClickException("nothing was imported") from exc
    click.echo(f"rows: {report.rows}; new accounts: {len(report.created)}; "
               f"existing accounts linked: {report.linked}; newly enrolled: {report.enrolled}")
    if dry_run:
        db.session.rollback()
        click.echo("dry run: nothing was changed")
        return
    db.session.commit()
    if report.created:
        target = codes_out or Path(f"activation-codes-{klass.code}.xlsx")
        expires = report.expires_at.astimezone(ZoneInfo(
            current_app.config["BABEL_DEFAULT_TIMEZONE"])).date() if report.expires_at else None
        target.write_bytes(codes_xlsx([(a.full_name, a.username, a.code) for a in report.created],
                                      expires, klass.code))
        click.echo(f"activation codes written to {target}")
