"""``lms questions``: import and export a course's question bank (GIFT, Moodle XML, JSON)."""

from __future__ import annotations

import base64
import dataclasses
import json
import unicodedata
from collections import Counter
from pathlib import Path

import click
from sqlalchemy import select

from lms.courses.models import Course
from lms.legal.services import check_citations
from lms.quizzes.bank import current_bank
from lms.quizzes.bank_bulk import file_entries, save_questions
from lms.quizzes.bankfile import bank_source
from lms.quizzes.gift import dump_gift, parse_gift
from lms.quizzes.moodlexml import dump_moodle_xml, parse_moodle_xml
from lms.quizzes.parsed import ParsedQuestion, QuestionFormatError, nfc


def read_question_file(data: bytes, filename: str,
                       skipped: list[QuestionFormatError] | None = None,
                       not_kept: list[QuestionFormatError] | None = None
                       ) -> list[ParsedQuestion]:
    """Parse GIFT or Moodle XML, told apart by content (``<?xml``/``<quiz``) not by name.
    With ``skipped``, questions of unsupported types are left out and listed there; what
    a question carries that the bank does not keep is listed in ``not_kept``.

    :raises QuestionFormatError: with ``file:line: reason``.
    """
    head = data.lstrip()[:100].lower()
    if head.startswith((b"<?xml", b"<quiz")):
        return [nfc(q) for q in parse_moodle_xml(data, filename, skipped, not_kept)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise QuestionFormatError(filename, line, "not valid UTF-8; save the file as UTF-8") \
            from exc
    return [nfc(q) for q in parse_gift(unicodedata.normalize("NFC", text), filename)]


def _course(slug: str) -> Course:
    from lms.extensions import db

    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        raise click.ClickException(f"no course {slug!r}")
    return course


@click.group("questions")
def questions_cli() -> None:
    """Question banks."""


@questions_cli.command("import")
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--course", "slug", required=True, help="Course slug")
@click.option("--dry-run", is_flag=True, help="Check and count; change nothing.")
@click.option("--skip-unsupported", is_flag=True,
              help="Import the rest when some questions are of types we do not grade.")
def import_command(file: Path, slug: str, dry_run: bool, skip_unsupported: bool) -> None:
    """Import FILE (GIFT or Moodle XML) into a course bank; all or nothing.

    Questions of types we do not grade (cloze, calculated, drag and drop …) refuse the
    file, listed as file:line: type, unless --skip-unsupported (then they are listed as
    skipped)."""
    from lms.extensions import db

    course = _course(slug)
    skipped: list[QuestionFormatError] | None = [] if skip_unsupported else None
    not_kept: list[QuestionFormatError] = []
    try:
        questions = read_question_file(file.read_bytes(), str(file), skipped, not_kept)
        entries = file_entries(questions, str(file), bank_source(file.name))
        check_citations(course.id, questions, str(file))
    except QuestionFormatError as exc:
        for line in str(exc).splitlines():
            click.echo(line, err=True)
        raise click.ClickException("nothing was imported") from exc
    counts = Counter(q.type for q in questions)
    outcomes = save_questions(course, entries, None)
    for kind, n in sorted(counts.items()):
        click.echo(f"{kind}: {n}")
    for problem in skipped or ():
        click.echo(f"skipped: {problem}")
    for problem in not_kept:
        click.echo(f"not kept: {problem}")
    click.echo(f"total: {len(questions)} ({', '.join(f'{k} {v}' for k, v in outcomes.items())})")
    if dry_run:
        db.session.rollback()
        click.echo("dry run: nothing was changed")
    else:
        db.session.commit()


@questions_cli.command("export")
@click.option("--course", "slug", required=True, help="Course slug")
@click.option("--format", "fmt", type=click.Choice(["gift", "xml", "json"]), default="gift")
def export_command(slug: str, fmt: str) -> None:
    """Print the course bank (current versions) as GIFT, Moodle XML or JSON."""

    course = _course(slug)
    parsed = current_bank(course)
    if fmt == "gift":
        click.echo(dump_gift(parsed), nl=False)
    elif fmt == "xml":
        click.echo(dump_moodle_xml(parsed), nl=False)  # bytes: written as they are
    else:
        items = [{k: v for k, v in dataclasses.asdict(p).items() if k != "line"} for p in parsed]
        for item in items:  # file contents as base64, as Moodle XML carries them
            item["files"] = [{"name": f["name"], "base64": base64.b64encode(f["data"]).decode()}
                             for f in item["files"]]
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
