"""Lecturer quiz pages: results, the essay grading queue, regrade, item analysis. Only
the quiz's managers; everyone else gets 404. (Accommodations: ``accommodations.py``.)"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms import chart_figures
from lms.auth.forms import EmptyForm
from lms.errors import InvalidInput
from lms.extensions import db
from lms.i18n import format_answer_number
from lms.permissions import can_edit_course
from lms.quizzes import bp
from lms.quizzes.attempt_models import AttemptSlot
from lms.quizzes.attempts import grade_manually, regrade_quiz
from lms.quizzes.grading import (
    closed_attempts,
    item_statistics,
    learner_scope,
    pending_grading,
    quiz_grade,
)
from lms.quizzes.models import Question
from lms.quizzes.queries import quiz_for
from lms.vietnamese import sort_key


def _post_ok() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.route("/quizzes/<int:quiz_id>/results")
@login_required
def results(quiz_id: int) -> Any:
    """Every learner's attempts and grade, in Vietnamese class-list order."""
    quiz = quiz_for(quiz_id, current_user, manage=True)
    by_user: dict[int, list] = defaultdict(list)
    for attempt in closed_attempts(quiz, learner_scope(quiz, current_user)):
        by_user[attempt.user_id].append(attempt)
    rows = sorted(((attempts[0].user, attempts, quiz_grade(attempts, quiz.grading))
                   for attempts in by_user.values()), key=lambda r: sort_key(r[0].full_name))
    return render_template("quizzes/results.html", quiz=quiz, rows=rows,
                           pending=len(pending_grading(quiz, learner_scope(quiz, current_user))),
                           can_regrade=can_edit_course(current_user, quiz.course),
                           form=EmptyForm())


@bp.route("/quizzes/<int:quiz_id>/grading", methods=["GET", "POST"])
@login_required
def grading(quiz_id: int) -> Any:
    """Mark essays: score and comment; the attempt total follows at once."""
    quiz = quiz_for(quiz_id, current_user, manage=True)
    if request.method == "POST":
        _post_ok()
        item = db.session.get(AttemptSlot, request.form.get("slot_id", type=int) or 0)
        scope = learner_scope(quiz, current_user)
        if item is None or item.attempt.quiz_id != quiz.id or (
                scope is not None and item.attempt.user_id not in set(db.session.scalars(scope))):
            abort(404)
        try:
            points = float((request.form.get("points") or "").replace(",", "."))
        except ValueError:
            flash(_("Write the mark as a number."), "error")
        else:
            try:
                grade_manually(item, points / item.max_points, request.form.get("comment", ""),
                               current_user)
            except InvalidInput as exc:
                flash(exc.message, "error")
            else:
                db.session.commit()
                flash(_("Mark saved."), "success")
        return redirect(url_for("quizzes.grading", quiz_id=quiz_id))
    return render_template("quizzes/grading.html", quiz=quiz,
                           items=pending_grading(quiz, learner_scope(quiz, current_user)),
                           form=EmptyForm())


@bp.route("/quizzes/<int:quiz_id>/regrade", methods=["POST"])
@login_required
def regrade(quiz_id: int) -> Any:
    """Regrade every closed attempt after a question fix."""
    quiz = quiz_for(quiz_id, current_user, manage=True)
    if not can_edit_course(current_user, quiz.course):
        abort(403)  # it changes the grades of every class: the course's editors only
    _post_ok()
    changed = regrade_quiz(quiz)
    from lms.audit.services import record

    record("regrade", current_user.id, f"quiz:{quiz.slug}", changed=changed)
    from lms.courses.services import log_edit

    log_edit(quiz.course, current_user, "quiz.regrade", None,
             f"{quiz.slug}: {changed} attempts changed", audited=True)
    db.session.commit()
    flash(_("Regraded: %(n)d attempts changed score.", n=changed), "success")
    return redirect(url_for("quizzes.results", quiz_id=quiz_id))


@bp.route("/quizzes/<int:quiz_id>/analysis")
@login_required
def analysis(quiz_id: int) -> Any:
    """Item analysis: facility, discrimination, distractors, score histogram."""
    quiz = quiz_for(quiz_id, current_user, manage=True)
    stats = item_statistics(quiz, learner_scope(quiz, current_user))
    questions = {q.id: q for q in db.session.scalars(
        select(Question).options(joinedload(Question.current_version))
        .where(Question.id.in_([i.question_id for i in stats.items])))}
    histogram = chart_figures.score_histogram(
        [(f"{format_answer_number(b.low)}–{format_answer_number(b.high)}", b.count)
         for b in stats.histogram],
        _("Number of learners per score band (of 10)."))
    return render_template("quizzes/analysis.html", quiz=quiz, stats=stats,
                           questions=questions, histogram=histogram)
