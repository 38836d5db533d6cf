"""Certificate PDFs: text, page, fonts, QR code, metadata, fetcher and bulk split."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader

from lms.certificates.pdf import (
    DEFAULT_STATIC_ROOT,
    DEFAULT_TEMPLATES_ROOT,
    CertificateContext,
    CertificateOverflowError,
    ResourceRefusedError,
    format_date_line,
    format_dob,
    format_score,
    make_static_fetcher,
    qr_svg,
    render_certificate_pdf,
    render_certificates_bulk,
)

NAMES = ["Nguyễn Thị Ngọc Huyền Trương", "Đặng Thị Ỷ Lan", "Nguyễn Hữu Ưng"]
A4_LANDSCAPE = (841.89, 595.28)  # points


def make_ctx(name: str = NAMES[0], serial: str = "CY-2025-000123", **changes) -> CertificateContext:
    code = serial.rsplit("-", 1)[-1]
    ctx = CertificateContext(
        serial=serial,
        verify_code=f"7KQ4-{code}",
        verify_url=f"https://lms.coyeu.example.vn/xac-thuc/7KQ4-{code}",
        holder_name=name,
        holder_dob=date(1990, 7, 5),
        holder_unit="Phòng Cơ yếu, Văn phòng Tỉnh ủy Quảng Ngãi",
        class_name="Bồi dưỡng Quản lý nhà nước về Cơ yếu khóa 3",
        class_code="QLNN-CY-K3",
        course_title="Quản lý nhà nước về Cơ yếu",
        score10=8.5,
        classification="Giỏi",
        completed_on=date(2025, 2, 28),
        issued_on=date(2025, 3, 4),
        place="Hà Nội",
        issuer_name="HỌC VIỆN CHÍNH TRỊ QUỐC GIA HỒ CHÍ MINH",
        issuer_parent="BAN CHẤP HÀNH TRUNG ƯƠNG",
        signer_name="PGS.TS. Lê Văn Dũng",
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
    )
    return replace(ctx, **changes)


@pytest.fixture(scope="module")
def sample_pdf() -> bytes:
    return render_certificate_pdf(make_ctx())


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# ------------------------------------------------------------------------ text, page


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("form", ["NFC", "NFD"])
def test_pdf_has_exact_nfc_name_serial_and_one_a4_landscape_page(name: str, form: str) -> None:
    pdf = render_certificate_pdf(make_ctx(unicodedata.normalize(form, name)))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert unicodedata.normalize("NFC", name) in text
    assert "Số hiệu: CY-2025-000123" in text
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE, abs=0.5)


def test_pdf_text_follows_vietnamese_administrative_style(sample_pdf: bytes) -> None:
    text = text_of(sample_pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "HỌC VIỆN CHÍNH TRỊ QUỐC GIA HỒ CHÍ MINH",
        "GIẤY CHỨNG NHẬN",
        "Ngày sinh: 05/07/1990",
        "Quản lý nhà nước về Cơ yếu",
        "8,5 điểm",
        "Giỏi",
        "Hà Nội, ngày 04 tháng 3 năm 2025",
        "KT. GIÁM ĐỐC",
        "PGS.TS. Lê Văn Dũng",
        "Mã xác thực: 7KQ4-000123",
        "https://lms.coyeu.example.vn/xac-thuc/7KQ4-000123",
    ):
        assert expected in text, expected


def test_optional_fields_are_left_out() -> None:
    pdf = render_certificate_pdf(
        make_ctx(holder_dob=None, score10=None, classification="", issuer_parent=None)
    )
    text = text_of(pdf)
    assert "Ngày sinh" not in text
    assert "Kết quả" not in text
    assert "BAN CHẤP HÀNH" not in text


def test_long_texts_fall_back_to_compact_layout_and_absurd_ones_are_refused() -> None:
    long_unit = "Phòng Hành chính - Tổng hợp, Văn phòng Ban Cơ yếu Chính phủ, " * 3
    pdf = render_certificate_pdf(make_ctx(holder_unit=long_unit.strip(" ,")))
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    with pytest.raises(CertificateOverflowError, match="CY-2025-000123"):
        render_certificate_pdf(make_ctx(holder_unit=long_unit * 6))


def test_markup_in_data_is_escaped() -> None:
    pdf = render_certificate_pdf(make_ctx(holder_unit='<b>Đơn vị</b> & "con"'))
    assert '<b>Đơn vị</b> & "con"' in text_of(pdf)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2025, 3, 4), "Hà Nội, ngày 04 tháng 3 năm 2025"),
        (date(2025, 2, 14), "Hà Nội, ngày 14 tháng 02 năm 2025"),
        (date(2025, 1, 9), "Hà Nội, ngày 09 tháng 01 năm 2025"),
        (date(2025, 12, 31), "Hà Nội, ngày 31 tháng 12 năm 2025"),
    ],
)
def test_date_line_follows_decree_30_2020(value: date, expected: str) -> None:
    assert format_date_line("Hà Nội", value) == expected


@pytest.mark.parametrize(
    ("score", "expected"), [(8.5, "8,5"), (9, "9,0"), (7.25, "7,25"), (10.0, "10,0"), (None, "")]
)
def test_score_uses_decimal_comma(score: float | None, expected: str) -> None:
    assert format_score(score) == expected


def test_dob_format() -> None:
    assert format_dob(date(1990, 7, 5)) == "05/07/1990"
    assert format_dob(None) == ""


# ------------------------------------------------------------------- metadata, fonts


def test_metadata_title_author_and_language(sample_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(sample_pdf))
    assert reader.metadata.title == "Giấy chứng nhận CY-2025-000123"
    assert reader.metadata.author == "HỌC VIỆN CHÍNH TRỊ QUỐC GIA HỒ CHÍ MINH"
    assert reader.trailer["/Root"]["/Lang"] == "vi"


def font_dicts(pdf: bytes) -> list:
    fonts = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            fonts.append(ref.get_object())
    return fonts


def test_every_font_is_ours_embedded_and_subset(sample_pdf: bytes) -> None:
    fonts = font_dicts(sample_pdf)
    assert len(fonts) == 3  # regular, bold, italic
    for font in fonts:
        name = str(font["/BaseFont"])
        assert re.fullmatch(r"/[A-Z]{6}\+Cert-Serif(-Bold|-Italic)?", name), name
        assert font["/Subtype"] == "/Type0"
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, name
        assert "/ToUnicode" in font, name


def test_fonts_and_licence_are_shipped() -> None:
    fonts = DEFAULT_STATIC_ROOT / "fonts"
    for style in ("Regular", "Bold", "Italic"):
        assert (fonts / f"LiberationSerif-{style}.ttf").stat().st_size > 100_000
    assert "SIL OPEN FONT LICENSE" in (fonts / "LICENSE-LiberationSerif.txt").read_text()


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="pdffonts (poppler-utils) missing")
def test_pdffonts_reports_embedded_subsets(tmp_path: Path, sample_pdf: bytes) -> None:
    path = tmp_path / "c.pdf"
    path.write_bytes(sample_pdf)
    rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    fonts = rows.stdout.splitlines()[2:]
    assert len(fonts) == 3
    for row in fonts:
        emb, sub, uni = row.split()[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row


# ---------------------------------------------------------------------------- QR code


def test_qr_svg_is_segno_output_for_exactly_the_url_with_level_m_or_better() -> None:
    url = "https://lms.coyeu.example.vn/xac-thuc/7KQ4-000123"
    code = segno.make(url, error="m", micro=False)
    assert code.error in ("M", "Q", "H")
    assert str(qr_svg(url)) == code.svg_inline(
        scale=1, border=4, omitsize=True, dark="#000", light="#fff"
    )
    assert str(qr_svg(url)) != str(qr_svg(url + "x"))


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None,
    reason="real QR decoding needs pdftoppm (poppler-utils) and zbarimg (zbar-tools)",
)
def test_qr_in_rendered_pdf_decodes_to_verify_url(tmp_path: Path) -> None:
    ctx = make_ctx(serial="CY-2025-004711")
    (tmp_path / "c.pdf").write_bytes(render_certificate_pdf(ctx))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", "c.pdf", "c"], cwd=tmp_path, check=True
    )
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "c.png"], cwd=tmp_path, capture_output=True, text=True
    )
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stdout.strip().splitlines() == [ctx.verify_url]


# ---------------------------------------------------------------------------- fetcher


@pytest.fixture
def static_tree(tmp_path: Path) -> Path:
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "img" / "dot.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "secret.txt").write_text("secret")
    (static / "img" / "escape.txt").symlink_to(tmp_path / "secret.txt")
    (static / "img" / "inside.png").symlink_to(static / "img" / "dot.png")
    return static


def test_fetcher_serves_files_under_static(static_tree: Path) -> None:
    fetcher = make_static_fetcher(static_tree)
    for name in ("dot.png", "inside.png"):
        response = fetcher.fetch((static_tree / "img" / name).as_uri())
        assert response.read() == b"\x89PNG\r\n\x1a\n"
        assert response.content_type == "image/png"
    assert fetcher.fetch(f"file://localhost{static_tree}/img/dot.png").read().startswith(b"\x89")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/logo.png",
        "https://example.com/logo.png",
        "ftp://example.com/logo.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "file:///etc/passwd",
        "file://evil.example/share/x.png",
        "{static}/img/../../secret.txt",
        "{static}/img/%2e%2e/%2e%2e/secret.txt",
        "{static}/img/escape.txt",
        "{static}/img/missing.png",
        "{static}/img",
    ],
)
def test_fetcher_refuses_everything_else(static_tree: Path, url: str) -> None:
    fetcher = make_static_fetcher(static_tree)
    url = url.replace("{static}", static_tree.as_uri())
    with pytest.raises((ResourceRefusedError, OSError)):
        fetcher.fetch(url)
    with pytest.raises((ResourceRefusedError, OSError)):
        fetcher(url)  # the call WeasyPrint makes


def test_template_with_external_resources_renders_without_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES_ROOT / "certificates", templates / "certificates")
    page = templates / "certificates" / "pdf" / "certificate.html"
    page.write_text(
        page.read_text().replace(
            '<div class="body">',
            '<img src="http://127.0.0.1:9/logo.png"><img src="file:///etc/passwd">'
            '<img src="../../../../../../etc/hostname"><div class="body">',
        )
    )
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_certificate_pdf(make_ctx(), templates_root=templates)
    assert NAMES[0] in text_of(pdf)
    refused = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 3, [r.getMessage() for r in caplog.records]
    assert b"/Subtype /Image" not in pdf


# ------------------------------------------------------------------------------- bulk


def test_bulk_gives_one_page_per_certificate_each_with_only_its_holder() -> None:
    ctxs = [make_ctx(name, serial=f"CY-2025-00000{i}") for i, name in enumerate(NAMES, 1)]
    pdfs = render_certificates_bulk(ctxs)
    assert len(pdfs) == 3
    for ctx, pdf in zip(ctxs, pdfs, strict=True):
        reader = PdfReader(io.BytesIO(pdf))
        assert len(reader.pages) == 1
        text = reader.pages[0].extract_text()
        assert ctx.holder_name in text
        assert ctx.serial in text
        for other in ctxs:
            if other is not ctx:
                assert other.holder_name not in text
                assert other.serial not in text
        assert reader.metadata.title == f"Giấy chứng nhận {ctx.serial}"
        assert reader.metadata.author == ctx.issuer_name
        assert reader.trailer["/Root"]["/Lang"] == "vi"
        assert len(font_dicts(pdf)) == 3
        box = reader.pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_LANDSCAPE, abs=0.5)


def test_bulk_of_nothing_is_nothing() -> None:
    assert render_certificates_bulk([]) == []
