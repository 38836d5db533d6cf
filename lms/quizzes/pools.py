"""Exam pools: question categories kept out of anything that reveals answers early.

A category marked as an exam pool (``// lms: exam-pool`` above its ``$CATEGORY`` line, or
the toggle in the web bank) may only feed quizzes whose review shows neither the right
answers nor per-option feedback before the quiz closes. Otherwise unlimited practice
attempts would hand out the final test's bank, one review at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select

from lms.db_upsert import insert_for
from lms.extensions import db
from lms.quizzes.models import Question, QuestionCategory

#: Review windows that open before the quiz's close, and what they must not show.
EARLY_WINDOWS = ("during", "immediately", "later")
# Correctness (and with it per-question marks) gives the key away too: one guess per
# question per attempt, read back, and the next attempt is right.
REVEALING = ("right_answer", "feedback", "correctness")
#: What teaches without giving the key away to a learner who never meets the question
#: again: allowed before the close when no learner can draw the same question twice.
STUDY_ITEMS = frozenset({"feedback", "correctness"})


def reveals_before_close(review: Mapping[str, Iterable[str]]) -> bool:
    """Whether a review matrix shows right answers, feedback or per-question correctness
    before the close."""
    return bool(early_items(review) & set(REVEALING))


def early_items(review: Mapping[str, Iterable[str]]) -> set[str]:
    """What the review shows before the close."""
    return {item for window in EARLY_WINDOWS for item in review.get(window, ())}


def exam_pools(course_id: int) -> set[str]:
    """The course's exam-pool categories (one statement)."""
    return set(db.session.scalars(select(QuestionCategory.name).where(
        QuestionCategory.course_id == course_id, QuestionCategory.exam_pool.is_(True))))


def forbidden_sources(review: Mapping[str, Iterable[str]], draw: Mapping[str, int],
                      fixed: Mapping[str, str], exam: set[str], attempts: int = 0,
                      sizes: Mapping[str, int] | None = None) -> list[str]:
    """Exam pools a quiz with this review matrix would wrongly use: drawn categories, and
    ``question (category)`` for fixed questions (``fixed`` maps name → category).

    ``draw`` maps each drawn category to its count per attempt. Before the close, right
    answers never come from an exam pool. Correctness and feedback may, when no learner
    meets a question twice: attempts are limited, attempts never repeat a question (see
    :func:`lms.quizzes.attempts.start_attempt`) and the pool has at least count × attempts
    questions (``sizes``). Fixed questions come back every attempt, so never.
    """
    early = early_items(review) & set(REVEALING)
    if not early:
        return []
    study_only = early <= STUDY_ITEMS and attempts > 0
    used = [category for category, count in draw.items() if category in exam and not (
        study_only and (sizes or {}).get(category, 0) >= count * attempts)]
    used += [f"{name} ({category})" for name, category in fixed.items() if category in exam]
    return used


def fixed_categories(course_id: int, names: Iterable[str]) -> dict[str, str]:
    """Category of each of these questions of the course (given by key)."""
    wanted = list(names)
    if not wanted:
        return {}
    return dict(db.session.execute(select(Question.idnumber, Question.category).where(
        Question.course_id == course_id, Question.idnumber.in_(wanted))).all())


def category_sizes(course_id: int) -> dict[str, int]:
    """How many questions a draw may pick in each category (descriptions never)."""
    from sqlalchemy import func

    from lms.quizzes.models import QuestionVersion

    return dict(db.session.execute(
        select(Question.category, func.count(Question.id))
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.course_id == course_id, Question.archived.is_(False),
               QuestionVersion.type != "description")
        .group_by(Question.category)).all())


def set_exam_pools(course_id: int, marks: Mapping[str, bool]) -> None:
    """Record whether each category is an exam pool (upserts; other categories kept)."""
    if not marks:
        return
    table = QuestionCategory.__table__
    stmt = insert_for(table)
    stmt = stmt.on_conflict_do_update(index_elements=["course_id", "name"],
                                      set_={"exam_pool": stmt.excluded.exam_pool})
    db.session.execute(stmt, [{"course_id": course_id, "name": name, "exam_pool": pool}
                              for name, pool in sorted(marks.items())])


def mark_exam_pool(course_id: int, category: str, exam_pool: bool) -> None:
    """Mark (or unmark) a category as an exam pool from the web bank.

    :raises InvalidInput: marking it would put an exam pool under a quiz that shows right
        answers or feedback before it closes (the quizzes are named).
    """
    from flask_babel import gettext as _

    from lms.errors import InvalidInput
    from lms.quizzes.models import Quiz

    if exam_pool:
        quizzes = db.session.scalars(select(Quiz).where(
            Quiz.course_id == course_id, Quiz.archived.is_(False)).order_by(Quiz.slug)).all()
        fixed = fixed_categories(course_id, [n for q in quizzes for n in q.fixed_questions])
        sizes = category_sizes(course_id)
        clash = [q.title for q in quizzes if forbidden_sources(
            q.review, {rule["category"]: rule["count"] for rule in q.draw},
            {n: fixed[n] for n in q.fixed_questions if n in fixed}, {category},
            q.attempts_allowed, sizes)]
        if clash:
            raise InvalidInput("category", _(
                "“%(category)s” cannot become an exam pool: %(quizzes)s show right answers "
                "or feedback before they close and use it.", category=category,
                quizzes=", ".join(clash)))
    set_exam_pools(course_id, {category: exam_pool})
