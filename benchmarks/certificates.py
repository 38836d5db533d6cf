"""Benchmark certificate rendering + signing: naive per-certificate path vs bulk path.

    .venv/bin/python benchmarks/certificates.py [--n 200]
    .venv/bin/python benchmarks/certificates.py --memory-n 1000 [--chunk 25]
    .venv/bin/python benchmarks/certificates.py --pkcs11 [--n 200]
    .venv/bin/python benchmarks/certificates.py --tsa [--pkcs11] [--n 200]

``--pkcs11`` signs with a key in a SoftHSM2 token (set up in a temporary folder, as the
tests do): naive then opens the token and signs with pyHanko's plain PKCS#11 signer per
certificate; bulk keeps one session per render process.  ``--tsa`` timestamps every
signature (PAdES B-T) at the test PKI's TSA (certomancer, served in this process; needs
the dev extras).  The JSON says ``"signer"``.

Default mode: the naive path (per certificate: its own WeasyPrint render with fresh
fonts and stylesheet, then plain pyHanko signing with a freshly loaded key) on a
sample of min(n, 30), against the production bulk path, ``iter_render_and_sign`` in
bulk's chunks (``DEFAULT_CHUNK_SIZE``, 25) on ``default_workers()`` processes (one
layout per chunk, each page written alone, cached CMS signing), on all n, the signed
PDFs consumed as they come (the issuing service stores each chunk and lets it go).
The first bulk call starts the warm pool and is reported as ``bulk_cold``; the
in-process path (``workers=1``) is reported too.  The LAST stdout line is JSON:
``{"n", "naive_ms_per_cert", "bulk_ms_per_cert", "ratio", "peak_rss_mb", ...}``
where peak_rss_mb = this process's peak RSS + its waited-for children's + the peak
RSS of every render process of the pool.

Memory mode: renders and signs ``--memory-n`` certificates chunk by chunk in ONE
process and prints RSS after every chunk, so cache growth in WeasyPrint/fontconfig
(WeasyPrint #2130) is visible; its last line is JSON too.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from pyhanko.sign import signers

from lms.certificates import bulk as bulk_module
from lms.certificates import pdf as pdf_module
from lms.certificates.bulk import DEFAULT_CHUNK_SIZE, default_workers, iter_render_and_sign
from lms.certificates.material import FileKey, Material
from lms.certificates.pdf import CertificateContext, render_certificates_bulk
from lms.certificates.signer import generate_demo_keys, load_signer
from lms.certificates.signing import BatchSigner, sign_pdf
from lms.certificates.stamping import SigningPolicy
from lms.certificates.verification import verify_pdf

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Thị", "Văn", "Hữu", "Ngọc", "Minh", "Thị Ngọc", "Đức", "Quốc", "Thị Ỷ"]
GIVEN = ["Huyền", "Ưng", "Lan", "Dũng", "Thắng", "Yến", "Khuê", "Nghĩa", "Trường", "Ỷ"]
UNITS = [
    "Phòng Cơ yếu, Văn phòng Tỉnh ủy Quảng Ngãi",
    "Ban Cơ yếu Chính phủ",
    "Cục Kỹ thuật nghiệp vụ mật mã",
    "Phòng Hành chính - Tổng hợp, Sở Nội vụ Thừa Thiên Huế",
]
CLASSIFICATIONS = [(9.0, "Xuất sắc"), (8.0, "Giỏi"), (6.5, "Khá"), (5.0, "Trung bình")]


def sample_contexts(n: int, seed: int = 2025) -> list[CertificateContext]:
    rng = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        score = round(rng.uniform(5.0, 10.0) * 2) / 2
        label = next(lbl for floor, lbl in CLASSIFICATIONS if score >= floor)
        code = f"{rng.randrange(16**8):08X}"
        out.append(
            CertificateContext(
                serial=f"CY-2025-{i:06d}",
                verify_code=f"{code[:4]}-{code[4:]}",
                verify_url=f"https://lms.coyeu.example.vn/xac-thuc/{code}",
                holder_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                holder_dob=date(1970, 1, 1) + timedelta(days=rng.randrange(12000)),
                holder_unit=rng.choice(UNITS),
                class_name="Lớp bồi dưỡng Quản lý nhà nước về Cơ yếu khóa 3",
                class_code="QLNN-CY-K3",
                course_title="Quản lý nhà nước về Cơ yếu",
                score10=score,
                classification=label,
                completed_on=date(2025, 2, 28),
                issued_on=date(2025, 3, 4),
                place="Hà Nội",
                issuer_name="HỌC VIỆN CHÍNH TRỊ QUỐC GIA HỒ CHÍ MINH",
                issuer_parent="BAN CHẤP HÀNH TRUNG ƯƠNG",
                signer_name="PGS.TS. Lê Văn Dũng",
                signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
            )
        )
    return out


def peak_rss_mb() -> tuple[float, float]:
    """(this process, largest waited-for child) peak RSS in MiB (Linux: ru_maxrss in KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Setup:
    """The signing key of a benchmark: material for the bulk path, the naive path's own
    way of getting a signer per certificate, and the certificate that verifies."""

    material: Material
    trusted: bytes
    naive_signer: Callable[[], Iterator[signers.Signer]]
    name: str = "file"
    policy: SigningPolicy | None = None


def file_setup(key: Path, cert: Path) -> Setup:
    @contextmanager
    def naive() -> Iterator[signers.Signer]:
        yield signers.SimpleSigner.load(str(key), str(cert))  # plain pyHanko, no caching

    return Setup(FileKey(key, cert), cert.read_bytes(), naive)


def token_setup() -> Setup:
    """A SoftHSM2 token with a key and its certificate (tests/certificates/softhsm.py)."""
    from pyhanko.sign.pkcs11 import PKCS11Signer

    from lms.certificates.token import open_session
    from tests.certificates.softhsm import KEY_LABELS, create_token, module_path

    module = module_path()
    if module is None:
        raise SystemExit("--pkcs11 needs softhsm2 (apt-get install softhsm2)")
    token = create_token(module)
    material = token.material(KEY_LABELS[0])

    @contextmanager
    def naive() -> Iterator[signers.Signer]:
        session = open_session(material)  # the token opened for every certificate
        try:
            yield PKCS11Signer(session, cert_label=material.cert_label,
                               key_label=material.key_label, use_raw_mechanism=True)
        finally:
            session.close()

    return Setup(material, token.certs[KEY_LABELS[0]], naive, "pkcs11 (SoftHSM2)")


def with_tsa(setup: Setup, tmp: Path) -> Setup:
    """The same key, timestamped (B-T) by the test PKI's TSA (tests/certificates/pki.py),
    served by certomancer in a thread of this process."""
    from tests.certificates.pki import start_pki

    pki = start_pki(tmp / "pki")
    policy = SigningPolicy(tsa_url=pki.tsa_url)
    return replace(setup, material=replace(setup.material, policy=policy), policy=policy,
                   name=f"{setup.name} + TSA")


def naive_ms(ctxs: list[CertificateContext], setup: Setup) -> float:
    """What a straightforward implementation does for every certificate."""
    renderer = pdf_module._renderer(None, None)  # Jinja template compiled once, as in Flask
    start = time.perf_counter()
    for ctx in ctxs:
        renderer._fonts()  # fresh FontConfiguration + stylesheet: a plain HTML().write_pdf()
        unsigned = renderer.render([ctx])
        with setup.naive_signer() as signer:
            sign_pdf(unsigned, signer, policy=setup.policy)
    return (time.perf_counter() - start) * 1000 / len(ctxs)


def bulk_ms(ctxs: list[CertificateContext], setup: Setup, workers: int) -> float:
    """The production path: ``iter_render_and_sign`` in bulk's chunks (DEFAULT_CHUNK_SIZE
    pages a document) on ``workers`` processes (the warm pool is reused across calls, as
    in a long-lived Huey worker).  Like the issuing service, which stores a chunk and
    lets it go, the signed PDFs are consumed as they come, not all kept."""
    spot = {0, len(ctxs) // 2, len(ctxs) - 1}
    kept: dict[int, bytes] = {}
    start = time.perf_counter()
    results = iter_render_and_sign(ctxs, setup.material, workers=workers)
    for i, (_ctx, pdf) in enumerate(results):
        if i in spot:
            kept[i] = pdf
    elapsed = (time.perf_counter() - start) * 1000 / len(ctxs)
    assert len(kept) == len(spot)
    for i, pdf in kept.items():  # spot-check outside the timing
        check = verify_pdf(pdf, setup.trusted)
        assert check.valid, (i, check)
    return elapsed


def pool_peak_mb() -> float:
    """Sum of the peak RSS (VmHWM) of the live render processes of every warm pool."""
    total = 0.0
    for pool in bulk_module._pools.values():
        for pid in list(pool._processes or {}):
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1]) / 1024
    return total


def run_speed(n: int, setup: Setup, rounds: int = 3) -> dict[str, object]:
    """Interleave ``rounds`` of each path and keep the best: this machine is noisy.

    The pool is started inside the first timed bulk call, so ``bulk_cold`` includes
    its start-up; later rounds show the steady state of a long-lived worker.
    """
    ctxs = sample_contexts(n)
    workers = default_workers()
    render_certificates_bulk(ctxs[:2])  # warm imports, fontconfig and the Jinja template
    sample = ctxs[: min(n, 30)]
    per_round = max(1, len(sample) // rounds)
    naive, bulk, single = [], [], []
    cold = bulk_ms(ctxs, setup, workers)
    print(f"bulk on {workers} processes, pool start-up included: {cold:.1f} ms/cert")
    for r in range(rounds):
        naive.append(naive_ms(sample[r * per_round : (r + 1) * per_round] or sample, setup))
        bulk.append(bulk_ms(ctxs, setup, workers))
        single.append(bulk_ms(ctxs, setup, 1))
        print(f"round {r + 1}: naive {naive[-1]:.1f} ms/cert, bulk {bulk[-1]:.1f} ms/cert "
              f"({workers} processes), {single[-1]:.1f} ms/cert (one process)", flush=True)
    own, kids = peak_rss_mb()
    pool = pool_peak_mb()
    print(f"peak RSS: this process {own:.0f} MiB, render processes {pool:.0f} MiB in all")
    return {
        "n": n,
        "signer": setup.name,
        "naive_ms_per_cert": round(min(naive), 1),
        "bulk_ms_per_cert": round(min(bulk), 1),
        "ratio": round(min(naive) / min(bulk), 2),
        "peak_rss_mb": round(own + kids + pool, 1),
        "workers": workers,
        "chunk": DEFAULT_CHUNK_SIZE,
        "bulk_cold_ms_per_cert": round(cold, 1),
        "ratio_cold": round(min(naive) / cold, 2),
        "bulk_one_process_ms_per_cert": round(min(single), 1),
        "ratio_one_process": round(min(naive) / min(single), 2),
    }


def run_memory(n: int, chunk: int, key: Path, cert: Path) -> dict[str, object]:
    """Render + sign ``n`` certificates in this one process, chunk by chunk."""
    ctxs = sample_contexts(n)
    signer = BatchSigner(load_signer(key, cert))
    rows = []
    for index, i in enumerate(range(0, n, chunk), start=1):
        start = time.perf_counter()
        signer.sign(render_certificates_bulk(ctxs[i : i + chunk]))
        ms = (time.perf_counter() - start) * 1000 / len(ctxs[i : i + chunk])
        rss, (peak, _) = current_rss_mb(), peak_rss_mb()
        rows.append({"chunk": index, "rss_mb": round(rss, 1), "peak_mb": round(peak, 1)})
        print(f"chunk {index:3d}: rss {rss:7.1f} MiB  peak {peak:7.1f} MiB  {ms:5.1f} ms/cert")
    first, last = rows[min(1, len(rows) - 1)]["rss_mb"], rows[-1]["rss_mb"]
    growth = round(float(last) - float(first), 1)  # from chunk 2 (after warm-up) to the end
    per_chunk = round(growth / max(1, len(rows) - 2), 2)
    advice = (
        "RSS keeps growing: recycle workers (render_and_sign_bulk does: max_chunks_per_worker)"
        if per_chunk > 1.0
        else "RSS is flat after warm-up: no recycling needed beyond the default"
    )
    print(advice)
    return {
        "n": n,
        "chunk": chunk,
        "growth_mb": growth,
        "growth_mb_per_chunk": per_chunk,
        "peak_rss_mb": rows[-1]["peak_mb"],
        "chunks": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="certificates for the bulk path")
    parser.add_argument("--memory-n", type=int, default=0, help="memory mode over N certificates")
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK_SIZE,
                        help="chunk size in memory mode")
    parser.add_argument("--pkcs11", action="store_true", help="sign in a SoftHSM2 token")
    parser.add_argument("--tsa", action="store_true", help="timestamp at the local test TSA")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cert-bench-") as tmp:
        key, cert = generate_demo_keys(Path(tmp))
        if args.memory_n:
            result = run_memory(args.memory_n, args.chunk, key, cert)
        else:
            setup = token_setup() if args.pkcs11 else file_setup(key, cert)
            result = run_speed(args.n, with_tsa(setup, Path(tmp)) if args.tsa else setup)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
