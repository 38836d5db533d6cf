"""Pages of the legal basis: the course's documents and their status (anyone who can see
the course; admins change a status), and the content to review (the course's editors)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.audit.services import record as audit
from lms.auth.forms import EmptyForm
from lms.courses.models import Course
from lms.courses.services import log_edit
from lms.extensions import db
from lms.legal import bp
from lms.legal.forms import StatusForm, status_labels
from lms.legal.models import REVIEW_KINDS, LegalRecord
from lms.legal.review import flagged, mark_reviewed, set_status
from lms.legal.services import local_today, records
from lms.permissions import can_edit_course, editable_course_or_404, get_course_or_404


def _editable(slug: str) -> Course:
    return editable_course_or_404(slug, current_user)


@bp.route("/courses/<slug>/legal")
@login_required
def registry(slug: str) -> Any:
    """The documents the course relies on, with their status today."""
    course = get_course_or_404(slug, current_user)
    return render_template("legal/registry.html", course=course, rows=records(course.id),
                           today=local_today(), labels=status_labels(),
                           can_edit=can_edit_course(current_user, course))


@bp.route("/courses/<slug>/legal/<int:record_id>", methods=["GET", "POST"])
@login_required
def change_status(slug: str, record_id: int) -> Any:
    """An admin marks a document amended, replaced, expired or in force again."""
    course = get_course_or_404(slug, current_user)
    row = db.session.get(LegalRecord, record_id)
    if not current_user.is_admin or row is None or row.course_id != course.id:
        abort(404)
    form = StatusForm(obj=row)
    if form.validate_on_submit():
        problem = _status_problem(course, row, form)
        if problem is None:
            set_status(row, form.status.data, (form.replaced_by.data or "").strip(),
                       form.status_date.data, (form.note.data or "").strip(), current_user)
            log_edit(course, current_user, "legal.status", None,
                     f"{row.number}: {row.status}", audited=True)
            audit("legal_status", current_user.id, f"{course.slug}:{row.number}",
                  status=row.status, replaced_by=row.replaced_by,
                  status_date=row.status_date.isoformat() if row.status_date else None)
            db.session.commit()
            flash(_("The status of %(number)s is saved; what cites it is flagged for review.",
                    number=row.number), "success")
            return redirect(url_for("legal.registry", slug=slug))
        form.status.errors.append(problem)
    elif request.method == "POST" and form.csrf_token.errors:
        abort(400)
    status = 422 if request.method == "POST" else 200
    return render_template("legal/status.html", course=course, row=row, form=form,
                           today=local_today(), labels=status_labels()), status


def _status_problem(course: Course, row: LegalRecord, form: StatusForm) -> str | None:
    status, by = form.status.data, (form.replaced_by.data or "").strip()
    if status == "replaced":
        if not by or by == row.number or db.session.scalar(select(LegalRecord.id).where(
                LegalRecord.course_id == course.id, LegalRecord.number == by)) is None:
            return _("A replaced document names its replacement, a document of this list.")
    elif by:
        return _("Only a replaced document has a replacement.")
    if status in ("replaced", "expired") and form.status_date.data is None:
        return _("Give the date from which the status holds.")
    return None


@bp.route("/courses/<slug>/legal/review", methods=["GET", "POST"])
@login_required
def review(slug: str) -> Any:
    """Lessons and questions resting on a changed document; a lecturer marks each one
    reviewed once checked."""
    course = _editable(slug)
    today = local_today()
    items = flagged(course, today)
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        kind, item_id = request.form.get("kind", ""), request.form.get("item_id", type=int)
        if kind not in REVIEW_KINDS or not _in_course(course, kind, item_id):
            abort(404)
        item = next((i for i in items if i.kind == kind and i.item_id == item_id), None)
        if item is None:  # reviewed meanwhile (by someone else, in another tab)
            flash(_("Nothing is left to review on this item."), "info")
            return redirect(url_for("legal.review", slug=slug))
        mark_reviewed(course, kind, item.item_id, [d.number for d in item.documents],
                      current_user)
        audit("legal_review", current_user.id, f"{course.slug}:{kind}:{item.item_id}",
              documents=[d.number for d in item.documents])
        db.session.commit()
        flash(_("Marked as reviewed: %(label)s.", label=item.label), "success")
        return redirect(url_for("legal.review", slug=slug))
    return render_template("legal/review.html", course=course, items=items, today=today,
                           labels=status_labels(), form=EmptyForm())


def _in_course(course: Course, kind: str, item_id: int | None) -> bool:
    from lms.courses.models import Lesson
    from lms.quizzes.models import Question

    model = Lesson if kind == "lesson" else Question
    return item_id is not None and db.session.scalar(select(model.id).where(
        model.id == item_id, model.course_id == course.id)) is not None
