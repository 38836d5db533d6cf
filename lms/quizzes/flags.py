""""Xem lại sau": a learner's flag on a question of their open attempt (Moodle's "flag
question"). It helps the learner find their way back and counts for nothing else."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from lms.extensions import db
from lms.quizzes.attempt_models import OPEN_STATES, Attempt, AttemptSlot
from lms.quizzes.attempts import AttemptClosed


def set_flag(attempt_id: int, user_id: int, slot: int, flagged: bool) -> None:
    """Flag or unflag one question of the user's own open attempt (one UPDATE).

    :raises LookupError: no such attempt or question for this user (404).
    :raises AttemptClosed: the attempt is finished (409).
    """
    mine_and_open = select(Attempt.id).where(
        Attempt.id == attempt_id, Attempt.user_id == user_id,
        Attempt.state.in_(OPEN_STATES)).exists()
    changed = db.session.execute(
        update(AttemptSlot).where(AttemptSlot.attempt_id == attempt_id,
                                  AttemptSlot.slot == slot, mine_and_open)
        .values(flagged=flagged).execution_options(synchronize_session=False)).rowcount
    if changed:
        return
    owner = db.session.scalar(select(Attempt).where(Attempt.id == attempt_id,
                                                    Attempt.user_id == user_id))
    if owner is None or slot not in {s.slot for s in owner.slots}:
        raise LookupError(attempt_id)
    raise AttemptClosed(_("This attempt is closed: it can no longer be changed."))
