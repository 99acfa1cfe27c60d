"""The glibc tunings of a worker: the allocator's bounds and the OS names of camera threads."""

from __future__ import annotations

import multiprocessing
import platform
import threading
from pathlib import Path

import pytest

from video.ingest.glibc import name_os_thread, tune_malloc

glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")


@glibc_only
def test_tune_malloc_is_accepted_by_glibc() -> None:
    # In a child process: the limits stay with the process that sets them.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        assert pool.apply(tune_malloc) is True


@glibc_only
def test_a_thread_s_name_reaches_the_os_cut_to_fifteen_bytes() -> None:
    names: list[str] = []

    def named() -> None:
        assert name_os_thread("decode-cam-dongshan-gate") is True
        comm = Path(f"/proc/self/task/{threading.get_native_id()}/comm")
        names.append(comm.read_text().strip())

    thread = threading.Thread(target=named)
    thread.start()
    thread.join()
    assert names == ["decode-cam-dong"]
