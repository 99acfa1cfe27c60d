"""What `firegrid bench ingest` reports: one round's figures from its measurements, and the
round of median ratio out of several.

The measuring is in `video.ingest_bench` (the hub) and `video.ingest.bench_measure` (the
baseline, CPU and memory); this module only turns their numbers into the JSON the command prints,
so every figure's definition is in one place.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import av

from video.config import IngestConfig
from video.ingest.errors import IngestError

INGEST_PREROLL_S = IngestConfig().preroll_s


@dataclass(frozen=True, slots=True)
class BenchArgs:
    streams: int
    width: int
    height: int
    fps: int
    seconds: float
    scene: str
    workers: int
    analyzer: str
    rounds: int
    source: str | None = None  # footage to serve instead of the default clip


@dataclass(frozen=True, slots=True)
class HubRun:
    cpu_s: float
    # Of which the hub's own process (the supervisor reading the workers' messages).
    main_cpu_s: float
    wall_s: float
    input_fps: list[float]
    analysed_fps: list[float]
    bitrate_kbps: float
    dropped: int
    not_online_reports: int
    worker_rss_mb: float
    worker_pss_mb: float
    # CPU seconds of the workers' threads by kind (demux, decode, ...) over the window.
    thread_cpu_s: dict[str, float]
    workers: int
    detections: int
    decoded_fraction: float | None

    def cpu_per_stream_s(self) -> float:
        return self.cpu_s / (len(self.input_fps) * self.wall_s)


def mean_of(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summarise(
    args: BenchArgs, baseline: dict[str, Any], hub: HubRun, bare: HubRun, idle_rss: float
) -> dict[str, Any]:
    hub_cpu, bare_cpu = hub.cpu_per_stream_s(), bare.cpu_per_stream_s()
    base_cpu = baseline["cpu_s"] / (args.streams * baseline["wall_s"])
    frames_in = sum(hub.input_fps) * hub.wall_s
    # What the pre-roll ring holds: the window plus up to one group of pictures (2 s) and the
    # margin the recorder keeps for alarms decided late.
    ring_mb = hub.bitrate_kbps * (INGEST_PREROLL_S + 2.0 + 2.0) / 8 / 1000
    summary: dict[str, Any] = {
        "streams": args.streams,
        "size": f"{args.width}x{args.height}",
        "fps": args.fps,
        "seconds": args.seconds,
        "scene": args.scene,
        "analyzer": args.analyzer,
        "workers": hub.workers,
        "activity_gate": args.scene == "cctv",
        "hub_cpu_s_per_stream_s": round(hub_cpu, 4),
        "baseline_cpu_s_per_stream_s": round(base_cpu, 4),
        "ratio": round_or_none(hub_cpu / base_cpu if base_cpu else None, 3),
        # The same run with an analyser that does nothing: what the ingest itself costs.
        "ingest_only_cpu_s_per_stream_s": round(bare_cpu, 4),
        "ingest_only_ratio": round_or_none(bare_cpu / base_cpu if base_cpu else None, 3),
        # The share of the hub's CPU spent in its own process rather than the workers.
        "hub_main_process_cpu_share": round_or_none(
            hub.main_cpu_s / hub.cpu_s if hub.cpu_s else None, 3
        ),
        # Where the workers' CPU goes: each camera's demux thread (mostly FFmpeg's reader) and
        # decode thread (decoding and the analyser), and the rest.
        "worker_thread_cpu_ms_per_stream_s": {
            kind: round(seconds * 1000 / (args.streams * hub.wall_s), 2)
            for kind, seconds in sorted(hub.thread_cpu_s.items())
        },
        "ingest_only_main_process_cpu_share": round_or_none(
            bare.main_cpu_s / bare.cpu_s if bare.cpu_s else None, 3
        ),
        "input_fps_per_stream": round(mean_of(hub.input_fps), 2),
        "analysed_fps_per_stream": round(mean_of(hub.analysed_fps), 2),
        "dropped_frame_fraction": round_or_none(hub.dropped / frames_in if frames_in else None, 4),
        "rss_mb_per_stream": round(hub.worker_rss_mb / args.streams, 1),
        "rss_mb_workers_total": round(hub.worker_rss_mb, 1),
        # RSS counts the libraries each worker maps once per worker; PSS shares them out.
        "pss_mb_per_stream": round(hub.worker_pss_mb / args.streams, 1),
        "rss_mb_idle_worker": round(idle_rss, 1),
        # Per stream once the workers' fixed cost (interpreter, FFmpeg, OpenCV, model) is paid.
        "rss_mb_per_stream_marginal": round(
            (hub.worker_rss_mb - hub.workers * idle_rss) / args.streams, 1
        ),
        "preroll_ring_mb_per_stream": round(ring_mb, 2),
        "bitrate_kbps_per_stream": round(hub.bitrate_kbps, 1),
        "baseline_rss_mb_total": round(baseline["rss_mb"], 1),
        "realtime": all(f >= 0.95 * args.fps for f in hub.input_fps)
        and hub.dropped == 0
        and hub.not_online_reports == 0,
        "not_online_reports": hub.not_online_reports,
        "baseline_realtime": all(f >= 0.95 * args.fps for f in baseline["fps_per_stream"]),
        "baseline_decode_fps_per_stream": round(mean_of(baseline["fps_per_stream"]), 2),
        "detections": hub.detections,
        # The machine is shared: a load above the core count makes every number noisier.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    if args.scene == "cctv":
        # Of this round's hub, like every other figure of the round.
        summary["decoded_frame_fraction"] = round_or_none(hub.decoded_fraction, 3)
    return summary


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round of median ratio, with every round's ratios beside it."""
    ordered = sorted(rounds, key=lambda r: r["ratio"] if r["ratio"] is not None else math.inf)
    report = dict(ordered[(len(ordered) - 1) // 2])
    report["rounds"] = len(rounds)
    keys = ("ratio", "ingest_only_ratio", "hub_cpu_s_per_stream_s", "baseline_cpu_s_per_stream_s")
    for key in keys:
        report[f"{key}_rounds"] = [r[key] for r in rounds]
    return report


def round_or_none(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def print_report(
    bench: str, measure: Callable[[], dict[str, Any]], errors: tuple[type[Exception], ...] = ()
) -> int:
    """Print `measure()`'s report as one JSON object (0), or what stopped it (1): a camera, the
    test server or the machine failed the bench, which is no bug of the bench's."""
    caught: tuple[type[Exception], ...] = (IngestError, OSError, av.FFmpegError, *errors)
    try:
        report = measure()
    except caught as exc:
        print(f"firegrid bench {bench}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(report))
    return 0
