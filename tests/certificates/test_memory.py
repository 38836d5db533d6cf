"""What a render process holds: its imports and the size of one WeasyPrint document.

Peak memory of a bulk run (benchmarks/certificates.py) is the sum of the render
processes' peaks, so a module every render process imports for nothing, or a
document laid out with too many pages at once, counts once per process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from lms.certificates import bulk
from lms.certificates import pdf as pdf_module
from lms.certificates.signer import generate_demo_keys
from tests.certificates.test_pdf import NAMES, make_ctx

ROOT = Path(__file__).resolve().parents[2]

#: What a render process never needs: the database layer and the web request stack.
NOT_IN_RENDER_PROCESSES = ("sqlalchemy", "flask_sqlalchemy", "flask_babel", "flask_login")


def test_render_process_modules_leave_the_database_layer_out() -> None:
    """The modules the forkserver preloads (and a render process imports) import no
    SQLAlchemy (~11 MiB), Flask-Babel or Flask-Login (another ~7 MiB with lms.db)."""
    preload = ", ".join(repr(m) for m in bulk.PRELOAD)
    code = (
        "import importlib, sys\n"
        f"for name in ({preload}, 'lms.certificates.token', 'lms.certificates.stamping'):\n"
        "    importlib.import_module(name)\n"
        f"print(sorted(m for m in {NOT_IN_RENDER_PROCESSES!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout


@pytest.fixture
def page_counts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The page count of every WeasyPrint document laid out in this process."""
    sizes: list[int] = []
    layout = pdf_module._Renderer.document

    def spy(self: pdf_module._Renderer, ctxs: list[pdf_module.CertificateContext]) -> object:
        sizes.append(len(ctxs))
        return layout(self, ctxs)

    monkeypatch.setattr(pdf_module._Renderer, "document", spy)
    return sizes


def _contexts(n: int) -> list[pdf_module.CertificateContext]:
    return [make_ctx(NAMES[i % len(NAMES)], f"CY-2025-{i:06d}") for i in range(n)]


def test_one_document_never_lays_out_more_than_25_pages(
    tmp_path: Path, page_counts: list[int]
) -> None:
    """A WeasyPrint layout costs ~0.8 MiB a page until it is written: a bulk run in one
    process lays out 25 pages at a time, not 50."""
    key, cert = generate_demo_keys(tmp_path)
    signed = bulk.render_and_sign_bulk(_contexts(30), key, cert, workers=1)
    assert len(signed) == 30
    assert page_counts == [25, 5]


def test_issuing_renders_a_service_chunk_in_documents_of_25_pages(
    app: Flask, page_counts: list[int]
) -> None:
    """The service's chunk (50 learners a transaction) is not one 50-page layout."""
    from lms.certificates.services import _render, _signing_key

    with app.app_context():
        material, _key = _signing_key()
        signed = _render(_contexts(30), material)
    assert len(signed) == 30
    assert max(page_counts) <= 25, page_counts
