"""Benchmark certificate rendering + signing: naive per-certificate path vs bulk path.

    .venv/bin/python benchmarks/certificates.py [--n 200]
    .venv/bin/python benchmarks/certificates.py --memory-n 1000 [--chunk 50]

Default mode: the naive path (per certificate: its own WeasyPrint render with fresh
fonts and stylesheet, then plain pyHanko signing with a freshly loaded key) on a
sample of min(n, 30), and the bulk path (``render_certificates_bulk`` on chunks of
50, then ``sign_many``) on all n; then, for reference only, ``render_and_sign_bulk``
on two worker processes.  The LAST stdout line is JSON:
``{"n", "naive_ms_per_cert", "bulk_ms_per_cert", "ratio", "peak_rss_mb"}``
where peak_rss_mb = this process's peak RSS + the largest waited-for child's (taken
before the reference pool run, whose forkserver workers are not our children).

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
from datetime import date, timedelta
from pathlib import Path

from pyhanko.sign import signers

from lms.certificates import pdf as pdf_module
from lms.certificates.bulk import render_and_sign_bulk
from lms.certificates.pdf import CertificateContext, render_certificates_bulk
from lms.certificates.signing import (
    BatchSigner,
    generate_demo_keys,
    load_signer,
    sign_many,
    sign_pdf,
    verify_pdf,
)

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


def naive_ms(ctxs: list[CertificateContext], key: Path, cert: Path) -> float:
    """What a straightforward implementation does for every certificate."""
    renderer = pdf_module._renderer(None, None)  # Jinja template compiled once, as in Flask
    start = time.perf_counter()
    for ctx in ctxs:
        renderer._fonts()  # fresh FontConfiguration + stylesheet: a plain HTML().write_pdf()
        unsigned = renderer.render([ctx])
        signer = signers.SimpleSigner.load(str(key), str(cert))  # plain pyHanko, no caching
        sign_pdf(unsigned, signer)
    return (time.perf_counter() - start) * 1000 / len(ctxs)


def bulk_ms(ctxs: list[CertificateContext], key: Path, cert: Path, chunk: int) -> float:
    """render_certificates_bulk in chunks, then sign_many (cached CMS, one key load)."""
    start = time.perf_counter()
    signed = []
    for i in range(0, len(ctxs), chunk):
        signed += sign_many(render_certificates_bulk(ctxs[i : i + chunk]), key, cert)
    elapsed = (time.perf_counter() - start) * 1000 / len(ctxs)
    trusted = cert.read_bytes()
    for i in {0, len(ctxs) // 2, len(ctxs) - 1}:  # spot-check outside the timing
        check = verify_pdf(signed[i], trusted)
        assert check.valid, (i, check)
    return elapsed


def pool_ms(ctxs: list[CertificateContext], key: Path, cert: Path, chunk: int) -> float:
    """render_and_sign_bulk on two worker processes (pool start-up included)."""
    start = time.perf_counter()
    render_and_sign_bulk(ctxs, key, cert, chunk_size=chunk, workers=2)
    return (time.perf_counter() - start) * 1000 / len(ctxs)


def run_speed(n: int, key: Path, cert: Path, rounds: int = 3) -> dict[str, float | int]:
    """Interleave ``rounds`` of each path and keep the best: this machine is noisy."""
    ctxs = sample_contexts(n)
    render_certificates_bulk(ctxs[:2])  # warm imports, fontconfig and the Jinja template
    sample = ctxs[: min(n, 30)]
    per_round = max(1, len(sample) // rounds)
    naive, bulk = [], []
    for r in range(rounds):
        naive.append(naive_ms(sample[r * per_round : (r + 1) * per_round] or sample, key, cert))
        bulk.append(bulk_ms(ctxs, key, cert, chunk=50))
        print(f"round {r + 1}: naive {naive[-1]:.1f} ms/cert, bulk {bulk[-1]:.1f} ms/cert")
    print(f"naive (per certificate, {len(sample)} certs): best {min(naive):.1f} ms/cert")
    print(f"bulk (render_certificates_bulk x50 + sign_many, {n} certs): best {min(bulk):.1f}")
    own, kids = peak_rss_mb()
    print(f"peak RSS: this process {own:.0f} MiB, largest child {kids:.0f} MiB", flush=True)
    pooled = pool_ms(ctxs, key, cert, chunk=50)
    print(f"for reference, render_and_sign_bulk on 2 processes: {pooled:.1f} ms/cert")
    return {
        "n": n,
        "naive_ms_per_cert": round(min(naive), 1),
        "bulk_ms_per_cert": round(min(bulk), 1),
        "ratio": round(min(naive) / min(bulk), 2),
        "peak_rss_mb": round(own + kids, 1),
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
    parser.add_argument("--chunk", type=int, default=50, help="chunk size in memory mode")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cert-bench-") as tmp:
        key, cert = generate_demo_keys(Path(tmp))
        if args.memory_n:
            result = run_memory(args.memory_n, args.chunk, key, cert)
        else:
            result = run_speed(args.n, key, cert)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
