"""Item analysis (lms.quizzes.analysis): hand-computed values, edge cases, properties."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.analysis import (
    AttemptRecord,
    Bin,
    ItemResponse,
    analyse,
    discrimination,
    discriminative_efficiency,
    histogram,
    is_blank,
    item_flags,
    score10,
)

SC, TF, MC, ESSAY = "single_choice", "true_false", "multiple_choice", "essay"
OPTS3 = ("a0", "a1", "a2")
OPTS4 = ("a0", "a1", "a2", "a3")


def _sc(fraction: float | None, response: object) -> ItemResponse:
    return ItemResponse(1, fraction, 1.0, response, OPTS3, SC)


def _tf(fraction: float | None, response: object) -> ItemResponse:
    return ItemResponse(2, fraction, 1.0, response, (), TF)


def _mc(fraction: float | None, response: object) -> ItemResponse:
    return ItemResponse(3, fraction, 1.0, response, OPTS4, MC)


# Five learners, three one-point questions.
#   q1 single choice (a0 right):           1    1    1    0 (a1)   0 (blank)
#   q2 true/false (right answer: True):    1    1    0    1        0
#   q3 multiple choice (a0, a1 = 50 % each, a2 = -100 %):
#                                          1 [a0,a1]  .5 [a0]  .5 [a1]  0 [a0,a2]  0 []
#   attempt total (points out of 3):       3    2.5  1.5  1        0
HAND = [
    AttemptRecord(1, (_sc(1.0, "a0"), _tf(1.0, True), _mc(1.0, ["a0", "a1"]))),
    AttemptRecord(2, (_sc(1.0, "a0"), _tf(1.0, True), _mc(0.5, ["a0"]))),
    AttemptRecord(3, (_sc(1.0, "a0"), _tf(0.0, False), _mc(0.5, ["a1"]))),
    AttemptRecord(4, (_sc(0.0, "a1"), _tf(1.0, True), _mc(0.0, ["a0", "a2"]))),
    AttemptRecord(5, (_sc(0.0, None), _tf(0.0, False), _mc(0.0, []))),
]


@pytest.fixture(scope="module")
def hand():
    stats = analyse(HAND)
    return stats, {item.question_id: item for item in stats.items}


def test_hand_scores_and_histogram(hand) -> None:
    stats, _ = hand
    # score10 = 10·total/3 = 30/3, 25/3, 15/3, 10/3, 0 → 10, 8.33, 5, 3.33, 0
    assert stats.n_attempts == 5
    assert stats.mean_score10 == pytest.approx(16 / 3)  # (30+25+15+10+0)/3/5 = 80/15
    assert stats.median_score10 == pytest.approx(5.0)
    # 3·(score − 16/3) = 14, 9, −1, −6, −16; squares 196+81+1+36+256 = 570
    # sample variance = 570/9/4 = 95/6
    assert stats.sd_score10 == pytest.approx(math.sqrt(95 / 6))
    # bins [0,1) … [9,10]: 0 → bin 0, 3.33 → 3, 5 → 5, 8.33 → 8, 10 → 9 (last bin closed)
    assert [b.count for b in stats.histogram] == [1, 0, 0, 1, 0, 1, 0, 0, 1, 1]
    assert stats.histogram[0] == Bin(0.0, 1.0, 1)
    assert stats.histogram[-1] == Bin(9.0, 10.0, 1)


def test_hand_single_choice(hand) -> None:
    _, items = hand
    q1 = items[1]
    # x = 1 1 1 0 0, rest y = total − x = 2 1.5 .5 1 0
    # facility = 3/5; Σ(x−.6)² = 3·.16 + 2·.36 = 1.2, sd = sqrt(1.2/4)
    assert q1.n == 5
    assert q1.facility == pytest.approx(0.6)
    assert q1.sd == pytest.approx(math.sqrt(0.3))
    # x−x̄ = .4 .4 .4 −.6 −.6; y−ȳ (ȳ=1) = 1 .5 −.5 0 −1
    # Sxy = .4 + .2 − .2 + 0 + .6 = 1.0; Sxx = 1.2; Syy = 1+.25+.25+0+1 = 2.5
    # D = 1 / sqrt(1.2·2.5) = 1/sqrt(3)
    assert q1.discrimination_index == pytest.approx(1 / math.sqrt(3))
    # sorted: x−x̄ = −.6 −.6 .4 .4 .4; y−ȳ = −1 −.5 0 .5 1
    # covmax sum = .6 + .3 + 0 + .2 + .4 = 1.5; E = 1.0/1.5
    assert q1.discriminative_efficiency == pytest.approx(2 / 3)
    # a0 chosen by 3, a1 by 1, a2 by nobody; learner 5 left it blank
    assert q1.distractors == {"a0": 3, "a1": 1, "a2": 0}
    assert q1.omitted == 1
    assert q1.flags == []


def test_hand_true_false(hand) -> None:
    _, items = hand
    q2 = items[2]
    # x = 1 1 0 1 0, y = 3−1, 2.5−1, 1.5−0, 1−1, 0−0 = 2 1.5 1.5 0 0
    assert q2.facility == pytest.approx(0.6)
    # x−x̄ = .4 .4 −.6 .4 −.6; y−ȳ (ȳ=1) = 1 .5 .5 −1 −1
    # Sxy = .4 + .2 − .3 − .4 + .6 = .5; Sxx = 1.2; Syy = 1+.25+.25+1+1 = 3.5
    assert q2.discrimination_index == pytest.approx(0.5 / math.sqrt(1.2 * 3.5))  # ≈ .244
    # sorted: x−x̄ = −.6 −.6 .4 .4 .4; y−ȳ = −1 −1 .5 .5 1 → .6+.6+.2+.2+.4 = 2.0
    assert q2.discriminative_efficiency == pytest.approx(0.25)
    assert q2.distractors == {"true": 3, "false": 2}
    assert q2.omitted == 0
    assert q2.flags == []


def test_hand_multiple_choice(hand) -> None:
    _, items = hand
    q3 = items[3]
    # x = 1 .5 .5 0 0 → facility 2/5; y = 2 2 1 1 0
    assert q3.facility == pytest.approx(0.4)
    # x−x̄ = .6 .1 .1 −.4 −.4 → Sxx = .36+.01+.01+.16+.16 = .7, sd = sqrt(.7/4)
    assert q3.sd == pytest.approx(math.sqrt(0.175))
    # y−ȳ (ȳ=1.2) = .8 .8 −.2 −.2 −1.2 → Syy = .64+.64+.04+.04+1.44 = 2.8
    # Sxy = .48 + .08 − .02 + .08 + .48 = 1.1; D = 1.1/sqrt(.7·2.8) = 1.1/1.4
    assert q3.discrimination_index == pytest.approx(1.1 / 1.4)
    # x and y already rise together, so covmax = cov and E = 1
    assert q3.discriminative_efficiency == pytest.approx(1.0)
    # a0 in attempts 1, 2, 4; a1 in 1, 3; a2 in 4; a3 never; attempt 5 chose nothing
    assert q3.distractors == {"a0": 3, "a1": 2, "a2": 1, "a3": 0}
    assert q3.omitted == 1


def test_items_keep_quiz_order(hand) -> None:
    stats, _ = hand
    assert [item.question_id for item in stats.items] == [1, 2, 3]


def _binary(qid: int, fraction: float) -> ItemResponse:
    return ItemResponse(qid, fraction, 1.0, "a0" if fraction else "a1", ("a0", "a1"), SC)


def test_flags_and_zero_variance() -> None:
    # q10 all right, q11 right for learners 1-2, q12 right for learners 3-4, q13 all wrong.
    # Every total is 2, so the rest score of q11 is 2 − x = 1 1 2 2: exactly opposite → D = −1.
    rows = [(1, 1, 0, 0), (1, 1, 0, 0), (1, 0, 1, 0), (1, 0, 1, 0)]
    attempts = [AttemptRecord(i, tuple(_binary(10 + k, f) for k, f in enumerate(row)))
                for i, row in enumerate(rows)]
    items = {item.question_id: item for item in analyse(attempts).items}
    assert items[10].facility == 1.0 and items[10].flags == ["too_easy"]
    assert items[10].discrimination_index is None  # zero variance
    assert items[10].discriminative_efficiency is None
    assert items[13].facility == 0.0 and items[13].flags == ["too_hard"]
    assert items[13].sd == 0.0
    for qid in (11, 12):
        assert items[qid].discrimination_index == pytest.approx(-1.0)
        assert items[qid].discriminative_efficiency == pytest.approx(-1.0)
        assert items[qid].flags == ["low_discrimination", "negative_discrimination"]


def test_item_flags_thresholds() -> None:
    assert item_flags(0.9, 0.2) == []  # both thresholds are strict
    assert item_flags(0.1, None) == []
    assert item_flags(0.91, 0.19) == ["too_easy", "low_discrimination"]
    assert item_flags(None, None) == []


def test_single_attempt() -> None:
    stats = analyse([AttemptRecord(1, (_sc(1.0, "a0"), _tf(0.0, False)))])
    assert stats.n_attempts == 1
    assert stats.mean_score10 == stats.median_score10 == pytest.approx(5.0)
    assert stats.sd_score10 is None
    for item in stats.items:
        assert item.n == 1
        assert item.sd is None
        assert item.discrimination_index is None
        assert item.discriminative_efficiency is None
    assert stats.items[0].facility == 1.0
    assert stats.items[0].distractors == {"a0": 1, "a1": 0, "a2": 0}


def test_empty_input() -> None:
    stats = analyse([], bins=4)
    assert stats.n_attempts == 0
    assert stats.mean_score10 is stats.median_score10 is stats.sd_score10 is None
    assert stats.items == []
    assert stats.histogram == [Bin(0.0, 2.5, 0), Bin(2.5, 5.0, 0), Bin(5.0, 7.5, 0),
                               Bin(7.5, 10.0, 0)]


def _essay(fraction: float | None, text: str = "Bài làm") -> ItemResponse:
    return ItemResponse(9, fraction, 2.0, text, (), ESSAY)


def test_pending_essays_left_out_of_item_statistics() -> None:
    attempts = [
        AttemptRecord(1, (_sc(1.0, "a0"), _essay(None))),
        AttemptRecord(2, (_sc(1.0, "a0"), _essay(1.0))),
        AttemptRecord(3, (_sc(0.0, "a2"), _essay(0.5))),
    ]
    stats = analyse(attempts)
    essay = next(item for item in stats.items if item.question_id == 9)
    assert essay.n == 2
    assert essay.facility == pytest.approx(0.75)
    assert essay.distractors == {}
    # The pending essay counts 0 of its 2 points, as grade_slots does:
    # scores 10·1/3, 10·3/3, 10·1/3
    assert stats.mean_score10 == pytest.approx((10 / 3 + 10 + 10 / 3) / 3)
    # q1's rest scores are then 0, 2, 1 (the pending essay adds nothing): x = 1 1 0
    q1 = stats.items[0]
    assert q1.discrimination_index == pytest.approx(
        statistics.correlation([1.0, 1.0, 0.0], [0.0, 2.0, 1.0]))


def test_all_pending_item_has_no_statistics() -> None:
    stats = analyse([AttemptRecord(i, (_sc(1.0, "a0"), _essay(None))) for i in range(3)])
    essay = stats.items[1]
    assert essay.n == 0
    assert essay.facility is essay.sd is essay.discrimination_index is None
    assert essay.flags == []


def test_random_question_missing_from_some_attempts() -> None:
    attempts = [AttemptRecord(1, (_sc(1.0, "a0"),)),
                AttemptRecord(2, (_tf(1.0, True),)),
                AttemptRecord(3, (_sc(0.0, "a1"), _tf(0.0, False)))]
    items = {item.question_id: item for item in analyse(attempts).items}
    assert items[1].n == 2 and items[1].facility == pytest.approx(0.5)
    assert items[2].n == 2 and items[2].distractors == {"true": 1, "false": 1}


def test_question_twice_in_an_attempt_is_rejected() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        analyse([AttemptRecord(1, (_sc(1.0, "a0"), _sc(0.0, "a1")))])


@pytest.mark.parametrize("kwargs", [{"fraction": math.nan}, {"max_points": -1.0}])
def test_bad_responses_are_rejected(kwargs: dict) -> None:
    values = {"question_id": 1, "fraction": 1.0, "max_points": 1.0, "response": "a0",
              "option_ids": OPTS3, "question_type": SC} | kwargs
    with pytest.raises(ValueError, match="question 1"):
        ItemResponse(**values)


def test_histogram_edges() -> None:
    # 3 bins over [0, 10]: [0, 3.33), [3.33, 6.67), [6.67, 10]
    bins = histogram([0.0, 10 / 3, 6.6, 20 / 3, 10.0, -1.0, 11.0], bins=3)
    assert [b.count for b in bins] == [2, 2, 3]
    assert bins[1].low == pytest.approx(10 / 3)
    # three items at 0.7 score 10·2.1/3, computed as 6.999999999999999: still in [7, 8)
    seventy = AttemptRecord(1, tuple(ItemResponse(q, 0.7, 1.0, "a0") for q in range(3)))
    assert score10(seventy) < 7.0
    assert [b.count for b in analyse([seventy]).histogram] == [0] * 7 + [1, 0, 0]
    with pytest.raises(ValueError, match="bins"):
        histogram([1.0], bins=0)
    with pytest.raises(ValueError, match="bins"):
        analyse(HAND, bins=0)


@pytest.mark.parametrize(("response", "blank"), [
    (None, True), ("", True), ("  \n", True), ([], True), ({}, True),
    ("a0", False), (["a0"], False), (False, False), (0, False), ({"l0": "r1"}, False),
])
def test_is_blank(response: object, blank: bool) -> None:
    assert is_blank(response) is blank


def test_unknown_option_is_still_counted() -> None:
    stats = analyse([AttemptRecord(1, (ItemResponse(1, 0.0, 1.0, "zz", ("a0",), SC),))])
    assert stats.items[0].distractors == {"a0": 0, "zz": 1}


def test_helpers_undefined_cases() -> None:
    assert discrimination([1.0], [2.0]) is None
    assert discrimination([0.1] * 5, [1.0, 2.0, 3.0, 4.0, 5.0]) is None  # float noise is zero
    assert discriminative_efficiency([1.0, 0.0], [3.0, 3.0]) is None


# --- properties ----------------------------------------------------------------------------

fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
grid_fractions = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])


def _matrix(cells: st.SearchStrategy[float]) -> st.SearchStrategy[list[list[float]]]:
    return st.integers(min_value=1, max_value=5).flatmap(
        lambda k: st.lists(st.lists(cells, min_size=k, max_size=k), min_size=0, max_size=30))


def _attempts(matrix: list[list[float]], weights: list[float]) -> list[AttemptRecord]:
    return [AttemptRecord(i, tuple(
        ItemResponse(q, f, weights[q % len(weights)], "a0", ("a0", "a1"), SC)
        for q, f in enumerate(row))) for i, row in enumerate(matrix)]


@settings(max_examples=200, deadline=None)
@given(_matrix(fractions), st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=1, max_size=5))
def test_statistics_stay_in_range(matrix: list[list[float]], weights: list[float]) -> None:
    stats = analyse(_attempts(matrix, weights))
    assert stats.n_attempts == len(matrix)
    assert sum(b.count for b in stats.histogram) == len(matrix)
    for item in stats.items:
        assert item.facility is not None and 0.0 <= item.facility <= 1.0
        if item.discrimination_index is not None:
            assert -1.0 <= item.discrimination_index <= 1.0
        if item.discriminative_efficiency is not None:
            assert -1.0 <= item.discriminative_efficiency <= 1.0
        assert sum(item.distractors.values()) == item.n


@settings(max_examples=200, deadline=None)
@given(_matrix(grid_fractions))
def test_discrimination_is_the_rest_of_test_correlation(matrix: list[list[float]]) -> None:
    stats = analyse(_attempts(matrix, [1.0]))
    for q, item in enumerate(stats.items):
        x = [row[q] for row in matrix]
        rest = [sum(row) - row[q] for row in matrix]
        defined = len(x) >= 2 and len(set(x)) > 1 and len(set(rest)) > 1
        if not defined:
            assert item.discrimination_index is None
            assert item.discriminative_efficiency is None
            continue
        assert item.discrimination_index == pytest.approx(statistics.correlation(x, rest))
        # covmax ≤ sd(x)·sd(y) (Cauchy–Schwarz), hence |E| ≥ |D|
        assert item.discriminative_efficiency is not None
        assert abs(item.discriminative_efficiency) >= abs(item.discrimination_index) - 1e-9


def test_discrimination_of_tiny_variances_does_not_divide_by_zero() -> None:
    # Found by hypothesis: squared deviations of ~1e-159 underflow, and their product is 0.
    tiny = 4.004725669082326e-159
    value = discrimination([0.0, tiny], [0.0, tiny])
    assert value is None or -1.0 <= value <= 1.0
