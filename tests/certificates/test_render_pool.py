"""The warm pool of render processes: started once, reused, replaced when broken."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from flask import Flask

from lms.certificates import bulk
from lms.certificates.services import warm_render_pool
from lms.certificates.signer import generate_demo_keys
from lms.certificates.verification import verify_pdf
from tests.certificates.test_pdf import NAMES, make_ctx


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return generate_demo_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(autouse=True)
def no_pools() -> Iterator[None]:
    bulk.shutdown_pools()
    yield
    bulk.shutdown_pools()


def _only_pool() -> bulk.ProcessPoolExecutor:
    assert len(bulk._pools) == 1, bulk._pools
    return next(iter(bulk._pools.values()))


def test_warm_pool_is_the_pool_bulk_runs_use(keys: tuple[Path, Path]) -> None:
    pids = bulk.warm_pool(*keys, workers=2)
    assert pids and os.getpid() not in pids
    pool = _only_pool()
    ctxs = [make_ctx(n, serial=f"CY-2025-3{i}") for i, n in enumerate(NAMES * 2)]
    out = bulk.render_and_sign_bulk(ctxs, *keys, chunk_size=2, workers=2)
    assert _only_pool() is pool  # no second pool: the warm one did the work
    assert pids <= set(pool._processes or {})
    assert all(verify_pdf(pdf, keys[1].read_bytes()).valid for pdf in out)


def test_a_killed_render_process_fails_the_run_and_the_next_run_gets_a_fresh_pool(
    keys: tuple[Path, Path],
) -> None:
    bulk.warm_pool(*keys, workers=2)
    broken = _only_pool()
    for pid in list(broken._processes or {}):
        os.kill(pid, signal.SIGKILL)
    ctxs = [make_ctx(n, serial=f"CY-2025-4{i}") for i, n in enumerate(NAMES)]
    with pytest.raises(BrokenProcessPool):
        bulk.render_and_sign_bulk(ctxs, *keys, chunk_size=1, workers=2)
    assert broken not in bulk._pools.values()
    out = bulk.render_and_sign_bulk(ctxs, *keys, chunk_size=1, workers=2)
    assert len(out) == len(ctxs)
    assert _only_pool() is not broken


def test_warm_render_pool_follows_the_configuration(app: Flask, tmp_path: Path) -> None:
    config = app.config
    saved = config["LMS_CERT_WORKERS"], config["LMS_SIGNING_KEY"]
    with app.app_context():
        assert saved[0] == 1  # the suite renders in-process
        try:
            assert warm_render_pool() == 0
            assert not bulk._pools
            config["LMS_CERT_WORKERS"] = 2
            assert warm_render_pool() == 2
            assert len(_only_pool()._processes or {}) == 2
            bulk.shutdown_pools()
            config["LMS_SIGNING_KEY"] = str(tmp_path / "missing.pem")
            assert warm_render_pool() == 0  # no keys: nothing to warm
            assert not bulk._pools
        finally:
            config["LMS_CERT_WORKERS"], config["LMS_SIGNING_KEY"] = saved


OWNER_SCRIPT = """
import sys
from multiprocessing import forkserver
from lms.certificates import bulk
bulk.warm_pool(sys.argv[1], sys.argv[2], workers=2)
pool = next(iter(bulk._pools.values()))
print(*pool._processes, forkserver._forkserver._forkserver_pid, flush=True)
sys.stdin.read()  # until killed
"""


def test_render_processes_end_when_their_owner_is_killed(keys: tuple[Path, Path]) -> None:
    """A SIGKILLed worker must not leave its render processes or forkserver behind."""
    owner = subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT, *map(str, keys)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(pids) == 3, pids
        handles = [os.pidfd_open(pid) for pid in pids]
    finally:
        owner.kill()
        owner.wait()
    try:
        for pid, handle in zip(pids, handles, strict=True):
            # A pidfd becomes readable when its process exits: an event, not a sleep.
            ready, _, _ = select.select([handle], [], [], 30)
            assert ready, f"process {pid} outlived its owner"
    finally:
        for handle in handles:
            os.close(handle)
