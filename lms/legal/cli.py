"""``lms legal``: is the law a course teaches still in force?"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

legal_cli = AppGroup("legal", help="The legal basis of courses (legal.toml).")


@legal_cli.command("check")
@click.argument("slug", required=False)
@click.option("--as-of", "as_of", metavar="DD/MM/YYYY", help="The date (default: today).")
@click.option("--files", "path", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Check this course folder instead of the database.")
def check_command(slug: str | None, as_of: str | None, path: Path | None) -> None:
    """List every lesson and question that cites a document not in force at the date
    (replaced, expired, not yet in force); exit 1 if there is any."""
    from sqlalchemy import select

    from lms.cli import parse_vn_date
    from lms.courses.files import CourseFilesError, load_course
    from lms.courses.models import Course
    from lms.extensions import db
    from lms.legal.check import check
    from lms.legal.services import local_today
    from lms.quizzes.parsed import QuestionFormatError

    on = parse_vn_date(as_of, "--as-of") or local_today()
    try:
        if path is not None:
            courses = [load_course(path)]
        else:
            from lms.courses.sync import database_files

            query = select(Course).order_by(Course.slug)
            if slug:
                query = query.where(Course.slug == slug)
            found = db.session.scalars(query).all()
            if slug and not found:
                raise click.ClickException(_("no course “%(slug)s”", slug=slug))
            courses = [database_files(course) for course in found]
        failed = 0
        for files in courses:
            count, findings = check(files, on)
            for finding in findings:
                click.echo(str(finding))
            failed += len(findings)
            click.echo(_("%(slug)s: %(count)d citations checked, %(bad)d not in force on "
                         "%(date)s", slug=files.slug, count=count, bad=len(findings),
                         date=on.strftime("%d/%m/%Y")))
    except (CourseFilesError, QuestionFormatError) as exc:
        for line in str(exc).splitlines():
            click.echo(line, err=True)
        raise click.ClickException(_("the course files cannot be read")) from exc
    if failed:
        raise SystemExit(1)
