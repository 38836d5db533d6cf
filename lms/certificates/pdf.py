"""Render completion certificates (giấy chứng nhận) to PDF with WeasyPrint.

Pure functions over plain data: no Flask app, no database.  The HTML template and
its stylesheet live in ``templates/certificates/pdf/``; fonts are served from the
app's ``static/`` directory through a fetcher that refuses everything else.
"""

from __future__ import annotations

import io
import mimetypes
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = [
    "CertificateContext",
    "CertificateOverflowError",
    "ResourceRefusedError",
    "StaticFileFetcher",
    "format_date_line",
    "format_dob",
    "format_score",
    "make_static_fetcher",
    "qr_svg",
    "render_certificate_pdf",
    "render_certificates_bulk",
    "sample_context",
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STATIC_ROOT = PROJECT_ROOT / "static"
DEFAULT_TEMPLATES_ROOT = PROJECT_ROOT / "templates"
TEMPLATE_SUBDIR = Path("certificates") / "pdf"
TEMPLATE_NAME = "certificate.html"
STYLESHEET_NAME = "certificate.css"
PDF_LANG = "vi"
# A renderer keeps one FontConfiguration (fonts registered once); recycle it after
# this many rendered pages so caches cannot grow without bound in long-lived workers.
RENDERER_MAX_PAGES = 2000
# Layout check: anchors (element ids + index) in the template, compared in CSS px.
ANCHORS = ("body-end", "qr", "sign")
FIT_TOLERANCE_PX = 0.5
QR_MASK = 2  # see qr_svg


@dataclass(frozen=True, slots=True)
class CertificateContext:
    """Everything printed on one certificate, as plain data (never ORM objects)."""

    serial: str
    verify_code: str
    verify_url: str
    holder_name: str
    holder_dob: date | None
    holder_unit: str
    class_name: str
    class_code: str
    course_title: str
    score10: float | None
    classification: str
    completed_on: date
    issued_on: date
    place: str
    issuer_name: str
    signer_name: str
    signer_title: str
    issuer_parent: str | None = None

    @property
    def title(self) -> str:
        return f"Giấy chứng nhận {self.serial}"


def sample_context(**fields: object) -> CertificateContext:
    """Sample data (never issued) for template previews and render warm-ups."""
    defaults: dict[str, object] = {
        "serial": "CY-0000-000000", "verify_code": "MAUXEMTRUOC2",
        "verify_url": "http://127.0.0.1:5000/verify/MAUXEMTRUOC2",
        "holder_name": "Nguyễn Thị Ngọc Huyền", "holder_dob": date(1975, 9, 2),
        "holder_unit": "Sở Nội vụ tỉnh Hà Tĩnh", "class_name": "Lớp mẫu",
        "class_code": "MAU", "course_title": "Quản lý nhà nước về Cơ yếu", "score10": 8.5,
        "classification": "Giỏi", "completed_on": date(2025, 3, 4),
        "issued_on": date(2025, 3, 4), "place": "Hà Nội",
        "issuer_name": "Học viện Chính trị quốc gia Hồ Chí Minh",
        "signer_name": "Nguyễn Văn A", "signer_title": "Giám đốc",
    }
    return CertificateContext(**(defaults | fields))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- fetcher


class CertificateOverflowError(ValueError):
    """A certificate's text does not fit above its footer on one page."""


class ResourceRefusedError(ValueError):
    """A template asked for a resource outside the static directory."""


class StaticFileFetcher(URLFetcher):
    """WeasyPrint URL fetcher serving only regular files under ``static_root``.

    ``file:`` URLs are resolved (symlinks included) and must stay inside the root;
    every other scheme (http, https, ftp, data, …) is refused with an error, which
    WeasyPrint logs and treats as a missing resource.
    """

    def __init__(self, static_root: Path) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.static_root = Path(static_root).resolve(strict=True)

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise ResourceRefusedError(f"refused non-file URL scheme {parts.scheme!r}")
        if parts.netloc not in ("", "localhost"):
            raise ResourceRefusedError(f"refused remote file host {parts.netloc!r}")
        raw = url2pathname(parts.path)
        if "\x00" in raw:
            raise ResourceRefusedError("refused path with NUL byte")
        path = Path(raw).resolve(strict=True)  # follows every symlink
        if not path.is_relative_to(self.static_root):
            raise ResourceRefusedError(f"refused path outside static root: {raw}")
        if not path.is_file():
            raise ResourceRefusedError(f"not a regular file: {raw}")
        return path

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = self.resolve(url)
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            path.as_uri(),
            path.read_bytes(),
            headers={"Content-Type": mime or "application/octet-stream"},
        )


def make_static_fetcher(static_root: Path | None = None) -> StaticFileFetcher:
    """Fetcher for WeasyPrint that only serves files under ``static_root``."""
    return StaticFileFetcher(static_root or DEFAULT_STATIC_ROOT)


# ------------------------------------------------------------------------ formatting


def format_dob(value: date | None) -> str:
    """Date of birth as dd/mm/yyyy."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_date_line(place: str, value: date) -> str:
    """'Hà Nội, ngày 04 tháng 3 năm 2025'.

    Nghị định 30/2020/NĐ-CP (Phụ lục I, II.5.b): a leading zero for days below 10
    and for months 1 and 2 only; other months are written without it.
    """
    day = f"{value.day:02d}"
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"{place}, ngày {day} tháng {month} năm {value.year}"


def format_score(score: float | None) -> str:
    """Score on the 10-point scale with a decimal comma: 8.5 -> '8,5', 9 -> '9,0'."""
    if score is None:
        return ""
    text = f"{round(float(score), 2):.2f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    return text.replace(".", ",")


def qr_svg(data: str) -> Markup:
    """Inline SVG QR code (error correction M or better) encoding exactly ``data``.

    The mask is fixed: every mask pattern is valid QR, and segno's search for the
    best-scoring one costs ~4 ms in pure Python, a tenth of a certificate in bulk.
    """
    code = segno.make(data, error="m", micro=False, mask=QR_MASK)
    svg = code.svg_inline(scale=1, border=4, omitsize=True, dark="#000", light="#fff")
    return Markup(svg)  # noqa: S704 - generated by segno from a bytes matrix, no user markup


def _nfc(value: object) -> object:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _template_data(ctx: CertificateContext) -> dict[str, object]:
    ctx = replace(ctx, **{k: _nfc(v) for k, v in asdict(ctx).items()})
    data: dict[str, object] = {k: v for k, v in asdict(ctx).items() if isinstance(v, str)}
    data.update(
        # Upper-cased here rather than with CSS text-transform (cheaper to lay out).
        issuer_name=ctx.issuer_name.upper(),
        issuer_parent=(ctx.issuer_parent or "").upper(),
        title=ctx.title,
        dob=format_dob(ctx.holder_dob),
        completed=ctx.completed_on.strftime("%d/%m/%Y"),
        date_line=format_date_line(ctx.place, ctx.issued_on),
        score=format_score(ctx.score10),
        signer_title_lines=[
            line.strip().upper() for line in ctx.signer_title.splitlines() if line.strip()
        ],
        qr=qr_svg(ctx.verify_url),
    )
    return data


# -------------------------------------------------------------------------- renderer


class _Renderer:
    """Jinja environment, fetcher, parsed CSS and fonts, kept for reuse."""

    def __init__(self, static_root: Path, templates_root: Path) -> None:
        self.fetcher = make_static_fetcher(static_root)
        self.base_url = self.fetcher.static_root.as_uri() + "/"
        template_dir = Path(templates_root) / TEMPLATE_SUBDIR
        self.env = SandboxedEnvironment(
            loader=FileSystemLoader(template_dir),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.template = self.env.get_template(TEMPLATE_NAME)
        self.css_text = (template_dir / STYLESHEET_NAME).read_text(encoding="utf-8")
        self.pages = 0
        self._fonts()

    def _fonts(self) -> None:
        self.font_config = FontConfiguration()
        self.css = CSS(
            string=self.css_text,
            base_url=self.base_url,
            url_fetcher=self.fetcher,
            font_config=self.font_config,
        )

    def _layout(self, ctxs: Sequence[CertificateContext], compact: set[int]) -> Document:
        certs = [{**_template_data(c), "compact": i in compact} for i, c in enumerate(ctxs)]
        html = self.template.render(
            certs=certs,
            title=ctxs[0].title if len(ctxs) == 1 else "Giấy chứng nhận",
            author=_nfc(ctxs[0].issuer_name),
            lang=PDF_LANG,
        )
        html_doc = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        return html_doc.render(stylesheets=[self.css], font_config=self.font_config)

    def document(self, ctxs: Sequence[CertificateContext]) -> Document:
        """One page per context; long texts are retried once in a compact layout."""
        if self.pages >= RENDERER_MAX_PAGES:
            self._fonts()
            self.pages = 0
        self.pages += len(ctxs)
        compact: set[int] = set()
        document = self._layout(ctxs, compact)
        overflowing = _overflowing(document, ctxs)
        if overflowing:
            compact = overflowing
            document = self._layout(ctxs, compact)
            overflowing = _overflowing(document, ctxs)
        if overflowing:
            serials = ", ".join(ctxs[i].serial for i in sorted(overflowing))
            raise CertificateOverflowError(f"text too long for one page: {serials}")
        return document

    def render(self, ctxs: Sequence[CertificateContext]) -> bytes:
        """All contexts as one PDF, a page each."""
        return self.document(ctxs).write_pdf()


def _overflowing(document: Document, ctxs: Sequence[CertificateContext]) -> set[int]:
    """Indices of certificates whose body text runs into the QR code or signature."""
    if len(document.pages) != len(ctxs):
        raise CertificateOverflowError(
            f"{len(ctxs)} certificate(s) laid out on {len(document.pages)} pages"
        )
    bad = set()
    for i, page in enumerate(document.pages):
        body_end, qr, sign = (page.anchors.get(f"{name}-{i}") for name in ANCHORS)
        # A missing anchor means the layout broke down (text far too long).
        missing = body_end is None or qr is None or sign is None
        if missing or body_end[1] > min(qr[1], sign[1]) + FIT_TOLERANCE_PX:  # type: ignore[index]
            bad.add(i)
    return bad


_local = threading.local()


def _renderer(static_root: Path | None, templates_root: Path | None) -> _Renderer:
    """One renderer per thread and root pair (WeasyPrint objects are not shared)."""
    key = (
        Path(static_root or DEFAULT_STATIC_ROOT).resolve(),
        Path(templates_root or DEFAULT_TEMPLATES_ROOT).resolve(),
    )
    cache: dict[tuple[Path, Path], _Renderer] = getattr(_local, "renderers", None) or {}
    _local.renderers = cache
    if key not in cache:
        cache[key] = _Renderer(*key)
    return cache[key]


def render_certificate_pdf(
    ctx: CertificateContext,
    *,
    static_root: Path | None = None,
    templates_root: Path | None = None,
) -> bytes:
    """Render one certificate to a one-page A4 landscape PDF."""
    return _renderer(static_root, templates_root).render([ctx])


def render_certificates_bulk(
    ctxs: Sequence[CertificateContext],
    *,
    static_root: Path | None = None,
    templates_root: Path | None = None,
) -> list[bytes]:
    """Render many certificates in ONE WeasyPrint document, then split by page.

    Each returned PDF has one page, the fonts it needs (subsets shared by the batch),
    its own /Title, the issuer as /Author and /Lang vi.  Callers should pass
    chunks (say 50): memory grows with the page count of one document.
    """
    if not ctxs:
        return []
    combined = _renderer(static_root, templates_root).render(list(ctxs))
    return split_pages(combined, [{"/Title": c.title, "/Author": c.issuer_name} for c in ctxs])


def split_pages(pdf: bytes, metadata: Sequence[dict[str, str]]) -> list[bytes]:
    """Split a multi-page PDF into one-page PDFs, updating the document info per page.

    Pages keep their content streams, resources and annotations as they are; the
    font subsets are shared by the whole batch, so each file carries the glyphs
    (not the text) of its batch-mates too.
    """
    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) != len(metadata):
        raise ValueError(f"expected {len(metadata)} pages, got {len(reader.pages)}")
    info = {k: v for k, v in (reader.metadata or {}).items() if isinstance(v, str)}
    lang = reader.trailer["/Root"].get("/Lang", TextStringObject(PDF_LANG))
    out: list[bytes] = []
    for page, meta in zip(reader.pages, metadata, strict=True):
        writer = PdfWriter()
        writer.pdf_header = reader.pdf_header
        writer.add_page(page)
        writer.add_metadata({**info, **{k: str(_nfc(v)) for k, v in meta.items()}})
        writer._root_object[NameObject("/Lang")] = TextStringObject(lang)
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out
