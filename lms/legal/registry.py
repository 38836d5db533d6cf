"""The legal basis of a course: ``courses/<slug>/legal.toml`` (issue 13).

Every document the course relies on, with its status over time, so that the platform can
tell at any date whether a lesson or a question still rests on law in force::

    reviewed_on = 2026-12-05          # when the course's legal basis was last checked

    [[document]]
    number = "117/2025/QH15"
    kind = "Luật"
    title = "Luật Bảo vệ bí mật nhà nước"
    issuer = "Quốc hội"
    signed = 2025-12-10
    effective = 2026-03-01
    status = "in_force"                # in_force | amended | replaced | expired
    source = "https://…"               # where its text was read

    [[document]]
    number = "29/2018/QH14"
    …
    status = "replaced"
    replaced_by = "117/2025/QH15"
    status_date = 2026-03-01           # from when the status holds

A document is *in force* at a date when it has taken effect (``effective``) and, if it is
replaced or expired, the date is before ``status_date``. An amended document is in force.
Pure: reading needs no database (problems are ``file:line: reason``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from flask_babel import gettext as _

from lms.courses.files_check import Report, Table, parse_toml
from lms.courses.files_model import Problem
from lms.courses.files_toml import KeyLines
from lms.legal.model import STATUSES, LegalDocument, Registry

FILE_NAME: Final = "legal.toml"
KINDS: Final = ("Hiến pháp", "Luật", "Bộ luật", "Nghị quyết", "Nghị định", "Quyết định",
                "Chỉ thị", "Thông tư", "Kế hoạch", "Kết luận", "Chiến lược", "Văn bản khác")
_TOP_KEYS: Final = ("reviewed_on", "document")
_DOCUMENT_KEYS: Final = ("number", "kind", "title", "issuer", "signed", "effective", "status",
                         "replaced_by", "status_date", "source", "note")


def read_registry(problems: list[Problem], display: str, text: str) -> Registry | None:
    """The registry in ``text`` (file ``display``), or ``None`` with its problems reported
    at their lines."""
    report = Report(problems, display)
    data = parse_toml(text, report)
    if data is None:
        return None
    report.keys = KeyLines(text)
    before = len(problems)
    top = Table(report, data, (), _TOP_KEYS)
    reviewed = _date(top, "reviewed_on", required=True)
    documents = [_document(table, report) for table in top.tables("document", _DOCUMENT_KEYS)
                 or []]
    found = [d for d in documents if d is not None]
    seen: dict[str, int] = {}
    for document in found:
        if document.number in seen:
            report.line(document.line, _("document “%(number)s” is listed twice (also at line "
                                         "%(line)d)", number=document.number,
                                         line=seen[document.number]))
        seen.setdefault(document.number, document.line)
    for document in found:
        if document.replaced_by and document.replaced_by not in seen:
            report.line(document.line, _(
                "“%(number)s” is replaced by “%(other)s”, which legal.toml does not list",
                number=document.number, other=document.replaced_by))
    if len(problems) > before:
        return None
    return Registry(reviewed, tuple(found))


def _date(table: Table, name: str, required: bool = False) -> date | None:
    value = table.data.get(name)
    if value is None:
        if required:
            table.report.at(table.key, _("missing required field “%(name)s”", name=name))
        return None
    if not isinstance(value, date) or hasattr(value, "hour"):
        table.report.at((*table.key, name), _(
            "“%(name)s” must be a date written YYYY-MM-DD (TOML), not “%(value)s”",
            name=name, value=value))
        return None
    return value


def _document(table: Table, report: Report) -> LegalDocument | None:
    line = report.keys.line(table.key) if report.keys else 1
    values: dict[str, Any] = {
        "number": table.text("number"), "kind": table.choice("kind", KINDS),
        "title": table.text("title"), "issuer": table.text("issuer"),
        "signed": _date(table, "signed"), "effective": _date(table, "effective"),
        "status": table.choice("status", STATUSES), "source": table.text("source"),
        "replaced_by": table.text("replaced_by", required=False) or "",
        "status_date": _date(table, "status_date"),
        "note": table.text("note", required=False) or "",
    }
    if any(values[k] is None for k in ("number", "kind", "title", "issuer", "status",
                                       "source")):
        return None
    status = values["status"]
    if status == "replaced" and not values["replaced_by"]:
        table.report.at((*table.key, "status"), _("a replaced document needs “replaced_by”"))
        return None
    if status in ("replaced", "expired") and values["status_date"] is None:
        table.report.at((*table.key, "status"), _(
            "a replaced or expired document needs “status_date” (from when)"))
        return None
    if not str(values["source"]).startswith(("https://", "http://")):
        table.report.at((*table.key, "source"), _(
            "“source” must be the address (https://…) where the text was read"))
        return None
    return LegalDocument(**values, line=line)


def render_registry(registry: Registry) -> str:
    """The canonical legal.toml (documents in the registry's order)."""
    from lms.courses import files_toml as toml

    out = [f"reviewed_on = {registry.reviewed_on.isoformat()}" if registry.reviewed_on
           else ""]
    for d in registry.documents:
        lines = ["", "[[document]]", f"number = {toml.string(d.number)}",
                 f"kind = {toml.string(d.kind)}", f"title = {toml.string(d.title)}",
                 f"issuer = {toml.string(d.issuer)}"]
        lines += [f"{name} = {value.isoformat()}" for name, value in
                  (("signed", d.signed), ("effective", d.effective)) if value is not None]
        lines.append(f"status = {toml.string(d.status)}")
        if d.replaced_by:
            lines.append(f"replaced_by = {toml.string(d.replaced_by)}")
        if d.status_date is not None:
            lines.append(f"status_date = {d.status_date.isoformat()}")
        lines.append(f"source = {toml.string(d.source)}")
        if d.note:
            lines.append(f"note = {toml.string(d.note)}")
        out += lines
    return "\n".join(out).lstrip("\n") + "\n"
