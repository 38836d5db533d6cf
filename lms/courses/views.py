"""Learner-facing course pages: outline, lesson, completion, attachments, print view."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.forms import EmptyForm
from lms.courses import bp
from lms.courses.disk import disk_summary
from lms.courses.markdown import render_markdown
from lms.courses.models import Attachment, Course, Lesson, LessonRevision
from lms.courses.progress import (
    NotReadYet,
    reading_left_message,
    record_activity,
    required_seconds,
)
from lms.courses.provenance import lessons_provenance, quizzes_provenance
from lms.courses.queries import attachments_for_learners, outline, visible_lessons
from lms.db import writing
from lms.extensions import db
from lms.legal.services import lesson_basis
from lms.permissions import can_edit_course, get_course_or_404, visible_courses
from lms.quizzes.queries import course_quizzes
from lms.security import bare_mimetype


def attachment_url_rewriter(course: Course) -> Any:
    """Map ``attachments/x`` links in lesson Markdown to the download route."""

    def rewrite(url: str) -> str:
        for prefix in ("attachments/", "../attachments/"):
            if url.startswith(prefix):
                return url_for("courses.attachment", slug=course.slug, name=url[len(prefix):])
        return url

    return rewrite


@bp.route("/")
@login_required
def index() -> Any:
    """The courses visible to the user."""
    courses = db.session.scalars(visible_courses(current_user).order_by(Course.title)).all()
    return render_template("courses/index.html", courses=courses)


@bp.route("/<slug>")
@login_required
def detail(slug: str) -> Any:
    """The course outline with the user's status per lesson and overall progress."""
    course = get_course_or_404(slug, current_user)
    staff = can_edit_course(current_user, course)
    items = outline(course, current_user, staff=staff)
    done = sum(1 for item in items if item.status == "done")
    quizzes = course_quizzes(course, current_user)
    provenance, disk = {}, None
    if staff:  # editors see which items were edited on the web since the files
        provenance = {"lesson": lessons_provenance(course, [(i.lesson, i.revision)
                                                            for i in items]),
                      "quiz": quizzes_provenance(course, quizzes)}
        disk = disk_summary(course, current_app.config.get("LMS_COURSES_DIR"))
    return render_template("courses/detail.html", course=course, items=items, can_edit=staff,
                           done=done, percent=round(100 * done / len(items)) if items else 0,
                           quizzes=quizzes, provenance=provenance, disk=disk)


def _load_lesson(slug: str, lesson_slug: str) -> tuple[Course, Lesson, LessonRevision, bool]:
    course = get_course_or_404(slug, current_user)
    staff = can_edit_course(current_user, course)
    lessons = visible_lessons(course, staff=staff)
    lesson = next((item for item in lessons if item.slug == lesson_slug), None)
    revision = lesson.published_revision if lesson else None
    if lesson is None or revision is None:
        abort(404)
    return course, lesson, revision, staff


def _neighbours(course: Course, lesson: Lesson, staff: bool) -> tuple[Lesson | None, ...]:
    lessons = [item for item in visible_lessons(course, staff=staff) if item.published_revision]
    index = lessons.index(lesson)
    return (lessons[index - 1] if index > 0 else None,
            lessons[index + 1] if index + 1 < len(lessons) else None)


@bp.route("/<slug>/lessons/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str) -> Any:
    """Read a lesson (its published revision); the visit counts toward time spent."""
    course, item, revision, staff = _load_lesson(slug, lesson_slug)
    progress, reading_left = None, 0
    if current_user.is_learner:
        with writing():
            progress = record_activity(current_user.id, item.id)
        if progress.status != "done":
            reading_left = max(0, required_seconds(item.id) - progress.seconds_spent)
    previous, following = _neighbours(course, item, staff)
    attachments = db.session.scalars(
        select(Attachment).where(Attachment.course_id == course.id).order_by(Attachment.name)
    ).all()
    if not staff:
        shown = attachments_for_learners(course)
        attachments = [a for a in attachments if a.name in shown]
    body = render_markdown(revision.body, attachment_url_rewriter(course))
    return render_template(
        "courses/lesson.html", course=course, lesson=item, revision=revision, body=body,
        progress=progress, previous=previous, following=following, attachments=attachments,
        form=EmptyForm(), can_edit=staff, reading_left=reading_left,
        provenance=lessons_provenance(course, [(item, revision)]).get(item.id) if staff
        else None, basis=lesson_basis(course, item, list(revision.legal or [])),
    )


@bp.route("/<slug>/lessons/<lesson_slug>/print")
@login_required
def lesson_print(slug: str, lesson_slug: str) -> Any:
    """A printable page of the lesson, without navigation."""
    course, item, revision, _staff = _load_lesson(slug, lesson_slug)
    body = render_markdown(revision.body, attachment_url_rewriter(course))
    return render_template("courses/print.html", course=course, lesson=item,
                           revision=revision, body=body)


@bp.route("/<slug>/lessons/<lesson_slug>/done", methods=["POST"])
@login_required
def mark_done(slug: str, lesson_slug: str) -> Any:
    """Mark a lesson done (the no-JavaScript path; the page also does it at the end)."""
    course, item, _revision, staff = _load_lesson(slug, lesson_slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if current_user.is_learner:
        try:
            record_activity(current_user.id, item.id, complete=True)
        except NotReadYet as exc:
            db.session.commit()  # the visit still counts as reading time
            flash(reading_left_message(exc.seconds_needed), "error")
            return redirect(url_for("courses.lesson", slug=slug, lesson_slug=lesson_slug))
        db.session.commit()
        flash(_("Lesson marked as done."), "success")
    _previous, following = _neighbours(course, item, staff)
    if following is not None:
        return redirect(url_for("courses.lesson", slug=slug, lesson_slug=following.slug))
    return redirect(url_for("courses.detail", slug=slug))


@bp.route("/<slug>/attachments/<name>")
@login_required
def attachment(slug: str, name: str) -> Any:
    """Download an attachment of a course the user may view: for learners, only one that a
    published lesson they can see links to."""
    course = get_course_or_404(slug, current_user)
    if not can_edit_course(current_user, course) and name not in attachments_for_learners(course):
        abort(404)
    item = db.session.scalar(
        select(Attachment).where(Attachment.course_id == course.id, Attachment.name == name)
    )
    if item is None:
        abort(404)
    response = send_file(BytesIO(item.data), mimetype=bare_mimetype(item.content_type),
                         as_attachment=item.content_type != "application/pdf",
                         download_name=item.name)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
