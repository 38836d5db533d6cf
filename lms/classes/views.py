"""Class pages: the list a user may see and one class's page."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms import chart_figures
from lms.auth.forms import EmptyForm
from lms.classes import bp
from lms.classes.dashboard import ClassBoard, class_board, learner_line, overview
from lms.classes.forms import LecturerForm
from lms.classes.models import Class, ClassCompletion, Enrolment, EnrolmentRole, EnrolmentState
from lms.classes.people import lecturer_choices
from lms.classes.status import learner_status
from lms.extensions import db
from lms.permissions import (
    can_manage_class,
    get_class_or_404,
    managed_classes,
    visible_classes,
)
from lms.vietnamese import sort_key


@bp.route("/")
@login_required
def index() -> Any:
    """The classes visible to the user."""
    classes = db.session.scalars(
        visible_classes(current_user).options(selectinload(Class.course))
        .order_by(Class.start_date.desc().nulls_last(), Class.code)
    ).all()
    return render_template("classes/index.html", classes=classes)


@bp.route("/<code>")
@login_required
def detail(code: str) -> Any:
    """One class: details for all who may see it, the roster for those who manage it."""
    klass = get_class_or_404(code, current_user)
    manage = can_manage_class(current_user, klass)
    learners: list[Enrolment] = []
    lecturers: list[Enrolment] = []
    lecturer_form = None
    statuses: dict[int, str] = {}
    if manage:
        rows = db.session.scalars(
            select(Enrolment).where(Enrolment.class_id == klass.id)
            .options(selectinload(Enrolment.user), joinedload(Enrolment.moved_to))
        ).all()
        learners = sorted(
            (e for e in rows if e.role == EnrolmentRole.LEARNER),
            key=lambda e: sort_key(e.user.full_name),
        )
        lecturers = [e for e in rows if e.role == EnrolmentRole.LECTURER
                     and e.state != EnrolmentState.WITHDRAWN]
        completions = dict(db.session.execute(
            select(ClassCompletion.user_id, ClassCompletion.status)
            .where(ClassCompletion.class_id == klass.id)).all())
        statuses = {e.user_id: learner_status(e.state, completions.get(e.user_id))
                    for e in learners}
        if current_user.is_admin:
            lecturer_form = LecturerForm(formdata=None)
            lecturer_form.user_id.choices = [(u.id, u.full_name)
                                             for u in lecturer_choices(klass)]
    mine = learner_line(klass, current_user) if current_user.is_learner else None
    return render_template(
        "classes/detail.html", klass=klass, manage=manage, learners=learners, lecturers=lecturers,
        mine=mine, lecturer_form=lecturer_form, form=EmptyForm(), statuses=statuses,
    )


@bp.route("/<code>/dashboard")
@login_required
def dashboard(code: str) -> Any:
    """The class dashboard: learners' progress and charts (managers only)."""
    klass = get_class_or_404(code, current_user, manage=True)
    status = request.args.get("status") or None
    sort = request.args.get("sort") or "name"
    board = class_board(klass, status=status, sort=sort)
    charts_ = [
        chart_figures.completion_funnel(board.funnel(), len(board.lines)),
        chart_figures.score_histogram(board.score_bins(),
                                      _("Learners per best-score band (of 10).")),
        chart_figures.completions_over_time(board.completions_over_time()),
    ]
    return render_template("classes/dashboard.html", klass=klass, board=board, charts=charts_,
                           status=status, sort=sort, cells=lesson_cells(board))


def lesson_cells(board: ClassBoard) -> dict[int, Markup]:
    """Each learner's row of lesson cells, built in Python: a class of 1,000 learners and
    20 lessons has 20,000 cells, too many for per-cell template logic and translation."""
    labels = {"done": ("done", "✓", _("lesson done")),
              "in_progress": ("in_progress", "…", _("lesson in progress")),
              None: ("none", "·", _("lesson not started"))}
    html = {key: Markup('<td class="cell-{}"><span aria-hidden="true">{}</span>'
                        '<span class="visually-hidden">{}</span></td>').format(css, mark, label)
            for key, (css, mark, label) in labels.items()}
    return {line.user.id: Markup("").join(html[line.lessons.get(lesson.id)]
                                          for lesson in board.lessons)
            for line in board.lines}


@bp.route("/overview")
@login_required
def overview_page() -> Any:
    """All classes the user manages, with completion and at-risk counts."""
    if not (current_user.is_admin or current_user.is_lecturer):
        abort(403)
    classes = db.session.scalars(managed_classes(current_user).options(
        selectinload(Class.course)).order_by(Class.code)).all()
    return render_template("classes/overview.html", summaries=overview(list(classes)))
