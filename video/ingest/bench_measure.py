"""Measurements for the ingest benchmark: CPU and memory of processes from /proc, the
decode-only baseline, and the fixed memory cost of an idle worker process."""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from video.config import CameraConfig, DetectorConfig
from video.ingest.glibc import tune_malloc
from video.ingest.source import open_container

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- CPU and memory of processes, from /proc ---------------------------------------------------


def cpu_seconds(pid: int) -> float:
    return _stat_cpu_seconds(Path(f"/proc/{pid}/stat"))


def _stat_cpu_seconds(stat: Path) -> float:
    """utime + stime of a process's or a thread's stat file."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _thread_cpu_seconds(task: Path) -> float:
    """A thread's CPU seconds, from its schedstat (in nanoseconds) where the kernel keeps one: in
    clock ticks, a still camera's threads over a whole bench window differ by a few ticks."""
    try:
        return int((task / "schedstat").read_text().split()[0]) / 1e9
    except FileNotFoundError:
        return _stat_cpu_seconds(task / "stat")


def thread_cpu_seconds(pids: Iterable[int]) -> dict[str, float]:
    """CPU seconds of each kind of thread of `pids`, by the OS name's part before "-" (a
    camera's `demux-ID` and `decode-ID` threads; the interpreter's own is "python")."""
    kinds: dict[str, float] = {}
    for task in (t for pid in pids for t in Path(f"/proc/{pid}/task").iterdir()):
        try:
            kind = (task / "comm").read_text().strip().split("-", 1)[0]
            seconds = _thread_cpu_seconds(task)
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread ended while we looked
        kinds[kind] = kinds.get(kind, 0.0) + seconds
    return kinds


def rss_mb(pid: int) -> float:
    return _kib_field(f"/proc/{pid}/status", "VmRSS:") / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size: shared pages (the libraries every worker maps) divided among the
    processes that map them, so a sum over processes is the memory they really take."""
    return _kib_field(f"/proc/{pid}/smaps_rollup", "Pss:") / 1024


def _kib_field(path: str, name: str) -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(name):
            return int(line.split()[1])
    return 0


# -- baseline: demux + decode only -----------------------------------------------------------


def _decode_stream(url: str, until: float, frames: list[float]) -> None:
    with open_container(url, 5.0, 3.0) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "NONE"
        for packet in container.demux(stream):
            for _ in packet.decode():
                frames.append(time.monotonic())
            if time.monotonic() >= until:
                return


def _measure_threads(
    work: Sequence[Callable[[float, list[float]], None]], warmup: float, seconds: float
) -> dict[str, Any]:
    """Run each `work(until, times)` on a thread of its own (it appends the moment of every
    frame it decodes to `times` and returns at `until`); this process's CPU and each thread's
    frames over the window after `warmup`."""
    until = time.monotonic() + warmup + seconds
    times: list[list[float]] = [[] for _ in work]
    threads = [
        threading.Thread(target=w, args=(until, times[i]), daemon=True) for i, w in enumerate(work)
    ]
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    cpu0, t0 = time.process_time(), time.monotonic()
    time.sleep(seconds)
    cpu1, t1 = time.process_time(), time.monotonic()
    for thread in threads:
        thread.join(10)
    frames = [sum(1 for t in ts if t0 <= t < t1) for ts in times]
    return {"cpu_s": cpu1 - cpu0, "wall_s": t1 - t0, "frames": frames}


DecodeStream = Callable[[str, float, list[float]], None]


def _baseline_process(
    urls: list[str], warmup: float, seconds: float, out: Any, decode: DecodeStream
) -> None:
    work = [functools.partial(decode, url) for url in urls]
    out.put({**_measure_threads(work, warmup, seconds), "rss_mb": rss_mb(os.getpid())})


def measure_baseline(
    urls: list[str],
    workers: int,
    warmup: float,
    seconds: float,
    decode: DecodeStream = _decode_stream,
) -> dict[str, Any]:
    """Each url decoded by `decode(url, until, times)` on a thread of its own, the threads dealt
    over `workers` spawned processes: their CPU, wall time, frames per second of each stream and
    memory over the window after `warmup`. `decode` must be importable by name (spawn)."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    shards = [urls[i::workers] for i in range(min(workers, len(urls)))]
    processes = [
        ctx.Process(target=_baseline_process, args=(s, warmup, seconds, out, decode))
        for s in shards
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=warmup + seconds + 60) for _ in processes]
    for process in processes:
        process.join(10)
    frames = [f for r in results for f in r["frames"]]
    wall = max(r["wall_s"] for r in results)
    return {
        "cpu_s": sum(r["cpu_s"] for r in results),
        "wall_s": wall,
        "fps_per_stream": [f / wall for f in frames],
        "rss_mb": sum(r["rss_mb"] for r in results),
    }


# -- memory of an idle worker ---------------------------------------------------------------


def _idle_worker(factory: str, out: Any) -> None:
    import video.ingest.worker as worker  # what a worker process imports before any camera

    tune_malloc()
    # One analyser built: what a worker loads once however many cameras it has (the
    # verifier's session is shared by all of them).
    camera = CameraConfig(id="idle", name="idle", source="idle", grid="idle", location=(0, 0))
    worker.load_factory(factory)(camera, DetectorConfig())
    out.put(rss_mb(os.getpid()))


def idle_worker_rss_mb(factory: str) -> float:
    """RSS of a worker process with everything imported and loaded, and no camera running:
    the fixed cost."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    process = ctx.Process(target=_idle_worker, args=(factory, out))
    process.start()
    rss = float(out.get(timeout=60))
    process.join(10)
    return rss
