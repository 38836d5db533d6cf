"""Tests for lms.classes.roster_io: reading CSV/XLSX rosters and reporting problems."""

from __future__ import annotations

import csv
import io
import time
import unicodedata
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from defusedxml import EntitiesForbidden
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.classes import roster_sources
from lms.classes.roster_io import RosterError, RosterProblem, RosterRow, read_roster

DATA = Path(__file__).parent / "data"
VI_HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Đơn vị công tác", "Chức vụ",
             "Email", "Số điện thoại", "Tên đăng nhập"]
EN_HEADER = ["No", "Full name", "Date of birth", "Gender", "Unit", "Position", "Email",
             "Phone", "Username"]
PEOPLE = [
    ["1", "Nguyễn Văn An", "15/03/1985", "Nam", "Văn phòng UBND tỉnh", "Chuyên viên",
     "An.NV@Example.gov.vn", "0912345678", "AnNV"],
    ["2", "Trần Thị Ánh", "02/11/1990", "Nữ", "Sở Nội vụ, phòng TCBC", "Phó Trưởng phòng",
     "", "", ""],
]


def csv_bytes(rows: Sequence[Sequence[object]], delimiter: str = ",", bom: bool = True,
              encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def problems_of(data: bytes, filename: str = "roster.csv", **kwargs: int) -> list[RosterProblem]:
    with pytest.raises(RosterError) as info:
        read_roster(data, filename, **kwargs)
    return info.value.problems


def where(problems: list[RosterProblem]) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.code) for p in problems]


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


def test_xlsx_with_date_cells() -> None:
    rows = [
        ["DANH SÁCH HỌC VIÊN"],
        [],
        VI_HEADER,
        [1, "Nguyễn Văn An", date(1985, 3, 15), "Nam", None, None, "an@x.vn", 912345678, None],
        [None] * 9,
        [3, "Trần Thị Ánh", "02/11/1990", "nữ", "Sở Nội vụ", None, None, "0912 345 678", "ttanh"],
        [4, "Lê Minh Đức", datetime(1979, 1, 1, 0, 0), "Khác", None, None, None, None, None],
    ]
    data = xlsx_bytes(rows)
    assert data.startswith(b"PK\x03\x04")
    result = read_roster(data, "whatever.bin")  # the type comes from the content
    assert [(r.row, r.full_name, r.date_of_birth, r.gender) for r in result] == [
        (4, "Nguyễn Văn An", date(1985, 3, 15), "male"),
        (6, "Trần Thị Ánh", date(1990, 11, 2), "female"),
        (7, "Lê Minh Đức", date(1979, 1, 1), "other"),
    ]
    assert result[0].phone == "912345678"  # a number cell, without ".0"
    assert result[1].username == "ttanh"


def test_xlsx_problems_have_spreadsheet_rows() -> None:
    data = xlsx_bytes([["Ho va ten", "Ngay sinh", "Email"], ["An", 1990, "x"], [],
                       ["", date(2000, 1, 1), None]])
    assert where(problems_of(data, "r.xlsx")) == [
        (2, "Ngay sinh", "invalid_date"), (2, "Email", "invalid_email"),
        (4, "Ho va ten", "empty_name"),
    ]


def test_xlsx_with_wrong_stored_dimension_and_far_cell() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Họ và tên"])
    for i in range(30):
        sheet.append([f"Học viên {i}"])
    sheet.cell(row=40, column=16000, value="note far to the right")
    buf = io.BytesIO()
    book.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = content.replace(b'<dimension ref="A1:WQJ40"/>', b'<dimension ref="A1"/>')
                assert b'<dimension ref="A1"/>' in content
            dst.writestr(name, content)
    assert len(read_roster(out.getvalue(), "r.xlsx")) == 30


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


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "old.xls", "unsupported_format"),
        (bytes(range(256)) * 4, "roster.xlsx", "unknown_format"),
        (b"Name\r\nAn\x00\r\n", "roster.csv", "unknown_format"),
        (b"PK\x03\x04 not really a zip", "roster.xlsx", "bad_xlsx"),
    ],
)
def test_not_a_roster_file(data: bytes, filename: str, code: str) -> None:
    assert where(problems_of(data, filename)) == [(None, None, code)]


def test_zip_that_is_not_a_workbook() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert where(problems_of(buf.getvalue(), "r.ods")) == [(None, None, "not_xlsx")]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buf.getvalue()


def test_zip_bomb_total_size_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_openpyxl(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not see a zip bomb")

    monkeypatch.setattr(openpyxl, "load_workbook", no_openpyxl)
    data = _zip({"[Content_Types].xml": b"<Types/>",
                 "xl/worksheets/sheet1.xml": b" " * (60 * 1024 * 1024)})
    assert len(data) < 200_000
    problems = problems_of(data, "bomb.xlsx")
    assert where(problems) == [(None, None, "zip_bomb")]


def test_zip_bomb_ratio_and_member_count_are_refused() -> None:
    ratio = _zip({"[Content_Types].xml": b"<Types/>", "xl/sharedStrings.xml": b"A" * 5_000_000})
    assert where(problems_of(ratio, "r.xlsx")) == [(None, None, "zip_bomb")]
    many = _zip({f"xl/media/{i}.xml": b"<x/>" for i in range(1001)})
    assert where(problems_of(many, "r.xlsx")) == [(None, None, "zip_bomb")]


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row>'
    '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
)


def _with_sheet(xml: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Name"], ["An"]])))
    return _zip({name: xml if name == "xl/worksheets/sheet1.xml" else src.read(name)
                 for name in src.namelist()})


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entity_bomb_in_xlsx_is_refused(encoding: str) -> None:
    xml = BILLION_LAUGHS
    if encoding != "utf-8":
        xml = xml.replace('version="1.0"', f'version="1.0" encoding="{encoding}"')
    problems = problems_of(_with_sheet(xml.encode(encoding)), "bomb.xlsx")
    assert where(problems) == [(None, None, "xml_dtd")]


def test_openpyxl_refuses_entities_even_without_our_scan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert openpyxl.DEFUSEDXML is True  # openpyxl found defusedxml and uses it
    monkeypatch.setattr(roster_sources, "_DTD_MARKERS", ())
    with pytest.raises(RosterError) as info:
        read_roster(_with_sheet(BILLION_LAUGHS.encode()), "bomb.xlsx")
    assert where(info.value.problems) == [(None, None, "bad_xlsx")]
    causes = []
    exc: BaseException | None = info.value
    while exc is not None:
        causes.append(type(exc))
        exc = exc.__cause__ or exc.__context__
    assert EntitiesForbidden in causes


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


def test_malformed_csv_is_a_problem() -> None:
    data = b"Name\r\nAn\r\n" + b'"' + b"x" * (csv.field_size_limit() + 10) + b'"\r\n'
    assert where(problems_of(data)) == [(3, None, "malformed_csv")]


def test_csv_is_fast_enough() -> None:
    rows = [VI_HEADER] + [
        [str(i), "Nguyễn Văn An", "15/03/1990", "Nam", "Cục Cơ yếu", "Chuyên viên",
         f"an{i}@example.gov.vn", "0912345678", f"annv{i}"] for i in range(10_000)
    ]
    data = csv_bytes(rows)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        assert len(read_roster(data, "r.csv")) == 10_000
        best = min(best, time.perf_counter() - start)
    assert best < 1.0


# --- never another exception ----------------------------------------------------------------

def outcome(data: bytes, filename: str) -> list[RosterRow] | list[RosterProblem]:
    """The rows read, or the problems reported; any other exception fails the test."""
    try:
        return read_roster(data, filename)
    except RosterError as exc:
        return exc.problems


def assert_rows_or_problems(result: list[RosterRow] | list[RosterProblem]) -> None:
    assert result  # never an empty success and never an error without problems
    kinds = {type(item) for item in result}
    assert kinds in ({RosterRow}, {RosterProblem})


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl warns on damaged parts
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000) | st.text(max_size=500).map(str.encode))
def test_any_bytes_give_rows_or_roster_error(data: bytes) -> None:
    for name in ("roster.csv", "roster.xlsx"):
        assert_rows_or_problems(outcome(data, name))


CELL = st.text(alphabet=st.sampled_from(list('aăđ Ễ1,;"\n\r/@.-xé')), max_size=12)


@settings(max_examples=200)
@given(st.lists(st.lists(CELL, max_size=5), max_size=8), st.sampled_from([",", ";"]))
def test_random_tables_give_rows_or_roster_error(rows: list[list[str]], delimiter: str) -> None:
    data = csv_bytes([["Họ và tên", "Email", "Ngày sinh", "Tên đăng nhập", "Giới tính"], *rows],
                     delimiter=delimiter)
    assert_rows_or_problems(outcome(data, "r.csv"))


VALID_XLSX = xlsx_bytes([VI_HEADER, PEOPLE[0], PEOPLE[1]])
VALID_PARTS = {name: zipfile.ZipFile(io.BytesIO(VALID_XLSX)).read(name)
               for name in zipfile.ZipFile(io.BytesIO(VALID_XLSX)).namelist()}
FLIPS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8)


def _flip(content: bytes, flips: list[tuple[int, int]]) -> bytes:
    data = bytearray(content)
    for position, value in flips:
        data[position % len(data)] = value
    return bytes(data)


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl warns on damaged parts
@settings(max_examples=100, deadline=None)
@given(FLIPS)
def test_damaged_zip_gives_rows_or_roster_error(flips: list[tuple[int, int]]) -> None:
    assert_rows_or_problems(outcome(_flip(VALID_XLSX, flips), "r.xlsx"))


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl warns on damaged parts
@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(VALID_PARTS)), FLIPS)
def test_damaged_xml_gives_rows_or_roster_error(part: str, flips: list[tuple[int, int]]) -> None:
    # A well-formed zip with broken XML inside: this reaches openpyxl's parsers.
    parts = dict(VALID_PARTS, **{part: _flip(VALID_PARTS[part], flips)})
    assert_rows_or_problems(outcome(_zip(parts), "r.xlsx"))
