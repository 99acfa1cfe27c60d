"""Would flicker seen at the full frame rate tell flames from nuisances? A measurement.

The detector analyses 10 frames a second, where the 8-12 Hz flicker of a flame is aliased, so its
temporal stage measures shape only (`video/detector/flame_temporal.py`), and the stage ablation
shows it changes no verdict. The issue asks for candidate regions to be analysed fast enough to see
flicker. Before building that into the hub (every decoded frame, not only the analysed ones, would
have to reach the detector for its candidate boxes), this probe measures whether it would help.

It runs each video of a manifest through the production detector at its analysis rate, as
`firegrid eval` does, and keeps the last 2 s of every decoded frame (grey, at the analysis width).
At each flame alarm it measures, inside the alarm's box, over those full-rate frames:

- `hf_pixel`: the median over pixels of the share of each pixel's temporal variance that is
  frame-to-frame change (mean squared lag-1 difference / twice the variance): near 1 for a
  pixel that decorrelates from one frame to the next (flicker, noise), near 0 for slow change
  (a person walking, a drifting cloud, an exposure ramp);
- `lag_ratio`: mean absolute lag-1 difference over mean absolute 0.4 s difference;
- `band_share`: the share of the box's mean brightness spectrum (detrended) in 3-12 Hz.

It prints each alarm and the ROC AUC of each measure between alarms on `alarm` clips and alarms on
`no_alarm` clips. A measure that separates them here still needs its threshold set on footage that
is not evaluation footage.

    python tools/flicker_probe.py /work/shared/datasets/manifest.tsv --json /tmp/flicker.json
    python tools/flicker_probe.py MANIFEST --disable verifier   # every colour-and-motion alarm
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import deque
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from video.config import DetectorConfig
from video.detection import Box
from video.detector import STAGES, build_detector
from video.detector.clips import every_frame
from video.detector.tuning import camera_defaults

WINDOW_S = 2.0
ALARMS_PER_CLIP = 3
MEASURES = ("hf_pixel", "lag_ratio", "band_share")


def measure(frames: list[tuple[float, np.ndarray]], box: Box) -> dict[str, float] | None:
    """The flicker measures inside `box` over `frames` (time, grey image), oldest first."""
    if len(frames) < 20:
        return None
    fps = (len(frames) - 1) / (frames[-1][0] - frames[0][0])
    height, width = frames[0][1].shape
    x0, y0 = int(box.x * width), int(box.y * height)
    x1 = max(x0 + 2, int((box.x + box.w) * width))
    y1 = max(y0 + 2, int((box.y + box.h) * height))
    stack = np.stack([grey[y0:y1, x0:x1] for _, grey in frames]).astype(np.float32)
    steps = np.arange(len(stack))
    level = stack.mean(axis=(1, 2))
    level -= np.polyval(np.polyfit(steps, level, 1), steps)
    power = np.abs(np.fft.rfft(level * np.hanning(len(level)))) ** 2
    freqs = np.fft.rfftfreq(len(level), 1 / fps)
    band = power[(freqs >= 3) & (freqs <= 12)].sum() / (power[freqs >= 0.5].sum() + 1e-9)
    lag = max(2, round(0.4 * fps))
    lag1 = np.diff(stack, axis=0)
    lag_ratio = np.abs(lag1).mean() / (np.abs(stack[lag:] - stack[:-lag]).mean() + 1e-6)
    hf = (lag1**2).mean(axis=0) / (2 * stack.var(axis=0) + 1e-6)
    return {
        "fps": round(fps, 2),
        "hf_pixel": float(np.median(hf)),
        "lag_ratio": float(lag_ratio),
        "band_share": float(band),
    }


def probe_clip(job: tuple[Path, dict[str, str], tuple[str, ...]]) -> list[dict[str, Any]]:
    root, row, disabled = job
    detector = build_detector(camera_defaults(), DetectorConfig(), disabled)
    recent: deque[tuple[float, np.ndarray]] = deque()
    found: list[dict[str, Any]] = []
    path = root / row["file"]
    for frame in every_frame(path, detector.analysis_width, detector.analysis_fps):
        recent.append((frame.t, cv2.cvtColor(frame.image, cv2.COLOR_BGR2GRAY)))
        while recent[0][0] < frame.t - WINDOW_S:
            recent.popleft()
        if not frame.analysed:
            continue
        for alarm in detector.feed(frame.image, frame.t):
            if alarm.kind != "flame" or len(found) >= ALARMS_PER_CLIP:
                continue
            measures = measure(list(recent), alarm.box)
            if measures is not None:
                found.append(
                    {"file": row["file"], "expect": row["expect"], "t": frame.t, **measures}
                )
    return found


def auc(positives: list[float], negatives: list[float]) -> float:
    pairs = [(p > n) + 0.5 * (p == n) for p in positives for n in negatives]
    return float(np.mean(pairs)) if pairs else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--json", type=Path, help="write every alarm's measures here")
    parser.add_argument("--disable", nargs="+", default=[], choices=STAGES, metavar="STAGE")
    args = parser.parse_args()
    with args.manifest.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["media"] == "video"]
    jobs = [(args.manifest.parent, row, tuple(args.disable)) for row in rows]
    with Pool(2) as pool:
        alarms = [a for clip in pool.map(probe_clip, jobs) for a in clip]
    for a in sorted(alarms, key=lambda a: (a["expect"], a["hf_pixel"])):
        print(
            f"{a['expect']:8} {a['file'][:70]:70} t={a['t']:5.1f} fps={a['fps']:4.0f} "
            + " ".join(f"{m}={a[m]:.2f}" for m in MEASURES)
        )
    positives = [a for a in alarms if a["expect"] == "alarm"]
    negatives = [a for a in alarms if a["expect"] != "alarm"]
    summary = {
        "alarms_on_fire_clips": len(positives),
        "alarms_on_no_alarm_clips": len(negatives),
        "auc": {
            m: round(auc([a[m] for a in positives], [a[m] for a in negatives]), 3) for m in MEASURES
        },
    }
    print(json.dumps(summary))
    if args.json is not None:
        args.json.write_text(json.dumps({"summary": summary, "alarms": alarms}, indent=1))


if __name__ == "__main__":
    main()
