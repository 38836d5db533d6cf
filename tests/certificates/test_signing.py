"""Signing and verifying certificate PDFs (PAdES B-B with pyHanko)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pypdf import PdfReader

from lms.certificates.bulk import render_and_sign_bulk
from lms.certificates.pdf import render_certificate_pdf
from lms.certificates.signer import CachingSigner, generate_demo_keys, load_signer
from lms.certificates.signing import BatchSigner, sign_pdf
from lms.certificates.verification import verify_pdf
from tests.certificates.test_pdf import NAMES, make_ctx


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generate_demo_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def trusted(keys: tuple[Path, Path]) -> bytes:
    return keys[1].read_bytes()


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return render_certificate_pdf(make_ctx())


@pytest.fixture(scope="module")
def signed(unsigned: bytes, keys: tuple[Path, Path]) -> bytes:
    return sign_pdf(unsigned, load_signer(*keys))


# ------------------------------------------------------------------------ demo keys


def test_demo_keys_are_p256_self_signed_for_ten_years(keys: tuple[Path, Path]) -> None:
    key_path, cert_path = keys
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert key.curve.name == "secp256r1"
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert cert.issuer == cert.subject
    assert cert.public_key() == key.public_key()
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert dt.timedelta(days=3650) <= lifetime <= dt.timedelta(days=3660)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert usage.content_commitment  # nonRepudiation
    assert not usage.key_cert_sign


def test_demo_keys_are_idempotent(tmp_path: Path) -> None:
    first = generate_demo_keys(tmp_path)
    contents = [p.read_bytes() for p in first]
    assert generate_demo_keys(tmp_path, common_name="other") == first
    assert [p.read_bytes() for p in first] == contents
    first[1].unlink()  # a lost certificate is re-issued for the SAME key
    generate_demo_keys(tmp_path)
    assert first[0].read_bytes() == contents[0]
    assert first[1].read_bytes() != contents[1]


# ------------------------------------------------------------------- sign and verify


def test_sign_then_verify_is_valid(signed: bytes, unsigned: bytes, trusted: bytes) -> None:
    assert signed.startswith(unsigned)  # incremental update
    check = verify_pdf(signed, trusted)
    assert check.valid, check.reason
    assert (check.intact, check.whole_document, check.signed_by_us) == (True, True, True)
    assert check.field_names == ("Signature1",)


def test_signature_is_invisible_pades(signed: bytes) -> None:
    sig = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig.sig_object["/Location"] == "Hà Nội"
    assert [float(x) for x in sig.sig_field["/Rect"]] == [0, 0, 0, 0]
    attrs = {a["type"].native for a in sig.signer_info["signed_attrs"]}
    assert {"message_digest", "signing_certificate_v2"} <= attrs
    assert "signing_time" not in attrs  # PAdES: the time is /M in the signature dict


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_flipping_one_signed_byte_invalidates(signed: bytes, trusted: bytes) -> None:
    index = signed.index(b"stream\n") + 40  # inside the first content stream
    sig = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    assert index < sig.byte_range[1]  # inside the signed range
    check = verify_pdf(flip(signed, index), trusted)
    assert not check.valid
    assert not check.intact
    assert "altered" in check.reason


def test_update_appended_after_signing_is_not_whole_document(signed: bytes, trusted: bytes) -> None:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")  # any later revision
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    check = verify_pdf(out.getvalue(), trusted)
    assert check.intact
    assert not check.whole_document
    assert not check.valid


def test_signed_with_another_key_is_not_ours(
    tmp_path: Path, unsigned: bytes, trusted: bytes
) -> None:
    other = generate_demo_keys(tmp_path, common_name="coyeu-lms demo signer")  # same name!
    check = verify_pdf(sign_pdf(unsigned, load_signer(*other)), trusted)
    assert check.intact
    assert not check.signed_by_us
    assert not check.valid
    assert "not signed by this issuer" in check.reason


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", b"%PDF-1.7\n", b"%PDF-1.7\n" + bytes(range(256)) * 40, b"\x00" * 1000],
)
def test_garbage_is_refused_cleanly(data: bytes, trusted: bytes) -> None:
    check = verify_pdf(data, trusted)
    assert not check.valid
    assert check.reason


def test_truncated_unsigned_and_bad_trust_anchor_are_refused(
    signed: bytes, unsigned: bytes, trusted: bytes
) -> None:
    assert not verify_pdf(signed[: len(signed) // 2], trusted).valid
    check = verify_pdf(unsigned, trusted)
    assert not check.valid
    assert check.reason == "The document has no digital signature."
    assert not verify_pdf(signed, b"not a certificate").valid


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="pdfsig (poppler-utils) missing")
def test_pdfsig_agrees(tmp_path: Path, unsigned: bytes, keys: tuple[Path, Path]) -> None:
    batch = BatchSigner(load_signer(*keys)).sign([unsigned] * 3)  # 3rd uses the CMS template
    for i, pdf in enumerate((sign_pdf(unsigned, load_signer(*keys)), batch[2])):
        path = tmp_path / f"signed-{i}.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
        assert "Signature is Valid." in out.stdout, out.stdout + out.stderr
        assert "Total document signed" in out.stdout


# ------------------------------------------------------------------ fast bulk signing


def signer_info(pdf: bytes) -> cms.SignerInfo:
    return PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].signer_info


def test_caching_signer_output_matches_pyhanko(
    unsigned: bytes, keys: tuple[Path, Path], trusted: bytes
) -> None:
    plain = signers.SimpleSigner.load(str(keys[0]), str(keys[1]))
    reference = signer_info(sign_pdf(unsigned, plain))
    signer = load_signer(*keys)
    assert isinstance(signer, CachingSigner)
    outputs = BatchSigner(signer).sign([unsigned, unsigned, unsigned])
    assert signer._attr_templates and signer._info_templates  # the template path ran
    for pdf in outputs:
        assert verify_pdf(pdf, trusted).valid
        info = signer_info(pdf)
        for field in ("version", "sid", "digest_algorithm", "signature_algorithm"):
            assert info[field].dump() == reference[field].dump(), field
        ours = {a["type"].native: a["values"].dump() for a in info["signed_attrs"]}
        theirs = {a["type"].native: a["values"].dump() for a in reference["signed_attrs"]}
        assert ours.keys() == theirs.keys()
        assert ours["signing_certificate_v2"] == theirs["signing_certificate_v2"]
    digests = {
        attr["values"].dump()
        for pdf in outputs
        for attr in signer_info(pdf)["signed_attrs"]
        if attr["type"].native == "message_digest"
    }
    assert len(digests) == 3  # every document got its own digest


def test_batch_signing_keeps_order_and_all_verify(keys: tuple[Path, Path],
                                                   trusted: bytes) -> None:
    ctxs = [make_ctx(name, serial=f"CY-2025-1{i}") for i, name in enumerate(NAMES)]
    pdfs = [render_certificate_pdf(ctx) for ctx in ctxs]
    out = BatchSigner(load_signer(*keys)).sign(pdfs)
    assert len(out) == len(pdfs)
    for original, result in zip(pdfs, out, strict=True):
        assert result.startswith(original)  # an incremental update of that very PDF
        assert verify_pdf(result, trusted).valid


def test_signing_works_inside_a_running_event_loop(
    keys: tuple[Path, Path], unsigned: bytes, trusted: bytes
) -> None:
    async def from_a_coroutine() -> bytes:
        return BatchSigner(load_signer(*keys)).sign([unsigned])[0]

    assert verify_pdf(asyncio.run(from_a_coroutine()), trusted).valid


def test_render_and_sign_bulk(keys: tuple[Path, Path], trusted: bytes) -> None:
    ctxs = [make_ctx(n, serial=f"CY-2025-2{i}") for i, n in enumerate(NAMES * 2)]
    for workers in (1, 2):
        out = render_and_sign_bulk(ctxs, *keys, chunk_size=2, workers=workers)
        assert len(out) == len(ctxs)
        for ctx, pdf in zip(ctxs, out, strict=True):
            assert PdfReader(io.BytesIO(pdf)).metadata.title == ctx.title
            assert verify_pdf(pdf, trusted).valid


# -------------------------------------------------------------------------- PKCS#12


def test_pkcs12_with_passphrase(
    tmp_path: Path, keys: tuple[Path, Path], unsigned: bytes, trusted: bytes
) -> None:
    key = serialization.load_pem_private_key(keys[0].read_bytes(), password=None)
    cert = x509.load_pem_x509_certificate(keys[1].read_bytes())
    p12 = tmp_path / "signer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"signer", key, cert, None, serialization.BestAvailableEncryption(b"mat-khau")
        )
    )
    signer = load_signer(p12, None, b"mat-khau")
    assert isinstance(signer, signers.SimpleSigner)
    assert verify_pdf(sign_pdf(unsigned, signer), trusted).valid
    assert verify_pdf(BatchSigner(load_signer(p12, None, b"mat-khau")).sign([unsigned])[0],
                     trusted).valid
    with pytest.raises(ValueError, match="PKCS#12"):
        load_signer(p12, None, b"sai")
    with pytest.raises(ValueError, match="p12"):
        load_signer(keys[0], None)
