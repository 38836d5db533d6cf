"""Upload limits: attachments (size, type by content), roster workbooks (zip bombs, XML
entity bombs) and question files (XML bombs, external entities). Every refusal is clean:
an error shown to the user, nothing stored, never a 500."""

from __future__ import annotations

import io
import struct
import zipfile
from functools import cache
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from lms.auth.models import User
from lms.courses.models import Attachment
from lms.extensions import db
from lms.quizzes.models import Question
from tests.conftest import Auth, assign_lecturer, csrf_from, make_class, make_course, make_user
from tests.security.world import PDF_BYTES

pytestmark = pytest.mark.security

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
LAUGHS = "".join(
    [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)])
BILLION_LAUGHS_DTD = f'<!DOCTYPE lolz [<!ENTITY lol0 "lol">{LAUGHS}]>'
XXE_DTD = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- attachments --------------------------------------------------------------------------

@pytest.fixture
def editor(auth: Auth, client: Any) -> tuple[str, str]:
    """A course and its lecturer, logged in; returns (upload URL, CSRF token)."""
    course = make_course("tep", "Tệp")
    lecturer = make_user("lecturer")
    assign_lecturer(course, lecturer)
    db.session.commit()
    auth.login_as(lecturer)
    manage = f"/courses/{course.slug}/manage"
    return f"/courses/{course.slug}/attachments", csrf_from(client, manage)


def _upload(client: Any, url: str, token: str, data: bytes, name: str) -> Any:
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       follow_redirects=True)


def test_an_allowed_attachment_is_stored(client: Any, editor: tuple[str, str]) -> None:
    response = _upload(client, *editor, PDF_BYTES, "giao-trinh.pdf")
    assert response.status_code == 200 and _count(Attachment) == 1


def test_an_attachment_over_the_request_limit_is_refused(
        client: Any, editor: tuple[str, str]) -> None:
    response = _upload(client, *editor, PDF_BYTES + b"0" * (20 * MB), "lon.pdf")
    assert response.status_code == 413
    assert _count(Attachment) == 0


def test_an_attachment_over_the_file_limit_is_refused(
        app: Any, client: Any, editor: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # With a laxer request limit (a proxy allowing more), the view's own limit still holds.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 40 * MB)
    response = _upload(client, *editor, PDF_BYTES + b"0" * (20 * MB), "lon.pdf")
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert _count(Attachment) == 0


@pytest.mark.parametrize(("data", "name"), [
    (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS",
     "setup.pdf"),
    (b"MZ\x90\x00" + b"\x00" * 100, "setup.exe"),
    (b"<html><script>alert(1)</script></html>", "trang.pdf"),
    (b"<html><script>alert(1)</script></html>", "trang.html"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "anh.png"),
    (PDF_BYTES, "tai-lieu.html"),  # a real PDF that would download as a web page
    (b"#!/bin/sh\nrm -rf /\n\x00\x01", "ghi-chu.txt"),
], ids=["exe-as-pdf", "exe", "html-as-pdf", "html", "svg-as-png", "pdf-as-html", "binary-txt"])
def test_a_disallowed_type_is_refused_by_content(
        client: Any, editor: tuple[str, str], data: bytes, name: str) -> None:
    response = _upload(client, *editor, data, name)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert _count(Attachment) == 0


# --- roster workbooks ---------------------------------------------------------------------

def _workbook() -> bytes:
    book = Workbook()
    book.active.append(["STT", "Họ và tên", "Email"])
    book.active.append([1, "Phạm Thị Ân", "an.pt@example.vn"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_member(xlsx: bytes, name: str, content: bytes) -> bytes:
    """The workbook with member ``name`` replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
        target.writestr(name, content)
    return out.getvalue()


def _lying_sizes(xlsx: bytes, name: str, declared: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in both zip headers to ``declared``."""
    data = bytearray(xlsx)
    encoded = name.encode()
    local = data.find(b"PK\x03\x04")
    while local != -1:
        if data[local + 30:local + 30 + len(encoded)] == encoded:
            struct.pack_into("<I", data, local + 22, declared)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if data[central + 46:central + 46 + len(encoded)] == encoded:
            struct.pack_into("<I", data, central + 24, declared)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def _sheet_with(dtd: str, cell: str, encoding: str = "utf-8") -> bytes:
    xml = (f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n{dtd}<worksheet xmlns='
           '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
           f'<c r="A1" t="inlineStr"><is><t>{cell}</t></is></c></row></sheetData></worksheet>')
    return xml.encode(encoding)


@cache
def _roster_bombs() -> dict[str, bytes]:
    base = _workbook()
    padding = b" " * (60 * MB)
    huge = _with_member(base, SHEET, SHEET_HEAD + padding + b"</worksheet>")
    return {
        "unpacks-past-50MB": huge,
        "ratio-over-100": _with_member(base, SHEET,
                                       SHEET_HEAD + b" " * (8 * MB) + b"</worksheet>"),
        "many-parts": _many_parts(base, 1200),
        "lying-sizes": _lying_sizes(huge, SHEET, 4096),
        "billion-laughs": _with_member(base, SHEET, _sheet_with(BILLION_LAUGHS_DTD, "&lol9;")),
        "billion-laughs-utf16": _with_member(
            base, SHEET, _sheet_with(BILLION_LAUGHS_DTD, "&lol9;", "utf-16")),
        "shared-strings-laughs": _with_member(base, "xl/sharedStrings.xml", (
            f'<?xml version="1.0"?>{BILLION_LAUGHS_DTD}<sst xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>').encode()),
        "external-entity": _with_member(base, SHEET, _sheet_with(XXE_DTD, "&xxe;")),
    }


def _many_parts(xlsx: bytes, count: int) -> bytes:
    out = io.BytesIO(xlsx)
    with zipfile.ZipFile(out, "a") as archive:
        for i in range(count):
            archive.writestr(f"xl/media/p{i}.bin", b"x")
    return out.getvalue()


ROSTER_BOMBS = ("billion-laughs", "billion-laughs-utf16", "external-entity", "lying-sizes",
                "many-parts", "ratio-over-100", "shared-strings-laughs", "unpacks-past-50MB")


@pytest.fixture
def roster(auth: Auth, client: Any) -> tuple[str, str]:
    klass = make_class(make_course("ds", "Danh sách"), "DS1")
    auth.login_as(make_user("admin"))
    db.session.commit()
    url = f"/classes/{klass.code}/roster"
    return url, csrf_from(client, url)


def test_a_plain_workbook_is_previewed(client: Any, roster: tuple[str, str]) -> None:
    url, token = roster
    page = client.post(url, data={"csrf_token": token,
                                  "file": (io.BytesIO(_workbook()), "ds.xlsx")})
    assert page.status_code == 200 and "Phạm Thị Ân" in page.get_data(as_text=True)


@pytest.mark.parametrize("bomb", ROSTER_BOMBS)
def test_a_roster_bomb_is_refused_cleanly(client: Any, roster: tuple[str, str],
                                          bomb: str) -> None:
    url, token = roster
    users = _count(User)
    response = client.post(url, data={"csrf_token": token,
                                      "file": (io.BytesIO(_roster_bombs()[bomb]), "ds.xlsx")})
    assert response.status_code in (200, 400), response.status_code
    html = response.get_data(as_text=True)
    assert 'class="card error-list"' in html, html[-1500:]
    assert "root:x:" not in html and 'name="token"' not in html  # no preview, no leak
    assert _count(User) == users


def test_an_oversized_roster_is_refused_cleanly(client: Any, roster: tuple[str, str]) -> None:
    url, token = roster
    data = ("Họ và tên\n" + "Nguyễn Văn An\n" * (11 * MB // 14)).encode()
    response = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), "ds.csv")})
    assert response.status_code in (200, 400, 413)
    if response.status_code == 200:
        assert 'class="card error-list"' in response.get_data(as_text=True)


# --- question files -------------------------------------------------------------------------

QUESTION_XML = ('<?xml version="1.0" encoding="UTF-8"?>{dtd}<quiz><question type="truefalse">'
                '<name><text>bom</text></name><questiontext format="html"><text>{text}</text>'
                '</questiontext><answer fraction="100"><text>true</text></answer>'
                '<answer fraction="0"><text>false</text></answer></question></quiz>')


@pytest.fixture
def question_import(auth: Auth, client: Any) -> tuple[str, str]:
    course = make_course("cau-hoi", "Câu hỏi")
    lecturer = make_user("lecturer")
    assign_lecturer(course, lecturer)
    db.session.commit()
    auth.login_as(lecturer)
    url = f"/courses/{course.slug}/questions/import"
    return url, csrf_from(client, url)


@pytest.mark.parametrize(("dtd", "text"), [
    (BILLION_LAUGHS_DTD, "&lol9;"),
    (XXE_DTD, "&xxe;"),
    ('<!DOCTYPE quiz SYSTEM "http://evil.example/x.dtd">', "x"),
    ('<!DOCTYPE q [<!ENTITY a "' + "A" * 50_000 + '">]>', "&a;&a;&a;&a;&a;&a;&a;&a;"),
], ids=["billion-laughs", "external-entity", "external-dtd", "quadratic-blowup"])
def test_a_question_xml_bomb_is_refused_cleanly(
        client: Any, question_import: tuple[str, str], dtd: str, text: str) -> None:
    url, token = question_import
    data = QUESTION_XML.format(dtd=dtd, text=text).encode()
    response = client.post(url, data={"csrf_token": token,
                                      "file": (io.BytesIO(data), "bom.xml")})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="card error-list"' in html and "root:x:" not in html
    assert _count(Question) == 0


def test_a_plain_question_xml_is_imported(client: Any,
                                          question_import: tuple[str, str]) -> None:
    url, token = question_import
    data = QUESTION_XML.format(dtd="", text="Câu hỏi đúng sai").encode()
    response = client.post(url, data={"csrf_token": token,
                                      "file": (io.BytesIO(data), "ok.xml")})
    assert response.status_code == 200 and _count(Question) == 1


def test_an_oversized_question_file_is_refused(client: Any,
                                               question_import: tuple[str, str]) -> None:
    url, token = question_import
    data = b"::q::" + b"x" * (2 * MB) + b" {T}"
    response = client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), "q.gift")},
                           follow_redirects=True)
    assert response.status_code == 200 and "flash-error" in response.get_data(as_text=True)
    assert _count(Question) == 0
