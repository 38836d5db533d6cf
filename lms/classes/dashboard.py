"""Read models of the class dashboards: a constant number of statements per page,
whatever the class size (completion rows are kept current at each event)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import to_user_timezone
from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from lms.auth.models import User
from lms.classes.completion import rule_of
from lms.classes.models import (
    Class,
    ClassCompletion,
    CompletionStatus,
    Enrolment,
    EnrolmentRole,
    EnrolmentState,
)
from lms.courses.models import Lesson, LessonProgress, LessonStatus
from lms.db import aware, utcnow
from lms.extensions import db
from lms.vietnamese import sort_key

AT_RISK_IDLE = timedelta(days=7)


@dataclass
class LearnerLine:
    """One row of the class table."""

    user: User
    completion: ClassCompletion | None
    lessons: dict[int, str] = field(default_factory=dict)  # lesson id -> in_progress/done
    score_visible: bool = True  # the learner's own line: as the quiz's review allows now

    @property
    def status(self) -> str:
        return self.completion.status if self.completion else CompletionStatus.NOT_STARTED.value

    @property
    def at_risk(self) -> bool:
        if self.status == CompletionStatus.FAILED.value:
            return True
        if self.status == CompletionStatus.COMPLETED.value:
            return False
        last = aware(self.completion.last_activity_at) if self.completion else None
        return last is None or utcnow() - last > AT_RISK_IDLE


@dataclass
class ClassBoard:
    """Everything the class dashboard and the exports show."""

    klass: Class
    lessons: list[Lesson]
    lines: list[LearnerLine]

    def funnel(self) -> list[tuple[str, int]]:
        done = Counter(lid for line in self.lines for lid, s in line.lessons.items()
                       if s == "done")
        return [((lesson.published_revision.title if lesson.published_revision
                  else lesson.title), done[lesson.id]) for lesson in self.lessons]

    def score_bins(self) -> list[tuple[str, int]]:
        bins = [0] * 10
        for line in self.lines:
            score = line.completion.best_score10 if line.completion else None
            if score is not None:
                bins[min(int(score), 9)] += 1
        return [(f"{i}–{i + 1}", n) for i, n in enumerate(bins)]

    def completions_over_time(self) -> list[tuple[str, float]]:
        days = Counter(to_user_timezone(aware(line.completion.completed_at)).date()
                       for line in self.lines
                       if line.completion and line.completion.completed_at)
        total, out = 0, []
        for day in sorted(days):
            total += days[day]
            out.append((day.strftime("%d/%m"), float(total)))
        return out


SORTS = {
    "name": lambda line: sort_key(line.user.full_name),
    "status": lambda line: (line.status, sort_key(line.user.full_name)),
    "score": lambda line: (-(line.completion.best_score10 or -1) if line.completion else 1,
                           sort_key(line.user.full_name)),
    "activity": lambda line: (-(aware(line.completion.last_activity_at).timestamp())
                              if line.completion and line.completion.last_activity_at else 0,
                              sort_key(line.user.full_name)),
}


def class_board(klass: Class, *, status: str | None = None, sort: str = "name",
                with_lessons: bool = True) -> ClassBoard:
    """The class's learners with their completion and per-lesson progress (a fixed number
    of statements, whatever the number of learners or lessons)."""
    rule = rule_of(klass)
    lessons = list(db.session.scalars(
        select(Lesson).where(Lesson.course_id == klass.course_id,
                             Lesson.status == LessonStatus.PUBLISHED.value)
        .options(selectinload(Lesson.published_revision))
        .order_by(Lesson.position, Lesson.id)))
    if rule.get("lessons", "all") != "all":
        wanted = set(rule["lessons"])
        lessons = [lesson for lesson in lessons if lesson.slug in wanted]
    rows = db.session.execute(
        select(User, ClassCompletion)
        .join(Enrolment, Enrolment.user_id == User.id)
        .outerjoin(ClassCompletion, (ClassCompletion.user_id == User.id)
                   & (ClassCompletion.class_id == klass.id))
        .where(Enrolment.class_id == klass.id, Enrolment.role == EnrolmentRole.LEARNER.value,
               Enrolment.state != EnrolmentState.WITHDRAWN.value)
    ).all()
    lines = {user.id: LearnerLine(user, completion) for user, completion in rows}
    if with_lessons and lessons and lines:
        for user_id, lesson_id, state in db.session.execute(
            select(LessonProgress.user_id, LessonProgress.lesson_id, LessonProgress.status)
            .join(Enrolment, (Enrolment.user_id == LessonProgress.user_id)
                  & (Enrolment.class_id == klass.id))
            .where(LessonProgress.lesson_id.in_([lesson.id for lesson in lessons]))
        ):
            if user_id in lines:
                lines[user_id].lessons[lesson_id] = state
    result = list(lines.values())
    if status:
        result = [line for line in result if line.status == status
                  or (status == "at_risk" and line.at_risk)]
    result.sort(key=SORTS.get(sort, SORTS["name"]))
    return ClassBoard(klass, lessons, result)


@dataclass
class ClassSummary:
    """One class in the admin overview."""

    klass: Class
    learners: int
    completed: int
    failed: int
    at_risk: int
    average_score10: float | None

    @property
    def completion_percent(self) -> int:
        return round(100 * self.completed / self.learners) if self.learners else 0


def overview(classes: list[Class]) -> list[ClassSummary]:
    """Per-class counts for the admin overview, in one grouped statement."""
    if not classes:
        return []
    idle_before = utcnow() - AT_RISK_IDLE
    c = ClassCompletion
    rows = db.session.execute(
        select(Enrolment.class_id, func.count(Enrolment.id),
               func.count(case((c.status == "completed", 1))),
               func.count(case((c.status == "failed", 1))),
               func.count(case((c.status == "failed", 1),
                               ((c.status != "completed") & (
                                   c.last_activity_at.is_(None)
                                   | (c.last_activity_at < idle_before)), 1))),
               func.avg(c.best_score10))
        .outerjoin(c, (c.class_id == Enrolment.class_id) & (c.user_id == Enrolment.user_id))
        .where(Enrolment.class_id.in_([k.id for k in classes]),
               Enrolment.role == EnrolmentRole.LEARNER.value,
               Enrolment.state != EnrolmentState.WITHDRAWN.value)
        .group_by(Enrolment.class_id)
    ).all()
    stats: dict[int, Any] = {r[0]: r for r in rows}
    out = []
    for klass in classes:
        r = stats.get(klass.id)
        out.append(ClassSummary(klass, r[1] if r else 0, r[2] if r else 0, r[3] if r else 0,
                                r[4] if r else 0, float(r[5]) if r and r[5] is not None else None))
    return out


def learner_line(klass: Class, user: User) -> LearnerLine:
    """A learner's own line (their progress page)."""
    from lms.classes.completion import rule_of
    from lms.db import utcnow
    from lms.quizzes.attempt_models import Attempt, AttemptState
    from lms.quizzes.models import Quiz
    from lms.quizzes.timing import visible_review_items
    from lms.quizzes.windows import window_for

    completion = db.session.scalar(select(ClassCompletion).where(
        ClassCompletion.class_id == klass.id, ClassCompletion.user_id == user.id))
    visible = True
    required = rule_of(klass).get("quizzes") or []
    if completion is not None and completion.best_score10 is not None and required:
        # The best score is the first required quiz's: shown only as its review allows.
        row = db.session.execute(
            select(Quiz, Attempt.finished_at).join(Attempt, Attempt.quiz_id == Quiz.id)
            .where(Quiz.course_id == klass.course_id, Quiz.slug == required[0]["slug"],
                   Attempt.user_id == user.id, Attempt.state == AttemptState.FINISHED.value)
            .order_by(Attempt.finished_at.desc()).limit(1)).first()
        visible = row is not None and "score" in visible_review_items(
            row[0], row[1], utcnow(), window_for(row[0], klass).closes_at)
    return LearnerLine(user, completion, score_visible=visible)


