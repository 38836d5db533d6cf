"""Item analysis of a quiz, after Moodle's quiz statistics report. Pure: no app, no database.

The caller passes one finished attempt per learner (Moodle's default "attempts to analyse":
the first attempt). Every formula follows Moodle's
``question/classes/statistics/questions/calculator.php`` (item statistics) and
``mod/quiz/report/statistics/classes/calculator.php`` (whole-quiz statistics). For an item
(a question) answered in ``s`` attempts, with ``x`` the item's mark (``fraction × max``)
and ``y`` the rest-of-test mark (the attempt's summed marks minus ``x``):

* facility index ``F = mean(x) / max``. Here it is the mean fraction, in [0, 1] (Moodle
  keeps it as a fraction and shows it ×100 as a percentage);
* standard deviation: Moodle's ``sd = sqrt(Σ(x − x̄)² / (s − 1))``, shown as
  ``sd / maxmark`` ("the standard deviation of the fractions"). That is what ``sd`` holds;
* discrimination index ``D = cov(x, y) / sqrt(var(x) · var(y))``: the Pearson correlation
  between the item and the rest of the test, with variances and covariance over
  ``s − 1``. Moodle stores it ×100. It is ``None`` when ``s < 2`` or a variance is 0;
* discriminative efficiency ``E = cov(x, y) / covmax(x, y)``. ``covmax`` is the covariance
  of the *separately sorted* ``x`` and ``y`` (Moodle's ``markarray`` and ``othermarksarray``
  are sorted, then paired up). It is the largest covariance those two marginal
  distributions allow, so ``|E| ≤ 1``. Moodle stores it ×100. It is ``None`` when
  ``covmax`` is 0.

Whole-quiz scores are on the app's 10-point scale, ``score10 = 10 · Σ points / Σ max``.
The median and sample SD (over ``n − 1``) are Moodle's. An ungraded slot (an essay waiting
for a person, ``fraction is None``) is left out of its item's statistics. It adds 0 to its
attempt's points, and its maximum still counts toward the attempt's total. Moodle sums a
NULL mark as 0 in ``summarks`` too, and :func:`lms.quizzes.attempts.grade_slots` does the
same when it computes the attempt's ``score10``.

Cost: one pass over the responses, then per item ``O(s)`` sums plus the ``O(s log s)``
sort that ``covmax`` needs. A few milliseconds for 1,000 attempts × 20 items.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

CHOICE_TYPES = frozenset({"single_choice", "multiple_choice"})
TRUE_FALSE = "true_false"
TOO_EASY, TOO_HARD = 0.9, 0.1
LOW_DISCRIMINATION = 0.2
_REL_EPS = 1e-12  # sums of squares this small (relative to the data) are zero


@dataclass(frozen=True, slots=True)
class ItemResponse:
    """One slot of one attempt. ``fraction is None`` means it is not graded yet (an essay)."""

    question_id: int
    fraction: float | None
    max_points: float
    response: Any
    option_ids: tuple[str, ...] = ()
    question_type: str = ""

    def __post_init__(self) -> None:
        if self.fraction is not None and not math.isfinite(self.fraction):
            raise ValueError(f"question {self.question_id}: fraction must be finite")
        if not math.isfinite(self.max_points) or self.max_points < 0:
            raise ValueError(f"question {self.question_id}: max_points must be finite, >= 0")

    @property
    def points(self) -> float:
        """Marks earned; 0 while ungraded (as Moodle's ``summarks`` and ``grade_slots``)."""
        return 0.0 if self.fraction is None else self.fraction * self.max_points


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One finished attempt: its slots, each question at most once."""

    attempt_id: int
    items: tuple[ItemResponse, ...]


@dataclass(frozen=True, slots=True)
class Bin:
    """A histogram bin ``[low, high)``. The last bin is closed: ``[low, high]``."""

    low: float
    high: float
    count: int


@dataclass(frozen=True, slots=True)
class ItemStatistics:
    """Statistics of one question over the attempts that include it, graded."""

    question_id: int
    n: int
    facility: float | None
    sd: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    distractors: dict[str, int] = field(default_factory=dict)
    omitted: int = 0
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class QuizStatistics:
    """Whole-quiz statistics. Score statistics are on the 10-point scale."""

    n_attempts: int
    mean_score10: float | None
    median_score10: float | None
    sd_score10: float | None
    items: list[ItemStatistics]
    histogram: list[Bin]


@dataclass(slots=True)
class _Accumulator:
    """What one pass over the attempts collects for one question."""

    question_type: str = ""
    fractions: list[float] = field(default_factory=list)
    marks: list[float] = field(default_factory=list)
    rest: list[float] = field(default_factory=list)
    options: dict[str, int] = field(default_factory=dict)  # insertion order = option order
    omitted: int = 0


def is_blank(response: Any) -> bool:
    """Whether a response counts as omitted: None, blank text or an empty collection."""
    if response is None:
        return True
    if isinstance(response, str):
        return not response.strip()
    if isinstance(response, list | tuple | set | frozenset | dict):
        return len(response) == 0
    return False


def _chosen_options(response: Any) -> tuple[str, ...]:
    if isinstance(response, str):
        return (response,)
    if isinstance(response, list | tuple | set | frozenset):
        return tuple(dict.fromkeys(r for r in response if isinstance(r, str)))
    return ()


def _collect(acc: _Accumulator, item: ItemResponse, rest: float) -> None:
    assert item.fraction is not None
    if not acc.question_type:
        acc.question_type = item.question_type
    acc.fractions.append(item.fraction)
    acc.marks.append(item.points)
    acc.rest.append(rest)
    if acc.question_type in CHOICE_TYPES:
        for option in item.option_ids:
            acc.options.setdefault(option, 0)
    elif acc.question_type == TRUE_FALSE and not acc.options:
        acc.options.update({"true": 0, "false": 0})
    if is_blank(item.response):
        acc.omitted += 1
        return
    if acc.question_type in CHOICE_TYPES:
        for option in _chosen_options(item.response):
            acc.options[option] = acc.options.get(option, 0) + 1
    elif acc.question_type == TRUE_FALSE and isinstance(item.response, bool):
        acc.options["true" if item.response else "false"] += 1


def _is_zero(sum_of_squares: float, values: Sequence[float]) -> bool:
    """Whether a sum of squared deviations is 0, allowing for rounding errors."""
    scale = math.fsum(v * v for v in values)
    return sum_of_squares <= _REL_EPS * scale


def sample_sd(values: Sequence[float]) -> float | None:
    """``sqrt(Σ(v − v̄)² / (n − 1))`` (two passes, as Moodle), ``None`` when ``n < 2``."""
    n = len(values)
    if n < 2:
        return None
    mean = math.fsum(values) / n
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))


def _clamp_unit(value: float) -> float:
    return max(-1.0, min(1.0, value))


def discrimination(marks: Sequence[float], rest: Sequence[float]) -> float | None:
    """Moodle's discrimination index as a correlation in [-1, 1] (Moodle shows it ×100).

    ``D = Σ(x − x̄)(y − ȳ) / sqrt(Σ(x − x̄)² · Σ(y − ȳ)²)``. The ``s − 1`` divisors of
    Moodle's covariance and variances cancel. ``None`` if ``s < 2`` or a variance is 0.
    """
    n = len(marks)
    if n < 2 or len(rest) != n:
        return None
    mx, my = math.fsum(marks) / n, math.fsum(rest) / n
    dx = [x - mx for x in marks]
    dy = [y - my for y in rest]
    sxx = math.fsum(d * d for d in dx)
    syy = math.fsum(d * d for d in dy)
    if _is_zero(sxx, marks) or _is_zero(syy, rest):
        return None
    sxy = math.fsum(a * b for a, b in zip(dx, dy, strict=True))
    # Two roots, not the root of the product: tiny variances would underflow to 0.
    denominator = math.sqrt(sxx) * math.sqrt(syy)
    return _clamp_unit(sxy / denominator) if denominator > 0 else None


def discriminative_efficiency(marks: Sequence[float], rest: Sequence[float]) -> float | None:
    """Moodle's discriminative efficiency as a ratio in [-1, 1] (Moodle shows it ×100).

    ``E = cov(x, y) / covmax``. ``covmax = Σ(x₍ᵢ₎ − x̄)(y₍ᵢ₎ − ȳ) / (s − 1)``, with ``x₍ᵢ₎`` and
    ``y₍ᵢ₎`` each sorted ascending on its own (``calculator.php`` sorts ``markarray`` and
    ``othermarksarray``, then pairs them up with ``array_shift``). ``None`` if ``s < 2`` or
    ``covmax`` is 0, which happens exactly when one of the variances is 0.
    """
    n = len(marks)
    if n < 2 or len(rest) != n:
        return None
    mx, my = math.fsum(marks) / n, math.fsum(rest) / n
    cov = math.fsum((x - mx) * (y - my) for x, y in zip(marks, rest, strict=True))
    cov_max = math.fsum(
        (x - mx) * (y - my) for x, y in zip(sorted(marks), sorted(rest), strict=True))
    sxx = math.fsum((x - mx) ** 2 for x in marks)
    syy = math.fsum((y - my) ** 2 for y in rest)
    if cov_max <= 0 or _is_zero(sxx, marks) or _is_zero(syy, rest):
        return None
    return _clamp_unit(cov / cov_max)


def item_flags(facility: float | None, discrimination_index: float | None) -> list[str]:
    """Review hints. Each test is separate, so a negative index is also a low one."""
    flags: list[str] = []
    if facility is not None and facility > TOO_EASY:
        flags.append("too_easy")
    if facility is not None and facility < TOO_HARD:
        flags.append("too_hard")
    if discrimination_index is not None and discrimination_index < LOW_DISCRIMINATION:
        flags.append("low_discrimination")
    if discrimination_index is not None and discrimination_index < 0:
        flags.append("negative_discrimination")
    return flags


def _item_statistics(question_id: int, acc: _Accumulator) -> ItemStatistics:
    n = len(acc.fractions)
    facility = math.fsum(acc.fractions) / n if n else None
    sd = sample_sd(acc.fractions)
    d_index = discrimination(acc.marks, acc.rest)
    return ItemStatistics(
        question_id=question_id,
        n=n,
        facility=facility,
        sd=sd,
        discrimination_index=d_index,
        discriminative_efficiency=discriminative_efficiency(acc.marks, acc.rest),
        distractors=dict(acc.options),
        omitted=acc.omitted,
        flags=item_flags(facility, d_index),
    )


def score10(attempt: AttemptRecord) -> float:
    """``10 · Σ points / Σ max_points``. Ungraded slots add 0; an empty attempt scores 0."""
    total_max = math.fsum(item.max_points for item in attempt.items)
    if total_max <= 0:
        return 0.0
    return 10.0 * math.fsum(item.points for item in attempt.items) / total_max


def histogram(scores: Sequence[float], bins: int = 10) -> list[Bin]:
    """Counts of ``scores`` in ``bins`` equal bins over [0, 10]. The last bin is closed.

    Scores outside [0, 10] go into the first or last bin.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    counts = [0] * bins
    for score in scores:
        # Scale rather than divide by a rounded width; round off float noise such as
        # 6.999999999999999 so that a score on an edge lands in the bin it starts.
        index = math.floor(round(score * bins / 10.0, 9))
        counts[min(bins - 1, max(0, index))] += 1
    return [Bin(low=10.0 * i / bins, high=10.0 * (i + 1) / bins, count=c)
            for i, c in enumerate(counts)]


def analyse(attempts: Sequence[AttemptRecord], bins: int = 10) -> QuizStatistics:
    """Statistics of a quiz from one finished attempt per learner.

    Items are listed in the order they first appear. An item missing from an attempt (a
    random question) is analysed over the attempts that include it. A question that
    appears twice in one attempt raises ``ValueError``.
    """
    if bins < 1:
        raise ValueError("bins must be at least 1")
    accumulators: dict[int, _Accumulator] = {}
    scores: list[float] = []
    for attempt in attempts:
        seen: set[int] = set()
        total = math.fsum(item.points for item in attempt.items)
        for item in attempt.items:
            if item.question_id in seen:
                raise ValueError(
                    f"attempt {attempt.attempt_id}: question {item.question_id} appears twice")
            seen.add(item.question_id)
            acc = accumulators.setdefault(item.question_id, _Accumulator())
            if item.fraction is not None:
                _collect(acc, item, total - item.points)
        scores.append(score10(attempt))

    n = len(scores)
    return QuizStatistics(
        n_attempts=n,
        mean_score10=math.fsum(scores) / n if n else None,
        median_score10=statistics.median(scores) if n else None,
        sd_score10=sample_sd(scores),
        items=[_item_statistics(qid, acc) for qid, acc in accumulators.items()],
        histogram=histogram(scores, bins),
    )
