"""roster_io row validation and problem reporting: rows, columns, codes, limits, caps."""

from __future__ import annotations

import pytest

from lms.classes.roster_io import RosterError, read_roster
from tests.classes.roster_io_helpers import EN_HEADER, VI_HEADER, csv_bytes, problems_of, where

# --- problems -----------------------------------------------------------------------------

def test_every_row_problem_with_row_and_column() -> None:
    rows = [
        VI_HEADER,
        ["1", "Nguyễn Văn An", "15/03/1985", "Nam", "", "", "an@x.vn", "", "annv"],
        ["2", "", "", "", "Sở Nội vụ", "", "", "", ""],                       # row 3
        ["3", "Trần Thị Ánh", "31/02/1990", "", "", "", "", "", ""],          # row 4
        ["4", "Lê Minh Đức", "1990/02/01", "", "", "", "", "", ""],           # row 5
        ["5", "Phạm Thị Ân", "", "", "", "", "an(at)x.vn", "", ""],           # row 6
        ["6", "Hoàng Văn Bình", "", "", "", "", "", "", "b!"],                 # row 7
        ["7", "Vũ Tiến Dũng", "", "trai", "", "", "", "", ""],                 # row 8
        ["8", "Ngô Văn An", "", "", "", "", "AN@X.VN", "", "ANNV"],            # row 9
        ["9", "X" * 201, "", "", "", "", "", "", ""],                          # row 10
    ]
    problems = problems_of(csv_bytes(rows))
    assert where(problems) == [
        (3, "Họ và tên", "empty_name"),
        (4, "Ngày sinh", "invalid_date"),
        (5, "Ngày sinh", "invalid_date"),
        (6, "Email", "invalid_email"),
        (7, "Tên đăng nhập", "invalid_username"),
        (8, "Giới tính", "invalid_gender"),
        (9, "Email", "duplicate_email"),
        (9, "Tên đăng nhập", "duplicate_username"),
        (10, "Họ và tên", "too_long"),
    ]
    assert "not a real date" in problems[1].reason
    assert "dd/mm/yyyy" in problems[2].reason
    assert str(problems[3]) == "row 6, column Email: invalid email address"
    assert str(problems[6]) == "row 9, column Email: duplicate of row 2"
    assert str(problems[7]) == "row 9, column Tên đăng nhập: duplicate of row 2"


def test_english_header_names_problem_columns_as_written() -> None:
    data = csv_bytes([EN_HEADER, ["1", "An", "", "", "", "", "nope", "", ""]], delimiter=";")
    assert [str(p) for p in problems_of(data)] == ["row 2, column Email: invalid email address"]


def test_missing_required_header() -> None:
    problems = problems_of(csv_bytes([["STT", "Email"], ["1", "a@x.vn"]]))
    assert where(problems) == [(1, None, "missing_column")]
    assert "Họ và tên" in str(problems[0])
    assert str(problems[0]).startswith("row 1: ")


def test_duplicated_header() -> None:
    problems = problems_of(csv_bytes([["Họ và tên", "Email", "E-mail"], ["An", "a@x.vn", ""]]))
    assert where(problems) == [(1, "E-mail", "duplicate_column")]
    assert "column B" in problems[0].reason


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b" \r\n\r\n", b",,,\r\n,,\r\n\r\n"])
def test_empty_file(data: bytes) -> None:
    assert where(problems_of(data)) == [(None, None, "empty_file")]
    assert str(problems_of(data)[0]) == "file: the file is empty"


def test_header_without_data_rows() -> None:
    assert where(problems_of(csv_bytes([VI_HEADER, [""] * 9]))) == [
        (None, None, "no_data_rows")]


def test_too_many_rows() -> None:
    rows = [["Họ và tên"]] + [[f"Học viên {i}"] for i in range(4)]
    assert len(read_roster(csv_bytes(rows), "r.csv", limit=4)) == 4
    assert where(problems_of(csv_bytes(rows), limit=3)) == [(None, None, "too_many_rows")]


def test_default_row_limit_is_20000() -> None:
    rows = [["Họ và tên"]] + [["An"]] * 20_001
    problems = problems_of(csv_bytes(rows))
    assert where(problems) == [(None, None, "too_many_rows")]
    assert "20000" in problems[0].reason


def test_problems_are_capped_with_a_note() -> None:
    rows = [["Họ và tên", "Email"]] + [[f"HV {i}", f"bad{i}"] for i in range(250)]
    with pytest.raises(RosterError) as info:
        read_roster(csv_bytes(rows), "r.csv")
    error = info.value
    assert len(error.problems) == 200
    assert error.omitted == 50
    assert error.problems[0].row == 2
    assert error.messages()[-1] == "… and 50 more problems"
    assert str(error).splitlines()[0] == "row 2, column Email: invalid email address"
