"""The activation codes workbook: ``Hạn dùng`` is a date cell (dd/mm/yyyy), never text a
spreadsheet could run as a formula; a bad date or a malformed code list is a 400."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from lms.classes.codes_xlsx import codes_xlsx
from tests.conftest import Auth, csrf_from, make_class, make_course, make_user

ROWS = [["Nguyễn Văn An", "an.nv", "ABCD-1234"], ["=cmd|' /C calc'!A0", "=1+1", "@SUM(A1)"]]


def test_expires_is_a_date_cell() -> None:
    sheet = load_workbook(io.BytesIO(codes_xlsx(ROWS, date(2030, 1, 31), "K1"))).active
    for row in (2, 3):
        cell = sheet.cell(row=row, column=5)
        assert cell.data_type == "d"
        assert cell.value == datetime(2030, 1, 31)
        assert cell.number_format.upper() == "DD/MM/YYYY"
    assert all(not str(c.value).startswith(("=", "@")) for r in sheet.iter_rows() for c in r)


def _post(client, klass, **data):
    return client.post(
        f"/classes/{klass.code}/roster/codes.xlsx",
        data={"csrf_token": csrf_from(client, "/"), **data},
    )


@pytest.fixture
def klass(auth: Auth):
    auth.login_as(make_user("admin"))
    return make_class(make_course(), "K7")


def test_the_download_writes_a_date_never_a_formula(client, klass) -> None:
    response = _post(client, klass, codes=json.dumps(ROWS), expires="31/01/2030")
    assert response.status_code == 200
    cell = load_workbook(io.BytesIO(response.data)).active["E2"]
    assert cell.data_type == "d" and cell.value == datetime(2030, 1, 31)


@pytest.mark.parametrize(
    "expires", ["=1+1", '=HYPERLINK("http://x")', "31/02/2030", "2030-01-31", "x" * 500]
)
def test_a_bad_expiry_is_400(client, klass, expires: str) -> None:
    assert _post(client, klass, codes=json.dumps(ROWS), expires=expires).status_code == 400


@pytest.mark.parametrize("codes", ["[" * 5000 + "]" * 5000, "{", "[1, 2]", '[["a"]]', "null"])
def test_malformed_codes_are_400(client, klass, codes: str) -> None:
    assert _post(client, klass, codes=codes, expires="31/01/2030").status_code == 400


def test_no_expiry_leaves_the_cell_empty(client, klass) -> None:
    response = _post(client, klass, codes=json.dumps(ROWS), expires="")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.data)).active["E2"].value is None
