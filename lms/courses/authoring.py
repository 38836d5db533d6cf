"""Lecturer views: write lessons with a live preview, publish, history, restore, order,
schedule and attachments. Only admins and the course's lecturers; others get 404."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.auth.forms import EmptyForm
from lms.courses import bp
from lms.courses.edit_log import Context, edit_sentence
from lms.courses.forms import AttachmentForm, LessonForm, ScheduleForm
from lms.courses.markdown import render_markdown
from lms.courses.models import Attachment, ContentEdit, Course, Lesson, LessonRevision
from lms.courses.queries import visible_lessons
from lms.courses.services import (
    LessonDraft,
    add_attachment,
    create_lesson,
    has_unpublished_changes,
    move,
    publish,
    restore,
    revision_diff,
    save_draft,
    schedule,
)
from lms.courses.views import attachment_url_rewriter
from lms.db import aware
from lms.errors import InvalidInput
from lms.extensions import db
from lms.permissions import editable_course_or_404


def _editable_course(slug: str) -> Course:
    return editable_course_or_404(slug, current_user)


def _editable_lesson(slug: str, lesson_slug: str) -> tuple[Course, Lesson]:
    course = _editable_course(slug)
    lesson = db.session.scalar(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == lesson_slug)
    )
    if lesson is None:
        abort(404)
    return course, lesson


def _draft(form: LessonForm) -> LessonDraft:
    return LessonDraft(title=form.title.data or "", minutes=form.minutes.data or 0,
                       objectives=form.objectives_list(), body=form.body.data or "",
                       legal=form.legal_list())


def _require_post_form() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.route("/<slug>/manage")
@login_required
def manage(slug: str) -> Any:
    """All lessons of the course with their state, for its editors."""
    course = _editable_course(slug)
    lessons = visible_lessons(course, staff=True)
    attachments = db.session.scalars(
        select(Attachment).where(Attachment.course_id == course.id).order_by(Attachment.name)
    ).all()
    edits = db.session.scalars(
        select(ContentEdit).where(ContentEdit.course_id == course.id)
        .options(selectinload(ContentEdit.user)).order_by(ContentEdit.id.desc()).limit(15)
    ).all()
    from lms.quizzes.models import Quiz

    quizzes = db.session.execute(
        select(Quiz.slug, Quiz.title).where(Quiz.course_id == course.id)).all()
    context = Context({lesson.id: lesson.title for lesson in lessons}, dict(quizzes))
    return render_template(
        "courses/manage.html", course=course, lessons=lessons, attachments=attachments,
        edits=[(edit, edit_sentence(edit, context)) for edit in edits], form=EmptyForm(),
        upload_form=AttachmentForm(),
        changed={lesson.id: has_unpublished_changes(lesson) for lesson in lessons},
    )


@bp.route("/<slug>/lessons/new", methods=["GET", "POST"])
@login_required
def new_lesson(slug: str) -> Any:
    """Start a new draft lesson."""
    course = _editable_course(slug)
    form = LessonForm()
    if form.validate_on_submit():
        try:
            lesson = create_lesson(course, current_user, _draft(form))
        except InvalidInput as exc:
            getattr(form, exc.field, form.title).errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Draft created."), "success")
            return redirect(url_for("courses.edit_lesson", slug=slug, lesson_slug=lesson.slug))
    return render_template("courses/edit.html", course=course, lesson=None, form=form,
                           preview=None)


@bp.route("/<slug>/lessons/<lesson_slug>/edit", methods=["GET", "POST"])
@login_required
def edit_lesson(slug: str, lesson_slug: str) -> Any:
    """Edit the draft; save, preview (without JavaScript) or publish."""
    course, lesson = _editable_lesson(slug, lesson_slug)
    form = LessonForm(obj=lesson)
    if request.method == "GET":
        form.objectives.data = "\n".join(lesson.objectives)
        form.legal.data = "\n".join(lesson.legal or [])
    preview = None
    if form.validate_on_submit():
        action = request.form.get("action", "save")
        if action == "preview":
            preview = render_markdown(form.body.data or "", attachment_url_rewriter(course))
        else:
            try:
                save_draft(lesson, current_user, _draft(form))
                if action == "publish":
                    revision = publish(lesson, current_user)
                    flash(_("Published as revision %(n)d.", n=revision.number), "success")
                else:
                    flash(_("Draft saved."), "success")
            except InvalidInput as exc:
                getattr(form, exc.field, form.body).errors.append(exc.message)
            else:
                db.session.commit()
                return redirect(url_for("courses.edit_lesson", slug=slug,
                                        lesson_slug=lesson.slug))
    shown = lesson.available_from
    local = to_user_timezone(aware(shown)).replace(tzinfo=None) if shown else None
    return render_template("courses/edit.html", course=course, lesson=lesson, form=form,
                           preview=preview, schedule_form=ScheduleForm(available_from=local),
                           draft=has_unpublished_changes(lesson))


@bp.route("/<slug>/preview", methods=["POST"])
@login_required
def preview(slug: str) -> Any:
    """Live preview for the editor: the same renderer learners get (CSRF-checked POST)."""
    course = _editable_course(slug)
    text = request.form.get("body", "")
    return jsonify({"html": str(render_markdown(text, attachment_url_rewriter(course)))})


@bp.route("/<slug>/lessons/<lesson_slug>/history")
@login_required
def history(slug: str, lesson_slug: str) -> Any:
    """Revisions of a lesson, with a diff between any two."""
    course, lesson = _editable_lesson(slug, lesson_slug)
    revisions = db.session.scalars(
        select(LessonRevision).where(LessonRevision.lesson_id == lesson.id)
        .options(selectinload(LessonRevision.created_by))
        .order_by(LessonRevision.number.desc())
    ).all()
    by_number = {revision.number: revision for revision in revisions}
    new_n = request.args.get("b", type=int)
    old_n = request.args.get("a", type=int)
    diff = None
    if new_n in by_number:
        old = by_number.get(old_n) if old_n is not None else by_number.get(new_n - 1)
        diff = revision_diff(old, by_number[new_n])
    elif request.args.get("draft") and revisions:
        diff = revision_diff(revisions[0], lesson)
    return render_template("courses/history.html", course=course, lesson=lesson,
                           revisions=revisions, diff=diff, form=EmptyForm(),
                           draft=bool(revisions) and has_unpublished_changes(lesson))


@bp.route("/<slug>/lessons/<lesson_slug>/revisions/<int:number>/restore", methods=["POST"])
@login_required
def restore_revision(slug: str, lesson_slug: str, number: int) -> Any:
    """Restore an old revision as the new published one."""
    _course, lesson = _editable_lesson(slug, lesson_slug)
    _require_post_form()
    revision = db.session.scalar(select(LessonRevision).where(
        LessonRevision.lesson_id == lesson.id, LessonRevision.number == number))
    if revision is None:
        abort(404)
    new = restore(lesson, revision, current_user)
    db.session.commit()
    flash(_("Revision %(old)d restored as revision %(new)d.", old=number, new=new.number),
          "success")
    return redirect(url_for("courses.history", slug=slug, lesson_slug=lesson_slug))


@bp.route("/<slug>/lessons/<lesson_slug>/move", methods=["POST"])
@login_required
def move_lesson(slug: str, lesson_slug: str) -> Any:
    """Move a lesson up or down in the course order."""
    _course, lesson = _editable_lesson(slug, lesson_slug)
    _require_post_form()
    move(lesson, current_user, -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("courses.manage", slug=slug))


@bp.route("/<slug>/lessons/<lesson_slug>/schedule", methods=["POST"])
@login_required
def schedule_lesson(slug: str, lesson_slug: str) -> Any:
    """Set when a lesson becomes visible to learners (local time)."""
    _course, lesson = _editable_lesson(slug, lesson_slug)
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash(_("Write the date as dd/mm/yyyy hh:mm."), "error")
    else:
        when = form.available_from.data
        schedule(lesson, current_user, to_utc(when) if when else None)
        db.session.commit()
        flash(_("Schedule saved."), "success")
    return redirect(url_for("courses.edit_lesson", slug=slug, lesson_slug=lesson_slug))


@bp.route("/<slug>/attachments", methods=["POST"])
@login_required
def upload_attachment(slug: str) -> Any:
    """Upload an attachment (type checked by content, size limited)."""
    course = _editable_course(slug)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(21 * 1024 * 1024)
        try:
            item = add_attachment(course, current_user, form.name.data or upload.filename or "",
                                  data)
        except InvalidInput as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash(_("Attachment %(name)s saved.", name=item.name), "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("courses.manage", slug=slug))
