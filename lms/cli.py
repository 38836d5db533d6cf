"""The ``lms`` command line: a Flask CLI group with the platform's commands.

``lms db upgrade`` (Flask-Migrate), ``lms run`` (development server), ``lms dev-server``
(the server and the job worker, as ``make run``), ``lms users …``, ``lms classes …`` and
``lms demo``. Configuration errors print one line, not a traceback.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

import click
from flask import Flask
from flask.cli import FlaskGroup

from lms.config import ConfigError


def _create_app() -> Flask:
    from lms import create_app

    return create_app()


def parse_vn_date(value: str | None, field: str) -> date | None:
    """Parse a ``dd/mm/yyyy`` date given on the command line."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%d/%m/%Y").date()  # noqa: DTZ007 (a plain date)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date in dd/mm/yyyy form", param_hint=field
        ) from None


def register_commands(app: Flask) -> None:
    """Attach the feature command groups to ``app.cli``."""
    from lms.audit.cli import audit_cli
    from lms.certificates.cli import certificates_cli
    from lms.classes.cli import classes_cli
    from lms.classes.roster_cli import roster_cli
    from lms.courses.cli import courses_cli
    from lms.demo import demo_command
    from lms.devserver import dev_server_command
    from lms.legal.cli import legal_cli
    from lms.quizzes.cli import questions_cli
    from lms.reports.cli import report_cli
    from lms.users.cli import users_cli
    from lms.worker import worker_command

    app.cli.add_command(users_cli)
    app.cli.add_command(classes_cli)
    app.cli.add_command(roster_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(questions_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(legal_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(dev_server_command)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """coyeu-lms administration."""


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="lms")
    except ConfigError as exc:
        click.echo(f"lms: configuration error: {exc}", err=True)
        sys.exit(2)
