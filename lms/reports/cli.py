"""``lms report completion --class C --format csv|xlsx|json|pdf [--output FILE]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from lms.classes.models import Class
from lms.reports.services import export_filename, render_export


@click.group("report")
def report_cli() -> None:
    """Reports."""


@report_cli.command("completion")
@click.option("--class", "code", required=True, help="Class code")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json", "pdf"]),
              default="xlsx")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File to write (default: ket-qua-CODE.FORMAT; '-' for stdout).")
def completion(code: str, fmt: str, output: Path | None) -> None:
    """The completion report of class CODE."""
    from lms.extensions import db

    klass = db.session.scalar(select(Class).where(Class.code == code))
    if klass is None:
        raise click.ClickException(f"no class {code!r}")
    data = render_export(klass, fmt)
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        return
    target = output or Path(export_filename(klass, fmt))
    target.write_bytes(data)
    click.echo(f"wrote {target} ({len(data)} bytes)")
