"""The autosave hot path: one read (ownership, state, deadline, response shape) and one
upsert guarded by ``seq``, so a late or duplicated save never overwrites a newer one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, literal_column, select

from lms.classes.models import Class
from lms.db import utcnow
from lms.db_prepared import Prepared
from lms.db_upsert import insert_for
from lms.extensions import db
from lms.quizzes.attempt_models import Accommodation, Attempt, AttemptSlot, AttemptState
from lms.quizzes.attempts import AttemptClosed, accommodation_id, can_take_course
from lms.quizzes.models import QuestionVersion, Quiz, QuizWindow
from lms.quizzes.option_ids import slot_ids
from lms.quizzes.timing import timing_for
from lms.quizzes.types import ResponseError, get_type
from lms.quizzes.windows import combine

__all__ = ["PreparedAnswer", "check_answer", "save_answer", "store_answer"]


@dataclass(frozen=True)
class PreparedAnswer:
    """A validated answer, ready to store."""

    attempt_id: int
    slot: int
    question_id: int
    question_version_id: int
    response: Any
    seq: int
    stored_seq: int


@dataclass(frozen=True, slots=True)
class _QuizTiming:
    """The fields of a quiz that :func:`lms.quizzes.timing.timing_for` reads."""

    time_limit_seconds: int | None
    closes_at: datetime | None
    on_expiry: str


def _answer_context_query(_dialect: str) -> Any:
    # Built once per process: constructing statements costs more than running them here.
    # Neither the accommodation nor the enrolment is read here: an accommodation only
    # ever adds time, so it is looked up only past the plain deadline; and withdrawal
    # closes the learner's attempts, so the enrolment is checked only for a closed one.
    a, q, s, v = (Attempt.__table__.c, Quiz.__table__.c, AttemptSlot.__table__.c,
                  QuestionVersion.__table__.c)
    w, c = QuizWindow.__table__.c, Class.__table__.c
    return (
        select(a.state, a.started_at, a.preview, q.id.label("quiz_id"), q.course_id,
               q.time_limit_seconds, q.opens_at, q.closes_at, q.on_expiry, s.question_id,
               s.question_version_id, s.seq, v.type, v.data,
               w.opens_at.label("own_opens"), w.closes_at.label("own_closes"), c.end_date)
        .select_from(Attempt.__table__
                     .join(Quiz.__table__, q.id == a.quiz_id)
                     .join(AttemptSlot.__table__,
                           and_(s.attempt_id == a.id, s.slot == bindparam("slot")))
                     .join(QuestionVersion.__table__, v.id == s.question_version_id)
                     .outerjoin(QuizWindow.__table__,
                                and_(w.class_id == a.class_id, w.quiz_id == q.id))
                     .outerjoin(Class.__table__, c.id == a.class_id))
        .where(a.id == bindparam("attempt_id"), a.user_id == bindparam("user_id"))
    )

#: The largest ``seq`` the column (a 32-bit integer) holds. A save at it may overwrite one
#: at it, so that a plain form save after it (which sends the stored ``seq`` + 1, capped)
#: still lands.
SEQ_MAX = 2**31 - 1


def _store_answer_statement(dialect: str) -> Any:
    table = AttemptSlot.__table__
    stmt = insert_for(table, dialect).values(
        attempt_id=bindparam("attempt_id"), slot=bindparam("slot"),
        question_id=bindparam("question_id"),
        question_version_id=bindparam("question_version_id"),
        response=bindparam("response", type_=table.c.response.type),
        seq=bindparam("seq"), saved_at=bindparam("saved_at", type_=table.c.saved_at.type),
        option_order=[], max_points=1.0, comment="", flagged=False,
    )
    attempts = Attempt.__table__.c
    # The attempt of the row being written, named as SQL text: an INSERT is not a FROM that
    # SQLAlchemy correlates to, so ``table.c.attempt_id`` put attempt_slots in the
    # subquery's own FROM, and the check was true whenever ANY attempt was open.
    written_row_attempt = literal_column(f"{table.name}.attempt_id")
    still_open = select(attempts.id).where(
        attempts.id == written_row_attempt,
        attempts.state == AttemptState.IN_PROGRESS.value).exists()
    return stmt.on_conflict_do_update(
        index_elements=["attempt_id", "slot"],
        set_={"response": stmt.excluded.response, "seq": stmt.excluded.seq,
              "saved_at": stmt.excluded.saved_at},
        # A save racing a submit never lands after the grading.
        where=((table.c.seq < stmt.excluded.seq)
               | ((stmt.excluded.seq == SEQ_MAX) & (table.c.seq == SEQ_MAX))) & still_open,
    ).returning(table.c.seq)


# The two statements of every autosave, prepared once (see lms.db_prepared).
_ANSWER_CONTEXT = Prepared(_answer_context_query)
_STORE_ANSWER = Prepared(_store_answer_statement)
_STORED_SEQ = Prepared(lambda _dialect: select(AttemptSlot.__table__.c.seq).where(
    AttemptSlot.__table__.c.attempt_id == bindparam("attempt_id"),
    AttemptSlot.__table__.c.slot == bindparam("slot")))


def check_answer(attempt_id: int, user_id: int, slot: int, response: Any, seq: int,
                 now: datetime | None = None) -> PreparedAnswer:
    """Read phase of a save: ownership, state, deadline and the response's shape.

    :raises LookupError: no such attempt/slot for this user (answer 404).
    :raises AttemptClosed: finished, or past ``deadline + grace`` (answer 409).
    :raises lms.quizzes.types.ResponseError: malformed response (answer 422).
    """
    if not 1 <= seq <= SEQ_MAX:
        raise ResponseError("seq", _("must be between 1 and %(max)d", max=SEQ_MAX))
    now = now or utcnow()
    row = _ANSWER_CONTEXT.first({"attempt_id": attempt_id, "user_id": user_id, "slot": slot})
    if row is None:
        raise LookupError(attempt_id)
    if row.state != AttemptState.IN_PROGRESS.value:
        if not row.preview and not can_take_course(user_id, row.course_id):
            raise LookupError(attempt_id)  # withdrawn: the door is closed
        raise AttemptClosed(_("This attempt is closed: it can no longer be changed."))
    # What the timing reads of the quiz, without building an ORM instance for it.
    quiz = _QuizTiming(row.time_limit_seconds, row.closes_at, row.on_expiry)
    closes = combine(row.opens_at, row.closes_at, row.own_opens, row.own_closes,
                     row.end_date).closes_at
    timing = timing_for(quiz, row.started_at, None, closes)
    if timing.late_until is not None and now > timing.late_until:
        accommodation = db.session.scalar(select(Accommodation).where(
            Accommodation.id == accommodation_id(user_id, row.course_id, row.quiz_id)))
        timing = timing_for(quiz, row.started_at, accommodation, closes)
        if timing.late_until is not None and now > timing.late_until:
            raise AttemptClosed(_("Time is up: answers can no longer be saved."))
    # The learner answers with this attempt's opaque ids; we store the bank's keys.
    stable = slot_ids(attempt_id, slot, row.type, row.data).to_stable(row.type, response)
    value = get_type(row.type).check(row.data, stable)
    return PreparedAnswer(attempt_id, slot, row.question_id, row.question_version_id, value,
                          seq, row.seq)


def store_answer(answer: PreparedAnswer, now: datetime | None = None) -> tuple[bool, int]:
    """Write phase of a save: one upsert guarded by seq; ``(saved, seq)``.

    The row exists since the attempt started; the upsert also covers a missing one, and
    the unique (attempt, slot) constraint keeps it single under any concurrency.
    """
    saved = _STORE_ANSWER.scalar({
        "attempt_id": answer.attempt_id, "slot": answer.slot,
        "question_id": answer.question_id, "question_version_id": answer.question_version_id,
        "response": answer.response, "seq": answer.seq, "saved_at": now or utcnow(),
    })
    if saved is None:  # a newer save is stored already: report its seq
        # (Not that rare: saves sent in quick succession can arrive out of order.)
        current = _STORED_SEQ.scalar({"attempt_id": answer.attempt_id, "slot": answer.slot})
        return False, int(current or answer.stored_seq)
    return True, saved


def save_answer(attempt_id: int, user_id: int, slot: int, response: Any, seq: int,
                now: datetime | None = None) -> tuple[bool, int]:
    """Check and store one answer (both phases in the current transaction)."""
    now = now or utcnow()
    return store_answer(check_answer(attempt_id, user_id, slot, response, seq, now), now)
