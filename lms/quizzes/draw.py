"""Which questions a new attempt gets: the quiz's fixed questions, then its draw rules,
fresh questions first; questions resting on law no longer in force are held back."""

from __future__ import annotations

import random

from flask_babel import gettext as _
from sqlalchemy import select

from lms.errors import InvalidInput
from lms.extensions import db
from lms.legal.review import held_back
from lms.legal.services import local_today
from lms.quizzes.attempt_models import Attempt, AttemptSlot
from lms.quizzes.marks import slot_mark
from lms.quizzes.models import Question, QuestionVersion, Quiz


def seen_questions(quiz: Quiz, user_id: int) -> set[int]:
    """The questions the learner was given in earlier (counted) attempts at the quiz."""
    return set(db.session.scalars(
        select(AttemptSlot.question_id).join(Attempt, Attempt.id == AttemptSlot.attempt_id)
        .where(Attempt.quiz_id == quiz.id, Attempt.user_id == user_id,
               Attempt.preview.is_(False))))


def pick_questions(quiz: Quiz, rng: random.Random,
                    seen: set[int]) -> list[tuple[int, int, str, float]]:
    """(question id, version id, type, mark) of the questions of a new attempt (marks:
    :mod:`lms.quizzes.marks`).

    A draw picks questions the learner has not been given before (``seen``) first, so a
    review that shows correctness and feedback never helps on a later attempt; only a pool
    too small for that (an accommodation's extra attempts) repeats, the least at random.
    """
    rows = db.session.execute(
        select(Question.id, Question.idnumber, Question.category, QuestionVersion.id,
               QuestionVersion.type, Question.tags)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.course_id == quiz.course_id, Question.archived.is_(False))
        .order_by(Question.id)
    ).all()
    by_key = {r.idnumber: r for r in rows}
    marks = quiz.fixed_marks or {}
    chosen = [(by_key[key], marks.get(key)) for key in quiz.fixed_questions if key in by_key]
    # Questions resting on law no longer in force wait for a lecturer's review.
    held = held_back(quiz.course_id, [(r[0], r.tags) for r in rows], local_today())
    taken = {r[0] for r, _mark in chosen} | held
    for rule in quiz.draw:
        # As in Moodle, a random draw never picks a description.
        pool = [r for r in rows if r.category == rule["category"] and r[0] not in taken
                and r.type != "description"]
        if len(pool) < rule["count"]:
            raise InvalidInput("quiz", _("There are not enough questions in category "
                                         "%(category)s.", category=rule["category"]))
        fresh = [r for r in pool if r[0] not in seen]
        picked = rng.sample(fresh, min(rule["count"], len(fresh)))
        if len(picked) < rule["count"]:
            again = [r for r in pool if r[0] in seen]
            picked += rng.sample(again, rule["count"] - len(picked))
        taken.update(r[0] for r in picked)
        chosen.extend((r, rule.get("mark")) for r in picked)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    return [(r[0], r[3], r[4], slot_mark(r[4], mark)) for r, mark in chosen]
