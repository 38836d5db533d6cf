"""Grading of every question type, from GIFT source to fraction."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.bank import content_of
from lms.quizzes.gift import parse_gift
from lms.quizzes.short_text import wildcard_match
from lms.quizzes.types import ResponseError, get_type


def _q(source: str):
    (question,) = parse_gift(source)
    content = content_of(question)
    return get_type(content["type"]), content["data"]


def test_single_choice() -> None:
    kind, data = _q("Thủ đô? {=Hà Nội#Đúng ~Huế#Sai ~%50%Thăng Long#Gần đúng}")
    assert kind.grade(data, "a0") == 1.0
    assert kind.grade(data, "a1") == 0.0
    assert kind.grade(data, "a2") == 0.5
    assert kind.feedback(data, "a1") == ["Sai"]
    with pytest.raises(ResponseError):
        kind.check(data, "a9")
    with pytest.raises(ResponseError):
        kind.check(data, ["a0"])


def test_multiple_choice_partial_negative_floor() -> None:
    kind, data = _q("Chọn {~%50%A ~%50%B ~%-100%C ~%-50%D}")
    assert kind.grade(data, ["a0", "a1"]) == 1.0
    assert kind.grade(data, ["a0"]) == 0.5
    assert kind.grade(data, ["a0", "a3"]) == 0.0
    assert kind.grade(data, ["a0", "a1", "a3"]) == 0.5
    assert kind.grade(data, ["a2"]) == 0.0  # floored at 0, never negative
    assert kind.check(data, ["a1", "a0"]) == ["a0", "a1"]
    with pytest.raises(ResponseError):
        kind.check(data, ["a0", "a0"])


def test_true_false_with_feedback() -> None:
    kind, data = _q("Trái đất quay quanh Mặt trời. {T#Sai rồi#Chính xác}")
    assert kind.grade(data, True) == 1.0 and kind.grade(data, False) == 0.0
    assert kind.feedback(data, True) == ["Chính xác"]
    assert kind.feedback(data, False) == ["Sai rồi"]
    with pytest.raises(ResponseError):
        kind.check(data, "true")


def test_short_answer_normalisation() -> None:
    kind, data = _q("Luật Cơ yếu ban hành năm nào? {=2011 =năm 2011#Đúng}")
    assert kind.grade(data, "2011") == 1.0
    assert kind.grade(data, "  NĂM   2011 ") == 1.0
    assert kind.grade(data, "Nam 2011") == 0.0  # diacritics count unless the flag is set
    assert kind.grade(data, "năm 2011".replace("ă", "a\u0306")) == 1.0  # NFD input


def test_short_answer_ignoring_diacritics() -> None:
    kind, data = _q("// lms: ignore-diacritics\nMức độ mật cao nhất? {=Tuyệt mật}")
    for answer in ("Tuyệt mật", "tuyet mat", "TUYET MAT", "tuyệt  mat"):
        assert kind.grade(data, answer) == 1.0, answer
    assert kind.grade(data, "tối mật") == 0.0


def test_short_answer_partial_and_wildcard() -> None:
    kind, data = _q("Tên? {=Ban Cơ yếu Chính phủ =%50%Ban Cơ yếu* #Gần đúng}")
    assert kind.grade(data, "ban cơ yếu chính phủ") == 1.0
    assert kind.grade(data, "Ban Cơ yếu Trung ương") == 0.5
    assert kind.grade(data, "") == 0.0


def test_numerical_tolerance_and_range() -> None:
    kind, data = _q("Số lớp năm 2023? {#25:1}")
    assert kind.grade(data, 25) == 1.0 and kind.grade(data, 24.0) == 1.0
    assert kind.grade(data, 26.5) == 0.0
    kind, data = _q("Khoảng? {#20..30}")
    assert kind.grade(data, 20) == 1.0 and kind.grade(data, 31) == 0.0
    with pytest.raises(ResponseError):
        kind.check(data, True)
    with pytest.raises(ResponseError):
        kind.check(data, "25")


def test_matching_share_of_right_pairs() -> None:
    kind, data = _q("Ghép {=Luật Cơ yếu -> 2011 =Luật BVBMNN -> 2018 =Luật ATTTM -> 2015 "
                    "= -> 2020}")
    lefts = [p["id"] for p in data["pairs"]]
    right = {r["text"]: r["id"] for r in data["rights"]}
    assert len(data["rights"]) == 4  # the distractor is a right choice too
    perfect = {lefts[0]: right["2011"], lefts[1]: right["2018"], lefts[2]: right["2015"]}
    assert kind.grade(data, perfect) == 1.0
    assert kind.grade(data, {lefts[0]: right["2011"]}) == pytest.approx(1 / 3)
    assert kind.grade(data, {lefts[0]: right["2020"]}) == 0.0
    with pytest.raises(ResponseError):
        kind.check(data, {"zz": right["2011"]})


def test_essay_is_graded_by_hand() -> None:
    kind, data = _q("Trình bày vai trò của cơ yếu. {}")
    assert kind.manual and kind.grade(data, "Một bài viết") is None
    assert kind.check(data, "Nguye\u0302\u0303n") == "Nguyễn"


@given(st.text(alphabet="ab*", max_size=8), st.text(alphabet="ab", max_size=10))
@settings(max_examples=400, deadline=None)
def test_wildcard_match_agrees_with_a_regex(pattern: str, text: str) -> None:
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    assert wildcard_match(pattern, text) is (re.fullmatch(regex, text, re.S) is not None)


@pytest.mark.parametrize("stars", [1, 4, 12])
def test_wildcard_grading_is_linear_on_adversarial_answers(stars: int) -> None:
    """The finding: four ``*`` and a 600-character answer took 6,1 s (1,000: 60 s)."""
    kind, data = _q("Tên? {=" + "*a" * stars + "*b#x}")
    answer = "a" * 999  # the longest answer check() accepts, never matching the final b
    kind.check(data, answer)
    with pytest.raises(ResponseError):
        kind.check(data, "a" * 1001)
    fastest = min(_timed(lambda: kind.grade(data, answer)) for _ in range(3))
    assert fastest < 0.010, fastest
    # 2,000 characters straight through the matcher stay far below the bound too.
    assert min(_timed(lambda: wildcard_match("*a" * stars + "*b", "a" * 2000))
               for _ in range(3)) < 0.010


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start
