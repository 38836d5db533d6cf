"""Attachment types recognised by content; use :mod:`lms.courses.files` (documented there)."""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import Final

MAX_ATTACHMENT_BYTES: Final = 20 * 1024 * 1024
"""Largest attachment accepted (20 MB)."""

PDF: Final = "application/pdf"
DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX: Final = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TEXT: Final = "text/plain; charset=utf-8"
CSV: Final = "text/csv; charset=utf-8"

EXTENSIONS: Final[dict[str, tuple[str, ...]]] = {
    PDF: (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "audio/mpeg": (".mp3",),
    "audio/ogg": (".ogg", ".oga"),
    "audio/wav": (".wav",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    TEXT: (".txt",),
    CSV: (".csv",),
}
"""Every allowed content type and the file-name extensions that may carry it."""

_MAGIC: Final = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"ID3", "audio/mpeg"),  # an MP3 with ID3 tags
    (b"\xff\xfb", "audio/mpeg"),  # an MP3 frame (MPEG-1 layer III), no tags
    (b"\xff\xf3", "audio/mpeg"),  # MPEG-2 layer III
    (b"OggS", "audio/ogg"),
)
# The main part's content type in [Content_Types].xml; macro-enabled (docm, xlsm, pptm) and
# template variants have other ones and are refused.
_OFFICE_MAIN: Final = (
    (b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", DOCX),
    (b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", XLSX),
    (b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", PPTX),
)
_CONTENT_TYPES_LIMIT: Final = 1024 * 1024
_TEXT_CONTROLS: Final = frozenset(range(32)) - {9, 10, 12, 13} | {127}


def sniff_content_type(data: bytes, name: str) -> str | None:
    """The content type of an attachment, decided by its bytes, or ``None`` if not allowed.

    Recognised: PDF, PNG, JPEG, GIF, WebP, sound (MP3, Ogg, WAV), Office Open XML documents
    (a ZIP holding ``[Content_Types].xml`` whose main part is a Word document, Excel
    workbook or PowerPoint presentation; macro-enabled files are refused), and UTF-8 text
    without control characters (an optional BOM allowed). ``name`` is never trusted to
    choose the type; its extension must merely agree with the content (``.pdf`` for a PDF,
    ``.jpg``/``.jpeg`` for a JPEG, ``.txt`` or ``.csv`` for text, the latter then being
    ``text/csv``), so that a file cannot be downloaded under a name that makes the desktop
    open it as something else (an ``.html`` or ``.exe``). The size limit
    (:data:`MAX_ATTACHMENT_BYTES`) is checked by the caller.
    """
    content_type = detect_content_type(data, name)
    if content_type is None or not name.lower().endswith(EXTENSIONS[content_type]):
        return None
    return content_type


def detect_content_type(data: bytes, name: str) -> str | None:
    """The allowed type the bytes are, whatever the extension (``name`` only tells CSV from
    plain text), or ``None``; :func:`sniff_content_type` also checks the extension."""
    content_type = _by_content(data)
    if content_type == TEXT and name.lower().endswith(".csv"):
        return CSV
    return content_type


def _by_content(data: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if data.startswith(magic):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data.startswith(b"PK\x03\x04"):
        return _office_type(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(char) in _TEXT_CONTROLS for char in text):
        return None
    return TEXT


def _office_type(data: bytes) -> str | None:
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as archive,
            archive.open("[Content_Types].xml") as member,
        ):
            content_types = member.read(_CONTENT_TYPES_LIMIT)
    except (
        zipfile.BadZipFile,
        KeyError,
        OSError,
        ValueError,
        EOFError,
        RuntimeError,
        NotImplementedError,  # zipfile: a compression method it does not support
        zlib.error,
    ):
        return None
    for marker, content_type in _OFFICE_MAIN:
        if marker in content_types:
            return content_type
    return None
