"""`firegrid bench capacity`: how many live streams the hub keeps up with, against decode alone.

    firegrid bench capacity --size WxH --fps F --seconds S --json [--source FILE | --scene cctv]

The issue's capacity target, measured directly instead of estimated from CPU per stream: the hub
must keep up in real time with as many streams as a decode-only baseline can decode in real
time, less 20%. Every stream is the bench's encoded clip played as a live camera (the hub's own
file playback: paced at its native rate, looped), so no RTSP server takes a share of the cores
and both sides read packets the same way, one wake-up per packet:

- baseline: in as many processes as the hub has workers, one thread per stream that reads the
  paced packets with the hub's `PacketSource` and decodes each at full quality, one thread per
  decoder, nothing else. It keeps up when every stream decoded at least 95% of its frames over
  the measured window.
- hub: the real `IngestSupervisor` with the production detector on every stream. It keeps up
  when every camera stayed online, took in at least 95% of its frames and dropped none.

Each side's limit is searched from an estimate (the cores over its CPU per stream-second at a
first trial): steps of 40% until a kept-up and a failed trial bracket it, then the bracket's
geometric middle until they are 10% apart; the hub's search starts at 80% of the baseline's
limit, and the report says whether it kept up there (`target_met`), with every trial. Near the
limit a trial is a coin toss (one camera falling five seconds behind fails it): rerun before
trusting a difference of one step.

`--scene cctv` plays the synthetic still street of `firegrid bench ingest --scene cctv` (moving
about 10% of the time) on every stream, in whole loops of it, with the hub's activity gate on:
the live capacity the gate buys on still cameras. The baseline still decodes every frame. All
streams start together, so their moving spells coincide: the hub's catch-up bursts all fall in
the same seconds, which is harder than cameras moving independently.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import av

from video.config import IngestConfig
from video.ingest.bench_measure import measure_baseline
from video.ingest.bench_parts import bench_cache, served_footage, whole_cctv_loops
from video.ingest.bench_report import BenchArgs, print_report
from video.ingest.decoder import open_stream_decoder, to_av_packet
from video.ingest.errors import CameraError
from video.ingest.source import PacketSource
from video.ingest.worker import worker_count
from video.ingest_bench import DEFAULT_FACTORY, WARMUP_S, measure_hub

KEPT_UP = 0.95  # share of a stream's frames that must arrive (and be decoded) in the window
TARGET = 0.8  # the hub must keep up at this share of the baseline's limit
STEP = 1.1  # the limit is found to within this factor
REACH = 1.4  # the search's step while the limit is known on one side only
MAX_TRIALS = 8  # per side: a noisy limit must not make the search walk forever


@dataclass(frozen=True, slots=True)
class Trial:
    streams: int
    processes: int
    kept_up: bool
    cpu_ms_per_stream_s: float
    worst_fps: float  # the slowest stream's frames per second over the window
    dropped_frames: int = 0  # the hub's: its decoders fell five seconds behind
    not_online_reports: int = 0  # the hub's: a camera reported stalled or worse
    decoded_fraction: float | None = None  # the hub's share of frames decoded (gated: below 1)


@dataclass(frozen=True, slots=True)
class CapacityArgs:
    width: int
    height: int
    fps: int
    seconds: float
    workers: int | None  # worker processes at least (default one per core), as the hub's config
    analyzer: str
    source: str | None
    scene: str  # "footage" (the clip or --source) or "cctv" (the still street, gated)
    start: int  # streams of each side's first trial
    max_streams: int  # no trial runs more (a limit found there is a lower bound)

    @property
    def gated(self) -> bool:
        """The hub's activity gate is on (the cctv scene)."""
        return self.scene == "cctv"


# -- the search --------------------------------------------------------------------------------


def search_limit(
    run: Callable[[int], Trial], start: int, cores: int, max_streams: int
) -> list[Trial]:
    """Trials towards the most streams `run` keeps up with, never past `max_streams`: a first
    one at `start`, one at the estimate its CPU gives, then a step beyond the bracket while only
    one side of it is known, and its geometric middle once both are."""
    first = run(min(start, max_streams))
    trials = [first]
    n = first.streams
    if first.cpu_ms_per_stream_s > 0:
        n = max(1, math.floor(cores * 1000 * 0.9 / first.cpu_ms_per_stream_s))
    if n == first.streams:
        n = _step(n, first.kept_up)
    n = min(n, max_streams)
    while len(trials) < MAX_TRIALS and n not in {t.streams for t in trials}:
        trials.append(run(n))
        kept = limit_of(trials)
        failed = min((t.streams for t in trials if not t.kept_up), default=None)
        if failed is None:
            if kept >= max_streams:
                break
            n = min(_step(kept, True, REACH), max_streams)
        elif kept == 0:
            n = _step(failed, False, REACH)
        elif failed <= _step(kept, True):
            break  # a kept-up trial and a failed one a step apart bracket the limit
        else:
            n = min(max(round(math.sqrt(kept * failed)), kept + 1), failed - 1)
    return trials


def limit_of(trials: Sequence[Trial]) -> int:
    """The most streams kept up with, below the fewest not kept up with (0 if none was)."""
    failed = min((t.streams for t in trials if not t.kept_up), default=math.inf)
    kept = [t.streams for t in trials if t.kept_up and t.streams < failed]
    return max(kept, default=0)


def _step(n: int, kept_up: bool, factor: float = STEP) -> int:
    if kept_up:
        return max(n + 1, math.floor(n * factor))
    return max(1, min(n - 1, math.ceil(n / factor)))


# -- the baseline: paced playback + decode only -----------------------------------------------


def processes_for(streams: int, args: CapacityArgs) -> int:
    """The hub's own layout (`worker_count`), so that both sides run as many processes."""
    per_worker = IngestConfig().max_cameras_per_worker
    return worker_count(streams, args.workers, per_worker, os.cpu_count() or 1)


def _paced_decode(path: str, until: float, times: list[float]) -> None:
    source = PacketSource("baseline", path, 5.0, 5.0, threading.Event())
    info = source.open()
    context = open_stream_decoder(info)
    context.thread_type = "NONE"
    try:
        for packet in source.packets():
            for _ in context.decode(to_av_packet(packet)):
                times.append(time.monotonic())
            if time.monotonic() >= until:
                return
    except (CameraError, av.FFmpegError):
        return  # counted as frames missing from the window
    finally:
        source.close()


def baseline_trial(path: Path, streams: int, args: CapacityArgs) -> Trial:
    count = processes_for(streams, args)
    result = measure_baseline([str(path)] * streams, count, WARMUP_S, args.seconds, _paced_decode)
    fps = result["fps_per_stream"]
    return Trial(
        streams,
        processes=count,
        kept_up=min(fps) >= KEPT_UP * args.fps,
        cpu_ms_per_stream_s=round(result["cpu_s"] * 1000 / (streams * result["wall_s"]), 2),
        worst_fps=round(min(fps), 2),
    )


# -- the hub -----------------------------------------------------------------------------------


def hub_trial(path: Path, streams: int, args: CapacityArgs, data_dir: Path) -> Trial:
    bench = BenchArgs(
        streams, args.width, args.height, args.fps, args.seconds, args.scene,
        args.workers or os.cpu_count() or 1,
        args.analyzer, 1, args.source,
    )  # fmt: skip
    run = asyncio.run(
        measure_hub([str(path)] * streams, bench, data_dir, args.analyzer, args.gated)
    )
    worst = min(run.input_fps) if run.input_fps else 0.0
    return Trial(
        streams,
        processes=run.workers,
        kept_up=worst >= KEPT_UP * args.fps and run.dropped == 0 and run.not_online_reports == 0,
        cpu_ms_per_stream_s=round(run.cpu_per_stream_s() * 1000, 2),
        worst_fps=round(worst, 2),
        dropped_frames=run.dropped,
        not_online_reports=run.not_online_reports,
        decoded_fraction=None if run.decoded_fraction is None else round(run.decoded_fraction, 3),
    )


# -- the command -------------------------------------------------------------------------------


def run(args: CapacityArgs) -> dict[str, Any]:
    cache = bench_cache()
    path, described = served_footage(
        cache, args.scene, args.width, args.height, args.fps, args.source
    )
    if args.gated:
        args = replace(args, seconds=whole_cctv_loops(args.seconds))
    cores = os.cpu_count() or 1
    data_dir = Path(tempfile.mkdtemp(prefix="firegrid-capacity-"))
    try:
        baseline = search_limit(
            lambda n: baseline_trial(path, n, args), args.start, cores, args.max_streams
        )
        baseline_limit = limit_of(baseline)
        at_target = max(1, math.ceil(TARGET * baseline_limit))
        hub = search_limit(
            lambda n: hub_trial(path, n, args, data_dir), at_target, cores, args.max_streams
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    hub_limit = limit_of(hub)
    target_trial = next(t for t in hub if t.streams == at_target)
    return {
        "scene": args.scene,
        "activity_gate": args.gated,
        "clip": described,
        "size": f"{args.width}x{args.height}",
        "fps": args.fps,
        "seconds_per_trial": args.seconds,
        "max_cameras_per_worker": IngestConfig().max_cameras_per_worker,
        "cores": cores,
        "baseline_max_streams": baseline_limit,
        "hub_max_streams": hub_limit,
        "capacity_ratio": round(hub_limit / baseline_limit, 3) if baseline_limit else None,
        "target_streams": at_target,
        # A limit at --max-streams is only a lower bound.
        "max_streams": args.max_streams,
        # The hub kept up at the target on its own trial there, and no fewer streams failed.
        # None when the baseline kept up at --max-streams: its limit, and so the target, unknown.
        "target_met": None
        if baseline_limit >= args.max_streams
        else baseline_limit > 0 and target_trial.kept_up and hub_limit >= at_target,
        "baseline_trials": [asdict(t) for t in baseline],
        "hub_trials": [asdict(t) for t in hub],
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def parse_args(argv: Sequence[str]) -> CapacityArgs:
    parser = argparse.ArgumentParser(prog="firegrid bench capacity", description=__doc__)
    parser.add_argument("--size", default="640x360", help="WxH of the streams")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--seconds", type=float, default=15.0, help="measured window per trial")
    parser.add_argument("--json", action="store_true", help="print one JSON object (default)")
    parser.add_argument("--source", help="footage to play (as `firegrid bench ingest`)")
    parser.add_argument(
        "--scene",
        choices=["footage", "cctv"],
        default="footage",
        help="cctv: the still street scene in whole 40 s loops, with the activity gate on",
    )
    parser.add_argument("--workers", type=int, help="worker processes at least (default: cores)")
    parser.add_argument("--analyzer", default=DEFAULT_FACTORY, help="module:function factory")
    parser.add_argument("--start", type=int, default=16, help="streams of the first trial")
    parser.add_argument("--max-streams", type=int, default=600, help="no trial runs more")
    ns = parser.parse_args(list(argv))
    width, _, height = ns.size.partition("x")
    if not (width.isdigit() and height.isdigit()):
        parser.error(f"--size must be WxH, got {ns.size!r}")
    if not 1 <= ns.start <= ns.max_streams:
        parser.error("--start must be at least 1 and at most --max-streams")
    if ns.scene == "cctv" and ns.source:
        parser.error("--source plays footage; the cctv scene is generated")
    return CapacityArgs(
        int(width),
        int(height),
        ns.fps,
        ns.seconds,
        ns.workers,
        ns.analyzer,
        ns.source,
        ns.scene,
        ns.start,
        ns.max_streams,
    )


def cli_main(argv: list[str]) -> int:
    args = parse_args(argv)
    return print_report("capacity", lambda: run(args))


if __name__ == "__main__":
    sys.exit(cli_main(sys.argv[1:]))
