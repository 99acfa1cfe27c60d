"""Measure the exported verifier exactly as it ships (ONNX Runtime, `video.detector.verifier`).

    python -m train_verifier.evaluate --data /work/training/verifier --json eval.json

(run from `tools/`). Prints one JSON document with three parts:
- `held_out`: the crops of the validation sources (whole repositories held out), confusion
  matrix, per-class recall, fire-versus-background recall and false alarms at a few thresholds,
  per source and per crop kind (colour-proposed hard negatives apart);
- `manifest_images`: a read-only check on the images of /work/shared/datasets/manifest.tsv,
  which are evaluation data: never used to train or to pick anything. Each image is scored as
  a whole, over its colour-proposed candidate boxes and over a grid of windows; it alarms when
  any scored box has flame + smoke >= 0.5;
- `cost`: per-call time of `Verifier.score` on a 640x360 frame of house6.mp4 with 1, 2, 4 and
  8 boxes on one thread, with the colour conversion BGR->YCrCb of the same frame as baseline.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from train_verifier.build_dataset import decode
from train_verifier.crops import CropKind, colour_boxes
from train_verifier.sources import ALL_SOURCES
from video.detection import Box
from video.detector.verifier import CLASSES, Verifier

THRESHOLDS = (0.5, 0.7, 0.9)
Probs = npt.NDArray[np.float32]


def scores_of(verifier: Verifier, crops: npt.NDArray[np.uint8]) -> Probs:
    rows = []
    for i in range(0, len(crops), 256):
        for s in verifier.score_crops(list(crops[i : i + 256])):
            rows.append((s.background, s.flame, s.smoke))
    return np.array(rows, np.float32)


def fire_vs_background(labels: npt.NDArray[np.int64], probs: Probs) -> dict[str, Any]:
    fire_prob = 1 - probs[:, 0]
    out: dict[str, Any] = {
        "fire_crops": int((labels > 0).sum()),
        "bg_crops": int((labels == 0).sum()),
    }
    out["roc_auc"] = roc_auc(fire_prob[labels > 0], fire_prob[labels == 0])
    for t in THRESHOLDS:
        alarm = fire_prob >= t
        out[f"recall@{t}"] = _rate(alarm[labels > 0])
        out[f"false_alarm@{t}"] = _rate(alarm[labels == 0])
    return out


def roc_auc(positive: npt.NDArray[np.float32], negative: npt.NDArray[np.float32]) -> float | None:
    """Probability that a fire crop scores above a background crop (ties count half)."""
    if not len(positive) or not len(negative):
        return None
    ranks = np.concatenate([positive, negative]).argsort().argsort().astype(np.float64) + 1
    above = ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2
    return round(float(above / (len(positive) * len(negative))), 4)


def _rate(flags: npt.NDArray[np.bool_]) -> float | None:
    return round(float(flags.mean()), 4) if len(flags) else None


def held_out(verifier: Verifier, data: Path) -> dict[str, Any]:
    with np.load(data / "val.npz") as val:
        x, y, kind, source = val["x"], val["y"], val["kind"], val["source"]
    probs = scores_of(verifier, x)
    matrix = np.zeros((3, 3), np.int64)
    np.add.at(matrix, (y, probs.argmax(1)), 1)
    result: dict[str, Any] = {
        "crops": len(y),
        "confusion_rows_true_cols_pred": {
            c: dict(zip(CLASSES, map(int, row), strict=True))
            for c, row in zip(CLASSES, matrix, strict=True)
        },
        "class_recall": {
            c: round(float(matrix[i, i] / max(1, matrix[i].sum())), 4)
            for i, c in enumerate(CLASSES)
        },
        "fire_vs_background": fire_vs_background(y, probs),
        "per_source": {},
        "per_kind": {},
    }
    for index in np.unique(source):
        picked = source == index
        result["per_source"][ALL_SOURCES[index].repo] = fire_vs_background(y[picked], probs[picked])
    for k in CropKind:
        picked = kind == int(k)
        if picked.any():
            result["per_kind"][k.name] = fire_vs_background(y[picked], probs[picked])
    return result


def grid_boxes() -> list[Box]:
    """The whole image, a 2x2 grid of halves and a 3x3 grid of thirds (overlapping squares)."""
    boxes = [Box(0, 0, 1, 1)]
    for n in (2, 3):
        step = 1 / n
        boxes += [Box(i * step, j * step, step, step) for i in range(n) for j in range(n)]
    return boxes


def manifest_images(verifier: Verifier, datasets: Path) -> dict[str, Any]:
    rows = []
    for line in (datasets / "manifest.tsv").read_text().splitlines()[1:]:
        fields = line.split("\t")
        if fields[1] != "image":
            continue
        image = decode((datasets / fields[0]).read_bytes())
        if image is None:
            continue
        modes = {
            "whole": [Box(0, 0, 1, 1)],
            "colour_candidates": colour_boxes(image, 4),
            "grid": grid_boxes(),
        }
        fire = {
            m: max((1 - s.background for s in verifier.score(image, b)), default=0.0)
            for m, b in modes.items()
        }
        rows.append((fields[2], fields[3], fire))
    result: dict[str, Any] = {"images": len(rows), "by_category": {}}
    for mode in ("whole", "colour_candidates", "grid"):
        alarm = [r[2][mode] >= 0.5 for r in rows]
        expect = [r[1] == "alarm" for r in rows]
        positives = [a for a, e in zip(alarm, expect, strict=True) if e]
        negatives = [a for a, e in zip(alarm, expect, strict=True) if not e]
        result[mode] = {
            "recall": round(sum(positives) / max(1, len(positives)), 4),
            "false_alarm_rate": round(sum(negatives) / max(1, len(negatives)), 4),
            "alarm_images": len(positives),
            "no_alarm_images": len(negatives),
        }
        for category in sorted({r[0] for r in rows}):
            flags = [a for a, r in zip(alarm, rows, strict=True) if r[0] == category]
            result["by_category"].setdefault(category, {"images": len(flags)})
            result["by_category"][category][f"alarmed_{mode}"] = sum(flags)
    return result


def _timed(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return {
        "median_ms": round(float(np.median(times)) * 1e3, 4),
        "mean_ms": round(float(np.mean(times)) * 1e3, 4),
    }


def cost(verifier: Verifier, clip: Path, repeat: int) -> dict[str, Any]:
    cv2.setNumThreads(1)  # the detector runs one thread per camera
    capture = cv2.VideoCapture(str(clip))
    capture.set(cv2.CAP_PROP_POS_FRAMES, 60)
    ok, decoded = capture.read()
    capture.release()
    if not ok:
        raise SystemExit(f"cannot read a frame of {clip}")
    frame = np.asarray(cv2.resize(decoded, (640, 360)), np.uint8)
    baseline = _timed(lambda: cv2.cvtColor(frame, cv2.COLOR_BGR2YCrCb), repeat)
    result: dict[str, Any] = {"frame": "640x360", "threads": 1, "baseline_cvtColor_YCrCb": baseline}
    rng = np.random.default_rng(1)
    for n in (1, 2, 4, 8):
        boxes = [Box(*rng.uniform(0, 0.8, 2), *rng.uniform(0.03, 0.2, 2)) for _ in range(n)]
        timing = _timed(partial(verifier.score, frame, boxes), repeat)
        timing["ratio_to_baseline"] = round(timing["median_ms"] / baseline["median_ms"], 2)
        result[f"boxes_{n}"] = timing
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("/work/training/verifier"))
    parser.add_argument("--model", type=Path, default=None, help="default: the shipped model")
    parser.add_argument("--datasets", type=Path, default=Path("/work/shared/datasets"))
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    verifier = Verifier(args.model) if args.model else Verifier.load_default()
    if verifier is None:
        raise SystemExit("no model: pass --model or ship video/detector/models/verifier.onnx")
    clip = args.datasets / "raw/steffensbola__furg-fire-dataset/house6.mp4"
    report = {
        "held_out": held_out(verifier, args.data),
        "manifest_images": manifest_images(verifier, args.datasets),
        "cost": cost(verifier, clip, args.repeat),
    }
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
