"""`firegrid bench ingest`: the hub's ingest against a decode-only baseline, in one run.

    firegrid bench ingest --streams N --size WxH --fps F --seconds S --json [--scene cctv]
                          [--rounds R]

A clip is encoded once (H.264, a keyframe every two seconds, no B-frames, as cameras send) and
served N times by the project's RTSP test server, passed through without re-encoding. The same N
streams are then read three times, one after the other so they never compete for the cores:

1. baseline: PyAV demux + single-threaded decode of every frame of every stream, nothing else,
   spread over as many processes as the hub has workers;
2. hub: the real `IngestSupervisor` with the real detector on every stream;
3. ingest only: the same hub with an analyser that does nothing, to tell the ingest's own cost
   from the detector's.

`--scene footage` (default) serves real footage; `--scene cctv` serves a synthetic still street
scene that moves about 10% of the time, turns on the activity gate (keyframe-only decoding while
still) and then plays a quiet scene with a small real fire inserted, to time its alarm.

`saturated` gives the same clip's costs with no idle time, the cost per stream of a
fully loaded core (`video.ingest.bench_saturated`): the live rounds run a few streams on idle
cores, and on this machine work done after a sleep costs up to three or four times as much as the
same work done back to back, on both sides but not by the same factor.

CPU time is read from /proc for exactly the processes doing the work, over the same measured
window after a warm-up; the RTSP server's own CPU counts for neither side. The workers' CPU is
also split by thread (`worker_thread_cpu_ms_per_stream_s`: each camera's demux and decode
threads name themselves to the OS; "python" is the rest).

Baseline, hub and ingest only are measured `--rounds` times in turn (default 3) and the round
with the median ratio is reported whole, with every round's ratios beside it: the baseline,
which reads packet by packet, costs anywhere from 13 to 18 ms per stream-second at 640x360 from
one run to the next on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from video.config import CameraConfig, DetectorConfig, IngestConfig
from video.detection import CameraHealth, Detection
from video.ingest.bench_measure import (
    cpu_seconds,
    idle_worker_rss_mb,
    measure_baseline,
    pss_mb,
    rss_mb,
    thread_cpu_seconds,
)
from video.ingest.bench_parts import (
    FIRE_AT_S,
    bench_cache,
    prepare_cctv_clips,
    served_footage,
    whole_cctv_loops,
)
from video.ingest.bench_report import (
    BenchArgs,
    HubRun,
    mean_of,
    median_round,
    print_report,
    round_or_none,
    summarise,
)
from video.ingest.bench_saturated import measure_saturated
from video.ingest.supervisor import IngestSupervisor
from video.rtsp_fixture import Mount, RtspServerError, RtspTestServer

DEFAULT_FACTORY = "video.detector:make_detector"
NULL_FACTORY = "video.ingest.bench_parts:make_null_analyzer"
WARMUP_S = 3.0
ONLINE_WAIT_S = 30.0
# How long after the fire's insertion the bench waits for an alarm before calling it missed.
FIRE_WAIT_S = 30.0


def parse_args(argv: Sequence[str]) -> BenchArgs:
    parser = argparse.ArgumentParser(prog="firegrid bench ingest", description=__doc__)
    parser.add_argument("--streams", type=int, default=4)
    parser.add_argument("--size", default="640x360", help="WxH of the served streams")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window per side")
    parser.add_argument("--json", action="store_true", help="print one JSON object (default)")
    parser.add_argument("--scene", choices=["footage", "cctv"], default="footage")
    parser.add_argument(
        "--source",
        help="footage scene: the video file to serve, re-encoded to --size and --fps (default: "
        "$FIREGRID_BENCH_SOURCE, else the shared FURG house6 fire clip: a burning camera, "
        "analysed at the full rate until its alarm; busy street traffic, where candidates are "
        "followed all the time, costs the detector more)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--analyzer", default=DEFAULT_FACTORY, help="module:function factory")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="baseline, hub and ingest-only measured this many times in turn; the round of "
        "median ratio is reported (the decode-only baseline alone varies by a third between "
        "runs on a shared machine)",
    )
    ns = parser.parse_args(list(argv))
    if ns.rounds < 1:
        parser.error("--rounds must be at least 1")
    width, _, height = ns.size.partition("x")
    if not (width.isdigit() and height.isdigit()):
        parser.error(f"--size must be WxH, got {ns.size!r}")
    return BenchArgs(
        ns.streams,
        int(width),
        int(height),
        ns.fps,
        ns.seconds,
        ns.scene,
        ns.workers,
        ns.analyzer,
        ns.rounds,
        ns.source,
    )


# -- the hub ---------------------------------------------------------------------------------


def bench_cameras(sources: Sequence[str]) -> list[CameraConfig]:
    return [
        CameraConfig(id=f"s{i}", name=f"s{i}", source=src, grid="bench", location=(0.0, 0.0))
        for i, src in enumerate(sources)
    ]


async def measure_hub(
    urls: list[str], args: BenchArgs, data_dir: Path, analyzer: str, gate: bool
) -> HubRun:
    cameras = bench_cameras(urls)
    ingest = IngestConfig(workers=args.workers, activity_gate=gate)
    supervisor = IngestSupervisor(cameras, ingest, DetectorConfig(), data_dir, analyzer)
    reports: list[tuple[float, CameraHealth]] = []
    detections = 0

    all_online = asyncio.Event()

    async def on_health(health: CameraHealth) -> None:
        reports.append((time.monotonic(), health))
        if _all_online(supervisor, len(cameras)):
            all_online.set()

    async def on_detection(_: object) -> None:
        nonlocal detections
        detections += 1

    supervisor.on_health(on_health)
    supervisor.on_detection(on_detection)
    await supervisor.start()
    try:
        # Spawning workers and loading the detector takes seconds on a busy machine: measure
        # only once every camera is online.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_online.wait(), ONLINE_WAIT_S)
        await asyncio.sleep(WARMUP_S)
        pids = [*supervisor.worker_pids(), os.getpid()]
        cpu0, main0, t0, stats0 = (
            sum(cpu_seconds(p) for p in pids),
            cpu_seconds(os.getpid()),
            time.monotonic(),
            supervisor.decode_stats(),
        )
        threads0 = thread_cpu_seconds(supervisor.worker_pids())
        await asyncio.sleep(args.seconds)
        threads1 = thread_cpu_seconds(supervisor.worker_pids())
        cpu1, main1, t1, stats1 = (
            sum(cpu_seconds(p) for p in pids),
            cpu_seconds(os.getpid()),
            time.monotonic(),
            supervisor.decode_stats(),
        )
        worker_rss = sum(rss_mb(p) for p in supervisor.worker_pids())
        worker_pss = sum(pss_mb(p) for p in supervisor.worker_pids())
        workers = len(supervisor.worker_pids())
    finally:
        await supervisor.stop()
    window = [h for t, h in reports if t0 < t <= t1]
    per_camera = [[h for h in window if h.camera_id == c.id] for c in cameras]
    before = {h.camera_id: h.dropped_frames for t, h in reports if t <= t0}  # last one wins
    packets = sum(s.packets for s in stats1) - sum(s.packets for s in stats0)
    decoded = sum(s.decoded_frames for s in stats1) - sum(s.decoded_frames for s in stats0)
    return HubRun(
        cpu_s=cpu1 - cpu0,
        main_cpu_s=main1 - main0,
        wall_s=t1 - t0,
        input_fps=[mean_of([h.input_fps for h in hs]) for hs in per_camera],
        analysed_fps=[mean_of([h.analysed_fps for h in hs]) for hs in per_camera],
        bitrate_kbps=mean_of([h.bitrate_kbps for h in window]),
        dropped=sum(
            hs[-1].dropped_frames - before.get(hs[-1].camera_id, 0) for hs in per_camera if hs
        ),
        not_online_reports=sum(h.state != "online" for h in window),
        worker_rss_mb=worker_rss,
        worker_pss_mb=worker_pss,
        thread_cpu_s={k: max(0.0, v - threads0.get(k, 0.0)) for k, v in threads1.items()},
        workers=workers,
        detections=detections,
        decoded_fraction=decoded / packets if packets else None,
    )


async def fire_time_to_alarm(
    fire_clip: Path, analyzer: str, data_dir: Path, gate: bool
) -> float | None:
    """Seconds from the fire's insertion to the first alarm, or None if none came."""
    ingest = IngestConfig(workers=1, activity_gate=gate)
    supervisor = IngestSupervisor(
        bench_cameras([str(fire_clip)]), ingest, DetectorConfig(), data_dir, analyzer
    )
    first: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    async def on_detection(detection: Detection) -> None:
        if not first.done():
            first.set_result(detection.t)

    supervisor.on_detection(on_detection)
    await supervisor.start()
    try:
        alarm_t = await asyncio.wait_for(first, FIRE_AT_S + FIRE_WAIT_S + WARMUP_S)
    except TimeoutError:
        return None
    finally:
        await supervisor.stop()
    return alarm_t - FIRE_AT_S


def _all_online(supervisor: IngestSupervisor, cameras: int) -> bool:
    status = supervisor.status()
    return len(status) == cameras and all(h.state == "online" for h in status)


# -- the report --------------------------------------------------------------------------------


def run(args: BenchArgs) -> dict[str, Any]:
    cache = bench_cache()
    gate = args.scene == "cctv"
    if gate:
        # Whole loops of the scene, so the measured share of activity is the scene's own.
        args = dataclasses.replace(args, seconds=whole_cctv_loops(args.seconds))
    served, described = served_footage(
        cache, args.scene, args.width, args.height, args.fps, args.source
    )
    mounts = [Mount.clip(f"/s{i}", served) for i in range(args.streams)]
    data_dir = Path(tempfile.mkdtemp(prefix="firegrid-bench-"))
    fire_s: dict[bool, float | None] = {}
    try:
        with RtspTestServer(mounts, cache_dir=cache) as server:
            urls = [server.url(m.path) for m in mounts]
            idle_rss = idle_worker_rss_mb(args.analyzer)
            rounds = []
            for _ in range(args.rounds):
                baseline = measure_baseline(urls, args.workers, WARMUP_S, args.seconds)
                hub = asyncio.run(measure_hub(urls, args, data_dir, args.analyzer, gate))
                bare = asyncio.run(measure_hub(urls, args, data_dir, NULL_FACTORY, gate))
                rounds.append(summarise(args, baseline, hub, bare, idle_rss))
        if gate:
            # Gated and not: if both miss, the detector misses this fire, not the gate.
            fire = prepare_cctv_clips(cache, args.width, args.height, args.fps).fire  # cached
            for gated in (True, False):
                fire_s[gated] = asyncio.run(
                    fire_time_to_alarm(fire, args.analyzer, data_dir, gated)
                )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    report = median_round(rounds)
    report["clip"] = described
    report["saturated"] = measure_saturated(served, args.analyzer, gated=gate).as_json()
    if gate:
        report["fire_time_to_alarm_s"] = round_or_none(fire_s[True], 2)
        report["fire_time_to_alarm_ungated_s"] = round_or_none(fire_s[False], 2)
        gated_s = fire_s[True]
        report["fire_alarmed_within_15_s"] = gated_s is not None and gated_s <= 15.0
    return report


def cli_main(argv: list[str]) -> int:
    args = parse_args(argv)
    return print_report("ingest", lambda: run(args), (RtspServerError,))


if __name__ == "__main__":
    sys.exit(cli_main(sys.argv[1:]))
