"""``lms audit verify|checkpoint|export``: check the chain against its key and checkpoints
(exit 1 and the kind of tampering when broken), checkpoint it now, export it for off-site
keeping."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time

import click
from flask_babel import gettext as _
from flask_babel import to_utc

from lms.audit.checkpoints import export_lines, make_checkpoint
from lms.audit.verify import verify_chain
from lms.extensions import db


@click.group("audit")
def audit_cli() -> None:
    """The tamper-evident audit log."""


@audit_cli.command("verify")
def verify() -> None:
    """Check every entry of the audit chain and the signed checkpoints."""
    result = verify_chain()
    if result.ok:
        click.echo(
            _(
                "audit log intact: %(n)d entries, %(checkpoint)s",
                n=result.entries,
                checkpoint=result.checkpoint_text,
            )
        )
        return
    click.echo(
        _(
            "audit log TAMPERED WITH (%(kind)s): %(reason)s. %(n)d entries verified "
            "before it; %(checkpoint)s.",
            kind=result.kind,
            reason=result.reason,
            n=result.entries,
            checkpoint=result.checkpoint_text,
        ),
        err=True,
    )
    raise SystemExit(1)


@audit_cli.command("checkpoint")
def checkpoint() -> None:
    """Write a signed checkpoint of the chain now."""
    made = make_checkpoint()
    db.session.rollback()
    click.echo(
        _("checkpoint written: %(n)d entries, head %(head)s", n=made.entries, head=made.head[:16])
    )


@audit_cli.command("export")
@click.option("--since", required=True, help="dd/mm/yyyy: entries from this day on.")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    help="File to write (default: standard output).",
)
def export(since: str, out: str | None) -> None:
    """Entries and checkpoints since a day, as JSON lines, for off-site keeping."""
    from lms.cli import parse_vn_date

    day = parse_vn_date(since, "--since")
    if day is None:
        raise click.BadParameter("a date in dd/mm/yyyy form is needed", param_hint="--since")
    start = to_utc(datetime.combine(day, time.min))
    lines = export_lines(start.replace(tzinfo=UTC))
    if out is None:
        for line in lines:
            sys.stdout.write(line + "\n")
        return
    count = 0
    with open(out, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
            count += 1
    click.echo(_("%(n)d lines written to %(file)s", n=count, file=out))
