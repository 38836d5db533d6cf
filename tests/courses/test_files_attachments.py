"""Attachments: links to missing files, size and type limits, names and content sniffing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from lms.courses.files import MAX_ATTACHMENT_BYTES, load_course, sniff_content_type
from tests.courses.conftest import L1, L2, Mutation, _edit, _write, assert_problems

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00"
    b"\x00\x00:~\x9bU"
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def office_zip(content_type: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" '
            f'ContentType="{content_type}.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _oversized(root: Path) -> None:
    with (root / "attachments" / "lon.pdf").open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(MAX_ATTACHMENT_BYTES + 1)


BROKEN = [
    # links to missing attachments (the line of the link)
    pytest.param(
        lambda root: (root / "attachments" / "bai-giang.pdf").unlink(),
        [(f"{L1}:12", "link to a missing attachment “bai-giang.pdf”")],
        id="link-missing",
    ),
    pytest.param(
        _edit(L2, "so-do.png", "so-do.jpg"),
        [(f"{L2}:11", "missing attachment “so-do.jpg”")],
        id="image-missing",
    ),
    pytest.param(
        _edit(
            L2,
            "`attachments/khong",
            "Và [đây](attachments/a.pdf) và\n[kia](../"
            "attachments/b%20c.pdf).\n\n`attachments/khong",
        ),
        [(f"{L2}:15", "missing attachment “a.pdf”"), (f"{L2}:16", "missing attachment “b c.pdf”")],
        id="links-on-two-lines",
    ),
    pytest.param(
        _edit(
            L2,
            "`attachments/khong",
            "Xem [tài liệu][tl].\n\n[tl]: attachments/thieu.pdf\n\n`attachments/khong",
        ),
        [(f"{L2}:17", "missing attachment “thieu.pdf”")],
        id="link-reference",
    ),
    # attachments: size limit, type by content, names
    pytest.param(
        _oversized,
        [("attachments/lon.pdf:1", "larger than the 20 MB limit")],
        id="attachment-too-large",
    ),
    pytest.param(
        _write("attachments/cai-dat.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff"),
        [("attachments/cai-dat.pdf:1", "this type of file is not allowed")],
        id="attachment-executable",
    ),
    pytest.param(
        _write("attachments/anh.pdf", PNG),
        [("attachments/anh.pdf:1", "the content is image/png but the name does not end in .png")],
        id="attachment-misnamed",
    ),
    pytest.param(
        _write("attachments/hinh.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
        [("attachments/hinh.svg:1", "the content is text/plain but the name does not end in .txt")],
        id="attachment-svg",
    ),
    pytest.param(
        _write(
            "attachments/macro.docx", office_zip("application/vnd.ms-word.document.macroEnabled")
        ),
        [("attachments/macro.docx:1", "not allowed")],
        id="attachment-docm",
    ),
    pytest.param(
        _write("attachments/bai giang.txt", b"x"),
        [("attachments/bai giang.txt:1", "an attachment name may only use")],
        id="attachment-name",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN)
def test_broken_course(course_dir: Path, mutate: Mutation, expected: list[tuple[str, str]]) -> None:
    mutate(course_dir)

    assert_problems(course_dir, expected)


def test_attachment_of_exactly_the_limit_is_accepted(course_dir: Path) -> None:
    with (course_dir / "attachments" / "vua.pdf").open("wb") as handle:
        handle.write(b"%PDF-1.7\n")
        handle.truncate(MAX_ATTACHMENT_BYTES)
    course = load_course(course_dir)
    assert {a.name: a.size for a in course.attachments}["vua.pdf"] == MAX_ATTACHMENT_BYTES


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"%PDF-1.7\n...", "slides.pdf", "application/pdf"),
        (b"%PDF-1.7\n...", "SLIDES.PDF", "application/pdf"),
        (PNG, "so-do.png", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "anh.jpg", "image/jpeg"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "anh.jpeg", "image/jpeg"),
        (b"GIF89a\x01\x00", "a.gif", "image/gif"),
        (b"GIF87a\x01\x00", "a.gif", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "a.webp", "image/webp"),
        (office_zip(DOCX_MAIN), "de-cuong.docx", DOCX_MAIN),
        (
            office_zip("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            "diem.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            office_zip("application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            "bai-giang.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        ("Ghi chú\tcó dấu\r\n".encode(), "ghi-chu.txt", "text/plain; charset=utf-8"),
        (b"\xef\xbb\xbfa,b\n1,2\n", "bang.csv", "text/csv; charset=utf-8"),
        (b"", "trong.txt", "text/plain; charset=utf-8"),
        # refused: wrong extension, unknown content, active content, broken containers
        (b"%PDF-1.7\n...", "slides.png", None),
        (PNG, "so-do.pdf", None),
        (office_zip(DOCX_MAIN), "de-cuong.zip", None),
        (office_zip(DOCX_MAIN), "de-cuong.xlsx", None),
        (office_zip("application/vnd.ms-word.document.macroEnabled"), "x.docx", None),
        (b"PK\x03\x04 not really a zip", "x.docx", None),
        (b"<html><script>alert(1)</script></html>", "trang.html", None),
        (b"<svg onload='alert(1)'/>", "anh.svg", None),
        (b"MZ\x90\x00", "setup.exe", None),
        (b"MZ\x90\x00", "setup.txt", None),
        (b"a\x00b", "nul.txt", None),
        (b"\xff\xfeg\x00", "utf16.txt", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "a.webp", None),
        (b"", "trong.pdf", None),
    ],
)
def test_sniff_content_type(data: bytes, name: str, expected: str | None) -> None:
    assert sniff_content_type(data, name) == expected


def test_sniff_zip_without_content_types() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff_content_type(buffer.getvalue(), "x.docx") is None
