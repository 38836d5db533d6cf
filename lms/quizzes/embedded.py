"""Files embedded in questions: images and sounds that Moodle XML carries as
``<file name="…" path="/…/" encoding="base64">`` and that the question's texts refer to as
``@@PLUGINFILE@@/<path><name>``.

Reading checks each file as an attachment is checked: valid base64, at most
:data:`~lms.courses.files_sniff.MAX_ATTACHMENT_BYTES`, and a type allowed by its *content*
(the name's extension must merely agree); anything else is an error at the ``<file>`` line.
A version stores ``{name: sha256}`` in its data (``files``), the bytes once per question and
content (:mod:`lms.quizzes.question_files`).  When shown, each reference becomes a link to
the file's route, so a learner only ever fetches what the page shows.  Pure: no database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import unquote
from xml.etree.ElementTree import Element, SubElement

from flask_babel import gettext as _

from lms.courses.files_sniff import MAX_ATTACHMENT_BYTES, sniff_content_type
from lms.quizzes.parsed import ParsedFile

PLUGINFILE = "@@PLUGINFILE@@/"
_REFERENCE = re.compile(r"@@PLUGINFILE@@/([^\"'\s<>?#]+)")
_NAME = re.compile(r"[^/\\\x00-\x1f]+(?:/[^/\\\x00-\x1f]+)*")


class EmbeddedFileError(Exception):
    """An embedded file cannot be kept: ``line`` of its ``<file>``, and the reason."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(line, reason)
        self.line, self.reason = line, reason


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_files(question: Element, lines: Mapping[Element, int]) -> list[ParsedFile]:
    """Every ``<file>`` of a Moodle XML ``<question>``, checked.

    :raises EmbeddedFileError: not base64, too big, a type not allowed (by content), a name with
        ``..`` or control characters, or one name given twice with different bytes.
    """
    files: dict[str, ParsedFile] = {}
    for element in question.iter("file"):
        line = lines.get(element, 0)
        folder = (element.get("path") or "/").strip("/")
        name = f"{folder}/{element.get('name', '')}".strip("/") if folder else \
            element.get("name", "").strip("/")
        if not _NAME.fullmatch(name) or ".." in name.split("/") or len(name) > 255:
            raise EmbeddedFileError(line, _("Embedded file “%(name)s”: invalid name.", name=name))
        if (element.get("encoding") or "base64") != "base64":
            raise EmbeddedFileError(line, _("Embedded file “%(name)s”: only base64 encoding is "
                                      "read.", name=name))
        try:
            data = base64.b64decode("".join((element.text or "").split()), validate=True)
        except (binascii.Error, ValueError):
            raise EmbeddedFileError(line, _("Embedded file “%(name)s”: not valid base64.",
                                      name=name)) from None
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise EmbeddedFileError(line, _("Embedded file “%(name)s”: larger than %(mb)d MB.",
                                      name=name, mb=MAX_ATTACHMENT_BYTES // 2**20))
        if sniff_content_type(data, name.rsplit("/", 1)[-1]) is None:
            raise EmbeddedFileError(line, _(
                "Embedded file “%(name)s”: its content is not an allowed type (images, "
                "sound, PDF, office documents, text) or does not match its extension.",
                name=name))
        if name in files and files[name].data != data:
            raise EmbeddedFileError(line, _(
                "Embedded file “%(name)s” is given twice with different content.", name=name))
        files[name] = ParsedFile(name, data)
    return list(files.values())


def write_files(question: Element, files: Iterable[ParsedFile]) -> None:
    """Put each file under the first text of ``question`` that refers to it (where Moodle
    looks for it), else under the question text."""
    holders = [e for e in question.iter() if e.find("text") is not None and e.tag != "name"]
    default = question.find("questiontext")
    for item in files:
        reference = PLUGINFILE + item.name
        holder = next((e for e in holders if reference in (e.findtext("text") or "")),
                      default if default is not None else question)
        folder, _sep, name = item.name.rpartition("/")
        element = SubElement(holder, "file", name=name, path=f"/{folder}/" if folder else "/",
                             encoding="base64")
        element.text = base64.b64encode(item.data).decode()


def version_files(files: Iterable[ParsedFile]) -> dict[str, str]:
    """``{name: sha256}``, what a version stores of its files."""
    return {item.name: sha256(item.data) for item in sorted(files, key=lambda f: f.name)}


def parsed_files(question_id: int, data: Mapping[str, object],
                 found: Mapping[tuple[int, str], bytes]) -> list[ParsedFile]:
    """A version's files with their bytes (for an export)."""
    names: Mapping[str, str] = data.get("files", {})  # type: ignore[assignment]
    return [ParsedFile(name, found[(question_id, digest)]) for name, digest in names.items()
            if (question_id, digest) in found]


def link_files(html: str, url: Callable[[str], str] | None) -> str:
    """``html`` with each ``@@PLUGINFILE@@/name`` reference made a link by ``url(name)``
    (references to names the version does not have are left as they are)."""
    if url is None or PLUGINFILE not in html:
        return html
    return _REFERENCE.sub(lambda m: url(unquote(m.group(1))) or m.group(0), html)
