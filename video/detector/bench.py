"""`firegrid bench detector`: milliseconds per analysed frame on one thread, from a real clip.

The frames of a real clip (the bundled CC0 house6 fire) are decoded once, scaled to each
benchmark size and fed to the production detector (every stage on, the shipped verifier when
there is one) as the hub feeds it: the frames due at the analyser's rate of stream time, and the
luma of every frame while the detector asks for it (its flicker stage); the luma's conversion is
not timed, the detector's use of it is. `ms_per_frame` is per analysed frame. The baseline,
measured in the same run on the same frames, is one `cvtColor` to grey: the cheapest thing any
analyser does per frame, so the ratio says how many such conversions the whole detector costs.

The same is measured on a quiet street view (`video.footage.cctv_scene` with nothing passing,
sensor grain only), which is what most cameras show most of the time: a hub's detector cost is
mostly the cost of its quiet frames.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from video.analyzer import BgrImage, LumaImage
from video.config import DetectorConfig
from video.detector import STAGES, FireDetector, build_detector
from video.detector.clips import every_frame
from video.detector.tuning import camera_defaults
from video.footage import cctv_scene

SIZES = ((640, 360), (1280, 720))
_REPO_ROOT = Path(__file__).resolve().parents[2]
CLIP_CANDIDATES = (
    _REPO_ROOT / "firegrid" / "demo" / "clips" / "house6.mp4",
    Path("/work/shared/datasets/raw/steffensbola__furg-fire-dataset/house6.mp4"),
)


def default_clip() -> Path:
    for path in CLIP_CANDIDATES:
        if path.is_file():
            return path
    raise FileNotFoundError(f"no benchmark clip at {', '.join(map(str, CLIP_CANDIDATES))}")


def _timed(run: Callable[[], object]) -> float:
    """Milliseconds of `run`, best of three passes (load on a shared machine)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        run()
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


@dataclass(frozen=True, slots=True)
class _Frame:
    t: float
    bgr: BgrImage | None  # only the frames due for analysis
    luma: LumaImage


def bench_size(
    frames: Sequence[_Frame], size: tuple[int, int], disabled: Sequence[str]
) -> dict[str, Any]:
    scaled = [_scaled(f, size) for f in frames]
    analysed = [f.bgr for f in scaled if f.bgr is not None]
    settings = DetectorConfig()
    detectors: list[FireDetector] = []

    def run() -> None:  # a fresh detector per pass: every pass sees the clip from its start
        detector = build_detector(camera_defaults(), settings, disabled)
        detectors.append(detector)
        for frame in scaled:
            if detector.wants_luma:
                detector.observe_luma(frame.luma, frame.t)
            if frame.bgr is not None:
                detector.feed(frame.bgr, frame.t)

    detector_ms = _timed(run) / len(analysed)
    baseline_ms = _timed(lambda: [cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in analysed]) / len(
        analysed
    )
    return {
        "width": size[0],
        "height": size[1],
        "frames": len(analysed),
        "ms_per_frame": round(detector_ms, 3),
        "baseline_cvtcolor_gray_ms": round(baseline_ms, 3),
        "ratio_to_baseline": round(detector_ms / baseline_ms, 2),
        "verifier_loaded": detectors[-1].verifier_enabled,
    }


def _scaled(frame: _Frame, size: tuple[int, int]) -> _Frame:
    luma = np.asarray(cv2.resize(frame.luma, size, interpolation=cv2.INTER_LINEAR), np.uint8)
    if frame.bgr is None:
        return _Frame(frame.t, None, luma)
    bgr = np.asarray(cv2.resize(frame.bgr, size, interpolation=cv2.INTER_LINEAR), np.uint8)
    return _Frame(frame.t, bgr, luma)


def _read(clip: Path, frames: int) -> list[_Frame]:
    """Every frame of `clip` until `frames` analysed ones, at its own size."""
    out: list[_Frame] = []
    analysed = 0
    for frame in every_frame(clip, 1920, DetectorConfig().analysis_fps):
        if frame.due:
            if analysed == frames:
                break
            analysed += 1
        out.append(_Frame(frame.t, frame.bgr() if frame.due else None, frame.luma()))
    return out


def _quiet_frames(frames: int) -> list[_Frame]:
    """Frames of a still street view with sensor grain and nothing passing."""
    with tempfile.TemporaryDirectory(prefix="firegrid-bench-") as folder:
        seconds = frames / 10.0 + 1.0
        clip = cctv_scene(Path(folder) / "quiet.mp4", (640, 360), 25.0, seconds, 0.0, seed=5)
        return _read(clip, frames)


def cli_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="firegrid bench detector", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON (the only output form)")
    parser.add_argument("--clip", type=Path, help="a real clip (default: the bundled house6)")
    parser.add_argument("--frames", type=int, default=300, help="analysed frames to time")
    parser.add_argument("--disable", nargs="*", default=[], choices=STAGES, metavar="STAGE")
    args = parser.parse_args(list(argv))
    cv2.setNumThreads(1)
    clip = args.clip or default_clip()
    source, quiet_source = _read(clip, args.frames), _quiet_frames(args.frames)
    results = [bench_size(source, size, args.disable) for size in SIZES]
    quiet = [bench_size(quiet_source, size, args.disable) for size in SIZES]
    report = {
        "benchmark": "detector",
        "clip": str(clip),
        "threads": 1,
        "disabled": list(args.disable),
        "sizes": results,
        "ms_per_frame_640x360": results[0]["ms_per_frame"],
        "target_ms_per_frame_640x360": 1.5,
        "quiet_scene": {"clip": "cctv_scene, nothing passing", "sizes": quiet},
        "quiet_ms_per_frame_640x360": quiet[0]["ms_per_frame"],
        "quiet_to_clip_640x360": round(quiet[0]["ms_per_frame"] / results[0]["ms_per_frame"], 2),
    }
    print(json.dumps(report, indent=2))
    return 0
