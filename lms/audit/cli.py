"""``lms audit verify``: walk the hash chain; exit non-zero when it is broken."""

from __future__ import annotations

import click

from lms.audit.services import verify_chain


@click.group("audit")
def audit_cli() -> None:
    """The tamper-evident audit log."""


@audit_cli.command("verify")
def verify() -> None:
    """Check every row of the audit chain."""
    result = verify_chain()
    if result.ok:
        click.echo(f"audit chain intact: {result.entries} entries")
        return
    click.echo(f"audit chain BROKEN at row {result.broken_id}: {result.reason} "
               f"({result.entries} entries verified before it)", err=True)
    raise SystemExit(1)
