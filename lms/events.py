"""In-process domain events (blinker signals), emitted inside the same transaction.

Features react to each other's events without importing each other: for example the
class completion of a learner is recomputed when a lesson is completed, at once and in
the same transaction, not by a cron job.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the ``LessonProgress`` row; kwargs: ``user_id``, ``lesson_id``.
lesson_completed = _signals.signal("lesson-completed")

#: sender: the graded ``Attempt``; kwargs: ``user_id``, ``quiz_id``. Sent at submit,
#: on finalising an overdue attempt, on manual grading and on regrade.
attempt_graded = _signals.signal("attempt-graded")

#: sender: the ``Class``; kwargs: ``outcomes`` ({user_id: Outcome}). Sent after completion
#: rows are stored, in the same transaction (certificates listen to it).
completion_changed = _signals.signal("completion-changed")
