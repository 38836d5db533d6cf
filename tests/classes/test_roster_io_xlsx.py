"""roster_io on XLSX and hostile files: zip bombs, DTDs, damaged archives, random bytes."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime

import openpyxl
import pytest
from defusedxml import EntitiesForbidden
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.classes import roster_sources
from lms.classes.roster_io import RosterError, RosterProblem, RosterRow, read_roster
from tests.classes.roster_io_helpers import PEOPLE, VI_HEADER, csv_bytes, problems_of, where


def xlsx_bytes(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


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


# --- unsupported and hostile files --------------------------------------------------------

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
