"""Shared roster_io test data and helpers: header rows, people, CSV bytes, problem lists."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import pytest

from lms.classes.roster_io import RosterError, RosterProblem, read_roster

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


def problems_of(data: bytes, filename: str = "roster.csv", **kwargs: int) -> list[RosterProblem]:
    with pytest.raises(RosterError) as info:
        read_roster(data, filename, **kwargs)
    return info.value.problems


def where(problems: list[RosterProblem]) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.code) for p in problems]
