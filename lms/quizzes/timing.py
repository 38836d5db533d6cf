"""Server-side time rules of attempts: deadline, grace windows, review windows.

``deadline = min(start + limit × multiplier + extra minutes, close)``, computed from the
stored start and the learner's *current* accommodation, so a change applies at once to an
attempt in progress. The browser only displays what the server computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from lms.db import aware
from lms.quizzes.attempt_models import Accommodation
from lms.quizzes.models import Quiz

IMMEDIATE_REVIEW = timedelta(minutes=2)  # Moodle's "immediately after the attempt"


@dataclass(frozen=True)
class Timing:
    """The time facts of one attempt."""

    deadline: datetime | None  # None: no time limit and no close date
    late_until: datetime | None  # saves and submits accepted until then (network grace)
    overdue_until: datetime | None  # "grace" policy: submit-only window end


def time_limit(quiz: Quiz, accommodation: Accommodation | None) -> timedelta | None:
    """The learner's time limit on this quiz, accommodation included."""
    if not quiz.time_limit_seconds:
        return None
    seconds = quiz.time_limit_seconds
    if accommodation is not None:
        seconds = seconds * accommodation.time_multiplier + accommodation.extra_minutes * 60
    return timedelta(seconds=round(seconds))


def grace() -> timedelta:
    """How long after a deadline saves and submits are still accepted (network delays)."""
    return timedelta(seconds=current_app.config.get("LMS_QUIZ_GRACE_SECONDS", 30))


def timing_for(quiz: Quiz, started_at: datetime, accommodation: Accommodation | None,
               closes_at: datetime | None) -> Timing:
    """Deadline and grace windows of an attempt started at ``started_at``, in a window
    that closes at ``closes_at`` (the class's: :mod:`lms.quizzes.windows`)."""
    limit = time_limit(quiz, accommodation)
    candidates = [t for t in ((aware(started_at) + limit) if limit else None,
                              aware(closes_at)) if t is not None]
    deadline = min(candidates) if candidates else None
    if deadline is None:
        return Timing(None, None, None)
    late = grace()
    overdue = timedelta(seconds=current_app.config.get("LMS_QUIZ_OVERDUE_SECONDS", 3600))
    return Timing(deadline, deadline + late,
                  deadline + overdue if quiz.on_expiry == "grace" else None)


def attempts_limit(quiz: Quiz, accommodation: Accommodation | None) -> int:
    """Attempts allowed (0 = unlimited), accommodation included."""
    if quiz.attempts_allowed == 0:
        return 0
    return quiz.attempts_allowed + (accommodation.extra_attempts if accommodation else 0)


def review_window(finished_at: datetime | None, now: datetime,
                  closes_at: datetime | None) -> str:
    """Which review window applies now: during, immediately, later or after_close.

    ``after_close`` starts at the close plus the network grace, when nobody can still
    save an answer: before that, a learner who finished could pass the right answers to
    one who is still writing.
    """
    if finished_at is None:
        return "during"
    closes = aware(closes_at)
    if closes is not None and now >= closes + grace():
        return "after_close"
    if now - aware(finished_at) <= IMMEDIATE_REVIEW:
        return "immediately"
    return "later"


def visible_review_items(quiz: Quiz, finished_at: datetime | None, now: datetime,
                         closes_at: datetime | None) -> set[str]:
    """Review items (score, correctness, right_answer, feedback) the learner may see now,
    in a window closing at ``closes_at``."""
    return set(quiz.review.get(review_window(finished_at, now, closes_at), ()))
