"""``lms users``: create accounts and personal API tokens from the shell."""

from __future__ import annotations

import click

from lms.auth.services import create_token
from lms.cli import parse_vn_date
from lms.errors import InvalidInput
from lms.users.services import UserData, create_user, find_user, record_created


@click.group("users")
def users_cli() -> None:
    """Manage accounts."""


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", type=click.Choice(["admin", "lecturer", "learner"]), required=True)
@click.option("--full-name", required=True)
@click.option("--email", default=None)
@click.option("--unit", default=None, help="Đơn vị công tác")
@click.option("--position", default=None, help="Chức vụ")
@click.option("--dob", default=None, help="Date of birth, dd/mm/yyyy")
def create(username: str, password: str, role: str, full_name: str, email: str | None,
           unit: str | None, position: str | None, dob: str | None) -> None:
    """Create an account."""
    from lms.extensions import db

    data = UserData(full_name=full_name, email=email, unit=unit, position=position,
                    date_of_birth=parse_vn_date(dob, "--dob"), role=role)
    try:
        user = create_user(username, password, data)
        record_created(user, None)
    except InvalidInput as exc:
        db.session.rollback()
        raise click.ClickException(f"--{exc.field.replace('_', '-')}: {exc.message}") from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.username} ({user.full_name})")


@users_cli.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="A label to recognise the token by.")
def token(username: str, name: str) -> None:
    """Create a personal API token for USERNAME and print it (shown only once)."""
    from lms.extensions import db

    user = find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    _token, raw = create_token(user, name)
    db.session.commit()
    click.echo(raw)
