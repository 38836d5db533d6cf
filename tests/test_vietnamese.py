"""Tests for lms.vietnamese: normalisation, folding, class-list order, usernames."""

from __future__ import annotations

import itertools
import random
import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.vietnamese import clean_text, fold, sort_key, username_from_name, vn_sorted


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# --- clean_text / fold --------------------------------------------------------------------

def test_clean_text_turns_nfd_into_nfc() -> None:
    source = nfd("Nguyễn Thị Ánh")
    assert len(source) > len("Nguyễn Thị Ánh")  # really decomposed
    result = clean_text(source)
    assert result == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", result)


def test_clean_text_strips_and_collapses_whitespace() -> None:
    assert clean_text("  Trần \t Văn\u00a0\u00a0Bình \n") == "Trần Văn Bình"
    assert clean_text("Lê\u200b Minh\ufeff Đức") == "Lê Minh Đức"
    assert clean_text(" \t\n") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Họ và tên", "ho va ten"),
        (nfd("Họ và tên"), "ho va ten"),
        ("ĐỖ   ĐỨC", "do duc"),
        ("Tên đăng nhập", "ten dang nhap"),
        ("Số điện thoại ", "so dien thoai"),
        ("Ngày sinh", "ngay sinh"),
        ("ƯỚC Ơn Ăn Ân", "uoc on an an"),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


# --- sort_key -----------------------------------------------------------------------------

def test_required_chain() -> None:
    chain = ["Anh", "Ánh", "Ân", "Bình", "Dũng", "Đức"]
    for earlier, later in itertools.pairwise(chain):
        assert sort_key(earlier) < sort_key(later), (earlier, later)
    assert vn_sorted(reversed(chain)) == chain


# Made up, typical names, in the order worked out by hand: given name first, then the
# family name, then the middle name(s); letters before tones.
CLASS_LIST = [
    "Nguyễn Văn An",      # an < anh: a shorter word first
    "Bùi Văn Anh",        # the Anh: by family name b < đ(ặng) < đ(ỗ) < n
    "Đặng Thị Anh",       # đa < đô
    "Đỗ Hoàng Anh",
    "Nguyễn Anh",         # no middle name: before Nguyễn Thị / Nguyễn Văn
    "Nguyễn Thị Anh",     # then by middle name: t < v
    "Nguyễn Văn Anh",
    "Trần Thị Ánh",       # same letters as Anh, sắc after ngang
    "Phạm Thị Ân",        # â after a
    "Hoàng Văn Bình",
    "Lê Thị Dung",        # ngang before ngã
    "Vũ Tiến Dũng",
    "Lê Minh Đức",        # đ after d
    "Ngô Thị Hà",         # huyền before nặng
    "Nguyễn Thị Hạ",
    "Dương Văn Hải",      # ha < hai < hanh
    "Lý Thị Hạnh",
    "Phan Văn Hùng",      # u before ư
    "Võ Thị Hương",
    "Mai Thị Lan",
    "Trịnh Văn Long",
    "Tạ Quang Minh",      # i before y
    "Hồ Thị Mỹ",
    "Đinh Văn Nam",       # na < ng
    "Lê Thị Ngọc",
    "Trương Văn Phúc",
    "Nguyễn Thị Thu",     # u before ư
    "Cao Văn Thư",
    "Nguyễn Thị Uyên",
    "Lê Văn Ước",
    "Lâm Thị Yến",
]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_class_list_order(seed: int) -> None:
    shuffled = CLASS_LIST[:]
    random.Random(seed).shuffle(shuffled)
    assert vn_sorted(shuffled) == CLASS_LIST


def test_class_list_order_with_nfd_and_case_noise() -> None:
    noisy = [nfd(name.upper()) if i % 2 else f"  {name.lower()} " for i, name in
             enumerate(CLASS_LIST)]
    assert [clean_text(n).lower() for n in vn_sorted(reversed(noisy))] == [
        n.lower() for n in CLASS_LIST
    ]


def test_vn_sorted_with_key() -> None:
    people = [{"name": "Lê Minh Đức"}, {"name": "Trần Thị Ánh"}, {"name": "Nguyễn Văn An"}]
    assert [p["name"] for p in vn_sorted(people, key=lambda p: p["name"])] == [
        "Nguyễn Văn An", "Trần Thị Ánh", "Lê Minh Đức",
    ]


TONES = ["ngang", "huyền", "hỏi", "ngã", "sắc", "nặng"]
TONE_WORDS = {
    "a": ["a", "à", "ả", "ã", "á", "ạ"],
    "mai": ["Mai", "Mài", "Mải", "Mãi", "Mái", "Mại"],
    "ương": ["Ương", "Ường", "Ưởng", "Ưỡng", "Ướng", "Ượng"],
    "yen": ["Yên", "Yền", "Yển", "Yễn", "Yến", "Yện"],
}


@pytest.mark.parametrize(
    ("base", "i", "j"),
    [(base, i, j) for base in TONE_WORDS for i, j in itertools.combinations(range(6), 2)],
)
def test_every_tone_pair(base: str, i: int, j: int) -> None:
    words = TONE_WORDS[base]
    assert sort_key(words[i]) < sort_key(words[j]), f"{TONES[i]} before {TONES[j]}"


def test_letters_decide_before_tones() -> None:
    assert sort_key("Ạn") < sort_key("Anh")    # an is a prefix of anh, whatever the tone
    assert sort_key("Ãn") < sort_key("Ăn")     # a < ă decides, not ngã vs ngang
    assert sort_key("Ẩn") > sort_key("Ắn")     # ă < â
    assert sort_key("Ơn") > sort_key("Ổn")     # ô < ơ
    assert sort_key("Ứng") > sort_key("Ũng")   # u < ư


def test_key_is_case_insensitive_and_form_insensitive() -> None:
    assert sort_key("NGUYỄN VĂN AN") == sort_key("nguyễn văn an")
    assert sort_key(nfd("Trần Thị Ánh")) == sort_key("Trần Thị Ánh")
    assert sort_key("  Trần   Thị Ánh ") == sort_key("Trần Thị Ánh")
    assert sort_key("Hoà") == sort_key("Hòa")  # old and new tone placement


def test_key_is_a_tuple_of_ints() -> None:
    key = sort_key("Nguyễn Văn An")
    assert isinstance(key, tuple)
    assert all(type(part) is int for part in key)
    assert sort_key("") == ()
    assert sort_key("   ") == ()


def test_foreign_letters_and_digits_after_the_alphabet() -> None:
    # f j w z come after y, then digits, then other characters.
    assert sort_key("Yến") < sort_key("Fatima") < sort_key("Jenny") < sort_key("William")
    assert sort_key("William") < sort_key("Zoe") < sort_key("2") < sort_key("@")
    assert sort_key("Günther") == sort_key("Gunther")  # non-Vietnamese marks are ignored


VIETNAMESE_LETTERS = unicodedata.normalize(
    "NFC", "aăâbcdđeêghiklmnoôơpqrstuưvxy" + "".join(
        v + mark for v in "aăâeêioôơuưy" for mark in "\u0300\u0309\u0303\u0301\u0323"
    )
)


@given(st.text())
def test_sort_key_accepts_any_text(name: str) -> None:
    key = sort_key(name)
    assert all(type(part) is int for part in key)
    assert sort_key(nfd(name)) == key


@given(st.text(alphabet=VIETNAMESE_LETTERS + " "))
def test_sort_key_ignores_case_and_form(name: str) -> None:
    assert sort_key(name.upper()) == sort_key(name.lower()) == sort_key(nfd(name))


# --- username_from_name -------------------------------------------------------------------

def never_taken(_: str) -> bool:
    return False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Nguyễn Văn An", "annv"),
        ("Trần Thị Ánh Tuyết", "tuyettta"),
        ("Đỗ Đức", "ducd"),
        (nfd("ĐẶNG THỊ NGỌC ÁNH"), "anhdtn"),
        ("  Lê   Minh  Đức ", "duclm"),
        ("H'Hen Niê", "nieh"),
        ("Ưng Hoàng Phúc", "phucuh"),
        ("Nguyễn Văn An 2", "2nva"),
    ],
)
def test_username_convention(name: str, expected: str) -> None:
    assert username_from_name(name, never_taken) == expected


def test_username_collisions_count_up() -> None:
    taken = {"annv"}
    first = username_from_name("Nguyễn Văn An", taken.__contains__)
    assert first == "annv2"
    taken.add(first)
    assert username_from_name("Ngô Văn An", taken.__contains__) == "annv3"
    assert username_from_name("Nguyễn Văn An", {"annv", "annv2", "annv3"}.__contains__) == "annv4"


def test_username_is_deterministic() -> None:
    results = {username_from_name("Trần Thị Ánh Tuyết", {"tuyettta"}.__contains__)
               for _ in range(5)}
    assert results == {"tuyettta2"}


def test_username_fallbacks() -> None:
    assert username_from_name("", never_taken) == "user"
    assert username_from_name("— ! —", never_taken) == "user"
    assert username_from_name("", {"user"}.__contains__) == "user2"
    assert username_from_name("Lý", never_taken) == "ly1"  # always at least 3 characters
    assert username_from_name("Lý", {"ly1"}.__contains__) == "ly2"
    assert username_from_name("Ý", never_taken) == "y01"
    assert username_from_name("Ý", {"y01"}.__contains__) == "y02"
    long = username_from_name("A" * 100, never_taken)
    assert long == "a" * 64
    assert username_from_name("A" * 100, {"a" * 64}.__contains__) == "a" * 63 + "2"


def test_username_gives_up_when_everything_is_taken() -> None:
    with pytest.raises(RuntimeError):
        username_from_name("Nguyễn Văn An", lambda _: True)


@given(st.text())
def test_username_is_always_valid(name: str) -> None:
    username = username_from_name(name, never_taken)
    assert re.fullmatch(r"[a-z0-9]{3,64}", username)
