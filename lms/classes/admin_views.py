"""Administrators' class pages: create a class, import a roster (upload, preview,
confirm), download activation codes (the people of a class: people_views)."""

from __future__ import annotations

import json
import re
import secrets
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.auth.forms import EmptyForm
from lms.auth.login import admin_required
from lms.classes import bp
from lms.classes.codes_xlsx import codes_xlsx
from lms.classes.forms import ClassForm, RosterUploadForm
from lms.classes.models import Class
from lms.classes.roster import import_roster
from lms.classes.roster_io import RosterError, read_roster
from lms.classes.services import ClassData, code_for_files, create_class
from lms.courses.models import Course
from lms.errors import InvalidInput
from lms.extensions import db
from lms.request_body import loads_bounded

MAX_ROSTER_BYTES = 10 * 1024 * 1024
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STASH_MAX_AGE_S = 24 * 3600  # a preview can be confirmed for a day


def class_or_404(code: str) -> Class:
    return db.one_or_404(select(Class).where(Class.code == code))


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new() -> Any:
    """Create a class."""
    form = ClassForm()
    form.course.choices = [(c.slug, c.title) for c in db.session.scalars(
        select(Course).order_by(Course.title))]
    if form.validate_on_submit():
        try:
            klass = create_class(ClassData(
                code=form.code.data or "", name=form.name.data or "",
                course_slug=form.course.data or "", start_date=form.start_date.data,
                end_date=form.end_date.data, place=form.place.data), current_user)
        except InvalidInput as exc:
            getattr(form, exc.field, form.code).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Class %(code)s created.", code=klass.code), "success")
            return redirect(url_for("classes.roster", code=klass.code))
    return render_template("classes/new.html", form=form)


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "roster-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep_stale_uploads(directory: Path, now: float | None = None) -> int:
    """Delete roster uploads older than ``STASH_MAX_AGE_S``: a preview that was never
    confirmed must not keep a list of people's personal data; returns how many."""
    cutoff = (time.time() if now is None else now) - STASH_MAX_AGE_S
    stale = [p for p in directory.glob("*.bin") if p.stat().st_mtime < cutoff]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def _stash(klass: Class, data: bytes) -> str:
    """Keep the upload between preview and confirm (bound to this admin and class)."""
    sweep_stale_uploads(_upload_dir())
    token = secrets.token_urlsafe(24)
    (_upload_dir() / f"{current_user.id}-{klass.id}-{token}.bin").write_bytes(data)
    return token


def _unstash(klass: Class, token: str) -> tuple[Path, bytes]:
    if not TOKEN_RE.match(token):
        abort(404)
    path = _upload_dir() / f"{current_user.id}-{klass.id}-{token}.bin"
    if not path.exists() or path.stat().st_mtime < time.time() - STASH_MAX_AGE_S:
        abort(404)  # unknown, or a preview too old to confirm: upload again
    return path, path.read_bytes()


@bp.route("/<code>/roster", methods=["GET", "POST"])
@admin_required
def roster(code: str) -> Any:
    """Upload a roster: a preview first (nothing changes), then confirm."""
    klass = class_or_404(code)
    form = RosterUploadForm()
    context: dict[str, Any] = {"klass": klass, "form": form, "confirm": EmptyForm()}
    if request.method == "POST" and request.form.get("token"):
        if not EmptyForm().validate_on_submit():
            abort(400)
        path, data = _unstash(klass, request.form["token"])
        filename = request.form.get("filename", "roster")[:200]
        try:
            report = import_roster(klass, read_roster(data, filename), filename, current_user)
        except RosterError as exc:
            db.session.rollback()
            return render_template("classes/roster.html", problems=exc.messages(), **context)
        db.session.commit()
        path.unlink(missing_ok=True)
        flash(_("Roster imported: %(n)d learners.", n=report.rows), "success")
        codes_json = json.dumps([(a.full_name, a.username, a.code) for a in report.created],
                                ensure_ascii=False)
        return render_template("classes/roster_done.html", klass=klass, report=report,
                               form=EmptyForm(), codes_json=codes_json)
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_ROSTER_BYTES + 1)
        if len(data) > MAX_ROSTER_BYTES:
            return render_template("classes/roster.html", problems=[
                _("file: larger than %(mb)d MB", mb=MAX_ROSTER_BYTES // 2**20)], **context)
        filename = upload.filename or "roster"
        try:
            rows = read_roster(data, filename)
            report = import_roster(klass, rows, filename, current_user)  # dry run
        except RosterError as exc:
            db.session.rollback()
            return render_template("classes/roster.html", problems=exc.messages(), **context)
        db.session.rollback()
        return render_template("classes/roster.html", preview=rows[:200], report=report,
                               token=_stash(klass, data), filename=filename, **context)
    return render_template("classes/roster.html", **context)


def _expiry_date(text: str) -> date | None:
    """The dd/mm/yyyy the codes page shows (empty: none). :raises ValueError: not one."""
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
        raise ValueError(text)
    return datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 (a calendar date)


@bp.route("/<code>/roster/codes.xlsx", methods=["POST"])
@admin_required
def roster_codes(code: str) -> Any:
    """The activation codes just shown, as XLSX (nothing is read back from storage:
    codes are stored hashed; this only formats what the page already holds)."""
    klass = class_or_404(code)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        rows = [(str(r[0]), str(r[1]), str(r[2])) for r in loads_bounded(request.form["codes"])]
        expires = _expiry_date(request.form.get("expires", ""))
    except (KeyError, ValueError, TypeError, IndexError):
        abort(400)
    data = codes_xlsx(rows, expires, klass.code)
    from io import BytesIO

    return send_file(BytesIO(data), as_attachment=True,
                     download_name=f"ma-kich-hoat-{code_for_files(klass)}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
