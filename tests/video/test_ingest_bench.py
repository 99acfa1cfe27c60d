"""The ingest bench's summary over rounds (the round of median ratio, every round beside it), its
memory readings, and one short real run."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from typing import Any

import pytest

from video.config import DetectorConfig
from video.ingest.bench_measure import pss_mb, rss_mb, thread_cpu_seconds
from video.ingest.bench_parts import SHARED_FOOTAGE, footage_source
from video.ingest.bench_report import median_round
from video.ingest.glibc import name_os_thread
from video.ingest_bench import parse_args, run


def _round(ratio: float | None, baseline: float) -> dict[str, Any]:
    return {
        "ratio": ratio,
        "ingest_only_ratio": 0.9,
        "hub_cpu_s_per_stream_s": 0.024,
        "baseline_cpu_s_per_stream_s": baseline,
        "marker": baseline,
    }


def test_the_round_of_median_ratio_is_reported_with_all_rounds() -> None:
    rounds = [_round(1.8, 0.013), _round(1.3, 0.018), _round(1.5, 0.016)]
    report = median_round(rounds)
    assert report["ratio"] == 1.5 and report["marker"] == 0.016  # the whole round, not a mix
    assert report["rounds"] == 3
    assert report["ratio_rounds"] == [1.8, 1.3, 1.5]
    assert report["baseline_cpu_s_per_stream_s_rounds"] == [0.013, 0.018, 0.016]


def test_an_even_count_takes_the_lower_middle_and_a_missing_ratio_sorts_last() -> None:
    report = median_round(
        [_round(None, 0.0), _round(1.4, 0.015), _round(1.2, 0.017), _round(2.0, 0.01)]
    )
    assert report["ratio"] == 1.4


def test_rounds_default_to_three_and_must_be_positive() -> None:
    assert parse_args([]).rounds == 3
    assert parse_args(["--rounds", "1"]).rounds == 1
    with pytest.raises(SystemExit) as refused:
        parse_args(["--rounds", "0"])
    assert refused.value.code == 2


def test_the_served_footage_is_the_flag_else_the_environment_else_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FIREGRID_BENCH_SOURCE", raising=False)
    assert parse_args([]).source is None
    assert footage_source(None) in (str(SHARED_FOOTAGE), "lavfi:testsrc2")
    monkeypatch.setenv("FIREGRID_BENCH_SOURCE", "/clips/env.mp4")
    assert footage_source(None) == "/clips/env.mp4"
    chosen = parse_args(["--source", "/clips/street.mp4"]).source
    assert footage_source(chosen) == "/clips/street.mp4"


def test_pss_shares_out_what_rss_counts_whole() -> None:
    me = os.getpid()
    rss, pss = rss_mb(me), pss_mb(me)
    assert 0 < pss <= rss


def test_a_named_threads_cpu_is_counted_finer_than_clock_ticks() -> None:
    spun: list[float] = []
    done = threading.Event()

    def spin() -> None:
        name_os_thread("spin-1")
        until = time.thread_time() + 0.033
        while time.thread_time() < until:
            pass
        spun.append(time.thread_time())
        done.wait(10)

    thread = threading.Thread(target=spin)
    thread.start()
    try:
        while not spun:
            time.sleep(0.01)
        counted = thread_cpu_seconds([os.getpid()])["spin"]
    finally:
        done.set()
        thread.join()
    # Clock ticks (10 ms) would be up to 10 ms off the thread's own clock.
    assert counted == pytest.approx(spun[0], abs=0.002)


@pytest.mark.usefixtures("generated_bench_footage")
def test_a_short_real_run_reports_every_field() -> None:
    """One small stream through the real RTSP server, baseline, hub and ingest-only."""
    args = parse_args(["--streams", "1", "--size", "320x180", "--seconds", "2", "--rounds", "1"])
    report = run(dataclasses.replace(args, workers=1))
    assert report["streams"] == 1 and report["realtime"] is True
    assert report["ratio"] > 0 and report["hub_cpu_s_per_stream_s"] > 0
    # Once a burning clip's alarm is up its camera is analysed at the settled rate, not the full.
    assert report["analysed_fps_per_stream"] >= 0.8 * DetectorConfig().settled_fps
    # the camera's threads carry their names to the OS, so their CPU is told apart (the kernel
    # counts in 10 ms ticks: a small stream's demux may round to none in two seconds)
    threads = report["worker_thread_cpu_ms_per_stream_s"]
    assert {"demux", "decode"} <= set(threads) and sum(threads.values()) > 0
    saturated = report["saturated"]
    assert saturated["hub_ms_per_stream_s"] > saturated["ingest_only_ms_per_stream_s"] > 0
    assert saturated["ratio"] > 0 and saturated["baseline_ms_per_stream_s"] > 0
