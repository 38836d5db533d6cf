"""Render and sign many certificates fast, optionally in recycled worker processes.

Each task is one chunk: ONE multi-page WeasyPrint document split into one-page
PDFs (``render_certificates_bulk``), then signed with a
:class:`~lms.certificates.signing.BatchSigner`.  By default chunks run in this
process; with ``workers > 1`` they run in a forkserver pool whose processes are
replaced after ``max_chunks_per_worker`` chunks, so WeasyPrint's and fontconfig's
caches cannot grow without bound in a long-running job.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from lms.certificates.pdf import CertificateContext, render_certificates_bulk
from lms.certificates.signing import BatchSigner, load_signer, pool_context

__all__ = ["DEFAULT_CHUNK_SIZE", "iter_render_and_sign", "render_and_sign_bulk"]

DEFAULT_CHUNK_SIZE = 50
DEFAULT_MAX_CHUNKS_PER_WORKER = 10
# Measured on the project's 2-vCPU machines: a second process gives ~1.0-1.15x while a
# forkserver pool costs ~1 s to start, so the default is to work in this process.
# Pass workers=os.cpu_count() where cores are real (e.g. a dedicated Huey box).
DEFAULT_WORKERS = 1

_state: dict[str, object] = {}


def _init_worker(
    key_path: str,
    cert_path: str | None,
    passphrase: bytes | None,
    static_root: Path | None,
    templates_root: Path | None,
) -> None:
    _state["signer"] = BatchSigner(load_signer(key_path, cert_path, passphrase))
    _state["roots"] = {"static_root": static_root, "templates_root": templates_root}


def _render_and_sign_chunk(ctxs: list[CertificateContext]) -> list[bytes]:
    signer = _state["signer"]
    assert isinstance(signer, BatchSigner), "worker initializer did not run"
    roots = _state["roots"]
    assert isinstance(roots, dict)
    return signer.sign(render_certificates_bulk(ctxs, **roots))


def _chunks(ctxs: Sequence[CertificateContext], size: int) -> list[list[CertificateContext]]:
    return [list(ctxs[i : i + size]) for i in range(0, len(ctxs), size)]


def iter_render_and_sign(
    ctxs: Sequence[CertificateContext],
    key_path: Path | str,
    cert_path: Path | str | None,
    passphrase: bytes | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
    max_chunks_per_worker: int = DEFAULT_MAX_CHUNKS_PER_WORKER,
    static_root: Path | None = None,
    templates_root: Path | None = None,
) -> Iterator[tuple[CertificateContext, bytes]]:
    """Yield ``(context, signed_pdf)`` in input order, chunk by chunk."""
    if not ctxs:
        return
    workers = DEFAULT_WORKERS if workers is None else max(1, workers)
    # Smaller chunks when there are few certificates, so every worker gets some.
    size = max(1, min(chunk_size, math.ceil(len(ctxs) / workers)))
    chunks = _chunks(ctxs, size)
    init_args = (
        str(key_path),
        None if cert_path is None else str(cert_path),
        passphrase,
        static_root,
        templates_root,
    )
    if workers == 1 or len(chunks) == 1:
        _init_worker(*init_args)
        for chunk in chunks:
            yield from zip(chunk, _render_and_sign_chunk(chunk), strict=True)
        return
    with ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=pool_context(),
        initializer=_init_worker,
        initargs=init_args,
        max_tasks_per_child=max_chunks_per_worker,
    ) as pool:
        for chunk, signed in zip(chunks, pool.map(_render_and_sign_chunk, chunks), strict=True):
            yield from zip(chunk, signed, strict=True)


def render_and_sign_bulk(
    ctxs: Sequence[CertificateContext],
    key_path: Path | str,
    cert_path: Path | str | None,
    passphrase: bytes | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
    max_chunks_per_worker: int = DEFAULT_MAX_CHUNKS_PER_WORKER,
    static_root: Path | None = None,
    templates_root: Path | None = None,
) -> list[bytes]:
    """Signed one-page PDFs for ``ctxs``, in input order."""
    results = iter_render_and_sign(
        ctxs,
        key_path,
        cert_path,
        passphrase,
        chunk_size=chunk_size,
        workers=workers,
        max_chunks_per_worker=max_chunks_per_worker,
        static_root=static_root,
        templates_root=templates_root,
    )
    return [pdf for _, pdf in results]
