"""Question bank pages for a course's editors: browse, search, write in GIFT with a
preview, version history, and file import (GIFT or Moodle XML) with a dry run."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from lms.auth.forms import EmptyForm
from lms.courses.models import Course
from lms.courses.provenance import questions_provenance
from lms.courses.services import log_edit
from lms.errors import InvalidInput
from lms.extensions import db
from lms.legal.services import check_citations
from lms.lengths import max_length
from lms.permissions import editable_course_or_404
from lms.quizzes import bp
from lms.quizzes.bank import current_bank, save_question, to_parsed
from lms.quizzes.bank_bulk import file_entries, save_questions
from lms.quizzes.bankfile import bank_source, carry_over, gift_part
from lms.quizzes.cli import read_question_file
from lms.quizzes.gift import dump_gift, parse_gift
from lms.quizzes.models import Question, QuestionVersion
from lms.quizzes.parsed import ParsedQuestion, QuestionFormatError
from lms.quizzes.pools import exam_pools, mark_exam_pool
from lms.quizzes.question_files import blobs
from lms.quizzes.render import text_html, version_file_url
from lms.quizzes.types import get_type

MAX_UPLOAD = 2 * 1024 * 1024


def _editable(slug: str) -> Course:
    return editable_course_or_404(slug, current_user)


def _question(course: Course, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.course_id != course.id:
        abort(404)
    return question


def preview_of(version: QuestionVersion, slug: str) -> dict[str, Any]:
    """Everything about a version, for staff (right answers and feedback included)."""
    kind = get_type(version.type)
    files = version_file_url(version, slug)
    return {"type": version.type,
            "text_html": text_html(version.text, version.text_format, files),
            "options": [{"id": o["id"],
                         "text_html": text_html(o["text"], o.get("text_format")
                                                or version.text_format, files)}
                        for o in kind.options(version.data, None)],
            "right_answer": kind.right_answer(version.data)}


@bp.route("/courses/<slug>/questions")
@login_required
def bank(slug: str) -> Any:
    """Browse and search the bank."""
    course = _editable(slug)
    q = (request.args.get("q") or "").strip()
    category = request.args.get("category") or ""
    query = (select(Question, QuestionVersion)
             .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
             .where(Question.course_id == course.id, Question.archived.is_(False))
             .order_by(Question.category, Question.source_order, Question.name))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(Question.name).like(like),
                                func.lower(QuestionVersion.text).like(like)))
    if category:
        query = query.where(Question.category == category)
    categories = db.session.scalars(select(Question.category).where(
        Question.course_id == course.id, Question.archived.is_(False)).distinct()
        .order_by(Question.category)).all()
    rows = db.session.execute(query).all()
    return render_template("quizzes/bank.html", course=course, rows=rows,
                           categories=categories, q=q, category=category, form=EmptyForm(),
                           exam=exam_pools(course.id),
                           provenance=questions_provenance(course, rows))


@bp.route("/courses/<slug>/questions/export.<any(xml, gift):fmt>")
@login_required
def export_bank_file(slug: str, fmt: str) -> Any:
    """The bank (current versions) as Moodle XML or GIFT, to take back into Moodle."""
    from io import BytesIO

    from flask import send_file

    from lms.quizzes.moodlexml import dump_moodle_xml

    course = _editable(slug)
    parsed = current_bank(course)
    # GIFT leaves out what it cannot hold (an essay's template, files, hints), as Moodle's
    # own GIFT export does; Moodle XML keeps everything.
    data = (dump_moodle_xml(parsed) if fmt == "xml"
            else dump_gift([gift_part(q)[0] for q in parsed]).encode())
    return send_file(BytesIO(data), as_attachment=True,
                     download_name=f"ngan-hang-{course.slug}.{fmt}",
                     mimetype="application/xml" if fmt == "xml" else "text/plain")


@bp.route("/courses/<slug>/questions/pools", methods=["POST"])
@login_required
def set_pool(slug: str) -> Any:
    """Mark a category as an exam pool, or as a practice category again."""
    course = _editable(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    category = request.form.get("category", "")
    known = db.session.scalar(select(Question.id).where(
        Question.course_id == course.id, Question.category == category).limit(1))
    if known is None:
        abort(404)
    exam = request.form.get("exam_pool") == "1"
    try:
        mark_exam_pool(course.id, category, exam)
    except InvalidInput as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        log_edit(course, current_user, "category.exam_pool" if exam else "category.practice",
                 None, category)
        db.session.commit()
        flash(_("“%(category)s” is now an exam pool.", category=category) if exam else
              _("“%(category)s” is now a practice category.", category=category), "success")
    return redirect(url_for("quizzes.bank", slug=slug))


@bp.route("/courses/<slug>/questions/<int:question_id>")
@login_required
def question(slug: str, question_id: int) -> Any:
    """A question's preview and its versions."""
    course = _editable(slug)
    item = _question(course, question_id)
    versions = db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.question_id == item.id).order_by(QuestionVersion.number.desc())).all()
    return render_template("quizzes/question.html", course=course, question=item,
                           versions=versions, preview=preview_of(item.current_version, slug))


def _free_key(course: Course, name: str) -> str:
    """An ID number for a question written on the web: its name, numbered if taken."""
    taken = set(db.session.scalars(select(Question.idnumber).where(
        Question.course_id == course.id, Question.idnumber.startswith(name, autoescape=True))))
    return next(key for key in (name, *(f"{name} ({n})" for n in range(2, len(taken) + 3)))
                if key not in taken)


#: What the GIFT editor keeps unseen, as the page names it.
KEPT_LABELS = {"files": lambda: _("embedded files"), "hints": lambda: _("hints"),
               "correct_feedback": lambda: _("combined feedback"),
               "partially_correct_feedback": lambda: _("combined feedback"),
               "incorrect_feedback": lambda: _("combined feedback"),
               "show_num_correct": lambda: _("combined feedback"),
               "response_template": lambda: _("response template"),
               "grader_info": lambda: _("information for graders")}


def _save_from_gift(course: Course, name: str, category: str, source: str,
                    existing: Question | None) -> Question | None:
    try:
        parsed = parse_gift(source, _("question"))
        check_citations(course.id, parsed, _("question"))
    except QuestionFormatError as exc:
        for line in str(exc).splitlines():
            flash(line, "error")
        return None
    if len(parsed) != 1:
        flash(_("Write exactly one question."), "error")
        return None
    question = parsed[0]
    if existing is not None:  # what GIFT cannot hold stays as it was
        question = carry_over(question, to_parsed(existing, existing.current_version,
                                                  found=blobs([existing.id])))
    return save_edited(course, name, category, question, existing)


def save_edited(course: Course, name: str, category: str, question: ParsedQuestion,
                existing: Question | None) -> Question | None:
    """Save a question written on the web (in GIFT or in the form editor) as a new version
    of ``existing`` or as a new question, and record the edit; ``None`` (the reason
    flashed) when it cannot be saved."""
    question.category = category.strip() or question.category
    name = (name or question.name).strip()
    if not name:
        flash(_("Give the question a name."), "error")
        return None
    key = question.idnumber or (existing.idnumber if existing else _free_key(course, name))
    for label, value, column in ((_("Name"), name, Question.name),
                                 (_("Category"), question.category, Question.category),
                                 (_("ID number"), key, Question.idnumber)):
        if len(value or "") > max_length(column):
            flash(_("%(field)s: at most %(max)d characters.", field=label,
                    max=max_length(column)), "error")
            return None
    holder = db.session.scalar(select(Question.id).where(Question.course_id == course.id,
                                                         Question.idnumber == key))
    if holder is not None and (existing is None or holder != existing.id):
        flash(_("Another question has the ID number %(id)s.", id=key), "error")
        return None
    saved, outcome = save_question(
        course, question, current_user, name=name, key=key, question=existing,
        source_path=existing.source_path if existing else "questions/bank.gift",
        source_order=existing.source_order if existing else 10_000)
    log_edit(course, current_user, f"question.{outcome}", None, name)
    return saved


@bp.route("/courses/<slug>/questions/new", methods=["GET", "POST"])
@bp.route("/courses/<slug>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(slug: str, question_id: int | None = None) -> Any:
    """Write or edit a question in GIFT; saving a change makes a new version."""
    course = _editable(slug)
    existing = _question(course, question_id) if question_id else None
    source, kept = "", []
    if existing:
        shown, kept = gift_part(to_parsed(existing, existing.current_version))
        try:
            source = dump_gift([shown])
        except ValueError:  # e.g. a described item GIFT cannot write: Moodle XML only
            flash(_("This question can only be changed by importing it in Moodle XML."),
                  "error")
            return redirect(url_for("quizzes.question", slug=slug, question_id=existing.id))
    name, category, preview = (existing.name if existing else ""), \
        (existing.category if existing else ""), None
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        source, category = request.form.get("source", ""), request.form.get("category", "")
        name = existing.name if existing else request.form.get("name", "")
        if request.form.get("action") == "preview":
            try:
                parsed = parse_gift(source, _("question"))
                preview = [{"type": q.type, "text_html": text_html(q.text, q.text_format)}
                           for q in parsed]
            except QuestionFormatError as exc:
                for line in str(exc).splitlines():
                    flash(line, "error")
        else:
            saved = _save_from_gift(course, name, category, source, existing)
            if saved is not None:
                db.session.commit()
                flash(_("Question saved."), "success")
                return redirect(url_for("quizzes.question", slug=slug, question_id=saved.id))
            db.session.rollback()
    return render_template("quizzes/question_form.html", course=course, existing=existing,
                           source=source, name=name, category=category, preview=preview,
                           form=EmptyForm(), kept=[KEPT_LABELS[k]() for k in kept])


@bp.route("/courses/<slug>/questions/import", methods=["GET", "POST"])
@login_required
def import_questions(slug: str) -> Any:
    """Upload a GIFT or Moodle XML file; check it (dry run) or import it, all or nothing."""
    course = _editable(slug)
    report = None
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        upload = request.files.get("file")
        data = upload.read(MAX_UPLOAD + 1) if upload else b""
        if not data or len(data) > MAX_UPLOAD:
            flash(_("Choose a GIFT or Moodle XML file of at most 2 MB."), "error")
            return redirect(request.path)
        filename = upload.filename or "upload.gift"
        try:
            not_kept: list[QuestionFormatError] = []
            parsed = read_question_file(data, filename, not_kept=not_kept)
            entries = file_entries(parsed, filename, bank_source(filename))
            check_citations(course.id, parsed, filename)
        except QuestionFormatError as exc:
            return render_template("quizzes/import.html", course=course, form=EmptyForm(),
                                   errors=str(exc).splitlines(), report=None)
        counts = dict(save_questions(course, entries, current_user))
        types: dict[str, int] = {}
        for item in parsed:
            types[item.type] = types.get(item.type, 0) + 1
        report = {"file": filename, "total": len(parsed), "types": types, "outcomes": counts,
                  "not_kept": [str(p) for p in not_kept],
                  "dry_run": bool(request.form.get("dry_run"))}
        if report["dry_run"]:
            db.session.rollback()
        else:
            log_edit(course, current_user, "question.import", None, f"{filename}: {len(parsed)}")
            db.session.commit()
            flash(_("%(n)d questions imported.", n=len(parsed)), "success")
    return render_template("quizzes/import.html", course=course, form=EmptyForm(), errors=[],
                           report=report)
