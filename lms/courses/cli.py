"""``lms courses``: import and export course content as files."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from lms.courses.files import CourseFilesError
from lms.courses.models import Course
from lms.courses.sync import SyncConflict, export_course, import_course, plan_import


@click.group("courses")
def courses_cli() -> None:
    """Course content as files."""


@courses_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and report; change nothing.")
@click.option("--prefer", type=click.Choice(["files", "web"]), default=None,
              help="Resolve every conflict this way (said item by item).")
def import_command(path: Path, dry_run: bool, prefer: str | None) -> None:
    """Import (sync) the course in PATH, or every course below PATH.

    Web edits are kept, file changes go in; an item changed on both sides since the
    last import or export is a conflict: nothing is written and the exit status is 1,
    unless --prefer says which side wins."""
    from lms.extensions import db

    roots = [path] if (path / "course.toml").exists() else sorted(
        p.parent for p in path.glob("*/course.toml"))
    if not roots:
        raise click.ClickException(f"{path}: no course.toml here or in its subfolders")
    try:
        reports = [import_course(root, prefer=prefer) for root in roots]
    except CourseFilesError as exc:
        db.session.rollback()
        for problem in str(exc).splitlines():
            click.echo(problem, err=True)
        raise click.ClickException("import failed; nothing was changed") from exc
    except SyncConflict as exc:
        db.session.rollback()
        for conflict in exc.conflicts:
            for line in conflict.lines():
                click.echo(line)
        click.echo(f"{len(exc.conflicts)} conflicts: nothing was changed; choose with "
                   "--prefer files or --prefer web")
        raise SystemExit(1) from exc
    for report in reports:
        for line in report.lines():
            click.echo(line)
    if dry_run:
        db.session.rollback()
        click.echo("dry run: nothing was changed")
    else:
        db.session.commit()


@courses_cli.command("export")
@click.argument("slug")
@click.argument("dest", type=click.Path(path_type=Path, file_okay=False))
def export_command(slug: str, dest: Path) -> None:
    """Write course SLUG into DEST as files (the layout `import` reads)."""
    from lms.extensions import db

    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"no course {slug!r}")
    export_course(course, dest / slug if dest.name != slug else dest)
    click.echo(f"exported {slug} to {dest}")


@courses_cli.command("status")
@click.argument("slug")
@click.argument("path", type=click.Path(path_type=Path, exists=True, file_okay=False))
def status_command(slug: str, path: Path) -> None:
    """Say what importing PATH into course SLUG would do, item by item; change nothing."""
    from lms.courses.files import load_course
    from lms.extensions import db

    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"no course {slug!r}")
    try:
        files = load_course(path)
    except CourseFilesError as exc:
        for problem in str(exc).splitlines():
            click.echo(problem, err=True)
        raise click.ClickException("the files are broken") from exc
    if files.slug != slug:
        raise click.ClickException(f"{path} holds course {files.slug!r}, not {slug!r}")
    plans = plan_import(course, files)
    db.session.rollback()
    for plan in plans:
        click.echo(plan.line())
