"""roster_io on CSV: delimiters, BOMs, headers, Excel quirks and non-UTF-8 encodings."""

from __future__ import annotations

import csv
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from lms.classes.roster_io import RosterRow, read_roster
from tests.classes.roster_io_helpers import (
    EN_HEADER,
    PEOPLE,
    VI_HEADER,
    csv_bytes,
    problems_of,
    where,
)

DATA = Path(__file__).parent / "data"


EXPECTED = [
    RosterRow(row=2, full_name="Nguyễn Văn An", date_of_birth=date(1985, 3, 15), gender="male",
              unit="Văn phòng UBND tỉnh", position="Chuyên viên",
              email="an.nv@example.gov.vn", phone="0912345678", username="annv"),
    RosterRow(row=3, full_name="Trần Thị Ánh", date_of_birth=date(1990, 11, 2), gender="female",
              unit="Sở Nội vụ, phòng TCBC", position="Phó Trưởng phòng"),
]


# --- accepted files -----------------------------------------------------------------------

@pytest.mark.parametrize("bom", [True, False])
@pytest.mark.parametrize("delimiter", [",", ";"])
@pytest.mark.parametrize("header", [VI_HEADER, EN_HEADER], ids=["vi", "en"])
def test_csv_variants(bom: bool, delimiter: str, header: list[str]) -> None:
    data = csv_bytes([header, *PEOPLE], delimiter=delimiter, bom=bom)
    assert read_roster(data, "roster.csv") == EXPECTED


def test_headers_without_diacritics_in_any_case_and_order() -> None:
    header = ["EMAIL", "HO VA TEN *", "ngay sinh (dd/mm/yyyy)", "Gioi tinh:", "Ghi chú"]
    data = csv_bytes([header, ["a@x.vn", "Lê Minh Đức", "1/2/1979", "male", "x"]])
    [row] = read_roster(data, "roster.csv")
    assert (row.full_name, row.email, row.date_of_birth, row.gender) == (
        "Lê Minh Đức", "a@x.vn", date(1979, 2, 1), "male")


def test_nfd_input_becomes_nfc_and_whitespace_is_cleaned() -> None:
    name = unicodedata.normalize("NFD", "Nguyễn  Thị Ánh ")
    [row] = read_roster(csv_bytes([["Họ và tên"], [name]]), "roster.csv")
    assert row.full_name == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", row.full_name)
    nfd_header = unicodedata.normalize("NFD", "Họ và tên")
    assert read_roster(csv_bytes([[nfd_header], ["An"]]), "r.csv")[0].full_name == "An"


def test_blank_rows_are_skipped_but_counted() -> None:
    rows = [VI_HEADER, [], PEOPLE[0], ["", "", ""], ["3"] + [""] * 8, PEOPLE[1], [" "]]
    result = read_roster(csv_bytes(rows), "roster.csv")
    assert [r.row for r in result] == [3, 6]  # STT alone does not make a row


def test_multiline_quoted_cell_is_one_spreadsheet_row() -> None:
    data = 'Họ và tên,Đơn vị\r\n"Nguyễn Văn An","Phòng A\nCục B"\r\nLê Minh Đức,\r\n'.encode()
    result = read_roster(data, "roster.csv")
    assert [(r.row, r.unit) for r in result] == [(2, "Phòng A Cục B"), (3, None)]


def test_excel_sep_line_and_title_rows() -> None:
    data = "sep=;\r\nDANH SÁCH HỌC VIÊN;;\r\n;;\r\nSTT;Họ và tên;Email\r\n1;An;\r\n;;\r\n"
    data += "2;Bình;x@y.vn\r\n"
    result = read_roster(data.encode(), "roster.csv")
    assert [(r.row, r.full_name) for r in result] == [(4, "An"), (6, "Bình")]


def test_sample_file_exported_from_excel() -> None:
    result = read_roster((DATA / "roster_sample.csv").read_bytes(), "roster_sample.csv")
    assert [(r.row, r.full_name, r.username) for r in result] == [
        (4, "Nguyễn Văn An", None), (5, "Trần Thị Ánh", "anhtt"),
        (6, "Lê Minh Đức", "ducml"), (8, "Phạm Thị Ân", None),
    ]
    assert result[2].unit == "Cục Cơ yếu; Đảng - Chính quyền"
    assert result[1].email == "ttanh@example.gov.vn"


# --- encodings ----------------------------------------------------------------------------

def _cp1258(text: str) -> bytes:
    """Encode as Windows-1258: precomposed base letters, combining tone marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            for mark in ("\u0302", "\u0306", "\u031b"):  # vowel modifiers stay on the base
                if mark in marks:
                    base = unicodedata.normalize("NFC", base + mark)
                    marks.remove(mark)
            out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


@pytest.mark.parametrize(
    "data",
    [_cp1258("Họ và tên\r\nLê Văn Bình\r\n"), "Name\r\nLê Bình\r\n".encode("latin-1")],
    ids=["cp1258", "latin-1"],
)
def test_not_utf8(data: bytes) -> None:
    problems = problems_of(data)
    assert where(problems) == [(None, None, "not_utf8")]
    message = str(problems[0])
    assert message.startswith("file: the file is not UTF-8 text")
    assert "CSV UTF-8" in message


def test_not_utf8_names_the_line() -> None:
    data = "Họ và tên\r\nAn\r\n".encode() + _cp1258("Lê Văn Bình\r\n")
    assert "line 3" in str(problems_of(data)[0])


def test_utf16_text_is_refused_with_advice() -> None:
    data = "Họ và tên\tEmail\r\nAn\t\r\n".encode("utf-16")
    problems = problems_of(data)
    assert where(problems) == [(None, None, "not_utf8")]
    assert "CSV UTF-8" in problems[0].reason


# --- malformed and large files ------------------------------------------------------------

def test_malformed_csv_is_a_problem() -> None:
    data = b"Name\r\nAn\r\n" + b'"' + b"x" * (csv.field_size_limit() + 10) + b'"\r\n'
    assert where(problems_of(data)) == [(3, None, "malformed_csv")]


def test_a_large_csv_is_read_whole() -> None:
    """10 000 rows in one read; the speed target lives in benchmarks/roster_import.py
    (a ratio against a baseline measured in the same run), not in a timed test."""
    rows = [VI_HEADER] + [
        [str(i), "Nguyễn Văn An", "15/03/1990", "Nam", "Cục Cơ yếu", "Chuyên viên",
         f"an{i}@example.gov.vn", "0912345678", f"annv{i}"] for i in range(10_000)
    ]
    read = read_roster(csv_bytes(rows), "r.csv")
    assert len(read) == 10_000
