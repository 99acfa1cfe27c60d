"""How does the flicker stage's measure separate flames from nuisances? A measurement.

The detector's flicker stage (`video/detector/flame_flicker.py`) vetoes flame candidates whose
pixels change too smoothly at the stream's full frame rate. This probe sets its threshold: it
runs each video of a manifest through the production detector exactly as `firegrid eval` does,
except that the stage's threshold is 0 (it measures but never vetoes), and reads the measure of
the alarming track at each flame alarm (at most three a clip).

It prints each alarm, the ROC AUC of the measure between alarms on `alarm` clips and alarms on
`no_alarm` clips, and the share of each side's alarms that candidate thresholds keep. The
threshold is chosen on footage that is not evaluation footage (the training side), then checked
on the evaluation manifest.

    python tools/flicker_probe.py /work/flicker-train/manifest.tsv --disable verifier --json F
    python tools/flicker_probe.py /work/shared/datasets/manifest.tsv
"""

from __future__ import annotations

import argparse
import csv
import json
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np

from video.config import DetectorConfig
from video.detector import STAGES, FireDetector
from video.detector.clips import analyse_clip
from video.detector.flame_flicker import FlickerSettings
from video.detector.tuning import camera_defaults
from video.detector.verify_hook import load_default_verifier

ALARMS_PER_CLIP = 3
THRESHOLDS = (0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.15)


def probe_clip(job: tuple[Path, dict[str, str], tuple[str, ...], float]) -> list[dict[str, Any]]:
    root, row, disabled, min_std = job
    verifier = None if "verifier" in disabled else load_default_verifier()
    settings = FlickerSettings(min_hf=0.0, min_std=min_std)
    detector = FireDetector(DetectorConfig(), camera_defaults(), verifier, disabled, settings)
    found: list[dict[str, Any]] = []
    for frame in analyse_clip(detector, root / row["file"]):
        for alarm in frame.alarms:
            if alarm.kind != "flame" or len(found) >= ALARMS_PER_CLIP:
                continue
            evidence = dict(e.split("=", 1) for e in alarm.evidence if "=" in e)
            if evidence["flicker"] == "n/a":
                continue  # a stream too slow to show flicker: the stage abstains
            found.append(
                {"file": row["file"], "expect": row["expect"], "t": frame.t}
                | {"box": round(alarm.box.w * alarm.box.h, 4), "hf": float(evidence["flicker"])}
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
    parser.add_argument(
        "--min-std",
        type=float,
        default=FlickerSettings().min_std,
        help="grey levels of spread a pixel needs to be measured (0: every pixel)",
    )
    args = parser.parse_args()
    with args.manifest.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["media"] == "video"]
    jobs = [(args.manifest.parent, row, tuple(args.disable), args.min_std) for row in rows]
    with Pool(2) as pool:
        alarms = [a for clip in pool.map(probe_clip, jobs) for a in clip]
    for a in sorted(alarms, key=lambda a: (a["expect"], a["hf"])):
        print(
            f"{a['expect']:8} {a['file'][:70]:70} t={a['t']:5.1f} box={a['box']:.4f} "
            f"hf={a['hf']:.3f}"
        )
    positives = [a["hf"] for a in alarms if a["expect"] == "alarm"]
    negatives = [a["hf"] for a in alarms if a["expect"] != "alarm"]
    summary = {
        "alarms_on_fire_clips": len(positives),
        "alarms_on_no_alarm_clips": len(negatives),
        "auc": round(auc(positives, negatives), 3),
        "kept_at": {
            str(th): {
                "fire_alarms": round(float(np.mean([p >= th for p in positives] or [0])), 3),
                "nuisance_alarms": round(float(np.mean([n >= th for n in negatives] or [0])), 3),
            }
            for th in THRESHOLDS
        },
    }
    print(json.dumps(summary))
    if args.json is not None:
        args.json.write_text(json.dumps({"summary": summary, "alarms": alarms}, indent=1))


if __name__ == "__main__":
    main()
