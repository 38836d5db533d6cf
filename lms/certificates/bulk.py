"""Render and sign many certificates fast, optionally in recycled worker processes.

Each task is one chunk: ONE multi-page WeasyPrint document split into one-page PDFs
(``render_certificates_bulk``), then signed with a
:class:`~lms.certificates.signing.BatchSigner`.  With ``workers == 1`` chunks run in
this process.  With ``workers > 1`` they run in a forkserver pool that is kept warm
for the life of this process (a Huey worker pays the start-up once, not per run);
its processes are replaced after ``max_chunks_per_worker`` chunks, so WeasyPrint's
and fontconfig's caches cannot grow without bound (WeasyPrint #2130).
"""

from __future__ import annotations

import atexit
import math
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from lms.certificates.material import (
    FileKey,
    Material,
    SigningConfigError,
    TokenKey,
    open_signer,
)
from lms.certificates.pdf import CertificateContext, render_certificates_bulk, sample_context
from lms.certificates.signing import BatchSigner

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "default_workers",
    "iter_render_and_sign",
    "probe_signer",
    "render_and_sign_bulk",
    "shutdown_pools",
    "token_cert_pem",
    "warm_pool",
]

#: Pages of one WeasyPrint document.  Its layout costs ~0.8 MiB a page until written,
#: and a render process's peak is the sum: 25 is as fast a page as 50, ~20 MiB less.
DEFAULT_CHUNK_SIZE = 25
#: A render process is replaced after this many chunks (500 pages).
DEFAULT_MAX_CHUNKS_PER_WORKER = 20
MAX_DEFAULT_WORKERS = 4

#: Imported once by the forkserver; every render process starts with them.
PRELOAD = ("lms.certificates.signing", "lms.certificates.pdf", "lms.certificates.material")

_state: dict[str, object] = {}
_pools: dict[tuple[object, ...], ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def pool_context() -> multiprocessing.context.BaseContext:
    """forkserver: safe to start from threaded servers (a Huey worker, gunicorn), and
    each render process forks from a server that has already imported the renderer."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD))
    return ctx


def default_workers() -> int:
    """One render process per core, at most ``MAX_DEFAULT_WORKERS``."""
    return max(1, min(MAX_DEFAULT_WORKERS, os.cpu_count() or 1))


def _pool(workers: int, init_args: tuple[object, ...], max_chunks: int) -> ProcessPoolExecutor:
    """The warm pool for these settings, started on first use."""
    key = (workers, max_chunks, *init_args)
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=pool_context(),
                initializer=_init_pool_worker,
                initargs=init_args,
                max_tasks_per_child=max_chunks,
            )
        return pool


def _discard_pool(pool: ProcessPoolExecutor) -> None:
    with _pools_lock:
        for key, value in list(_pools.items()):
            if value is pool:
                del _pools[key]
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown_pools() -> None:
    """Stop every warm pool (at exit, or in tests)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


atexit.register(shutdown_pools)


def _drop_signer() -> None:
    """Forget this process's signer (closing its token session, if any)."""
    _state.pop("signer_material", None)
    batch = _state.pop("signer", None)
    close = getattr(getattr(batch, "signer", None), "close", None)
    if close is not None:
        close()


def _signer_for(material: Material) -> BatchSigner:
    """This process's signer for ``material``: a token is opened ONCE per process and its
    session kept for every later chunk and run; a key file is loaded again per run."""
    batch = _state.get("signer")
    if isinstance(material, TokenKey) and _state.get("signer_material") == material:
        assert isinstance(batch, BatchSigner)
        return batch
    _drop_signer()
    batch = _state["signer"] = BatchSigner(open_signer(material), policy=material.policy)
    _state["signer_material"] = material
    return batch


def token_cert_pem(material: TokenKey) -> bytes:
    """The certificate of a token key, read through this process's session."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = _signer_for(material).signer.signing_cert.dump()
    return x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)


def _probe(material: Material) -> None:
    close = getattr(open_signer(material), "close", None)
    if close is not None:
        close()


def probe_signer(material: Material) -> None:
    """Open ``material`` once to check it.  A token is opened in a short-lived render
    process: the calling process (a gunicorn master that forks) never loads the PKCS#11
    module, which must not be shared across a fork.

    :raises SigningConfigError: one line saying what is wrong.
    """
    if not isinstance(material, TokenKey):
        _probe(material)
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=pool_context()) as probe:
        try:
            probe.submit(_probe, material).result()
        except SigningConfigError as exc:  # without the render process's traceback
            raise type(exc)(str(exc)) from None


def _init_worker(
    material: Material,
    static_root: Path | None,
    templates_root: Path | None,
) -> None:
    _state["material"] = material
    _signer_for(material)
    _state["roots"] = {"static_root": static_root, "templates_root": templates_root}


def _exit_with_owner() -> None:
    """End this render process when the process that owns the pool dies.

    A SIGKILLed Huey worker would otherwise leave its render processes (and the
    forkserver) waiting on the task queue forever. ``parent_process()`` is the owner
    even under forkserver; its sentinel becomes ready when the owner is gone.
    """
    owner = multiprocessing.parent_process()
    if owner is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([owner.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


def _init_pool_worker(*init_args: object) -> None:
    _exit_with_owner()
    _init_worker(*init_args)  # type: ignore[arg-type]


def _render_and_sign_chunk(ctxs: list[CertificateContext]) -> list[bytes]:
    material = _state.get("material")
    if material is None:
        raise RuntimeError("worker initializer did not run")
    roots = _state["roots"]
    assert isinstance(roots, dict)
    pdfs = render_certificates_bulk(ctxs, **roots)
    signer = _state.get("signer")
    if not isinstance(signer, BatchSigner) or _state.get("signer_material") != material:
        signer = _signer_for(material)  # a token that failed before: open it again
    try:
        return signer.sign(pdfs)
    except Exception:
        _drop_signer()  # a token that went away: this chunk fails, a later one reopens
        raise


def as_material(
    key: Material | Path | str, cert_path: Path | str | None = None,
    passphrase: bytes | None = None,
) -> Material:
    """A key file's paths (the older call style) or material, as material."""
    if isinstance(key, FileKey | TokenKey):
        return key
    return FileKey(Path(key), None if cert_path is None else Path(cert_path), passphrase)


def _init_args(
    material: Material,
    static_root: Path | None,
    templates_root: Path | None,
) -> tuple[Material, Path | None, Path | None]:
    """Worker initializer arguments (also the pool's cache key): plain, picklable."""
    return (material, static_root, templates_root)


def _warm_worker(_: int) -> int:
    """Render and sign a sample: fonts, stylesheet and key are loaded for real work."""
    _render_and_sign_chunk([sample_context()])
    return os.getpid()


def warm_pool(
    key_path: Material | Path | str,
    cert_path: Path | str | None = None,
    passphrase: bytes | None = None,
    *,
    workers: int,
    max_chunks_per_worker: int = DEFAULT_MAX_CHUNKS_PER_WORKER,
    static_root: Path | None = None,
    templates_root: Path | None = None,
) -> set[int]:
    """Start the warm pool that ``iter_render_and_sign`` would use; returns the pids
    that did a warm-up render.  ``lms worker`` calls this at start-up, so the first
    bulk run of a worker's life does not pay for starting processes."""
    init_args = _init_args(as_material(key_path, cert_path, passphrase), static_root,
                           templates_root)
    pool = _pool(workers, init_args, max_chunks_per_worker)
    return set(pool.map(_warm_worker, range(workers)))


def _chunks(ctxs: Sequence[CertificateContext], size: int) -> list[list[CertificateContext]]:
    return [list(ctxs[i : i + size]) for i in range(0, len(ctxs), size)]


def iter_render_and_sign(
    ctxs: Sequence[CertificateContext],
    key_path: Material | Path | str,
    cert_path: Path | str | None = None,
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
    workers = default_workers() if workers is None else max(1, workers)
    # Smaller chunks when there are few certificates, so every worker gets some.
    size = max(1, min(chunk_size, math.ceil(len(ctxs) / workers)))
    chunks = _chunks(ctxs, size)
    init_args = _init_args(as_material(key_path, cert_path, passphrase), static_root,
                           templates_root)
    if workers == 1 or len(chunks) == 1:
        _init_worker(*init_args)
        for chunk in chunks:
            yield from zip(chunk, _render_and_sign_chunk(chunk), strict=True)
        return
    pool = _pool(workers, init_args, max_chunks_per_worker)
    try:
        for chunk, signed in zip(chunks, pool.map(_render_and_sign_chunk, chunks), strict=True):
            yield from zip(chunk, signed, strict=True)
    except BrokenProcessPool:
        _discard_pool(pool)  # a killed render process: the next call starts a fresh pool
        raise


def render_and_sign_bulk(
    ctxs: Sequence[CertificateContext],
    key_path: Material | Path | str,
    cert_path: Path | str | None = None,
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
