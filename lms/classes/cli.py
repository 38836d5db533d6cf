"""``lms classes``: create classes and enrol people from the shell."""

from __future__ import annotations

import click
from sqlalchemy import select

from lms.classes.models import Class, EnrolmentRole
from lms.classes.services import ClassData, create_class, enrol
from lms.cli import parse_vn_date
from lms.errors import InvalidInput
from lms.users.services import find_user


@click.group("classes")
def classes_cli() -> None:
    """Manage classes and enrolments."""


@classes_cli.command("create")
@click.option("--code", required=True, help="e.g. K74-HN")
@click.option("--name", required=True)
@click.option("--course", "course_slug", required=True, help="Course slug")
@click.option("--start", default=None, help="dd/mm/yyyy")
@click.option("--end", default=None, help="dd/mm/yyyy")
@click.option("--place", default=None)
def create(code: str, name: str, course_slug: str, start: str | None, end: str | None,
           place: str | None) -> None:
    """Create a class of a course."""
    from lms.extensions import db

    data = ClassData(code=code, name=name, course_slug=course_slug,
                     start_date=parse_vn_date(start, "--start"),
                     end_date=parse_vn_date(end, "--end"), place=place)
    try:
        klass = create_class(data)
    except InvalidInput as exc:
        db.session.rollback()
        raise click.ClickException(f"--{exc.field.replace('_', '-')}: {exc.message}") from exc
    db.session.commit()
    click.echo(f"Created class {klass.code}: {klass.name}")


@classes_cli.command("enrol")
@click.argument("code")
@click.argument("usernames", nargs=-1, required=True)
@click.option("--role", type=click.Choice(["learner", "lecturer"]), default="learner")
def enrol_command(code: str, usernames: tuple[str, ...], role: str) -> None:
    """Enrol USERNAMES in class CODE (all or nothing)."""
    from lms.extensions import db

    klass = db.session.scalar(select(Class).where(Class.code == code))
    if klass is None:
        raise click.ClickException(f"no class {code!r}")
    users = []
    for username in usernames:
        user = find_user(username)
        if user is None:
            raise click.ClickException(f"no user {username!r}; nothing enrolled")
        users.append(user)
    try:
        for user in users:
            enrol(klass, user, EnrolmentRole(role))
    except InvalidInput as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.message} Nothing enrolled.") from exc
    db.session.commit()
    click.echo(f"Enrolled {len(users)} {role}(s) in {klass.code}")


@classes_cli.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def list_command(fmt: str) -> None:
    """List classes with their course, dates and learner counts."""
    import json

    from sqlalchemy import func

    from lms.classes.models import Enrolment
    from lms.extensions import db

    counts = dict(db.session.execute(
        select(Enrolment.class_id, func.count(Enrolment.id))
        .where(Enrolment.role == "learner", Enrolment.state != "withdrawn")
        .group_by(Enrolment.class_id)).all())
    classes = db.session.scalars(select(Class).order_by(Class.code)).all()
    rows = [{"code": k.code, "name": k.name, "course": k.course.slug,
             "start": k.start_date.strftime("%d/%m/%Y") if k.start_date else None,
             "end": k.end_date.strftime("%d/%m/%Y") if k.end_date else None,
             "learners": counts.get(k.id, 0), "status": k.status} for k in classes]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['code']:<12} {row['learners']:>5}  {row['start'] or '':<10} "
                   f"{row['end'] or '':<10} {row['name']}")


@classes_cli.command("withdraw")
@click.argument("code")
@click.argument("username")
def withdraw_command(code: str, username: str) -> None:
    """Withdraw USERNAME from class CODE (kept as history)."""
    from lms.classes.services import withdraw
    from lms.extensions import db

    klass = db.session.scalar(select(Class).where(Class.code == code))
    user = find_user(username)
    if klass is None or user is None:
        raise click.ClickException(f"no class {code!r} or no user {username!r}")
    try:
        withdraw(klass, user)
    except InvalidInput as exc:
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"{username} withdrawn from {code}")
